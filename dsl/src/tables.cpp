// Lowering of table-valued statements: p(child | parents) = ... and table(...) = ...
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "csv_source.hpp"
#include "elaborator.hpp"

namespace copi::dsl {
namespace {

// Ten significant digits: enough to see how far a sum is from 1, without the
// binary noise of the last digits.
std::string show(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.10g", v);
  return buffer;
}

// Length of each nesting level of a rectangular array; fails on ragged ones.
void check_shape(const ast::ArrayLiteral& array, std::vector<std::size_t>& shape, std::size_t depth,
                 const std::function<void(const ast::ArrayLiteral&, const std::string&)>& fail) {
  if (shape.size() <= depth) {
    shape.push_back(array.items.size());
  } else if (shape[depth] != array.items.size()) {
    fail(array, "ragged table: this row has " + std::to_string(array.items.size()) + " entries, the first has " +
                    std::to_string(shape[depth]));
  }
  bool nested = false;
  bool plain = false;
  for (const ast::TableItem& item : array.items) {
    if (const auto* inner = boost::get<boost::spirit::x3::forward_ast<ast::ArrayLiteral>>(&item)) {
      nested = true;
      check_shape(inner->get(), shape, depth + 1, fail);
    } else {
      plain = true;
    }
  }
  if (nested && plain) fail(array, "ragged table: numbers and rows mixed at one level");
}

}  // namespace

std::vector<double> Elaborator::flatten(const ast::ArrayLiteral& array) {
  std::vector<std::size_t> shape;
  check_shape(array, shape, 0, [this](const ast::ArrayLiteral& where, const std::string& message) { fail(where, message); });
  std::vector<double> out;
  for (const ast::TableItem& item : array.items) {
    if (const auto* nested = boost::get<boost::spirit::x3::forward_ast<ast::ArrayLiteral>>(&item)) {
      const std::vector<double> inner = flatten(nested->get());  // rows re-check their own (sub)shape
      out.insert(out.end(), inner.begin(), inner.end());
    } else {
      out.push_back(evaluate(boost::get<ast::Expression>(item)));
    }
  }
  return out;
}

std::vector<double> Elaborator::read_csv_numbers(const ast::CsvSource& source, std::size_t* columns) {
  const std::filesystem::path path = std::filesystem::path(file_->file).parent_path() / source.path;
  std::optional<double> missing;
  if (source.missing) {
    if (!source.column) fail(source, "a value for a missing column needs the column's name: csv(\"file\", \"column\", value)");
    missing = evaluate(*source.missing);
  }
  try {
    CsvNumbers numbers = read_csv_file(path, source.column, missing);
    *columns = numbers.columns;
    return std::move(numbers.values);
  } catch (const std::runtime_error& error) {
    fail(source, error.what());
  }
}

// Rows are parent assignments in lexicographic order (the first parent slowest),
// each row the child's distribution. The factor's scope is (child, parents...), so
// with copi's convention (first variable fastest) entry = child + |child| * row.
void Elaborator::conditional(const ast::ConditionalStatement& s) {
  const VarId child = discrete_variable(s.child, "p(...)");
  // A second p(child | ...) would multiply two distributions of one variable: the
  // model would no longer be the directed model it reads as.
  if (has_conditional_.contains(child)) {
    fail(s.child, "'" + model_.graph.variable(child).name + "' already has a distribution p(" +
                      model_.graph.variable(child).name + " | ...); a variable gets one (use 'factor' for extra terms)");
  }
  std::vector<VarId> parents;
  for (const ast::Reference& p : s.parents) {
    const VarId v = discrete_variable(p, "p(...)");
    if (v == child || std::find(parents.begin(), parents.end(), v) != parents.end()) {
      fail(p, "variable '" + model_.graph.variable(v).name + "' appears twice in one factor");
    }
    parents.push_back(v);
  }
  std::vector<std::uint32_t> parent_ids;
  for (const VarId p : parents) parent_ids.push_back(p.index);
  if (const std::vector<std::uint32_t> cycle = conditionals_.cycle_through(child.index, parent_ids); !cycle.empty()) {
    const auto closing = std::find(parent_ids.begin(), parent_ids.end(), cycle.back()) - parent_ids.begin();
    fail(s.parents[static_cast<std::size_t>(closing)], describe_cycle(child, parents, cycle));
  }
  const std::size_t child_card = model_.graph.cardinality(child);
  std::size_t rows = 1;
  for (const VarId p : parents) rows *= model_.graph.cardinality(p);
  if (rows * child_card > (std::size_t{1} << 22)) fail(s, "conditional table would have more than 2^22 entries");
  // Parent states of row r (first parent slowest).
  const auto parent_states = [&](std::size_t r) {
    std::vector<std::size_t> states(parents.size());
    for (std::size_t k = parents.size(); k-- > 0;) {
      const std::size_t card = model_.graph.cardinality(parents[k]);
      states[k] = r % card;
      r /= card;
    }
    return states;
  };
  std::vector<double> table(rows * child_card, 0.0);  // [row][child]
  const boost::spirit::x3::position_tagged* where = &s;
  if (const auto* array = boost::get<ast::ArrayLiteral>(&s.table)) {
    where = array;
    table = flatten(*array);
    if (table.size() != rows * child_card) {
      fail(*array, "the table has " + std::to_string(table.size()) + " entries, expected " +
                       std::to_string(rows * child_card) + " (" + std::to_string(rows) + " row(s) of " +
                       std::to_string(child_card) + ")");
    }
  } else if (const auto* keyed = boost::get<ast::KeyedRows>(&s.table)) {
    where = keyed;
    std::vector<bool> seen(rows, false);
    for (const ast::KeyedRow& row : keyed->rows) {
      if (row.key.size() != parents.size()) {
        fail(row, "row key has " + std::to_string(row.key.size()) + " state(s), there are " +
                      std::to_string(parents.size()) + " parent(s)");
      }
      std::size_t r = 0;
      for (std::size_t k = 0; k < parents.size(); ++k) {
        std::size_t state = 0;
        try {
          state = state_of(parents[k], row.key[k], "row key");
        } catch (SemanticError& error) {
          if (error.where == nullptr) error.where = &row;
          throw;
        }
        r = r * model_.graph.cardinality(parents[k]) + state;
      }
      if (seen[r]) fail(row, "row given twice");
      seen[r] = true;
      const std::vector<double> values = flatten(row.row);
      if (values.size() != child_card) {
        fail(row.row, "row has " + std::to_string(values.size()) + " entries, '" +
                          model_.graph.variable(child).name + "' has " + std::to_string(child_card) + " states");
      }
      std::copy(values.begin(), values.end(), table.begin() + static_cast<std::ptrdiff_t>(r * child_card));
    }
    for (std::size_t r = 0; r < rows; ++r) {
      if (!seen[r]) {
        std::string key;
        const auto states = parent_states(r);
        for (std::size_t k = 0; k < parents.size(); ++k) {
          key += (k ? ", " : "") + model_.graph.variable(parents[k]).state_name(states[k]);
        }
        fail(*keyed, "missing row for (" + key + ")");
      }
    }
  } else if (const auto* csv = boost::get<ast::CsvSource>(&s.table)) {
    where = csv;
    std::size_t columns = 0;
    table = read_csv_numbers(*csv, &columns);
    if (columns != child_card || table.size() != rows * child_card) {
      fail(*csv, "the CSV table is " + std::to_string(table.size() / std::max<std::size_t>(columns, 1)) + " x " +
                     std::to_string(columns) + ", expected " + std::to_string(rows) + " x " + std::to_string(child_card));
    }
  } else {
    const ast::Expression& e = boost::get<ast::Expression>(s.table);
    where = &position_of(e);
    std::vector<VarId> scope{child};
    scope.insert(scope.end(), parents.begin(), parents.end());
    std::vector<std::size_t> states(scope.size(), 0);
    labels_.clear();
    resolve_labels(e);
    bound_vars_ = &scope;
    bound_states_ = &states;
    try {
      for (std::size_t r = 0; r < rows; ++r) {
        const auto ps = parent_states(r);
        std::copy(ps.begin(), ps.end(), states.begin() + 1);
        for (std::size_t c = 0; c < child_card; ++c) {
          states[0] = c;
          table[r * child_card + c] = evaluate(e);
        }
      }
    } catch (...) {
      bound_vars_ = nullptr;
      labels_.clear();
      throw;
    }
    bound_vars_ = nullptr;
    labels_.clear();
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t c = 0; c < child_card; ++c) {
      const double p = table[r * child_card + c];
      if (!(p >= 0.0) || !std::isfinite(p)) {
        fail(*where, "probability " + show(p) + " is not a finite non-negative number");
      }
      sum += p;
    }
    if (std::abs(sum - 1.0) > kRowSumTolerance) {
      std::string row_name;
      if (!parents.empty()) {
        const auto states = parent_states(r);
        row_name = " for (";
        for (std::size_t k = 0; k < parents.size(); ++k) {
          row_name += (k ? ", " : "") + model_.graph.variable(parents[k]).name + "=" +
                      model_.graph.variable(parents[k]).state_name(states[k]);
        }
        row_name += ")";
      }
      fail(*where, "the distribution of '" + model_.graph.variable(child).name + "'" + row_name + " sums to " +
                       show(sum) + ", not 1 (tolerance " + show(kRowSumTolerance) + ")");
    }
  }
  // Reorder [row][child] into scope (child, parents...) with the first fastest: the
  // parents' digits reverse (row order has the first parent slowest).
  std::vector<VarId> scope{child};
  for (std::size_t k = parents.size(); k-- > 0;) scope.push_back(parents[k]);
  std::vector<double> log_values(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) log_values[i] = std::log(table[i]);
  add_factor(std::move(scope), std::move(log_values), s.child);
  has_conditional_.insert(child);
  conditionals_.add(child.index, parent_ids);
}

