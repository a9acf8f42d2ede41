#include "copi/control/mdp.hpp"

#include <algorithm>
#include <tuple>
#include <cmath>
#include <cstdio>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

constexpr double kSumTolerance = 1e-9;
constexpr double kMaxReward = 1e100;
constexpr double kMinAlpha = 1e-100;
constexpr double kMaxAlpha = 1e100;

std::string format_value(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

std::string state_name(const Mdp& mdp, std::size_t s) {
  return s < mdp.state_labels.size() ? mdp.state_labels[s] : std::to_string(s);
}

std::string row_name(const Mdp& mdp, std::size_t row) {
  const std::size_t s = row / mdp.num_actions;
  const std::size_t a = row % mdp.num_actions;
  const std::string state = state_name(mdp, s);
  const std::string action = a < mdp.action_labels.size() ? mdp.action_labels[a] : std::to_string(a);
  return "(state " + state + ", action " + action + ")";
}

// `what` names the distribution; it is only called when there is an error (building
// a message per row would dominate validating a 10^6-state MDP).
template <typename Name>
void check_distribution(const std::vector<double>& p, std::size_t begin, std::size_t end, const Name& what) {
  double sum = 0.0;
  for (std::size_t i = begin; i < end; ++i) {
    if (!(p[i] >= 0.0) || !std::isfinite(p[i])) throw InputError(what() + " has a negative or non-finite probability");
    sum += p[i];
  }
  if (std::abs(sum - 1.0) > kSumTolerance) {
    throw InputError(what() + " sums to " + std::to_string(sum) + ", not 1 (tolerance 1e-9)");
  }
}

}  // namespace

void Mdp::validate() const {
  if (num_states == 0 || num_actions == 0) throw InputError("the MDP needs at least one state and one action");
  if (num_states > 0xFFFFFFFFu) throw InputError("more than 2^32 states");
  if (row_begin.size() != rows() + 1) throw InputError("the transition table does not cover every (state, action)");
  if (probability.size() != next_state.size()) {
    throw InputError("the transition table has " + std::to_string(next_state.size()) + " successor states but " +
                     std::to_string(probability.size()) + " probabilities");
  }
  if (reward.size() != rows()) {
    throw InputError("rewards: " + std::to_string(reward.size()) + " values for " + std::to_string(rows()) +
                     " (state, action) pairs");
  }
  if (initial.size() != num_states) throw InputError("the initial distribution has the wrong size");
  if (!action_prior.empty() && action_prior.size() != rows()) throw InputError("the action prior has the wrong size");
  if (!allowed.empty() && allowed.size() != rows()) throw InputError("the forbidden-move flags have the wrong size");
  // Bounds that keep r/α, V/α and their exponentials' logs far from overflow; the
  // engine is exact for anything within them (tested at ±1e6 with α = 1e-6).
  if (!(alpha > 0.0) || !std::isfinite(alpha)) throw InputError("alpha = " + std::to_string(alpha) + ": must be > 0");
  if (alpha < kMinAlpha || alpha > kMaxAlpha) {
    throw InputError("alpha = " + format_value(alpha) + ": must lie in [1e-100, 1e100]");
  }
  if (discount && !(*discount > 0.0 && *discount <= 1.0)) {
    throw InputError("discount = " + std::to_string(*discount) + ": must be in (0, 1]");
  }
  if (!horizon && !discount) throw InputError("give a horizon, a discount, or both");
  if (horizon && *horizon == 0) throw InputError("horizon = 0: must be at least 1");
  if (!horizon && discount && *discount >= 1.0) {
    throw InputError("an infinite horizon needs a discount below 1 (discount = 1 and no horizon)");
  }
  for (std::size_t row = 0; row < rows(); ++row) {
    if (!std::isfinite(reward[row])) throw InputError("reward of " + row_name(*this, row) + " is not finite");
    if (std::abs(reward[row]) > kMaxReward) {
      throw InputError("reward of " + row_name(*this, row) + " is " + format_value(reward[row]) +
                       ": rewards must lie within ±1e100");
    }
    if (row_begin[row + 1] < row_begin[row] || row_begin[row + 1] > next_state.size()) {
      throw InputError("corrupt transition rows at " + row_name(*this, row));
    }
    if (row_begin[row + 1] == row_begin[row]) throw InputError(row_name(*this, row) + " has no successor state");
    for (std::uint64_t k = row_begin[row]; k < row_begin[row + 1]; ++k) {
      if (next_state[k] >= num_states) {
        throw InputError(row_name(*this, row) + " leads to state " + std::to_string(next_state[k]) +
                         ", out of range");
      }
    }
    check_distribution(probability, row_begin[row], row_begin[row + 1],
                       [&] { return "p(s' | " + row_name(*this, row) + ")"; });
  }
  check_distribution(initial, 0, num_states, [] { return std::string("the initial distribution"); });
  if (!action_prior.empty()) {
    for (std::size_t s = 0; s < num_states; ++s) {
      check_distribution(action_prior, s * num_actions, (s + 1) * num_actions,
                         [&] { return "the action prior of state " + std::to_string(s); });
    }
  }
  if (!allowed.empty()) {
    for (std::size_t s = 0; s < num_states; ++s) {
      bool any = false;
      for (std::size_t a = 0; a < num_actions; ++a) any = any || allowed[s * num_actions + a] != 0;
      if (!any) throw InputError("every action of state " + state_name(*this, s) + " is forbidden");
    }
    for (std::size_t row = 0; row < rows(); ++row) {
      if (allowed[row] == 0 && !action_prior.empty() && action_prior[row] != 0.0) {
        throw InputError("the action prior gives probability " + std::to_string(action_prior[row]) +
                         " to the forbidden move " + row_name(*this, row));
      }
    }
  }
}

void set_transitions(Mdp& mdp, std::vector<Transition> transitions) {
  std::sort(transitions.begin(), transitions.end(), [](const Transition& x, const Transition& y) {
    return std::tie(x.state, x.action, x.next_state) < std::tie(y.state, y.action, y.next_state);
  });
  mdp.row_begin.assign(mdp.rows() + 1, 0);
  mdp.next_state.clear();
  mdp.probability.clear();
  const Transition* previous = nullptr;
  for (const Transition& t : transitions) {
    if (t.state >= mdp.num_states || t.action >= mdp.num_actions || t.next_state >= mdp.num_states) {
      throw InputError("transition (" + std::to_string(t.state) + ", " + std::to_string(t.action) + ", " +
                       std::to_string(t.next_state) + ") is out of range");
    }
    const std::size_t row = static_cast<std::size_t>(t.state) * mdp.num_actions + t.action;
    if (previous != nullptr && previous->state == t.state && previous->action == t.action &&
        previous->next_state == t.next_state) {
      mdp.probability.back() += t.probability;  // repeated entries add up
      continue;
    }
    previous = &t;
    mdp.next_state.push_back(t.next_state);
    mdp.probability.push_back(t.probability);
    ++mdp.row_begin[row + 1];
  }
  for (std::size_t row = 0; row < mdp.rows(); ++row) mdp.row_begin[row + 1] += mdp.row_begin[row];
}

}  // namespace copi::control
