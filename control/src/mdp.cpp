#include "copi/control/mdp.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <tuple>

#include "copi/graph/error.hpp"
#include "step_terms.hpp"
#include "transposed_dynamics.hpp"

namespace copi::control {
namespace {

constexpr double kMinAlpha = 1e-100;
constexpr double kMaxAlpha = 1e100;

// Shortest text that reads back as the same double ("0.9", "1e+200").
std::string format_value(double v) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(v);
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
  if (std::abs(sum - 1.0) > kProbabilitySumTolerance) {
    throw InputError(what() + " sums to " + format_value(sum) + ", not 1 (tolerance 1e-9)");
  }
}

// γ = 1 without a horizon: refused, naming the states, unless every policy ends.
void check_stochastic_shortest_path(const Mdp& mdp) {
  const std::vector<std::uint32_t> trapped = states_that_can_avoid_absorption(mdp);
  if (trapped.empty()) return;
  constexpr std::size_t kShown = 6;
  std::string names;
  for (std::size_t i = 0; i < trapped.size() && i < kShown; ++i) names += (i == 0 ? "" : ", ") + state_name(mdp, trapped[i]);
  if (trapped.size() > kShown) names += ", ... (" + std::to_string(trapped.size()) + " states)";
  throw InputError(
      "discount 1 without a horizon needs every policy to reach an absorbing state (one available action looping "
      "with probability 1 and reward 0) with probability 1, but a policy can stay forever among the non-absorbing " +
      std::string(trapped.size() == 1 ? "state " : "states ") + names +
      " (each has an action whose successors all lie among them); give a discount below 1 or a horizon");
}

}  // namespace

bool detail::is_absorbing(const Mdp& mdp, const StepTerms& terms, std::size_t s) {
  std::size_t available = 0;
  std::size_t only = 0;
  for (std::size_t a = 0; a < mdp.num_actions; ++a) {
    const std::size_t row = s * mdp.num_actions + a;
    if (terms.action_weight(row) > 0.0) {
      ++available;
      only = row;
    }
  }
  if (available != 1 || terms.action_weight(only) != 1.0 || terms.reward[only] != 0.0) return false;
  bool stays = false;
  for (std::uint64_t k = mdp.row_begin[only]; k < mdp.row_begin[only + 1]; ++k) {
    if (mdp.probability[k] == 0.0) continue;
    if (mdp.next_state[k] != s || mdp.probability[k] != 1.0) return false;
    stays = true;
  }
  return stays;
}

std::vector<std::uint32_t> detail::absorbing_states(const Mdp& mdp, const StepTerms& terms) {
  std::vector<std::uint32_t> states;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (is_absorbing(mdp, terms, s)) states.push_back(static_cast<std::uint32_t>(s));
  }
  return states;
}

bool is_absorbing(const Mdp& mdp, std::size_t s) { return detail::is_absorbing(mdp, detail::StepTerms::of(mdp), s); }

std::vector<std::uint32_t> absorbing_states(const Mdp& mdp) {
  return detail::absorbing_states(mdp, detail::StepTerms::of(mdp));
}

std::vector<std::uint32_t> states_that_can_avoid_absorption(const Mdp& mdp) {
  // Start from every non-absorbing state and remove, until none is left to remove, the
  // states all of whose available actions can leave the set. A worklist over the
  // predecessors makes it O(entries): leaves[row] counts the successors of a row outside
  // the set, staying[s] the available rows of s with none.
  const std::size_t actions = mdp.num_actions;
  std::vector<std::uint8_t> inside(mdp.num_states, 1);
  for (const std::uint32_t s : absorbing_states(mdp)) inside[s] = 0;
  std::vector<std::uint32_t> leaves(mdp.rows(), 0);
  std::vector<std::uint32_t> staying(mdp.num_states, 0);
  std::vector<std::uint32_t> removed;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (inside[s] == 0) continue;
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = s * actions + a;
      if (!(mdp.action_weight(row) > 0.0)) continue;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        if (mdp.probability[k] > 0.0 && inside[mdp.next_state[k]] == 0) ++leaves[row];
      }
      if (leaves[row] == 0) ++staying[s];
    }
    if (staying[s] == 0) {
      inside[s] = 0;
      removed.push_back(static_cast<std::uint32_t>(s));
    }
  }
  const detail::TransposedDynamics predecessors = detail::transpose(mdp, false);
  while (!removed.empty()) {
    const std::uint32_t x = removed.back();
    removed.pop_back();
    for (std::uint64_t e = predecessors.begin[x]; e < predecessors.begin[x + 1]; ++e) {
      const std::uint64_t row = predecessors.row[e];
      const std::size_t s = row / actions;
      if (inside[s] == 0 || !(mdp.action_weight(row) > 0.0)) continue;
      if (leaves[row]++ == 0 && --staying[s] == 0) {
        inside[s] = 0;
        removed.push_back(static_cast<std::uint32_t>(s));
      }
    }
  }
  std::vector<std::uint32_t> trapped;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (inside[s] != 0) trapped.push_back(static_cast<std::uint32_t>(s));
  }
  return trapped;
}

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
  if (!(alpha > 0.0) || !std::isfinite(alpha)) throw InputError("alpha = " + format_value(alpha) + ": must be > 0");
  if (alpha < kMinAlpha || alpha > kMaxAlpha) {
    throw InputError("alpha = " + format_value(alpha) + ": must lie in [1e-100, 1e100]");
  }
  if (discount && !(*discount > 0.0 && *discount <= 1.0)) {
    throw InputError("discount = " + format_value(*discount) + ": must be in (0, 1]");
  }
  if (!horizon && !discount) throw InputError("give a horizon, a discount, or both");
  if (horizon && *horizon == 0) throw InputError("horizon = 0: must be at least 1");
  for (std::size_t row = 0; row < rows(); ++row) {
    if (!std::isfinite(reward[row])) throw InputError("reward of " + row_name(*this, row) + " is not finite");
    if (std::abs(reward[row]) > kMaxAbsReward) {
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
                         [&] { return "the action prior of state " + state_name(*this, s); });
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
        throw InputError("the action prior gives probability " + format_value(action_prior[row]) +
                         " to the forbidden move " + row_name(*this, row));
      }
    }
  }
  if (!horizon && *discount == 1.0) check_stochastic_shortest_path(*this);
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
