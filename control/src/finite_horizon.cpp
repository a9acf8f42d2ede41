// Finite-horizon solves: T backups from V_{T+1} = 0, keeping every step, only the
// first, or handing each to the caller as it is computed (KeepSteps). The objective
// comes out of the same backward pass: for variational and map it is E_{p(s_1)}[V_1]
// (V_t = Σ_a π_t (r + α log p(a|s) - α log π_t + γ E[V_{t+1}]) is eq. 15's identity;
// map: V_t = r + γ E[V_{t+1}] at the chosen action), for exact one policy-evaluation
// sweep per step under the true dynamics.
#include <vector>

#include "objective.hpp"
#include "solve_detail.hpp"
#include "step_backup.hpp"

namespace copi::control::detail {

ControlSolution solve_finite_horizon(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options,
                                     std::size_t threads) {
  const std::size_t T = *mdp.horizon;
  const bool keep_all = options.keep == KeepSteps::all;
  const StepBackup backup(mdp, terms, options.method, nullptr, threads);
  StepBackup::Scratch scratch;
  ControlSolution solution;
  solution.keep = options.keep;
  solution.error_bound = 0.0;  // backward induction is exact
  const std::size_t kept = keep_all ? T : 1;
  solution.value.assign(kept, std::vector<double>(mdp.num_states));
  solution.policy.assign(kept, std::vector<double>(mdp.rows()));
  if (options.action_values) solution.action_value.resize(kept);
  // KeepSteps::first / stream: V_{t+1} and V_t alternate in two vectors; step t = 0
  // is written straight into the solution.
  std::vector<double> next_buffer(keep_all ? 0 : mdp.num_states, 0.0);
  std::vector<double> value_buffer(keep_all ? 0 : mdp.num_states);
  std::vector<double> policy_buffer(keep_all ? 0 : mdp.rows());
  const std::vector<double> terminal(keep_all ? mdp.num_states : 0, 0.0);
  // Exact: the objective's W_t = c_π + γ P_π W_{t+1}, alongside.
  const bool evaluate = options.method == ControlMethod::exact;
  StepEvaluation evaluation(mdp, terms, options.method, threads);
  std::vector<double> w(evaluate ? mdp.num_states : 0, 0.0);
  std::vector<double> w_next(evaluate ? mdp.num_states : 0, 0.0);
  std::vector<double> q;
  for (std::size_t t = T; t-- > 0;) {
    const std::vector<double>& next = keep_all ? (t + 1 < T ? solution.value[t + 1] : terminal) : next_buffer;
    std::vector<double>& value = keep_all || t == 0 ? solution.value[keep_all ? t : 0] : value_buffer;
    std::vector<double>& policy = keep_all || t == 0 ? solution.policy[keep_all ? t : 0] : policy_buffer;
    backup.run(next, value, &policy, threads, scratch);
    ++solution.iterations;
    if (options.action_values) {
      q = action_values(mdp, terms, options.method, next, threads);
      if (keep_all || t == 0) solution.action_value[keep_all ? t : 0] = q;
    }
    if (evaluate) {
      evaluation.set_policy(policy);
      (void)evaluation.sweep(w, w_next);
      std::swap(w, w_next);
      ++solution.evaluations;
    }
    if (options.keep == KeepSteps::stream && options.on_step) {
      options.on_step(SolveStep{t, value, policy, q});
    }
    if (!keep_all && t > 0) std::swap(next_buffer, value_buffer);
  }
  solution.objective = expected_start(mdp, evaluate ? w : solution.value.front());
  return solution;
}

}  // namespace copi::control::detail
