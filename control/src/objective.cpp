#include "objective.hpp"

#include <algorithm>
#include <cmath>

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
                            std::size_t max_iterations) {
  // Policy evaluation, W = c_π + γ P_π W, iterated from 0 like the solve itself; the
  // objective is E_{p(s_1)}[W]. (Summing forward visitation instead would need a
  // tail of γ^k mass that vanishes slowly when γ is close to 1.)
  const double gamma = *mdp.discount;
  const std::vector<double>& policy = solution.policy.front();
  std::vector<double> w(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  for (std::size_t k = 0; k < max_iterations; ++k) {
    double change = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      double total = 0.0;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        const double pi = policy[row];
        if (pi == 0.0) continue;
        double expect = 0.0;
        for (std::uint64_t j = mdp.row_begin[row]; j < mdp.row_begin[row + 1]; ++j) {
          expect += mdp.probability[j] * w[mdp.next_state[j]];
        }
        total += pi * (step_value(mdp, solution, row, pi) + gamma * expect);
      }
      next[s] = total;
      change = std::max(change, std::abs(next[s] - w[s]));
    }
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
