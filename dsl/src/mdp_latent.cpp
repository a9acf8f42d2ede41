// A latent variable in an `mdp` block: `latent z : DOMAIN per step` (z drawn at every
// step from p(z | s), then the action from p(a | s, z)) or `per episode` (z drawn once
// from p(z), then p(a | s, z) at every step). Its distributions are written as
// conditionals, `p(z | y, x) = ...` and `p(move | y, x, z) = ...`: an expression of the
// child and the conditions, a table [...] or csv("file.csv"), rows over the
// conditions in the order written (the first slowest), one column per child value.
//
// What a distribution is conditioned on is what it may read: an expression that reads
// a component missing after '|' is an error, so `p(z | y)` means what it says. Rows
// must be distributions (within kRowSumTolerance; they are then rescaled to sum to
// one), and p(a | s, z) gives no mass to a forbidden action. In absorbing and wall
// states only the first action remains, so p(a | s, z) is not evaluated there: all its
// mass is on that action.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "mdp_lowering.hpp"

namespace copi::dsl {
namespace {

std::string show(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.10g", v);
  return buffer;
}

// Calls `on` for every reference in `e` (indices included).
template <typename F>
void for_each_reference(const ast::Expression& e, const F& on) {
  struct Visitor {
    const F& on;
    void operator()(const ast::Number&) const {}
    void operator()(const ast::Reference& r) const {
      on(r);
      for (const ast::Expression& i : r.indices) for_each_reference(i, on);
    }
    void operator()(const ast::Unary& u) const { for_each_reference(u.operand, on); }
    void operator()(const ast::Chain& c) const {
      for_each_reference(c.first, on);
      for (const ast::Operation& o : c.rest) for_each_reference(o.operand, on);
    }
    void operator()(const ast::Call& c) const {
      for (const ast::Expression& a : c.arguments) for_each_reference(a, on);
    }
    void operator()(const ast::Conditional& c) const {
      for_each_reference(c.condition, on);
      for_each_reference(c.if_true, on);
      for_each_reference(c.if_false, on);
    }
  };
  boost::apply_visitor(Visitor{on}, e);
}

template <typename F>
void for_each_entry(const ast::ArrayLiteral& array, const F& on) {
  for (const ast::TableItem& item : array.items) {
    if (const auto* nested = boost::get<boost::spirit::x3::forward_ast<ast::ArrayLiteral>>(&item)) {
      for_each_entry(nested->get(), on);
    } else {
      on(boost::get<ast::Expression>(item));
    }
  }
}

}  // namespace

// The rows of one distribution, as tabulate_distribution visits them.
struct MdpLowering::DistributionRows {
  std::size_t count = 0;                                // rows the model needs
  std::size_t size = 0;                                 // values per row (the child's)
  std::function<bool(std::size_t)> skip;                // rows not evaluated (left 0)
  std::function<void(std::size_t)> bind;                // binds the names of row r
  std::function<void(std::size_t)> bind_child;          // binds the child's value
  std::function<std::size_t(std::size_t)> written_row;  // row r's row of a written table
  std::size_t written_rows = 1;                         // rows a written table has
  std::function<std::string(std::size_t)> describe;     // " in (y=0, z=left)", or ""
  std::function<std::string(std::size_t)> child_label;  // "move=up"
};

std::string MdpLowering::written(const ast::ConditionalStatement& d) const {
  std::string text = "p(" + d.child.name.name;
  for (std::size_t k = 0; k < d.parents.size(); ++k) text += (k == 0 ? " | " : ", ") + d.parents[k].name.name;
  return text + ")";
}

bool MdpLowering::check_distributions() {
  if (latent_ && prior_ != nullptr) {
    error(*prior_, "'prior' cannot be used with latent '" + latent_->name->name + "': the action's distribution is p(" +
                       (action_ ? action_->name->name : std::string("action")) + " | ..., " + latent_->name->name + ")");
  }
  if (latent_refused_) return false;  // said once, at the latent
  bool ok = true;
  // A distribution that was written but refused has had its error: no second one
  // saying that it is missing.
  bool wrote_prior = false;
  bool wrote_skill = false;
  for (const ast::ConditionalStatement* d : distributions_) {
    const std::size_t before = errors_.size();
    const std::string& child = d->child.name.name;
    wrote_prior = wrote_prior || (latent_ && child == latent_->name->name);
    wrote_skill = wrote_skill || (action_ && child == action_->name->name);
    if (!d->child.indices.empty()) {
      error(d->child, "'" + child + "' takes no index in an mdp block");
    } else if (latent_ && child == latent_->name->name) {
      check_latent_prior(*d);
    } else if (action_ && child == action_->name->name) {
      check_skill(*d);
    } else if (std::any_of(components_.begin(), components_.end(),
                           [&](const Component& c) { return c.name->name == child; })) {
      error(d->child, "'" + child + "' is a state component: p(...) in mdp '" + named_.name +
                          "' gives the latent's or the action's distribution (the dynamics are 'next' rules)");
    } else {
      std::vector<std::string> known;
      if (latent_) known.push_back(latent_->name->name);
      if (action_) known.push_back(action_->name->name);
      // `p(action | ...)` written literally: name the block's action.
      const std::string hint = child == "action" && action_ ? " (its action is '" + action_->name->name + "')"
                                                              : suggest(child, known);
      error(d->child, "'" + child + "' is neither the latent nor the action of mdp '" + named_.name + "'" + hint);
    }
    ok = ok && errors_.size() == before;
  }
  if (latent_) {
    const std::string& z = latent_->name->name;
    const bool episode = latent_declaration_->mode == "episode";
    if (latent_prior_ == nullptr && !wrote_prior) {
      error(latent_declaration_->component.name,
            "latent '" + z + "' has no distribution: add p(" + z + (episode ? ")" : " | ...)") + " = ...");
    }
    if (skill_ == nullptr && action_ && !wrote_skill) {
      error(latent_declaration_->component.name, "latent '" + z + "' has no action distribution: add p(" +
                                                     action_->name->name + " | ..., " + z + ") = ...");
    }
    ok = ok && latent_prior_ != nullptr && skill_ != nullptr;
  }
  return ok;
}

void MdpLowering::check_latent_prior(const ast::ConditionalStatement& d) {
  const std::string& z = latent_->name->name;
  if (latent_prior_ != nullptr) {
    error(d, written(d) + " is given twice in mdp '" + named_.name + "'");
    return;
  }
  if (latent_declaration_->mode == "episode" && !d.parents.empty()) {
    error(d.parents.front(), "latent '" + z + "' is drawn once per episode, before the first state: its distribution "
                             "is p(" + z + "), without conditions");
    return;
  }
  std::vector<std::string> seen;
  for (const ast::Reference& parent : d.parents) {
    const std::string& name = parent.name.name;
    if (!parent.indices.empty()) {
      error(parent, "'" + name + "' takes no index in an mdp block");
      return;
    }
    if (name == z || (action_ && name == action_->name->name)) {
      error(parent, "p(" + z + " | ...) is conditioned on state components only: '" + name + "' is " +
                        (name == z ? "the latent itself" : "the action, which is drawn after '" + z + "'"));
      return;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      error(parent, "'" + name + "' appears twice in " + written(d));
      return;
    }
    if (!attempt(parent, [&] { (void)component_index(parent.name); })) return;
    seen.push_back(name);
  }
  latent_prior_ = &d;
}

void MdpLowering::check_skill(const ast::ConditionalStatement& d) {
  const std::string& action = action_->name->name;
  if (!latent_) {
    error(d.child, "p(" + action + " | ...) needs a latent in mdp '" + named_.name +
                       "' (declare 'latent NAME : ... per step' or 'per episode'); an action prior without one is "
                       "'prior = ...'");
    return;
  }
  const std::string& z = latent_->name->name;
  if (skill_ != nullptr) {
    error(d, written(d) + " is given twice in mdp '" + named_.name + "'");
    return;
  }
  std::vector<std::string> seen;
  for (const ast::Reference& parent : d.parents) {
    const std::string& name = parent.name.name;
    if (!parent.indices.empty()) {
      error(parent, "'" + name + "' takes no index in an mdp block");
      return;
    }
    if (name == action) {
      error(parent, "'" + action + "' cannot condition its own distribution");
      return;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      error(parent, "'" + name + "' appears twice in " + written(d));
      return;
    }
    if (name != z && !attempt(parent, [&] { (void)component_index(parent.name); })) return;
    seen.push_back(name);
  }
  if (std::find(seen.begin(), seen.end(), z) == seen.end()) {
    error(d, written(d) + " must be conditioned on the latent '" + z + "': p(" + action + " | ..., " + z + ")");
    return;
  }
  skill_ = &d;
}

void MdpLowering::check_reads(const ast::Expression& e, const ast::ConditionalStatement& d,
                              const std::vector<std::string>& allowed, bool table_entry) const {
  const std::string& z = latent_->name->name;
  const bool episode = latent_declaration_->mode == "episode";
  for_each_reference(e, [&](const ast::Reference& r) {
    const std::string& name = r.name.name;
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) return;
    const bool component = std::any_of(components_.begin(), components_.end(),
                                       [&](const Component& c) { return c.name->name == name; });
    const bool is_action = name == action_->name->name;
    if (!component && !is_action && name != z) return;  // not a name of the block
    if (table_entry) {
      elaborator_.fail(r, "a table entry of " + written(d) + " cannot read '" + name +
                              "' (write " + written(d) + " = EXPRESSION to use the block's names)");
    }
    if (d.child.name.name == z && is_action) {
      elaborator_.fail(r, written(d) + " cannot read the action '" + name + "': it is drawn after '" + z + "'");
    }
    if (d.child.name.name == z && episode) {
      elaborator_.fail(r, written(d) + " cannot read the state component '" + name + "': latent '" + z +
                              "' is drawn once per episode, before the first state");
    }
    elaborator_.fail(r, written(d) + " reads '" + name + "', which it is not conditioned on (add it after '|')");
  });
}

