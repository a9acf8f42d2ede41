#include "policy_evaluation.hpp"

#include <algorithm>
#include <cmath>

#include "bicgstab.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

constexpr std::size_t kStatesPerTask = 2048;

}  // namespace

PolicyEvaluation::PolicyEvaluation(const Mdp& mdp, const StepTerms& terms, ControlMethod method,
                                   std::size_t threads)
    : mdp_(mdp),
      terms_(terms),
      method_(method),
      threads_(threads),
      gamma_(mdp.discount.value_or(1.0)),
      start_(mdp.num_states + 1, 0),
      absorbing_(mdp.num_states, 0),
      inverse_diagonal_(static_cast<Eigen::Index>(mdp.num_states)),
      step_reward_(static_cast<Eigen::Index>(mdp.num_states)) {
  for (const std::uint32_t s : absorbing_states(mdp, terms)) absorbing_[s] = 1;
  const std::size_t actions = mdp.num_actions;
  // Each state's successors over all its actions, sorted and merged: counted, then
  // written at their offsets (two passes, parallel over states).
  std::vector<std::uint32_t> counts(mdp.num_states, 0);
  const auto merge = [&](std::size_t s, std::vector<std::uint32_t>& scratch) {
    scratch.clear();
    if (absorbing_[s] != 0) return;
    scratch.assign(mdp.next_state.begin() + static_cast<std::ptrdiff_t>(mdp.row_begin[s * actions]),
                   mdp.next_state.begin() + static_cast<std::ptrdiff_t>(mdp.row_begin[(s + 1) * actions]));
    std::sort(scratch.begin(), scratch.end());
    scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
  };
  copi::detail::parallel_for_range(mdp.num_states, kStatesPerTask, threads, [&](std::size_t begin, std::size_t end) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t s = begin; s < end; ++s) {
      merge(s, scratch);
      counts[s] = static_cast<std::uint32_t>(scratch.size());
    }
  });
  for (std::size_t s = 0; s < mdp.num_states; ++s) start_[s + 1] = start_[s] + counts[s];
  column_.resize(start_.back());
  value_.resize(start_.back());
  copi::detail::parallel_for_range(mdp.num_states, kStatesPerTask, threads, [&](std::size_t begin, std::size_t end) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t s = begin; s < end; ++s) {
      merge(s, scratch);
      std::copy(scratch.begin(), scratch.end(), column_.begin() + static_cast<std::ptrdiff_t>(start_[s]));
    }
  });
}

double PolicyEvaluation::memory_bytes(const Mdp& mdp) {
  // Pattern (at most one entry per CSR entry), its offsets, and the solver's vectors:
  // BiCGSTAB's eight, the preconditioner, c_π and the caller's few.
  const double entries = static_cast<double>(mdp.next_state.size());
  return 12.0 * entries + 8.0 * static_cast<double>(mdp.num_states) * 20.0;
}

void PolicyEvaluation::set_policy(const std::vector<double>& policy, bool step_reward) {
  const std::size_t actions = mdp_.num_actions;
  copi::detail::parallel_for_range(mdp_.num_states, kStatesPerTask, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const auto i = static_cast<Eigen::Index>(s);
      const std::uint64_t first = start_[s];
      const std::uint64_t last = start_[s + 1];
      std::fill(value_.begin() + static_cast<std::ptrdiff_t>(first), value_.begin() + static_cast<std::ptrdiff_t>(last),
                0.0);
      if (absorbing_[s] != 0) {
        inverse_diagonal_[i] = 1.0;
        step_reward_[i] = 0.0;
        continue;
      }
      double reward = 0.0;
      for (std::size_t a = 0; a < actions; ++a) {
        const std::size_t row = s * actions + a;
        const double pi = policy[row];
        if (!(pi > 0.0)) continue;
        if (step_reward) {
          // c(s, a): the reward plus α times the log prior ratio (map: the reward alone).
          double c = terms_.reward[row];
          if (method_ != ControlMethod::map) c += mdp_.alpha * (std::log(terms_.action_weight(row)) - std::log(pi));
          reward += pi * c;
        }
        // Successors of a row are usually sorted (set_transitions sorts them), so a
        // forward walk finds each in the merged pattern; a binary search otherwise.
        std::uint64_t slot = first;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          const std::uint32_t target = mdp_.next_state[k];
          while (slot < last && column_[slot] < target) ++slot;
          if (slot == last || column_[slot] != target) {
            slot = static_cast<std::uint64_t>(
                std::lower_bound(column_.begin() + static_cast<std::ptrdiff_t>(first),
                                 column_.begin() + static_cast<std::ptrdiff_t>(last), target) -
                column_.begin());
          }
          value_[slot] += pi * mdp_.probability[k];
        }
      }
      step_reward_[i] = reward;
      double self = 0.0;
      for (std::uint64_t j = first; j < last; ++j) {
        if (column_[j] == s) self = value_[j];
      }
      inverse_diagonal_[i] = 1.0 / (1.0 - gamma_ * self);
    }
  });
}

void PolicyEvaluation::apply(const double* x, double* out) const {
  const double gamma = gamma_;
  copi::detail::parallel_for_range(mdp_.num_states, kStatesPerTask, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      double future = 0.0;
      for (std::uint64_t j = start_[s]; j < start_[s + 1]; ++j) future += value_[j] * x[column_[j]];
      out[s] = x[s] - gamma * future;
    }
  });
}

std::size_t PolicyEvaluation::solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, double relative,
                                    std::size_t max_products) const {
  return bicgstab([this](const double* in, double* out) { apply(in, out); }, inverse_diagonal_.data(), rhs.data(),
                  x.data(), mdp_.num_states, relative, std::max<std::size_t>(2, max_products), threads_, workspace_);
}

}  // namespace copi::control::detail
