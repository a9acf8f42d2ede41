#include "lqr_output.hpp"

#include <algorithm>
#include <cstddef>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::cli {
namespace {

// A long horizon prints its first steps only; --json has every one.
constexpr std::size_t kMaxPrintedSteps = 50;

std::string matrix_text(const control::LqrMatrix& m) {
  std::ostringstream out;
  out << std::setprecision(7) << "[";
  for (std::size_t i = 0; i < m.rows; ++i) {
    out << (i == 0 ? "[" : ", [");
    for (std::size_t j = 0; j < m.cols; ++j) out << (j == 0 ? "" : ", ") << m(i, j);
    out << "]";
  }
  out << "]";
  return out.str();
}

nlohmann::json matrix_json(const control::LqrMatrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < m.rows; ++i) {
    rows.push_back(std::vector<double>(m.data.begin() + static_cast<std::ptrdiff_t>(i * m.cols),
                                       m.data.begin() + static_cast<std::ptrdiff_t>((i + 1) * m.cols)));
  }
  return rows;
}

}  // namespace

void print_lqr_solution(std::ostream& out, const std::string& name, const control::LqrProblem& problem,
                        const control::LqrSolution& solution) {
  out << "lqr " << name << ": " << control::to_string(solution.method) << "   (state dim " << problem.state_dim()
      << ", action dim " << problem.action_dim() << ", horizon " << problem.horizon << ", temperature "
      << problem.temperature << ")\n";
  out << std::setprecision(10) << "  V_0(x0) = " << solution.value << "   (constant c_0 = "
      << solution.value_constant.front() << ")\n";
  if (solution.method == control::ControlMethod::exact) out << "  log p(O) = " << solution.log_partition << "\n";
  out << std::defaultfloat;
  // The gains' column is as wide as its widest entry.
  std::vector<std::string> gains;
  std::size_t width = std::string("gain K_t").size();
  for (const control::LqrMatrix& k : solution.gain) {
    gains.push_back(gains.size() < kMaxPrintedSteps ? matrix_text(k) : std::string());
    width = std::max(width, gains.back().size());
  }
  out << std::left << "  " << std::setw(4) << "t" << std::setw(static_cast<int>(width) + 3) << "gain K_t"
      << "policy covariance\n";
  for (std::size_t t = 0; t < gains.size() && t < kMaxPrintedSteps; ++t) {
    out << "  " << std::setw(4) << t << std::setw(static_cast<int>(width) + 3) << gains[t]
        << matrix_text(solution.policy_cov[t]) << "\n";
  }
  if (gains.size() > kMaxPrintedSteps) {
    out << "  ... " << gains.size() - kMaxPrintedSteps << " more steps (all of them in --json)\n";
  }
  out << std::right;
}

nlohmann::json lqr_json(const std::string& name, const control::LqrProblem& problem,
                        const control::LqrSolution& solution) {
  nlohmann::json doc;
  doc["lqr"] = name;
  doc["method"] = control::to_string(solution.method);
  doc["state_dim"] = problem.state_dim();
  doc["action_dim"] = problem.action_dim();
  doc["horizon"] = problem.horizon;
  doc["temperature"] = problem.temperature;
  nlohmann::json gains = nlohmann::json::array();
  nlohmann::json covariances = nlohmann::json::array();
  for (std::size_t t = 0; t < solution.gain.size(); ++t) {
    gains.push_back(matrix_json(solution.gain[t]));
    covariances.push_back(matrix_json(solution.policy_cov[t]));
  }
  doc["gains"] = std::move(gains);
  doc["policy_cov"] = std::move(covariances);
  doc["value"] = solution.value;
  doc["value_constant"] = solution.value_constant.front();
  if (solution.method == control::ControlMethod::exact) doc["log_partition"] = solution.log_partition;
  return doc;
}

}  // namespace copi::cli
