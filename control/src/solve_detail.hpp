// Private. solve() inside an arena the caller already opened (solve_all runs many
// solves as tasks), and Q from the next step's values.
#pragma once

#include <string>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"
#include "step_terms.hpp"

namespace copi::control::detail {

ControlSolution solve_on(const Mdp& mdp, const SolveOptions& options, std::size_t threads);
// The same with the step's reward and prior replaced (step_terms.hpp): latent values and
// tasks over one MDP's dynamics.
ControlSolution solve_on(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options, std::size_t threads);

// The two halves of solve_on (finite_horizon.cpp, infinite_horizon.cpp): V, π (and Q),
// iterations and counts, convergence, the objective.
ControlSolution solve_finite_horizon(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options,
                                     std::size_t threads);
ControlSolution solve_infinite_horizon(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options,
                                       std::size_t threads);
// options.solver with automatic replaced: policy iteration for variational and map,
// Anderson-accelerated value iteration for exact.
ControlSolver resolve_solver(const SolveOptions& options);

// log Σ_s p(s_1) exp(V_1(s)/α): log p(O = 1) for the exact method.
double log_partition_of(const Mdp& mdp, const std::vector<double>& first_value);

// ResourceError when `bytes` exceed options.memory_limit_bytes (0: no limit); `what`
// says what the bytes hold.
void check_memory(double bytes, const SolveOptions& options, const std::string& what);

// Q(s, a) for every row from the next step's values V' (the table of
// soft_value_iteration.hpp), -inf for unavailable actions. Parallel over fixed blocks
// of states.
std::vector<double> action_values(const Mdp& mdp, const StepTerms& terms, ControlMethod method,
                                  const std::vector<double>& next, std::size_t threads);

}  // namespace copi::control::detail
