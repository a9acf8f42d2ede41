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
  // thread count (each state is computed by one task).
  void run(const std::vector<double>& next, std::vector<double>& value_out, std::vector<double>* policy_out,
           std::size_t threads) const;

 private:
  static constexpr std::size_t kBlock = 256;

  // Per-task scratch for soft_block: kBlock x |A| values, per-state max and sum.
  struct BlockBuffers {
    BlockBuffers(std::size_t rows, std::size_t actions)
        : x(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(actions)),
          t(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(actions)),
          hi(static_cast<Eigen::Index>(rows)),
          sum(static_cast<Eigen::Index>(rows)),
          fallback(rows * actions, 0) {}
    Eigen::ArrayXXd x;
    Eigen::ArrayXXd t;
    Eigen::ArrayXd hi;
    Eigen::ArrayXd sum;
    std::vector<std::uint8_t> fallback;
  };

  // Exact and variational backups of states [first, last), vectorised.
  void soft_block(std::size_t first, std::size_t last, const double* next, const double* z, double shift,
                  BlockBuffers& buffers, double* value_out, double* policy_out) const;
  void state(std::size_t s, const double* next, const double* z, double shift, double* q, double* value,
             double* policy) const;

  const Mdp& mdp_;
  ControlMethod method_;
  double gamma_;
  double log_gamma_;
  double log_end_;  // log(1 - γ), -inf when γ = 1
  std::vector<double> log_prior_;  // log p(a|s) per row, when there is a prior
};

// E[Σ_t (r + α log p(a|s) - α log π(a|s))] under the policy, from its visitation
// (finite horizon).
double objective(const Mdp& mdp, const ControlSolution& solution, const Visitation& visits);
// The same for an infinite discounted horizon, by policy evaluation to a tolerance.
double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations);

}  // namespace copi::control::detail
