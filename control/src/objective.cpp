#include "objective.hpp"

#include <algorithm>
#include <cmath>

#include "copi/inference/detail/parallel.hpp"
#include "copi/inference/sparse_conditional.hpp"

namespace copi::control::detail {
namespace {

constexpr std::size_t kStatesPerTask = 4096;

// c(s, a): the reward plus α times the log prior ratio that the objective counts
// (map: the reward alone). Only called with π(a|s) > 0, which the backups give to
// available actions only.
double step_value(const Mdp& mdp, const StepTerms& terms, ControlMethod method, std::size_t row, double pi) {
  double term = terms.reward[row];
  if (method != ControlMethod::map) term += mdp.alpha * (std::log(terms.action_weight(row)) - std::log(pi));
  return term;
}

}  // namespace

StepEvaluation::StepEvaluation(const Mdp& mdp, const StepTerms& terms, ControlMethod method, std::size_t threads)
    : mdp_(mdp),
      terms_(terms),
      method_(method),
      threads_(threads),
      dynamics_(mdp.row_begin, mdp.next_state, mdp.probability),
      step_reward_(mdp.num_states, 0.0) {}

void StepEvaluation::set_policy(const std::vector<double>& policy) {
  policy_ = &policy;
  const std::size_t actions = mdp_.num_actions;
  copi::detail::parallel_for_range(mdp_.num_states, kStatesPerTask, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      double total = 0.0;
      for (std::size_t a = 0; a < actions; ++a) {
        const double pi = policy[s * actions + a];
        if (pi > 0.0) total += pi * step_value(mdp_, terms_, method_, s * actions + a, pi);
      }
      step_reward_[s] = total;
    }
  });
}

double StepEvaluation::sweep(const std::vector<double>& w, std::vector<double>& next) const {
  const double gamma = mdp_.discount.value_or(1.0);
  const std::size_t actions = mdp_.num_actions;
  const std::size_t blocks = (mdp_.num_states + kStatesPerTask - 1) / kStatesPerTask;
  return copi::detail::parallel_max(blocks, 1, threads_, [&](std::size_t begin, std::size_t end) {
    double largest = 0.0;
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t first = b * kStatesPerTask;
      const std::size_t last = std::min(mdp_.num_states, first + kStatesPerTask);
      std::uint64_t cursor = dynamics_.row_begin(first * actions);
      for (std::size_t s = first; s < last; ++s) {
        double future = 0.0;
        const double* pi = policy_->data() + s * actions;
        dynamics_.for_each_row_sum(s * actions, actions, cursor, w.data(),
                                   [&](std::size_t a, double expect) { future += pi[a] * expect; });
        next[s] = step_reward_[s] + gamma * future;
        largest = std::max(largest, std::abs(next[s] - w[s]));
      }
    }
    return largest;
  });
}

double expected_start(const Mdp& mdp, const std::vector<double>& w) {
  double objective = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) objective += mdp.initial[s] * w[s];
  return objective;
}

double objective(const Mdp& mdp, const StepTerms& terms, const ControlSolution& solution, std::size_t threads) {
  StepEvaluation evaluation(mdp, terms, solution.method, threads);
  std::vector<double> w(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  for (std::size_t t = solution.policy.size(); t-- > 0;) {
    evaluation.set_policy(solution.policy[t]);
    (void)evaluation.sweep(w, next);
    std::swap(w, next);
  }
  return expected_start(mdp, w);
}

}  // namespace copi::control::detail
