// Tabulating one state of an `mdp` block: for each (state, action) the first `next`
// rule whose condition holds gives the outcomes (assignments to primed components,
// the others unchanged; `stay` changes nothing) with their probabilities; no rule:
// the state stays. `absorbing` states end the episode: a single available action (the
// first) loops with reward 0, so their value is 0 for every method. `wall` states are
// obstacles: an outcome that would enter one stays where it is instead (the wall
// states themselves are absorbing and cannot be a start). `forbid` conditions make
// (state, action) pairs unavailable (Mdp::allowed; their rows are self-loops no rule
// is evaluated for), and `prior` gives weights of the available actions, normalised
// per state into p(a|s).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mdp_lowering.hpp"

namespace copi::dsl {
namespace {

// The bound control::Mdp::validate() puts on rewards (docs/control.md).
constexpr double kMaxReward = 1e100;

// Ten significant digits: enough to see how far a sum is from 1, without the binary
// noise of the last digits.
std::string show(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.10g", v);
  return buffer;
}

}  // namespace

bool MdpLowering::state_condition(const ast::MdpSetting& setting) {
  // `wall` and `absorbing` describe states: a condition that changes with the action
  // is refused (it would otherwise see whichever action happened to be bound).
  bind_action(0);
  const bool holds = elaborator_.evaluate(setting.value) != 0.0;
  for (std::size_t action = 1; action < named_.mdp.num_actions; ++action) {
    bind_action(action);
    if ((elaborator_.evaluate(setting.value) != 0.0) != holds) {
      elaborator_.fail(position_of(setting.value), "'" + setting.keyword +
                                                       "' describes states, but this condition depends on the action '" +
                                                       named_.action_name + "'");
    }
  }
  return holds;
}

bool MdpLowering::state_is_absorbing(std::size_t state) {
  bool absorbing = !is_wall_.empty() && is_wall_[state] != 0;
  for (const ast::MdpSetting* condition : absorbing_) {
    if (failed(*condition)) continue;
    attempt(*condition, [&] { absorbing = state_condition(*condition) || absorbing; });
  }
  return absorbing;
}

// The episode has ended: one action (the first) that loops with reward 0, so neither
// reward nor entropy accrues and V = 0 for every method (with every action the soft
// value would gain α log A per step and the exact backup would diverge whenever
// γ A >= 1).
void MdpLowering::tabulate_absorbing(std::size_t state) {
  control::Mdp& m = named_.mdp;
  const auto s32 = static_cast<std::uint32_t>(state);
  for (std::size_t action = 0; action < m.num_actions; ++action) {
    const std::size_t row = state * m.num_actions + action;
    transitions_.push_back({s32, static_cast<std::uint32_t>(action), s32, 1.0});
    m.allowed[row] = action == 0 ? 1 : 0;
    if (prior_ != nullptr) m.action_prior[row] = action == 0 ? 1.0 : 0.0;
  }
}

void MdpLowering::tabulate_state(std::size_t state) {
  double prior_total = 0.0;
  std::size_t available = 0;
  for (std::size_t action = 0; action < named_.mdp.num_actions; ++action) {
    available += tabulate_action(state, action, prior_total) ? 1 : 0;
  }
  if (available == 0) {
    const ast::MdpSetting& first = *forbids_.front();
    error_once(first, first, "every action of state (" + describe(digits_) + ") is forbidden");
    return;
  }
  if (prior_ != nullptr && !failed(*prior_)) normalise_prior(state, prior_total);
}

bool MdpLowering::tabulate_action(std::size_t state, std::size_t action, double& prior_total) {
  control::Mdp& m = named_.mdp;
  bind_action(action);
  const std::size_t row = state * m.num_actions + action;
  const auto s32 = static_cast<std::uint32_t>(state);
  const auto a32 = static_cast<std::uint32_t>(action);
  bool forbidden = false;
  for (const ast::MdpSetting* f : forbids_) {
    if (failed(*f)) continue;
    attempt(*f, [&] { forbidden = forbidden || elaborator_.evaluate(f->value) != 0.0; });
  }
  if (forbidden) {
    m.allowed[row] = 0;
    transitions_.push_back({s32, a32, s32, 1.0});
    return false;
  }
  if (prior_ != nullptr && !failed(*prior_)) {
    attempt(*prior_, [&] {
      const double p = elaborator_.evaluate(prior_->value);
      if (!(p >= 0.0) || !std::isfinite(p)) {
        elaborator_.fail(position_of(prior_->value), "the action prior is " + format_number(p) + " for action '" +
                                                         action_label(action) + "' in state (" + describe(digits_) +
                                                         "): weights must be finite and non-negative");
      }
      m.action_prior[row] = p;
      prior_total += p;
    });
  }
  if (!failed(*reward_)) {
    attempt(*reward_, [&] {
      const double r = elaborator_.evaluate(reward_->value);
      if (!(std::abs(r) <= kMaxReward)) {
        elaborator_.fail(position_of(reward_->value), "the reward of action '" + action_label(action) + "' in state (" +
                                                          describe(digits_) + ") is " + format_number(r) +
                                                          ": rewards must be finite, within ±1e100");
      }
      m.reward[row] = r;
    });
  }
  const ast::NextRule* chosen = choose_rule();
  if (chosen == nullptr || failed(*chosen)) {
    // No rule applies: the state stays (also where an earlier rule failed and which
    // rule applies is unknown; the block is refused anyway).
    transitions_.push_back({s32, a32, s32, 1.0});
    return true;
  }
  attempt(*chosen, [&] { add_outcomes(*chosen, state, action); });
  return true;
}

const ast::NextRule* MdpLowering::choose_rule() {
  for (const ast::NextRule* rule : rules_) {
    // The condition is an item of its own: a rule whose outcomes failed still tells
    // which (state, action) pairs are its, so later rules are checked where they apply.
    const Node& condition = position_of(rule->condition);
    if (failed(condition)) return nullptr;
    bool holds = false;
    if (!attempt(condition, [&] { holds = elaborator_.evaluate(rule->condition) != 0.0; })) return nullptr;
    if (holds) return rule;
  }
  return nullptr;
}

void MdpLowering::add_outcomes(const ast::NextRule& rule, std::size_t state, std::size_t action) {
  const auto s32 = static_cast<std::uint32_t>(state);
  const auto a32 = static_cast<std::uint32_t>(action);
  const std::size_t first = transitions_.size();
  double total = 0.0;
  try {
    for (const ast::Outcome& o : rule.outcomes) {
      std::vector<std::size_t> next = digits_;
      for (const ast::Assignment& as : o.assignments) {
        const std::size_t k = component_index(as.component);
        const double value = elaborator_.evaluate(as.value);
        const auto& values = components_[k].domain.values;
        const auto found = std::find(values.begin(), values.end(), value);
        if (found == values.end()) {
          elaborator_.fail(as, as.component.name + "' = " + format_number(value) + " is not a state of '" +
                                   as.component.name + "' (in state (" + describe(digits_) + "), action '" +
                                   action_label(action) + "')");
        }
        next[k] = static_cast<std::size_t>(found - values.begin());
      }
      std::size_t next_index = state_index(next);
      if (!is_wall_.empty() && is_wall_[next_index] != 0) next_index = state;  // bumps into the wall: stays
      const double p = elaborator_.evaluate(o.probability);
      if (!(p >= 0.0 && p <= 1.0)) {
        elaborator_.fail(position_of(o.probability), "outcome probability " + format_number(p) + " is not in [0, 1]");
      }
      total += p;
      if (p > 0.0) transitions_.push_back({s32, a32, static_cast<std::uint32_t>(next_index), p});
    }
    if (std::abs(total - 1.0) > kRowSumTolerance) {
      elaborator_.fail(rule, "the outcomes of this rule sum to " + show(total) + ", not 1, for state (" +
                                 describe(digits_) + ") and action '" + action_label(action) + "'");
    }
  } catch (...) {
    // The row stays whole (a self-loop) so that the rest of the block can be checked.
    transitions_.resize(first);
    transitions_.push_back({s32, a32, s32, 1.0});
    throw;
  }
}

void MdpLowering::normalise_prior(std::size_t state, double total) {
  control::Mdp& m = named_.mdp;
  if (!(total > 0.0) || !std::isfinite(total)) {
    error_once(*prior_, position_of(prior_->value),
               "the action prior weighs the available actions of state (" + describe(digits_) + ") " +
                   format_number(total) + " in all: it needs a positive, finite total");
    return;
  }
  for (std::size_t action = 0; action < m.num_actions; ++action) m.action_prior[state * m.num_actions + action] /= total;
}

}  // namespace copi::dsl
