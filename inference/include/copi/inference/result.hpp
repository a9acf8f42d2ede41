// The one result type every inference algorithm returns: marginals, log Z (or its
// estimate), the MAP assignment, and a report of how the run went.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "copi/inference/detail/large_block_allocator.hpp"

namespace copi {

// What the caller asks for. UAI task names: MAR, PR, MPE.
enum class Task { marginals, partition, mpe };

[[nodiscard]] std::string to_string(Task task);
// "MAR", "PR", "MPE" (case-insensitive); throws InputError otherwise.
[[nodiscard]] Task parse_task(const std::string& text);

// How a run ended. Non-convergence is a value, never an exception.
enum class Termination { exact, converged, max_iterations, time_limit };

[[nodiscard]] std::string to_string(Termination termination);

// What a run's log Z is: the exact value, or an estimate or bound of it.
enum class LogZKind {
  exact,        // exact inference, enumeration, BP on a forest
  bethe,        // loopy BP: the Bethe free energy at its fixed point (neither bound)
  lower_bound,  // mean field: the ELBO, E_q[log p~] + H[q] <= log Z
  upper_bound,  // tree-reweighted BP: the convex TRW bound >= log Z
  ep_estimate,  // expectation propagation's estimate
};

// "exact", "bethe", "lower_bound", "upper_bound", "ep_estimate" (the JSON "log_z_kind").
[[nodiscard]] std::string to_string(LogZKind kind);

struct InferenceReport {
  std::string algorithm;
  Termination termination = Termination::exact;
  std::size_t iterations = 0;
  std::vector<double> residuals;  // one per iteration, for plots
  // Bounding algorithms: the bound on log Z after each iteration (mean field: the ELBO,
  // which never decreases), for plots and the JSON "elbo_trace".
  std::vector<double> bounds;
  double seconds = 0.0;
  std::size_t threads = 1;
  // Exact algorithms: the largest clique table (entries) and the elimination width.
  std::size_t largest_table = 0;
  std::size_t induced_width = 0;
  // Why this algorithm ran, when a policy chose it ("auto chose exact inference: ...").
  std::string note;

  [[nodiscard]] bool converged() const {
    return termination == Termination::exact || termination == Termination::converged;
  }
  // One line: "exact (junction tree), width 13, 0.012 s".
  [[nodiscard]] std::string brief() const;
  // Several lines with every field.
  [[nodiscard]] std::string full() const;
};

// The marginal of a real variable: exact (Gaussian BP on a tree) or the Gaussian an
// approximation keeps (EP, loopy Gaussian BP). An observed variable has its value as
// the mean and a zero covariance.
//
// A view into the result's storage (valid while the result lives); copy into an
// Eigen::VectorXd / MatrixXd to keep one.
struct GaussianMarginal {
  Eigen::Map<const Eigen::VectorXd> mean;
  Eigen::Map<const Eigen::MatrixXd> covariance;
};

// Every real variable's marginal, stored flat: one array of means and one of
// covariances, so that a result over 10⁵ variables is a few allocations rather than two
// per variable (their allocation and release were a tenth of a Kalman smoother's run).
// Indexed by variable (graph order); a discrete variable has dimension 0.
class GaussianMarginals {
 public:
  GaussianMarginals() = default;
  // Room for a marginal of dimensions[v] per variable v, zero-filled.
  explicit GaussianMarginals(const std::vector<std::size_t>& dimensions);

  [[nodiscard]] std::size_t size() const { return dimension_.size(); }
  [[nodiscard]] bool empty() const { return dimension_.empty(); }
  [[nodiscard]] std::size_t dimension(std::size_t v) const { return dimension_[v]; }

  [[nodiscard]] GaussianMarginal operator[](std::size_t v) const {
    const auto d = static_cast<Eigen::Index>(dimension_[v]);
    return {{means_.data() + mean_at_[v], d}, {covariances_.data() + covariance_at_[v], d, d}};
  }
  // As operator[], throwing std::out_of_range past the end.
  [[nodiscard]] GaussianMarginal at(std::size_t v) const;

  // Writable views, for the algorithms that fill the result.
  [[nodiscard]] Eigen::Map<Eigen::VectorXd> mean(std::size_t v) {
    return {means_.data() + mean_at_[v], static_cast<Eigen::Index>(dimension_[v])};
  }
  [[nodiscard]] Eigen::Map<Eigen::MatrixXd> covariance(std::size_t v) {
    const auto d = static_cast<Eigen::Index>(dimension_[v]);
    return {covariances_.data() + covariance_at_[v], d, d};
  }

 private:
  std::vector<std::size_t> dimension_;
  std::vector<std::size_t> mean_at_;
  std::vector<std::size_t> covariance_at_;
  std::vector<double, detail::LargeBlockAllocator<double>> means_;
  std::vector<double, detail::LargeBlockAllocator<double>> covariances_;
};

struct InferenceResult {
  // Per variable (graph order), a probability per state; observed variables are
  // point masses. Empty when the task did not ask for marginals.
  std::vector<std::vector<double>> marginals;
  // Per variable (graph order), for models with real variables: the Gaussian marginal of
  // each real variable (empty mean for a discrete one; `marginals` then has an empty
  // entry for each real one). Empty for discrete models.
  GaussianMarginals real_marginals;
  // Per factor (graph order), when asked for (planned runs): the belief over the
  // factor's scope, probabilities in its table layout (observed variables at their state).
  std::vector<std::vector<double>> factor_beliefs;
  // Natural log of Z with the evidence applied (P(evidence) for Bayesian networks), and
  // whether that is the exact value, an estimate or a bound.
  std::optional<double> log_z;
  LogZKind log_z_kind = LogZKind::exact;
  // MPE: one state per variable (graph order), observed ones at their value.
  std::vector<std::size_t> map;
  // Natural log of the unnormalised probability of `map`.
  std::optional<double> map_log_value;
  InferenceReport report;
};

}  // namespace copi