// "p(b | a) closes a directed cycle: b -> a -> b"; a long cycle shows its ends.
std::string Elaborator::describe_cycle(VarId child, const std::vector<VarId>& parents,
                                       const std::vector<std::uint32_t>& cycle) const {
  const auto name = [&](std::uint32_t v) { return model_.graph.variable(VarId{v}).name; };
  std::string text = "p(" + name(child.index) + " |";
  for (std::size_t k = 0; k < parents.size(); ++k) text += (k ? ", " : " ") + name(parents[k].index);
  text += ") closes a directed cycle: ";
  constexpr std::size_t kShown = 5;  // nodes shown at each end of a long cycle
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    if (cycle.size() > 3 * kShown && k == kShown) {
      text += "... (" + std::to_string(cycle.size() - 2 * kShown) + " more) -> ";
      k = cycle.size() - kShown;
    }
    text += name(cycle[k]) + " -> ";
  }
  return text + name(child.index);
}

// table(a, b, ...) = nested arrays with the first variable outermost, or a flat list in
// the same (lexicographic) order; values are non-negative potentials.
void Elaborator::table(const ast::TableStatement& s) {
  std::vector<VarId> vars;
  for (const ast::Reference& r : s.scope) {
    const VarId v = discrete_variable(r, "table(...)");
    if (std::find(vars.begin(), vars.end(), v) != vars.end()) {
      fail(r, "variable '" + model_.graph.variable(v).name + "' appears twice in one factor");
    }
    vars.push_back(v);
  }
  std::size_t size = 1;
  for (const VarId v : vars) size *= model_.graph.cardinality(v);
  if (size > (std::size_t{1} << 22)) fail(s, "table would have more than 2^22 entries");
  std::vector<double> values;
  const boost::spirit::x3::position_tagged* where = &s;
  if (const auto* array = boost::get<ast::ArrayLiteral>(&s.table)) {
    where = array;
    values = flatten(*array);
  } else if (const auto* csv = boost::get<ast::CsvSource>(&s.table)) {
    where = csv;
    std::size_t columns = 0;
    values = read_csv_numbers(*csv, &columns);
  } else {
    fail(position_of(boost::get<ast::Expression>(s.table)),
         "table(...) takes [ ... ] or csv(...); use factor for an expression");
  }
  if (values.size() != size) {
    fail(*where, "the table has " + std::to_string(values.size()) + " entries, expected " + std::to_string(size));
  }
  for (const double v : values) {
    if (!(v >= 0.0) || !std::isfinite(v)) fail(*where, "table entry " + show(v) + " is not a finite non-negative number");
  }
  // Lexicographic (last fastest) -> copi (first fastest): reverse the scope.
  std::vector<VarId> scope(vars.rbegin(), vars.rend());
  std::vector<double> log_values(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) log_values[i] = std::log(values[i]);
  add_factor(std::move(scope), std::move(log_values), s.scope.front());
}

}  // namespace copi::dsl
