// Private. The objective of a policy (eq. 11/19): expected reward plus α times the
// log prior ratio, E[Σ_t γ^t (r + α log p(a|s) - α log π(a|s))], by policy
// evaluation W = c_π + γ P_π W (backwards; a gather, parallel over fixed blocks of
// states, so the same bits for any thread count), then E_{p(s_1)}[W_1].
#pragma once

#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::detail {

// Finite horizon: T backward sweeps from W_{T+1} = 0.
double objective(const Mdp& mdp, const ControlSolution& solution, std::size_t threads);
// Infinite horizon (γ < 1, or γ = 1 on a stochastic shortest path): sweeps until the
// sup-norm change is below the tolerance.
double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations, std::size_t threads);

}  // namespace copi::control::detail
