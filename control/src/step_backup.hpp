// Private. One backward message through the compiled step factor of every state, and
// the objective of a policy. The rule applied to the child s_{t+1} is the method's:
//   exact (sum):         Q = r + α log(γ Σ p exp(V'/α) + 1 - γ)        (eq. 7)
//   variational (expect): Q = r + γ Σ p V'                              (eq. 15)
//   map (max):           Q = r + γ Σ p V',  V = max_a Q
// then V = α log Σ_a p(a|s) exp(Q/α) and π(a|s) = p(a|s) exp((Q - V)/α).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::detail {

class StepBackup {
 public:
  StepBackup(const Mdp& mdp, ControlMethod method);
  // value_out[s] for every state from the next step's values; the policy (rows
  // s*A + a) when `policy_out` is given. Parallel over states, bit-identical for any
  // thread count (each state is computed by one task). Not reentrant: one run() at a
  // time per StepBackup (it reuses a scratch vector).
  void run(const std::vector<double>& next, std::vector<double>& value_out, std::vector<double>* policy_out,
           std::size_t threads) const;

 private:
  static constexpr std::size_t kBlock = 256;
  static constexpr std::size_t kZChunk = 4096;

  // Per-task scratch for one block: the block's rows (action-major) and per-state max
  // and sum. Eigen-allocated, so aligned: the vectorised
  // exp/log then start at element 0 whatever the output's address, and each element
  // is computed the same way in every run (Eigen peels unaligned heads in scalar code).
  struct BlockBuffers {
    BlockBuffers(std::size_t rows, std::size_t actions)
        : x(static_cast<Eigen::Index>(rows * actions)),
          bias(static_cast<Eigen::Index>(rows * actions)),
          hi(static_cast<Eigen::Index>(rows)),
          sum(static_cast<Eigen::Index>(rows)),
          policy_row(actions) {}
    Eigen::ArrayXd x;
    Eigen::ArrayXd bias;
    Eigen::ArrayXd hi;
    Eigen::ArrayXd sum;
    std::vector<std::size_t> fallback;
    std::vector<double> policy_row;
  };

  // Exact: z(s') = exp((V'(s') - shift)/α + z_offset) and the backup is
  // m + log(Σ p z + end_weight), all terms scaled by exp(-m) so the largest is 1.
  struct ExactScale {
    double shift = 0.0;
    double z_offset = 0.0;
    double m = 0.0;
    double end_weight = 0.0;
  };
  ExactScale exact_scale(const std::vector<double>& next) const;

  // e = Σ_k p_k w[s'_k] over the CSR row of (first + i, a) and its bias
  // b = reward_scale * r (+ log p(a|s) when log_prior), stored action-major at
  // [a * count + i] so the passes after it work on whole columns: out = e, bias = b
  // when `bias` is given, else out = expect_scale * e + b.
  struct RowTerms {
    double expect_scale;
    double reward_scale;
    bool log_prior;
  };
  void expect_block(std::size_t first, std::size_t count, const double* w, const RowTerms& terms, double* out,
                    double* bias) const;
  void prefetch_block(std::size_t first, std::size_t last) const;
  // Exact and variational backups of states [first, last).
  void soft_block(std::size_t first, std::size_t last, const double* next, const double* z, const ExactScale& scale,
                  BlockBuffers& buffers, double* value_out, double* policy_out) const;
  void map_block(std::size_t first, std::size_t last, const double* next, BlockBuffers& buffers, double* value_out,
                 double* policy_out) const;
  // Exact V(s) and π(·|s) wholly in log space.
  void exact_state_in_log_space(std::size_t s, const double* next, double* value, double* policy) const;
  // log(γ E[exp(V'/α)] + 1 - γ) of one row, in log space (rows whose successors all
  // sit far below the largest value).
  double log_expect_exact(std::size_t row, const double* next) const;

  const Mdp& mdp_;
  ControlMethod method_;
  double gamma_;
  double log_gamma_;
  double log_end_;  // log(1 - γ), -inf when γ = 1
  double inverse_alpha_;
  std::vector<double> log_prior_;  // log p(a|s) per row, when there is a prior
  mutable Eigen::ArrayXd z_;       // exact: exp((V' - shift)/α + z_offset), reused by every run()
};

// E[Σ_t (r + α log p(a|s) - α log π(a|s))] under the policy, from its visitation
// (finite horizon).
double objective(const Mdp& mdp, const ControlSolution& solution, const Visitation& visits);
// The same for an infinite discounted horizon, by policy evaluation to a tolerance.
double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations);

}  // namespace copi::control::detail