std::vector<double> MdpLowering::tabulate_distribution(const ast::ConditionalStatement& d,
                                                       const DistributionRows& rows) {
  std::vector<double> table(rows.count * rows.size, 0.0);
  const bool ok = attempt(d, [&] {
    const Node* where = &d;
    const ast::Expression* expression = boost::get<ast::Expression>(&d.table);
    std::vector<double> given;  // a table [...] or csv(...): written_rows x size
    if (const auto* array = boost::get<ast::ArrayLiteral>(&d.table)) {
      where = array;
      for_each_entry(*array, [&](const ast::Expression& e) { check_reads(e, d, {}, true); });
      given = elaborator_.flatten(*array);
      if (given.size() != rows.written_rows * rows.size) {
        elaborator_.fail(*array, "the table has " + std::to_string(given.size()) + " entries, expected " +
                                     std::to_string(rows.written_rows * rows.size) + " (" +
                                     std::to_string(rows.written_rows) + " row(s) of " + std::to_string(rows.size) + ")");
      }
    } else if (const auto* csv = boost::get<ast::CsvSource>(&d.table)) {
      where = csv;
      std::size_t columns = 0;
      given = elaborator_.read_csv_numbers(*csv, &columns);
      if (columns != rows.size || given.size() != rows.written_rows * rows.size) {
        elaborator_.fail(*csv, "the CSV table is " + std::to_string(given.size() / std::max<std::size_t>(columns, 1)) +
                                   " x " + std::to_string(columns) + ", expected " + std::to_string(rows.written_rows) +
                                   " x " + std::to_string(rows.size));
      }
    } else if (boost::get<ast::KeyedRows>(&d.table) != nullptr) {
      elaborator_.fail(boost::get<ast::KeyedRows>(d.table),
                       "in an mdp block p(...) takes an expression, a table [...] or csv(...), not keyed rows");
    } else {
      where = &position_of(*expression);
      std::vector<std::string> allowed{d.child.name.name};
      for (const ast::Reference& parent : d.parents) allowed.push_back(parent.name.name);
      check_reads(*expression, d, allowed, false);
    }
    for (std::size_t r = 0; r < rows.count; ++r) {
      if (rows.skip && rows.skip(r)) continue;
      double* row = table.data() + r * rows.size;
      if (expression != nullptr) {
        rows.bind(r);
        for (std::size_t c = 0; c < rows.size; ++c) {
          rows.bind_child(c);
          row[c] = elaborator_.evaluate(*expression);
        }
      } else {
        const std::size_t w = rows.written_row(r);
        std::copy_n(given.begin() + static_cast<std::ptrdiff_t>(w * rows.size), rows.size, row);
      }
      double sum = 0.0;
      for (std::size_t c = 0; c < rows.size; ++c) {
        if (!(row[c] >= 0.0) || !std::isfinite(row[c])) {
          elaborator_.fail(*where, written(d) + " is " + show(row[c]) + " for " + rows.child_label(c) +
                                       rows.describe(r) + ": probabilities must be finite and non-negative");
        }
        sum += row[c];
      }
      if (std::abs(sum - 1.0) > kRowSumTolerance) {
        elaborator_.fail(*where, written(d) + " sums to " + show(sum) + ", not 1" + rows.describe(r) + " (tolerance " +
                                     show(kRowSumTolerance) + ")");
      }
      for (std::size_t c = 0; c < rows.size; ++c) row[c] /= sum;
    }
  });
  if (!ok) table.clear();
  return table;
}

