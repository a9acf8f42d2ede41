#include "copi/inference/result.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "copi/graph/error.hpp"

namespace copi {

GaussianMarginals::GaussianMarginals(const std::vector<std::size_t>& dimensions)
    : dimension_(dimensions), mean_at_(dimensions.size()), covariance_at_(dimensions.size()) {
  std::size_t means = 0;
  std::size_t covariances = 0;
  for (std::size_t v = 0; v < dimensions.size(); ++v) {
    mean_at_[v] = means;
    covariance_at_[v] = covariances;
    means += dimensions[v];
    covariances += dimensions[v] * dimensions[v];
  }
  means_.assign(means, 0.0);
  covariances_.assign(covariances, 0.0);
}

GaussianMarginal GaussianMarginals::at(std::size_t v) const {
  if (v >= size()) {
    throw std::out_of_range("GaussianMarginals::at: variable " + std::to_string(v) + " of " +
                            std::to_string(size()));
  }
  return (*this)[v];
}

std::string to_string(Task task) {
  switch (task) {
    case Task::marginals: return "MAR";
    case Task::partition: return "PR";
    case Task::mpe: return "MPE";
  }
  return "?";
}

Task parse_task(const std::string& text) {
  std::string upper = text;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (upper == "MAR") return Task::marginals;
  if (upper == "PR") return Task::partition;
  if (upper == "MPE" || upper == "MAP") return Task::mpe;
  throw InputError("unknown task '" + text + "': expected MAR, PR or MPE");
}

std::string to_string(LogZKind kind) {
  switch (kind) {
    case LogZKind::exact: return "exact";
    case LogZKind::bethe: return "bethe";
    case LogZKind::lower_bound: return "lower_bound";
    case LogZKind::upper_bound: return "upper_bound";
    case LogZKind::ep_estimate: return "ep_estimate";
  }
  return "?";
}

std::string to_string(Termination termination) {
  switch (termination) {
    case Termination::exact: return "exact";
    case Termination::converged: return "converged";
    case Termination::max_iterations: return "iteration limit reached";
    case Termination::time_limit: return "time limit reached";
  }
  return "?";
}

std::string InferenceReport::brief() const {
  std::ostringstream out;
  out << algorithm << ": " << to_string(termination);
  if (termination != Termination::exact) out << " after " << iterations << " iterations";
  if (induced_width > 0) out << ", induced width " << induced_width;
  out << ", " << seconds << " s";
  return out.str();
}

std::string InferenceReport::full() const {
  std::ostringstream out;
  out << "algorithm:      " << algorithm << "\n"
      << "termination:    " << to_string(termination) << "\n"
      << "iterations:     " << iterations << "\n"
      << "threads:        " << threads << "\n"
      << "seconds:        " << seconds << "\n";
  if (largest_table > 0) {
    out << "induced width:  " << induced_width << "\n"
        << "largest table:  " << largest_table << " entries\n";
  }
  if (!residuals.empty()) out << "final residual: " << residuals.back() << "\n";
  return out.str();
}

}  // namespace copi
