// Lowering of `mdp NAME { ... }` blocks to control::Mdp, and `solve NAME with METHOD`.
//
// States are the joint values of the `state` components (mixed radix, the last
// component fastest); the `action` component's states are the actions. While a
// block is tabulated, each component's name stands for its current numeric value and
// every label of the block's domains for its index, so `move == up` or `x + 1` read
// as written. For each (state, action): the first `next` rule whose condition holds
// gives the outcomes (assignments to primed components, the others unchanged; `stay`
// changes nothing) with their probabilities; no rule: the state stays. `absorbing`
// states end the episode: a single available action (the first) loops with reward 0,
// so their value is 0 for every method. `wall` states are obstacles: an outcome that
// would enter one stays where it is instead (the wall states themselves are absorbing
// and cannot be a start). `forbid` conditions make (state, action) pairs
// unavailable (Mdp::allowed; their rows are self-loops no rule is evaluated for), and
// `prior` gives weights of the available actions, normalised per state into p(a|s).
#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "copi/control/methods.hpp"
#include "copi/graph/error.hpp"
#include "elaborator.hpp"

namespace copi::dsl {

void Elaborator::mdp(const ast::MdpStatement& s) {
  for (const NamedMdp& existing : model_.mdps) {
    if (existing.name == s.name.name) fail(s.name, "mdp '" + s.name.name + "' is defined twice");
  }
  NamedMdp named;
  named.name = s.name.name;
  std::vector<VariableDomain> state_domains;
  std::optional<VariableDomain> action_domain;
  std::vector<const ast::NextRule*> rules;
  const ast::Expression* reward = nullptr;
  std::vector<const ast::MdpSetting*> absorbing_conditions;  // several lines: any of them
  std::set<std::string> once;                                 // settings given at most once
  std::vector<const ast::MdpSetting*> walls;
  std::vector<const ast::MdpSetting*> forbids;
  const ast::MdpSetting* prior = nullptr;
  const ast::StartDeclaration* start = nullptr;
  control::Mdp& m = named.mdp;
  for (const ast::MdpItemVariant& item : s.items) {
    if (const auto* d = boost::get<ast::StateDeclaration>(&item)) {
      for (const ast::Component& c : d->components) {
        named.components.push_back(c.name.name);
        state_domains.push_back(domain_of(c.domain));
      }
    } else if (const auto* a = boost::get<ast::ActionDeclaration>(&item)) {
      if (action_domain) fail(*a, "the actions are declared twice");
      named.action_name = a->component.name.name;
      action_domain = domain_of(a->component.domain);
    } else if (const auto* rule = boost::get<ast::NextRule>(&item)) {
      rules.push_back(rule);
    } else if (const auto* st = boost::get<ast::StartDeclaration>(&item)) {
      if (start != nullptr) fail(*st, "'start' is given twice in mdp '" + named.name + "'");
      start = st;
    } else {
      const auto& setting = boost::get<ast::MdpSetting>(item);
      const bool repeatable = setting.keyword == "absorbing" || setting.keyword == "wall" || setting.keyword == "forbid";
      if (!repeatable && !once.insert(setting.keyword).second) {
        fail(setting, "'" + setting.keyword + "' is given twice in mdp '" + named.name + "'");
      }
      if (setting.keyword == "reward") {
        reward = &setting.value;
      } else if (setting.keyword == "absorbing") {
        absorbing_conditions.push_back(&setting);
      } else if (setting.keyword == "wall") {
        walls.push_back(&setting);
      } else if (setting.keyword == "forbid") {
        forbids.push_back(&setting);
      } else if (setting.keyword == "prior") {
        prior = &setting;
      } else if (setting.keyword == "discount") {
        m.discount = evaluate(setting.value);
      } else if (setting.keyword == "temperature") {
        m.alpha = evaluate(setting.value);
      } else {
        const long long h = evaluate_integer(setting.value, "a horizon");
        if (h <= 0) fail(setting, "horizon must be positive");
        m.horizon = static_cast<std::size_t>(h);
      }
    }
  }
  if (state_domains.empty()) fail(s, "mdp '" + named.name + "' declares no state");
  if (!action_domain) fail(s, "mdp '" + named.name + "' declares no action");
  if (reward == nullptr) fail(s, "mdp '" + named.name + "' has no reward");
  std::size_t states = 1;
  for (const VariableDomain& d : state_domains) {
    named.component_sizes.push_back(d.cardinality);
    named.component_values.push_back(d.values);
    states *= d.cardinality;
    if (states > (std::size_t{1} << 24)) break;  // refused below (and no overflow here)
  }
  // Every (state, action) is tabulated by evaluating the rules: 2^24 pairs (e.g. 4M
  // states x 4 actions) is ~1 GB of transitions at a few outcomes each.
  if (states > (std::size_t{1} << 24) || states * action_domain->cardinality > (std::size_t{1} << 24)) {
    fail(s, "mdp '" + named.name + "' has more than 2^24 (state, action) pairs");
  }
  m.num_states = states;
  m.num_actions = action_domain->cardinality;
  m.action_labels = action_domain->labels;
  if (m.action_labels.empty()) {
    for (const double v : action_domain->values) m.action_labels.push_back(std::to_string(static_cast<long long>(v)));
  }

  // Bind labels (as their indices) and then components, innermost last, as loop names.
  const std::size_t outer = loop_.size();
  for (const VariableDomain* d : [&] {
         std::vector<const VariableDomain*> all;
         for (const VariableDomain& x : state_domains) all.push_back(&x);
         all.push_back(&*action_domain);
         return all;
       }()) {
    for (std::size_t i = 0; i < d->labels.size(); ++i) loop_.emplace_back(d->labels[i], static_cast<double>(i));
  }
  const std::size_t first_component = loop_.size();
  for (const std::string& c : named.components) loop_.emplace_back(c, 0.0);
  loop_.emplace_back(named.action_name, 0.0);
  const auto restore = [&] { loop_.resize(outer); };

  try {
    // "y=2, x=0" for error messages.
    const auto describe = [&](const std::vector<std::size_t>& at) {
      std::string text;
      for (std::size_t k = 0; k < at.size(); ++k) {
        if (k > 0) text += ", ";
        const VariableDomain& d = state_domains[k];
        text += named.components[k] + "=" + (d.labels.empty() ? format_number(d.values[at[k]]) : d.labels[at[k]]);
      }
      return text;
    };
    const auto bind_state = [&](const std::vector<std::size_t>& at) {
      for (std::size_t k = 0; k < at.size(); ++k) loop_[first_component + k].second = state_domains[k].values[at[k]];
    };
    const auto advance = [&](std::vector<std::size_t>& at) {
      for (std::size_t k = at.size(); k-- > 0;) {  // last component fastest
        if (++at[k] < state_domains[k].cardinality) break;
        at[k] = 0;
      }
    };
    std::vector<std::size_t> digits(state_domains.size(), 0);
    // Walls first: outcomes entering one are redirected while the rules are tabulated.
    std::vector<std::uint8_t> is_wall(walls.empty() ? 0 : states, 0);
    // `wall` and `absorbing` describe states: a condition that changes with the action
    // is refused (it would otherwise see whichever action happened to be bound).
    const auto state_condition = [&](const ast::MdpSetting& setting) {
      loop_.back().second = action_domain->values[0];
      const bool holds = evaluate(setting.value) != 0.0;
      for (std::size_t action = 1; action < action_domain->cardinality; ++action) {
        loop_.back().second = action_domain->values[action];
        if ((evaluate(setting.value) != 0.0) != holds) {
          fail(setting, "'" + setting.keyword + "' describes states, but this condition depends on the action '" +
                            named.action_name + "'");
        }
      }
      return holds;
    };
    for (std::size_t state = 0; state < is_wall.size(); ++state, advance(digits)) {
      bind_state(digits);
      for (const ast::MdpSetting* wall : walls) is_wall[state] |= state_condition(*wall) ? 1 : 0;
    }
    std::vector<control::Transition> transitions;
    m.reward.assign(m.rows(), 0.0);
    // Forbidden moves, and every action but the first in absorbing and wall states.
    if (!forbids.empty() || !walls.empty() || !absorbing_conditions.empty()) m.allowed.assign(m.rows(), 1);
    if (prior != nullptr) m.action_prior.assign(m.rows(), 0.0);
    for (std::size_t state = 0; state < states; ++state, advance(digits)) {
      bind_state(digits);
      bool is_absorbing = !walls.empty() && is_wall[state] != 0;
      for (const ast::MdpSetting* condition : absorbing_conditions) is_absorbing = state_condition(*condition) || is_absorbing;
      const auto s32 = static_cast<std::uint32_t>(state);
      if (is_absorbing) {
        // The episode has ended: one action (the first) that loops with reward 0, so
        // neither reward nor entropy accrues and V = 0 for every method (with every
        // action the soft value would gain α log A per step and the exact backup
        // would diverge whenever γ A >= 1).
        for (std::size_t action = 0; action < m.num_actions; ++action) {
          const std::size_t row = state * m.num_actions + action;
          transitions.push_back({s32, static_cast<std::uint32_t>(action), s32, 1.0});
          m.allowed[row] = action == 0 ? 1 : 0;
          if (prior != nullptr) m.action_prior[row] = action == 0 ? 1.0 : 0.0;
        }
        continue;
      }
      double prior_total = 0.0;
      std::size_t available = 0;
      for (std::size_t action = 0; action < m.num_actions; ++action) {
        loop_.back().second = action_domain->values[action];
        const std::size_t row = state * m.num_actions + action;
        const auto a32 = static_cast<std::uint32_t>(action);
        bool forbidden = false;
        for (const ast::MdpSetting* f : forbids) forbidden = forbidden || evaluate(f->value) != 0.0;
        if (forbidden) {
          m.allowed[row] = 0;
          transitions.push_back({s32, a32, s32, 1.0});
          continue;
        }
        ++available;
        if (prior != nullptr) {
          const double p = evaluate(prior->value);
          if (!(p >= 0.0) || !std::isfinite(p)) {
            fail(*prior, "the action prior is " + std::to_string(p) + " for action '" + m.action_labels[action] +
                             "' in state (" + describe(digits) + "): weights must be finite and non-negative");
          }
          m.action_prior[row] = p;
          prior_total += p;
        }
        m.reward[row] = evaluate(*reward);
        const ast::NextRule* chosen = nullptr;
        for (const ast::NextRule* rule : rules) {
          if (evaluate(rule->condition) != 0.0) {
            chosen = rule;
            break;
          }
        }
        if (chosen == nullptr) {
          transitions.push_back({s32, a32, s32, 1.0});
          continue;
        }
        double total = 0.0;
        for (const ast::Outcome& o : chosen->outcomes) {
          std::vector<std::size_t> next = digits;
          for (const ast::Assignment& as : o.assignments) {
            const auto it = std::find(named.components.begin(), named.components.end(), as.component.name);
            if (it == named.components.end()) {
              fail(as.component, "'" + as.component.name + "' is not a state component of mdp '" + named.name + "'");
            }
            const std::size_t k = static_cast<std::size_t>(it - named.components.begin());
            const double value = evaluate(as.value);
            const auto& values = state_domains[k].values;
            const auto found = std::find(values.begin(), values.end(), value);
            if (found == values.end()) {
              fail(as, as.component.name + "' = " + format_number(value) + " is not a state of '" + as.component.name + "'");
            }
            next[k] = static_cast<std::size_t>(found - values.begin());
          }
          std::size_t next_index = 0;
          for (std::size_t k = 0; k < next.size(); ++k) next_index = next_index * state_domains[k].cardinality + next[k];
          if (!walls.empty() && is_wall[next_index] != 0) next_index = state;  // bumps into the wall: stays
          const double p = evaluate(o.probability);
          if (!(p >= 0.0) || !std::isfinite(p)) fail(o, "outcome probability " + format_number(p) + " is not in [0, 1]");
          total += p;
          if (p > 0.0) transitions.push_back({s32, a32, static_cast<std::uint32_t>(next_index), p});
        }
        if (std::abs(total - 1.0) > kRowSumTolerance) {
          fail(*chosen, "the outcomes of this rule sum to " + std::to_string(total) + ", not 1, for state (" +
                            describe(digits) + ") and action '" + m.action_labels[action] + "'");
        }
      }
      if (available == 0) {
        fail(*forbids.front(), "every action of state (" + describe(digits) + ") is forbidden");
      }
      if (prior != nullptr) {
        if (!(prior_total > 0.0) || !std::isfinite(prior_total)) {
          fail(*prior, "the action prior weighs the available actions of state (" + describe(digits) + ") " +
                           std::to_string(prior_total) + " in all: it needs a positive, finite total");
        }
        for (std::size_t action = 0; action < m.num_actions; ++action) m.action_prior[state * m.num_actions + action] /= prior_total;
      }
    }
    control::set_transitions(m, std::move(transitions));
    named.walls = is_wall;
    if (std::all_of(m.allowed.begin(), m.allowed.end(), [](std::uint8_t a) { return a != 0; })) m.allowed.clear();
    // Start: the state the assignments name, or uniform.
    m.initial.assign(states, 0.0);
    if (start == nullptr) {
      // Uniform over the states one can stand in (walls excluded).
      std::size_t open = 0;
      for (std::size_t state = 0; state < states; ++state) open += walls.empty() || is_wall[state] == 0 ? 1 : 0;
      if (open == 0) fail(*walls.front(), "every state of mdp '" + named.name + "' is a wall");
      for (std::size_t state = 0; state < states; ++state) {
        if (walls.empty() || is_wall[state] == 0) m.initial[state] = 1.0 / static_cast<double>(open);
      }
    } else {
      std::vector<std::size_t> at(state_domains.size(), 0);
      for (const ast::Observation& o : start->assignments) {
        const auto it = std::find(named.components.begin(), named.components.end(), o.variable.name.name);
        if (it == named.components.end()) fail(o, "'" + o.variable.name.name + "' is not a state component");
        const std::size_t k = static_cast<std::size_t>(it - named.components.begin());
        const double value = evaluate(o.value);
        const auto& values = state_domains[k].values;
        const auto found = std::find(values.begin(), values.end(), value);
        if (found == values.end()) fail(o, "start value is not a state of '" + named.components[k] + "'");
        at[k] = static_cast<std::size_t>(found - values.begin());
      }
      std::size_t index = 0;
      for (std::size_t k = 0; k < at.size(); ++k) index = index * state_domains[k].cardinality + at[k];
      if (!walls.empty() && is_wall[index] != 0) fail(*start, "the start state (" + describe(at) + ") is a wall");
      m.initial[index] = 1.0;
    }
  } catch (...) {
    restore();
    throw;
  }
  restore();
  try {
    m.validate();
  } catch (const InputError& error) {
    fail(s.name, "mdp '" + named.name + "': " + error.what());
  }
  model_.mdps.push_back(std::move(named));
}

void Elaborator::solve(const ast::SolveStatement& s) {
  const auto it = std::find_if(model_.mdps.begin(), model_.mdps.end(),
                               [&](const NamedMdp& m) { return m.name == s.mdp.name; });
  if (it == model_.mdps.end()) fail(s.mdp, "unknown mdp '" + s.mdp.name + "'");
  MdpSolve solve;
  solve.mdp = s.mdp.name;
  const std::vector<OptionSetting> settings = option_settings(s.options);
  const control::MethodCheck check = control::check_control_method(s.method.name, settings);
  if (!check.unknown_method.empty()) fail(s.method, check.unknown_method);
  report_option_problems(s.options, settings, check.problems);
  if (!check.options) return;
  solve.options = *check.options;
  model_.solves.push_back(solve);
}

}  // namespace copi::dsl