void MdpLowering::tabulate_latent() {
  if (!latent_) return;
  const control::Mdp& m = named_.mdp;
  const Component& zc = *latent_;
  NamedLatent latent;
  latent.name = zc.name->name;
  latent.mode = latent_declaration_->mode == "episode" ? LatentMode::per_episode : LatentMode::per_step;
  latent.values = zc.domain.values;
  latent.labels = zc.domain.labels;
  if (latent.labels.empty()) {
    for (const double v : zc.domain.values) latent.labels.push_back(format_number(v));
  }
  named_.latent = std::move(latent);
  const std::size_t num_z = zc.domain.cardinality;
  const std::size_t num_a = m.num_actions;

  // The latent's name joins the block's names only here: rewards and rules cannot read it.
  auto& names = elaborator_.loop_;
  const std::size_t latent_slot = names.size();
  names.emplace_back(zc.name->name, 0.0);

  std::vector<std::size_t> digits(components_.size(), 0);
  const auto digits_of = [&](std::size_t state) {
    for (std::size_t k = components_.size(); k-- > 0;) {
      digits[k] = state % components_[k].domain.cardinality;
      state /= components_[k].domain.cardinality;
    }
  };
  // The row of a written table for state `state` and latent value `z`: the conditions
  // in the order written, the first slowest.
  const auto written_row = [&](const ast::ConditionalStatement& d, std::size_t state, std::size_t z) {
    digits_of(state);
    std::size_t row = 0;
    for (const ast::Reference& parent : d.parents) {
      if (parent.name.name == zc.name->name) {
        row = row * num_z + z;
      } else {
        const std::size_t k = component_index(parent.name);
        row = row * components_[k].domain.cardinality + digits[k];
      }
    }
    return row;
  };
  const auto written_rows = [&](const ast::ConditionalStatement& d) {
    std::size_t rows = 1;
    for (const ast::Reference& parent : d.parents) {
      rows *= parent.name.name == zc.name->name ? num_z : components_[component_index(parent.name)].domain.cardinality;
    }
    return rows;
  };

  DistributionRows prior;
  const bool episode = named_.latent->mode == LatentMode::per_episode;
  prior.count = episode ? 1 : m.num_states;
  prior.size = num_z;
  prior.bind = [&](std::size_t state) {
    digits_of(episode ? 0 : state);
    bind_state(digits);
  };
  prior.bind_child = [&](std::size_t z) { names[latent_slot].second = zc.domain.values[z]; };
  prior.written_rows = written_rows(*latent_prior_);
  prior.written_row = [&](std::size_t state) { return episode ? 0 : written_row(*latent_prior_, state, 0); };
  prior.describe = [&](std::size_t state) {
    if (episode) return std::string();
    digits_of(state);
    return " in (" + describe(digits) + ")";
  };
  prior.child_label = [&](std::size_t z) { return zc.name->name + "=" + named_.latent->labels[z]; };
  named_.latent->prior = tabulate_distribution(*latent_prior_, prior);

  DistributionRows skill;
  skill.count = m.num_states * num_z;
  skill.size = num_a;
  skill.skip = [&](std::size_t r) { return is_absorbing_[r / num_z] != 0; };
  skill.bind = [&](std::size_t r) {
    digits_of(r / num_z);
    bind_state(digits);
    names[latent_slot].second = zc.domain.values[r % num_z];
  };
  skill.bind_child = [&](std::size_t a) { bind_action(a); };
  skill.written_rows = written_rows(*skill_);
  skill.written_row = [&](std::size_t r) { return written_row(*skill_, r / num_z, r % num_z); };
  skill.describe = [&](std::size_t r) {
    digits_of(r / num_z);
    return " in (" + describe(digits) + ", " + zc.name->name + "=" + named_.latent->labels[r % num_z] + ")";
  };
  skill.child_label = [&](std::size_t a) { return action_->name->name + "=" + action_label(a); };
  std::vector<double> table = tabulate_distribution(*skill_, skill);
  names.resize(latent_slot);
  if (table.empty()) return;
  for (std::size_t state = 0; state < m.num_states; ++state) {
    for (std::size_t z = 0; z < num_z; ++z) {
      double* row = table.data() + (state * num_z + z) * num_a;
      if (is_absorbing_[state] != 0) {
        row[0] = 1.0;  // the only action left there
        continue;
      }
      if (m.allowed.empty()) continue;
      for (std::size_t a = 0; a < num_a; ++a) {
        if (m.allowed[state * num_a + a] == 0 && row[a] > 0.0) {
          digits_of(state);
          const ast::Expression* e = boost::get<ast::Expression>(&skill_->table);
          error_once(*skill_, e != nullptr ? position_of(*e) : static_cast<const Node&>(*skill_),
                     written(*skill_) + " gives " + show(row[a]) + " to " + action_->name->name + "=" + action_label(a) +
                         skill.describe(state * num_z + z) + ", where it is forbidden");
          return;
        }
      }
    }
  }
  named_.latent->skill = std::move(table);
}

}  // namespace copi::dsl
