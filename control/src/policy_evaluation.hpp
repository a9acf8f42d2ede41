// Private. Policy evaluation for a stationary policy π: the linear system
//   (I - γ P_π) W = c_π,   P_π(s, s') = Σ_a π(a|s) p(s'|s, a),
//   c_π(s) = Σ_a π(a|s) (r + α log p(a|s) - α log π(a|s))   (map: r alone),
// W the objective of π (eq. 11/19). Absorbing states are rows of the identity (W = 0).
// P_π is stored once per MDP on the merged pattern of each state's successors (the
// union over its actions, sorted), so a new policy only refills the values. Solved by
// Jacobi-preconditioned BiCGSTAB (bicgstab.hpp), matrix-free: products with (I - γ P_π)
// parallel over fixed blocks of states (each row summed in a fixed order), vector
// operations parallel with dot products summed in fixed blocks, so the iterates are
// bit-identical for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "bicgstab.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "step_terms.hpp"

namespace copi::control::detail {

class PolicyEvaluation {
 public:
  PolicyEvaluation(const Mdp& mdp, const StepTerms& terms, ControlMethod method, std::size_t threads);

  // P_π's values and the Jacobi preconditioner for this policy (rows s*A + a), and c_π
  // when `step_reward` (a logarithm per row: Newton's steps do without it).
  void set_policy(const std::vector<double>& policy, bool step_reward = true);

  // out = (I - γ P_π) x.
  void apply(const double* x, double* out) const;
  [[nodiscard]] const Eigen::VectorXd& step_reward() const { return step_reward_; }
  [[nodiscard]] const Eigen::VectorXd& inverse_diagonal() const { return inverse_diagonal_; }
  [[nodiscard]] std::size_t size() const { return mdp_.num_states; }

  // Solves (I - γ P_π) x = rhs from the guess in `x` until ‖rhs - (I - γ P_π) x‖₂ <=
  // relative ‖rhs‖₂ or `max_products` products; returns the products done.
  std::size_t solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, double relative, std::size_t max_products) const;

  // Bytes of the pattern and values for this MDP (the memory estimate).
  [[nodiscard]] static double memory_bytes(const Mdp& mdp);

 private:
  const Mdp& mdp_;
  StepTerms terms_;
  ControlMethod method_;
  std::size_t threads_;
  double gamma_;
  std::vector<std::uint64_t> start_;   // per state, into column_/value_
  std::vector<std::uint32_t> column_;  // the merged successors, sorted
  std::vector<double> value_;          // P_π on that pattern
  std::vector<std::uint8_t> absorbing_;
  Eigen::VectorXd inverse_diagonal_;   // 1 / (1 - γ P_π(s, s))
  Eigen::VectorXd step_reward_;        // c_π
  mutable BicgstabWorkspace workspace_;  // the solver's vectors, kept across solves
};

}  // namespace copi::control::detail
