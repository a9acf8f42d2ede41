// Private. solve() without touching the process-wide thread limit, for callers that
// already run inside a parallel loop (solve_all), and the state visitation alone.
#pragma once

#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::detail {

ControlSolution solve_on(const Mdp& mdp, const SolveOptions& options, std::size_t threads);

// visitation(...).state alone (solve() needs no state-action table for the objective).
std::vector<std::vector<double>> state_visitation(const Mdp& mdp, const ControlSolution& solution);

}  // namespace copi::control::detail
