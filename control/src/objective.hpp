// Private. The objective of a policy (eq. 11/19): expected reward plus α times the
// log prior ratio, E[Σ_t r + α log p(a|s) - α log π(a|s)].
#pragma once

#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::detail {

// Finite horizon, from the policy's state visitation d_t(s).
double objective(const Mdp& mdp, const ControlSolution& solution, const std::vector<std::vector<double>>& visits);
// Infinite discounted horizon, by policy evaluation to a tolerance, in parallel.
double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations, std::size_t threads);

}  // namespace copi::control::detail
