#include "result_output.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>

#include "copi/graph/io/atomic_file.hpp"
#include "copi/graph/io/solution_file.hpp"

namespace copi::cli {
namespace {

constexpr std::size_t kMaxPrintedVariables = 40;
constexpr std::size_t kMaxPrintedStates = 8;

void print_marginals(std::ostream& out, const FactorGraph& graph, const InferenceResult& result) {
  std::size_t name_width = 8;
  for (std::size_t v = 0; v < graph.num_variables() && v < kMaxPrintedVariables; ++v) {
    name_width = std::max(name_width, graph.variables()[v].name.size());
  }
  out << std::left << std::setw(static_cast<int>(name_width)) << "variable" << "  marginal\n";
  for (std::size_t v = 0; v < result.marginals.size() && v < kMaxPrintedVariables; ++v) {
    const Variable& var = graph.variables()[v];
    out << std::left << std::setw(static_cast<int>(name_width)) << var.name << " ";
    const auto& p = result.marginals[v];
    for (std::size_t s = 0; s < p.size() && s < kMaxPrintedStates; ++s) {
      out << " " << var.state_name(s) << "=" << std::fixed << std::setprecision(6) << p[s];
    }
    if (p.size() > kMaxPrintedStates) out << " ... (" << p.size() - kMaxPrintedStates << " more states)";
    out << "\n";
  }
  if (result.marginals.size() > kMaxPrintedVariables) {
    out << "... " << result.marginals.size() - kMaxPrintedVariables
        << " more variables (all of them are in --json and --out)\n";
  }
  out << std::defaultfloat;
}

void print_map(std::ostream& out, const FactorGraph& graph, const InferenceResult& result) {
  out << "MPE assignment:";
  for (std::size_t v = 0; v < result.map.size() && v < kMaxPrintedVariables * 4; ++v) {
    out << " " << graph.variables()[v].name << "=" << graph.variables()[v].state_name(result.map[v]);
  }
  if (result.map.size() > kMaxPrintedVariables * 4) out << " ...";
  out << "\n";
  if (result.map_log_value) {
    out << std::setprecision(12) << "log probability (unnormalised): " << *result.map_log_value << "  (log10 "
        << *result.map_log_value / std::log(10.0) << ")\n";
  }
}

}  // namespace

void print_gaussian_marginals(std::ostream& out, const FactorGraph& graph, const InferenceResult& result,
                              const std::vector<VarId>& vars, const std::vector<VarId>& with_covariance,
                              const std::vector<VarId>& with_variance) {
  std::size_t name_width = 8;
  for (const VarId v : vars) name_width = std::max(name_width, graph.variable(v).name.size());
  out << std::left << std::setw(static_cast<int>(name_width)) << "variable" << "  mean ± sd\n";
  std::size_t printed = 0;
  for (const VarId v : vars) {
    if (v.index >= result.real_marginals.size()) continue;
    if (++printed > kMaxPrintedVariables * 5) {
      out << "... " << vars.size() - kMaxPrintedVariables * 5 << " more variables (all of them are in --json)\n";
      break;
    }
    const GaussianMarginal& m = result.real_marginals[v.index];
    out << std::left << std::setw(static_cast<int>(name_width)) << graph.variable(v).name << " ";
    out << std::setprecision(6);
    if (m.mean.size() > 1) out << " [";
    for (Eigen::Index i = 0; i < m.mean.size(); ++i) {
      const double variance = i < m.covariance.rows() ? m.covariance(i, i) : 0.0;
      out << (i > 0 ? ", " : m.mean.size() > 1 ? "" : " ") << m.mean(i) << " ± " << std::sqrt(std::max(variance, 0.0));
    }
    if (m.mean.size() > 1) out << "]";
    out << "\n";
    if (std::find(with_variance.begin(), with_variance.end(), v) != with_variance.end()) {
      out << std::string(name_width + 2, ' ') << "var " << (m.mean.size() > 1 ? "[" : "");
      for (Eigen::Index i = 0; i < m.covariance.rows(); ++i) out << (i > 0 ? ", " : "") << m.covariance(i, i);
      out << (m.mean.size() > 1 ? "]" : "") << "\n";
    }
    if (std::find(with_covariance.begin(), with_covariance.end(), v) != with_covariance.end()) {
      for (Eigen::Index i = 0; i < m.covariance.rows(); ++i) {
        out << std::string(name_width + 2, ' ') << (i == 0 ? "cov [" : "     ");
        for (Eigen::Index j = 0; j < m.covariance.cols(); ++j) {
          out << (j > 0 ? ", " : "") << m.covariance(i, j);
        }
        out << (i + 1 == m.covariance.rows() ? "]" : "") << "\n";
      }
    }
  }
  out << std::defaultfloat;
}

nlohmann::json continuous_json(const FactorGraph& graph, const InferenceResult& result, const std::vector<VarId>& vars) {
  nlohmann::json doc = nlohmann::json::object();
  for (const VarId v : vars) {
    if (v.index >= result.real_marginals.size()) continue;
    const GaussianMarginal& m = result.real_marginals[v.index];
    std::vector<double> mean(m.mean.data(), m.mean.data() + m.mean.size());
    std::vector<std::vector<double>> cov(static_cast<std::size_t>(m.covariance.rows()));
    std::vector<double> variance;
    for (Eigen::Index i = 0; i < m.covariance.rows(); ++i) {
      for (Eigen::Index j = 0; j < m.covariance.cols(); ++j) cov[static_cast<std::size_t>(i)].push_back(m.covariance(i, j));
      variance.push_back(m.covariance(i, i));
    }
    doc[graph.variable(v).name] = {{"mean", mean}, {"var", variance}, {"cov", cov}};
  }
  return doc;
}

std::string log_z_label(LogZKind kind) {
  switch (kind) {
    case LogZKind::exact: return "log Z = ";
    case LogZKind::bethe: return "log Z ~ ";
    case LogZKind::lower_bound: return "log Z >= ";
    case LogZKind::upper_bound: return "log Z <= ";
    case LogZKind::ep_estimate: return "log Z ~ ";
  }
  return "log Z = ";
}

void print_result(std::ostream& out, const FactorGraph& graph, const InferenceResult& result, Task task) {
  out << "task: " << to_string(task) << "   variables: " << graph.num_variables()
      << "   factors: " << graph.num_factors() << "\n";
  if (!result.marginals.empty() && graph.is_discrete()) print_marginals(out, graph, result);
  if (!result.real_marginals.empty()) {
    std::vector<VarId> real;
    for (std::size_t v = 0; v < graph.num_variables(); ++v) {
      if (graph.variables()[v].is_real()) real.push_back(VarId{static_cast<std::uint32_t>(v)});
    }
    print_gaussian_marginals(out, graph, result, real);
  }
  if (!result.map.empty()) print_map(out, graph, result);
  if (result.log_z) {
    out << std::setprecision(12) << log_z_label(result.log_z_kind) << *result.log_z
        << "   log10 Z = " << *result.log_z / std::log(10.0) << "\n";
  }
  out << result.report.brief() << "\n";
}

nlohmann::json result_json(const FactorGraph& graph, const InferenceResult& result, Task task) {
  nlohmann::json doc;
  doc["task"] = to_string(task);
  doc["algorithm"] = result.report.algorithm;
  doc["log_z"] = result.log_z ? nlohmann::json(*result.log_z) : nlohmann::json(nullptr);
  doc["log10_z"] = result.log_z ? nlohmann::json(*result.log_z / std::log(10.0)) : nlohmann::json(nullptr);
  doc["log_z_kind"] = result.log_z ? nlohmann::json(to_string(result.log_z_kind)) : nlohmann::json(nullptr);
  doc["marginals"] = result.marginals;
  doc["map"] = result.map;
  doc["map_log_value"] = result.map_log_value ? nlohmann::json(*result.map_log_value) : nlohmann::json(nullptr);
  doc["converged"] = result.report.converged();
  doc["termination"] = to_string(result.report.termination);
  doc["iterations"] = result.report.iterations;
  doc["seconds"] = result.report.seconds;
  doc["threads"] = result.report.threads;
  if (result.report.largest_table > 0) {
    doc["induced_width"] = result.report.induced_width;
    doc["largest_table"] = result.report.largest_table;
  }
  doc["residuals"] = result.report.residuals;
  if (!result.report.bounds.empty()) {
    doc[result.log_z_kind == LogZKind::lower_bound ? "elbo_trace" : "bound_trace"] = result.report.bounds;
  }
  std::vector<std::string> names;
  for (const Variable& v : graph.variables()) names.push_back(v.name);
  doc["variables"] = names;
  if (!result.real_marginals.empty()) {
    std::vector<VarId> real;
    for (std::size_t v = 0; v < graph.num_variables(); ++v) {
      if (graph.variables()[v].is_real()) real.push_back(VarId{static_cast<std::uint32_t>(v)});
    }
    doc["continuous"] = continuous_json(graph, result, real);
  }
  return doc;
}

void write_json_file(const std::filesystem::path& path, const nlohmann::json& document) {
  write_file_atomically(path, [&](std::ostream& out) { out << document.dump(2) << "\n"; });
}

void write_solution(const std::filesystem::path& path, const InferenceResult& result, Task task) {
  write_file_atomically(path, [&](std::ostream& out) {
    switch (task) {
      case Task::marginals: write_mar(out, result.marginals); break;
      case Task::partition: write_pr(out, *result.log_z / std::log(10.0)); break;
      case Task::mpe: write_mpe(out, result.map); break;
    }
  });
}

}  // namespace copi::cli
