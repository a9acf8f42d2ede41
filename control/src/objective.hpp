// Private. The objective of a policy (eq. 11/19): expected reward plus α times the
// log prior ratio, E[Σ_t γ^t (r + α log p(a|s) - α log π(a|s))], by policy
// evaluation W = c_π + γ P_π W (backwards; a gather, parallel over fixed blocks of
// states, so the same bits for any thread count), then E_{p(s_1)}[W_1].
#pragma once

#include <vector>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/inference/sparse_conditional.hpp"
#include "step_terms.hpp"

namespace copi::control::detail {

// One step of policy evaluation: set_policy computes c_π(s) = Σ_a π(a|s) c(s, a) once
// per policy, then sweep applies W = c_π + γ P_π W'. The policy must outlive the sweeps.
class StepEvaluation {
 public:
  StepEvaluation(const Mdp& mdp, const StepTerms& terms, ControlMethod method, std::size_t threads);
  void set_policy(const std::vector<double>& policy);
  // next = c_π + γ P_π w; returns the largest |next - w|.
  double sweep(const std::vector<double>& w, std::vector<double>& next) const;

 private:
  const Mdp& mdp_;
  StepTerms terms_;
  ControlMethod method_;
  const std::vector<double>* policy_ = nullptr;
  std::size_t threads_;
  SparseConditional dynamics_;
  std::vector<double> step_reward_;
};

// E_{p(s_1)}[w].
double expected_start(const Mdp& mdp, const std::vector<double>& w);

// Finite horizon, every step kept: T backward sweeps from W_{T+1} = 0.
double objective(const Mdp& mdp, const StepTerms& terms, const ControlSolution& solution, std::size_t threads);

}  // namespace copi::control::detail
