// Private. solve() without touching the process-wide thread limit, for callers that
// already run inside a parallel loop (solve_all).
#pragma once

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::detail {

ControlSolution solve_on(const Mdp& mdp, const SolveOptions& options, std::size_t threads);

}  // namespace copi::control::detail
