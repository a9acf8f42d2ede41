// Lowering of `mdp NAME { ... }` blocks to control::Mdp: the steps around the
// tabulation (mdp_tabulation.cpp), and `solve NAME with METHOD`.
//
// States are the joint values of the `state` components (mixed radix, the last
// component fastest); the `action` component's states are the actions. While a
// block is tabulated, each component's name stands for its current numeric value and
// every label of the block's domains for its index, so `move == up` or `x + 1` read
// as written.
#include "mdp_lowering.hpp"

#include <algorithm>
#include <cmath>

#include "copi/control/methods.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/spelling.hpp"

namespace copi::dsl {
namespace {

// The bounds control::Mdp::validate() puts on α (docs/control.md).
constexpr double kMinTemperature = 1e-100;
constexpr double kMaxTemperature = 1e100;
// Every (state, action) is tabulated by evaluating the rules: 2^24 pairs (e.g. 4M
// states x 4 actions) is ~1 GB of transitions at a few outcomes each.
constexpr std::size_t kMaxPairs = std::size_t{1} << 24;

}  // namespace

void Elaborator::mdp(const ast::MdpStatement& s) {
  for (const NamedLqr& existing : model_.lqrs) {
    if (existing.name == s.name.name) fail(s.name, "'" + s.name.name + "' is already the name of an lqr block");
  }
  MdpLowering lowering(*this, s);
  std::optional<NamedMdp> lowered = lowering.run();
  if (lowered) {
    model_.mdps.push_back(std::move(*lowered));
  } else {
    failed_mdps_.insert(s.name.name);
  }
}

void Elaborator::solve(const ast::SolveStatement& s) {
  for (const NamedLqr& existing : model_.lqrs) {
    if (existing.name == s.mdp.name) {
      solve_lqr(s);
      return;
    }
  }
  const auto it = std::find_if(model_.mdps.begin(), model_.mdps.end(),
                               [&](const NamedMdp& m) { return m.name == s.mdp.name; });
  if (it == model_.mdps.end()) {
    // A block with errors has said so already: solving it is no second error.
    if (failed_mdps_.contains(s.mdp.name)) return;
    std::vector<std::string> known;
    for (const NamedMdp& m : model_.mdps) known.push_back(m.name);
    for (const NamedLqr& m : model_.lqrs) known.push_back(m.name);
    fail(s.mdp, std::string(model_.lqrs.empty() ? "unknown mdp '" : "unknown mdp or lqr '") + s.mdp.name + "'" +
                    suggest(s.mdp.name, known));
  }
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

MdpLowering::MdpLowering(Elaborator& elaborator, const ast::MdpStatement& block)
    : elaborator_(elaborator), block_(block) {
  named_.name = block.name.name;
}

MdpLowering::~MdpLowering() {
  if (names_bound_) elaborator_.loop_.resize(outer_names_);
}

std::optional<NamedMdp> MdpLowering::run() {
  for (const NamedMdp& existing : elaborator_.model_.mdps) {
    if (existing.name == named_.name) error(block_.name, "mdp '" + named_.name + "' is defined twice");
  }
  if (errors_.empty()) {
    collect_items();
    read_settings();
    const bool distributions_ok = check_distributions();
    if (check_declarations() && distributions_ok && bind_names()) {
      find_walls();
      tabulate();
      tabulate_latent();
      set_start();
    }
    if (errors_.empty()) {
      control::set_transitions(named_.mdp, std::move(transitions_));
      label_states();
      validate();
    }
  }
  // Errors were found step by step (a setting before a rule above it): report them in
  // source order.
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  for (Diagnostic& d : errors_) elaborator_.report(std::move(d));
  if (!errors_.empty()) return std::nullopt;
  return std::move(named_);
}

// ---- items --------------------------------------------------------------------------

void MdpLowering::collect_items() {
  const auto declared = [&](const std::string& name) {
    if (action_ && action_->name->name == name) return true;
    if (latent_ && latent_->name->name == name) return true;
    return std::any_of(components_.begin(), components_.end(), [&](const Component& c) { return c.name->name == name; });
  };
  const auto domain = [&](const ast::Component& c) {
    Component component{&c.name, &c.domain, {}};
    domains_ok_ = attempt(c, [&] { component.domain = elaborator_.domain_of(c.domain); }) && domains_ok_;
    return component;
  };
  for (const ast::MdpItemVariant& item : block_.items) {
    if (const auto* state = boost::get<ast::StateDeclaration>(&item)) {
      for (const ast::Component& c : state->components) {
        if (declared(c.name.name)) {
          error(c.name, "'" + c.name.name + "' is declared twice in mdp '" + named_.name + "'");
          domains_ok_ = false;
          continue;
        }
        components_.push_back(domain(c));
      }
    } else if (const auto* action = boost::get<ast::ActionDeclaration>(&item)) {
      if (action_) {
        error(*action, "'action' is given twice in mdp '" + named_.name + "'");
      } else if (declared(action->component.name.name)) {
        error(action->component.name,
              "'" + action->component.name.name + "' is declared twice in mdp '" + named_.name + "'");
        domains_ok_ = false;
      } else {
        action_ = domain(action->component);
      }
    } else if (const auto* rule = boost::get<ast::NextRule>(&item)) {
      rules_.push_back(rule);
    } else if (const auto* latent = boost::get<ast::LatentDeclaration>(&item)) {
      if (latent_declaration_ != nullptr) {
        error(*latent, "'latent' is given twice in mdp '" + named_.name + "' (a block has one latent)");
      } else if (declared(latent->component.name.name)) {
        error(latent->component.name,
              "'" + latent->component.name.name + "' is declared twice in mdp '" + named_.name + "'");
        domains_ok_ = false;
        latent_refused_ = true;
      } else {
        latent_declaration_ = latent;
        latent_ = domain(latent->component);
      }
    } else if (const auto* distribution = boost::get<ast::ConditionalStatement>(&item)) {
      distributions_.push_back(distribution);
    } else if (const auto* start = boost::get<ast::StartDeclaration>(&item)) {
      if (start_ != nullptr) {
        error(*start, "'start' is given twice in mdp '" + named_.name + "'");
      } else {
        start_ = start;
      }
    } else {
      add_setting(boost::get<ast::MdpSetting>(item));
    }
  }
}

void MdpLowering::add_setting(const ast::MdpSetting& setting) {
  const std::string& keyword = setting.keyword;
  if (keyword == "absorbing") {
    absorbing_.push_back(&setting);
    return;
  }
  if (keyword == "wall") {
    walls_.push_back(&setting);
    return;
  }
  if (keyword == "forbid") {
    forbids_.push_back(&setting);
    return;
  }
  const ast::MdpSetting** slot = keyword == "reward"        ? &reward_
                                 : keyword == "prior"       ? &prior_
                                 : keyword == "discount"    ? &discount_
                                 : keyword == "temperature" ? &temperature_
                                                            : &horizon_;
  if (*slot != nullptr) {
    error(setting, "'" + keyword + "' is given twice in mdp '" + named_.name + "'");
    return;
  }
  *slot = &setting;
}

// Discount, temperature and horizon are numbers of the block (they cannot name its
// components): checked at their values, in the words of the block.
void MdpLowering::read_settings() {
  control::Mdp& m = named_.mdp;
  if (discount_ != nullptr) {
    attempt(*discount_, [&] {
      const double gamma = elaborator_.evaluate(discount_->value);
      if (!(gamma > 0.0 && gamma <= 1.0)) {
        elaborator_.fail(position_of(discount_->value), "discount must be in (0, 1], got " + format_number(gamma));
      }
      m.discount = gamma;
    });
  }
  if (temperature_ != nullptr) {
    attempt(*temperature_, [&] {
      const double alpha = elaborator_.evaluate(temperature_->value);
      const auto& where = position_of(temperature_->value);
      if (!(alpha > 0.0)) elaborator_.fail(where, "temperature must be positive, got " + format_number(alpha));
      if (alpha < kMinTemperature || alpha > kMaxTemperature) {
        elaborator_.fail(where, "temperature must lie in [1e-100, 1e100], got " + format_number(alpha));
      }
      m.alpha = alpha;
    });
  }
  if (horizon_ != nullptr) {
    attempt(*horizon_, [&] {
      const double h = elaborator_.evaluate(horizon_->value);
      const auto& where = position_of(horizon_->value);
      if (!std::isfinite(h) || h != std::floor(h) || h > 9e15) {
        elaborator_.fail(where, "horizon must be an integer, got " + format_number(h));
      }
      if (h < 1.0) elaborator_.fail(where, "horizon must be at least 1, got " + format_number(h));
      m.horizon = static_cast<std::size_t>(h);
    });
  }
  if (discount_ == nullptr && horizon_ == nullptr) {
    error(block_.name, "mdp '" + named_.name + "' needs a horizon, a discount, or both");
  }
}

// Whatever the tabulation needs: a state, an action, a reward, and a size it can
// afford. False (each missing piece reported) when the block cannot be tabulated.
bool MdpLowering::check_declarations() {
  bool ok = domains_ok_;
  if (components_.empty() && domains_ok_) {
    error(block_.name, "mdp '" + named_.name + "' declares no state");
    ok = false;
  }
  if (!action_ && domains_ok_) {
    error(block_.name, "mdp '" + named_.name + "' declares no action");
    ok = false;
  }
  if (reward_ == nullptr) {
    error(block_.name, "mdp '" + named_.name + "' has no reward");
    ok = false;
  }
  if (!ok) return false;
  control::Mdp& m = named_.mdp;
  std::size_t states = 1;
  for (const Component& c : components_) {
    named_.components.push_back(c.name->name);
    named_.component_sizes.push_back(c.domain.cardinality);
    named_.component_values.push_back(c.domain.values);
    named_.component_labels.push_back(c.domain.labels);
    states *= c.domain.cardinality;
    if (states > kMaxPairs) break;  // refused below (and no overflow here)
  }
  if (states > kMaxPairs || states * action_->domain.cardinality > kMaxPairs) {
    error(block_.name, "mdp '" + named_.name + "' has more than 2^24 (state, action) pairs");
    return false;
  }
  // p(a | s, z) has a number per (state, latent, action): the same bound.
  if (latent_ && latent_->domain.cardinality > kMaxPairs / (states * action_->domain.cardinality)) {
    error(latent_declaration_->component.name,
          "mdp '" + named_.name + "' has more than 2^24 (state, latent, action) triples");
    return false;
  }
  named_.action_name = action_->name->name;
  named_.action_values = action_->domain.values;
  m.num_states = states;
  m.num_actions = action_->domain.cardinality;
  m.action_labels = action_->domain.labels;
  if (m.action_labels.empty()) {
    for (const double v : action_->domain.values) m.action_labels.push_back(format_number(v));
  }
  return true;
}

// Labels (as their indices) and then components, innermost last, join the names the
// expressions see. A label shared by two domains must mean one index, and no label
// may be a component's name: either would make `x == left` mean something else than
// it reads as.
bool MdpLowering::bind_names() {
  std::vector<const Component*> all;
  for (const Component& c : components_) all.push_back(&c);
  all.push_back(&*action_);
  if (latent_) all.push_back(&*latent_);
  if (!check_labels(all)) return false;
  auto& names = elaborator_.loop_;
  outer_names_ = names.size();
  names_bound_ = true;
  for (const Component* c : all) {
    for (std::size_t i = 0; i < c->domain.labels.size(); ++i) names.emplace_back(c->domain.labels[i], static_cast<double>(i));
  }
  first_component_ = names.size();
  for (const Component& c : components_) names.emplace_back(c.name->name, 0.0);
  action_slot_ = names.size();
  names.emplace_back(action_->name->name, 0.0);
  digits_.assign(components_.size(), 0);
  return true;
}

bool MdpLowering::check_labels(const std::vector<const Component*>& all) {
  bool ok = true;
  const auto label_position = [](const Component& c, const std::string& label) -> const Node& {
    if (const auto* list = boost::get<ast::ListDomain>(c.declared)) {
      for (const ast::Expression& item : list->items) {
        const auto* ref = boost::get<boost::spirit::x3::forward_ast<ast::Reference>>(&unwrap(item));
        if (ref != nullptr && ref->get().name.name == label) return position_of(item);
      }
    }
    return *c.name;
  };
  for (std::size_t k = 0; k < all.size(); ++k) {
    const std::vector<std::string>& labels = all[k]->domain.labels;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      for (const Component* other : all) {
        if (other->name->name == labels[i]) {
          error(label_position(*all[k], labels[i]), "'" + labels[i] + "' is both a label of '" + all[k]->name->name +
                                                        "' and a component of mdp '" + named_.name + "'");
          ok = false;
        }
      }
      for (std::size_t j = 0; j < k; ++j) {
        const std::vector<std::string>& earlier = all[j]->domain.labels;
        const auto found = std::find(earlier.begin(), earlier.end(), labels[i]);
        if (found != earlier.end() && static_cast<std::size_t>(found - earlier.begin()) != i) {
          error(label_position(*all[k], labels[i]),
                "'" + labels[i] + "' is state " + std::to_string(i) + " of '" + all[k]->name->name + "' but state " +
                    std::to_string(found - earlier.begin()) + " of '" + all[j]->name->name +
                    "': in an mdp block a label stands for one index");
          ok = false;
          break;
        }
      }
    }
  }
  return ok;
}

// Walls first: outcomes entering one are redirected while the rules are tabulated.
void MdpLowering::find_walls() {
  if (walls_.empty()) return;
  is_wall_.assign(named_.mdp.num_states, 0);
  std::vector<std::size_t> digits(components_.size(), 0);
  for (std::size_t state = 0; state < is_wall_.size(); ++state, advance(digits)) {
    bind_state(digits);
    for (const ast::MdpSetting* wall : walls_) {
      if (failed(*wall)) continue;
      attempt(*wall, [&] { is_wall_[state] |= state_condition(*wall) ? 1 : 0; });
    }
  }
}

void MdpLowering::tabulate() {
  control::Mdp& m = named_.mdp;
  m.reward.assign(m.rows(), 0.0);
  // Forbidden moves, and every action but the first in absorbing and wall states.
  if (!forbids_.empty() || !walls_.empty() || !absorbing_.empty()) m.allowed.assign(m.rows(), 1);
  if (prior_ != nullptr) m.action_prior.assign(m.rows(), 0.0);
  std::fill(digits_.begin(), digits_.end(), 0);
  is_absorbing_.assign(m.num_states, 0);
  for (std::size_t state = 0; state < m.num_states; ++state, advance(digits_)) {
    bind_state(digits_);
    if (state_is_absorbing(state)) {
      is_absorbing_[state] = 1;
      tabulate_absorbing(state);
    } else {
      tabulate_state(state);
    }
  }
  named_.walls = is_wall_;
  if (std::all_of(m.allowed.begin(), m.allowed.end(), [](std::uint8_t a) { return a != 0; })) m.allowed.clear();
}

// The state the assignments name (every component given once), or uniform over the
// states one can stand in (walls excluded).
void MdpLowering::set_start() {
  control::Mdp& m = named_.mdp;
  m.initial.assign(m.num_states, 0.0);
  const auto open = [&](std::size_t state) { return is_wall_.empty() || is_wall_[state] == 0; };
  if (start_ == nullptr) {
    std::size_t count = 0;
    for (std::size_t state = 0; state < m.num_states; ++state) count += open(state) ? 1 : 0;
    if (count == 0) {
      error(*walls_.front(), "every state of mdp '" + named_.name + "' is a wall");
      return;
    }
    for (std::size_t state = 0; state < m.num_states; ++state) {
      if (open(state)) m.initial[state] = 1.0 / static_cast<double>(count);
    }
    return;
  }
  std::vector<std::size_t> at(components_.size(), 0);
  std::vector<bool> given(components_.size(), false);
  bool ok = true;
  for (const ast::Observation& o : start_->assignments) {
    ok = attempt(o, [&] {
      if (!o.variable.indices.empty()) elaborator_.fail(o.variable, "a state component takes no index");
      const std::size_t k = component_index(o.variable.name);
      if (given[k]) elaborator_.fail(o.variable, "'" + o.variable.name.name + "' is given twice in start");
      given[k] = true;
      const double value = elaborator_.evaluate(o.value);
      const auto& values = components_[k].domain.values;
      const auto found = std::find(values.begin(), values.end(), value);
      if (found == values.end()) {
        elaborator_.fail(position_of(o.value),
                         "start: '" + o.variable.name.name + "' has no state " + format_number(value));
      }
      at[k] = static_cast<std::size_t>(found - values.begin());
    }) && ok;
  }
  if (!ok) return;
  for (std::size_t k = 0; k < components_.size(); ++k) {
    if (!given[k]) {
      error(*start_, "start gives no value to '" + components_[k].name->name + "' (give every state component one)");
      return;
    }
  }
  const std::size_t index = state_index(at);
  if (!open(index)) {
    error(*start_, "the start state (" + describe(at) + ") is a wall");
    return;
  }
  m.initial[index] = 1.0;
}

// "(x=3, y=4)" for each state, with labels where a component has them: what the
// outputs call the states.
void MdpLowering::label_states() {
  control::Mdp& m = named_.mdp;
  m.state_labels.clear();
  m.state_labels.reserve(m.num_states);
  std::vector<std::size_t> digits(components_.size(), 0);
  for (std::size_t state = 0; state < m.num_states; ++state, advance(digits)) {
    m.state_labels.push_back("(" + describe(digits) + ")");
  }
}

// What the block checks above is all control::Mdp::validate() checks that a block
// can get wrong, except the rules on discount and horizon together, which the
// solver owns: its word on those is reported at the discount (or the block).
void MdpLowering::validate() {
  try {
    named_.mdp.validate();
  } catch (const InputError& e) {
    const Node& where =
        discount_ != nullptr && horizon_ == nullptr ? position_of(discount_->value) : static_cast<const Node&>(block_.name);
    error(where, "mdp '" + named_.name + "': " + e.detail());
  }
}

// ---- helpers ------------------------------------------------------------------------

void MdpLowering::error(const Node& where, std::string message) {
  errors_.push_back(elaborator_.file_->state->at(where, std::move(message)));
}

void MdpLowering::error_once(const Node& item, const Node& where, std::string message) {
  if (!failed_.insert(&item).second) return;
  error(where, std::move(message));
}

std::size_t MdpLowering::component_index(const ast::Identifier& name) {
  for (std::size_t k = 0; k < components_.size(); ++k) {
    if (components_[k].name->name == name.name) return k;
  }
  std::vector<std::string> known;
  for (const Component& c : components_) known.push_back(c.name->name);
  elaborator_.fail(name, "'" + name.name + "' is not a state component of mdp '" + named_.name + "'" +
                             suggest(name.name, known));
}

std::size_t MdpLowering::state_index(const std::vector<std::size_t>& digits) const {
  std::size_t index = 0;
  for (std::size_t k = 0; k < digits.size(); ++k) index = index * components_[k].domain.cardinality + digits[k];
  return index;
}

void MdpLowering::bind_state(const std::vector<std::size_t>& digits) {
  for (std::size_t k = 0; k < digits.size(); ++k) {
    elaborator_.loop_[first_component_ + k].second = components_[k].domain.values[digits[k]];
  }
}

void MdpLowering::bind_action(std::size_t action) {
  elaborator_.loop_[action_slot_].second = action_->domain.values[action];
}

void MdpLowering::advance(std::vector<std::size_t>& digits) const {
  for (std::size_t k = digits.size(); k-- > 0;) {  // last component fastest
    if (++digits[k] < components_[k].domain.cardinality) break;
    digits[k] = 0;
  }
}

std::string MdpLowering::describe(const std::vector<std::size_t>& digits) const {
  std::string text;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > 0) text += ", ";
    const VariableDomain& d = components_[k].domain;
    text += components_[k].name->name + "=" + (d.labels.empty() ? format_number(d.values[digits[k]]) : d.labels[digits[k]]);
  }
  return text;
}

}  // namespace copi::dsl
