#include "objective.hpp"

#include <algorithm>
#include <cmath>

#include "copi/inference/detail/parallel.hpp"
#include "copi/inference/sparse_conditional.hpp"

namespace copi::control::detail {

namespace {

// c(s, a): the reward plus α times the log prior ratio that the objective counts
// (map: the reward alone). Only called with π(a|s) > 0, which the backups give to
// available actions only.
double step_value(const Mdp& mdp, const ControlSolution& solution, std::size_t row, double pi) {
  double term = mdp.reward[row];
  if (solution.method != ControlMethod::map) term += mdp.alpha * (std::log(mdp.action_weight(row)) - std::log(pi));
  return term;
}

}  // namespace

double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations, std::size_t threads) {
  // Policy evaluation, W = c_π + γ P_π W, iterated from 0 like the solve itself; the
  // objective is E_{p(s_1)}[W]. (Summing forward visitation instead would need a
  // tail of γ^k mass that vanishes slowly when γ is close to 1.) Each sweep is a
  // gather, parallel over fixed blocks of states: the same bits for any thread count.
  const double gamma = *mdp.discount;
  const std::size_t actions = mdp.num_actions;
  const std::vector<double>& policy = solution.policy.front();
  const SparseConditional dynamics(mdp.row_begin, mdp.next_state, mdp.probability);
  constexpr std::size_t kStatesPerTask = 4096;
  const std::size_t blocks = (mdp.num_states + kStatesPerTask - 1) / kStatesPerTask;
  // c_π(s) = Σ_a π(a|s) c(s, a), once.
  std::vector<double> step_reward(mdp.num_states, 0.0);
  copi::detail::parallel_for_range(mdp.num_states, kStatesPerTask, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      for (std::size_t a = 0; a < actions; ++a) {
        const double pi = policy[s * actions + a];
        if (pi > 0.0) step_reward[s] += pi * step_value(mdp, solution, s * actions + a, pi);
      }
    }
  });
  std::vector<double> w(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  for (std::size_t k = 0; k < max_iterations; ++k) {
    const double change = copi::detail::parallel_max(blocks, 1, threads, [&](std::size_t begin, std::size_t end) {
      double largest = 0.0;
      for (std::size_t b = begin; b < end; ++b) {
        const std::size_t first = b * kStatesPerTask;
        const std::size_t last = std::min(mdp.num_states, first + kStatesPerTask);
        std::uint64_t cursor = dynamics.row_begin(first * actions);
        for (std::size_t s = first; s < last; ++s) {
          double future = 0.0;
          const double* pi = policy.data() + s * actions;
          dynamics.for_each_row_sum(s * actions, actions, cursor, w.data(),
                                    [&](std::size_t a, double expect) { future += pi[a] * expect; });
          next[s] = step_reward[s] + gamma * future;
          largest = std::max(largest, std::abs(next[s] - w[s]));
        }
      }
      return largest;
    });
    std::swap(w, next);
    if (change <= tolerance) break;
  }
  double objective = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) objective += mdp.initial[s] * w[s];
  return objective;
}

double objective(const Mdp& mdp, const ControlSolution& solution, const std::vector<std::vector<double>>& visits) {
  double total = 0.0;
  for (std::size_t t = 0; t < visits.size(); ++t) {
    const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      const double d = visits[t][s];
      if (d == 0.0) continue;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        const double pi = policy[row];
        if (pi == 0.0) continue;
        total += d * pi * step_value(mdp, solution, row, pi);
      }
    }
  }
  return total;
}

}  // namespace copi::control::detail
