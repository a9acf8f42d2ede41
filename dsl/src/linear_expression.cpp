// Linear expressions of real variables: the means of `~ normal(...)`, the sides of a
// constraint and the argument of a likelihood. Each node evaluates to an Affine value
// (a constant plus a coefficient matrix per real variable), so A and b of a
// linear-Gaussian factor, or the projection of a site, are read off exactly and a
// product of two variables is an error at its operator — no probing at points (as
// the lqr blocks must do, whose expressions are scalar-only).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "elaborator.hpp"

namespace copi::dsl {
namespace {

namespace x3 = boost::spirit::x3;

Affine constant(Eigen::MatrixXd value) { return Affine{std::move(value), {}}; }
Affine number(double v) { return constant(Eigen::MatrixXd::Constant(1, 1, v)); }

bool same_shape(const Affine& a, const Affine& b) {
  return a.constant.rows() == b.constant.rows() && a.constant.cols() == b.constant.cols();
}

std::string shape_of(const Affine& a) { return describe_shape(a.constant.rows(), a.constant.cols()); }

// M * a for a constant M (M's columns = a's rows, or M a number).
Affine left_multiply(const Eigen::MatrixXd& m, Affine a) {
  if (m.rows() == 1 && m.cols() == 1) {
    a.constant *= m(0, 0);
    for (auto& [v, c] : a.terms) c *= m(0, 0);
    return a;
  }
  a.constant = m * a.constant;
  for (auto& [v, c] : a.terms) c = m * c;
  return a;
}

}  // namespace

Affine affine_sum(Affine a, const Affine& b, double sign) {
  a.constant += sign * b.constant;
  for (const auto& [var, coefficient] : b.terms) {
    bool found = false;
    for (auto& [v, c] : a.terms) {
      if (v == var) {
        c += sign * coefficient;
        found = true;
      }
    }
    if (!found) a.terms.emplace_back(var, sign * coefficient);
  }
  return a;
}

Affine without_zero_terms(Affine value) {
  std::erase_if(value.terms, [](const auto& term) { return (term.second.array() == 0.0).all(); });
  return value;
}

std::string describe_shape(Eigen::Index rows, Eigen::Index cols) {
  if (rows == 1 && cols == 1) return "a number";
  if (cols == 1) return "a " + std::to_string(rows) + "-vector";
  return "a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix";
}

bool Elaborator::mentions_real(const ast::Expression& e) const {
  struct Visitor {
    const Elaborator& self;
    bool operator()(const ast::Number&) const { return false; }
    bool operator()(const ast::Reference& r) const {
      for (const ast::Expression& i : r.indices) {
        if (self.mentions_real(i)) return true;
      }
      const auto it = self.arrays_.find(r.name.name);
      if (it == self.arrays_.end() || it->second.real_dimension == 0) return false;
      for (const auto& [name, value] : self.loop_) {
        if (name == r.name.name) return false;
      }
      return true;
    }
    bool operator()(const ast::Unary& u) const { return self.mentions_real(u.operand); }
    bool operator()(const ast::Chain& c) const {
      if (self.mentions_real(c.first)) return true;
      for (const ast::Operation& op : c.rest) {
        if (self.mentions_real(op.operand)) return true;
      }
      return false;
    }
    bool operator()(const ast::Call& c) const {
      for (const ast::Expression& a : c.arguments) {
        if (self.mentions_real(a)) return true;
      }
      return false;
    }
    bool operator()(const ast::Conditional& c) const {
      return self.mentions_real(c.condition) || self.mentions_real(c.if_true) || self.mentions_real(c.if_false);
    }
  };
  return boost::apply_visitor(Visitor{*this}, e);
}

bool Elaborator::mentions_whole_array(const ast::Expression& e) const {
  struct Visitor {
    const Elaborator& self;
    bool operator()(const ast::Number&) const { return false; }
    bool operator()(const ast::Reference& r) const {
      if (r.indices.empty() &&
          (self.matrix_params_.contains(r.name.name) || self.array_params_.contains(r.name.name))) {
        for (const auto& [name, value] : self.loop_) {
          if (name == r.name.name) return false;
        }
        return true;
      }
      return false;
    }
    bool operator()(const ast::Unary& u) const { return self.mentions_whole_array(u.operand); }
    bool operator()(const ast::Chain& c) const {
      if (self.mentions_whole_array(c.first)) return true;
      for (const ast::Operation& op : c.rest) {
        if (self.mentions_whole_array(op.operand)) return true;
      }
      return false;
    }
    bool operator()(const ast::Call& c) const {
      if (c.function.name == "eye") return true;
      if (c.function.name == "len") return false;
      for (const ast::Expression& a : c.arguments) {
        if (self.mentions_whole_array(a)) return true;
      }
      return false;
    }
    bool operator()(const ast::Conditional& c) const {
      return self.mentions_whole_array(c.if_true) || self.mentions_whole_array(c.if_false);
    }
  };
  return boost::apply_visitor(Visitor{*this}, e);
}

Affine Elaborator::linear(const ast::Expression& e) {
  struct Visitor {
    Elaborator& self;
    Affine operator()(const ast::Number& n) const { return number(n.value); }
    Affine operator()(const ast::Reference& r) const { return self.linear_reference(r); }
    Affine operator()(const ast::Unary& u) const {
      Affine value = self.linear(u.operand);
      if (u.op == "-") return left_multiply(Eigen::MatrixXd::Constant(1, 1, -1.0), std::move(value));
      if (u.op == "+") return value;
      if (!value.is_constant() || !value.is_scalar()) {
        self.fail(
            u, "'not' takes a number, not " + std::string(value.is_constant() ? shape_of(value) : "a real variable"));
      }
      return number(value.constant(0, 0) == 0.0 ? 1.0 : 0.0);
    }
    Affine operator()(const ast::Chain& c) const { return self.linear_chain(c); }
    Affine operator()(const ast::Call& c) const { return self.linear_call(c); }
    Affine operator()(const ast::Conditional& c) const {
      if (self.mentions_real(c.condition)) {
        self.fail(position_of(c.condition), "a condition cannot depend on a real variable");
      }
      return self.evaluate(c.condition) != 0.0 ? self.linear(c.if_true) : self.linear(c.if_false);
    }
  };
  return boost::apply_visitor(Visitor{*this}, e);
}

Affine Elaborator::linear_item(const ast::TableItem& item) {
  if (const auto* e = boost::get<ast::Expression>(&item)) return linear(*e);
  return constant(literal_matrix(boost::get<x3::forward_ast<ast::ArrayLiteral>>(item).get()));
}

Eigen::MatrixXd Elaborator::literal_matrix(const ast::ArrayLiteral& array) {
  if (array.items.empty()) fail(array, "an empty list: a vector or matrix needs at least one entry");
  const bool nested = boost::get<x3::forward_ast<ast::ArrayLiteral>>(&array.items.front()) != nullptr;
  if (!nested) {
    Eigen::MatrixXd v(static_cast<Eigen::Index>(array.items.size()), 1);
    for (std::size_t i = 0; i < array.items.size(); ++i) {
      const auto* e = boost::get<ast::Expression>(&array.items[i]);
      if (e == nullptr) fail(array, "mixed numbers and rows: write a vector [1, 2] or a matrix [[1, 0], [0, 1]]");
      v(static_cast<Eigen::Index>(i), 0) = evaluate(*e);
    }
    return v;
  }
  std::size_t columns = 0;
  std::vector<std::vector<double>> rows;
  for (const ast::TableItem& item : array.items) {
    const auto* row = boost::get<x3::forward_ast<ast::ArrayLiteral>>(&item);
    if (row == nullptr) fail(array, "mixed numbers and rows: write a vector [1, 2] or a matrix [[1, 0], [0, 1]]");
    std::vector<double> values;
    for (const ast::TableItem& entry : row->get().items) {
      const auto* e = boost::get<ast::Expression>(&entry);
      if (e == nullptr) fail(row->get(), "a matrix row holds numbers, not lists");
      values.push_back(evaluate(*e));
    }
    if (rows.empty()) columns = values.size();
    if (values.size() != columns) {
      fail(row->get(), "ragged matrix: row " + std::to_string(rows.size() + 1) + " has " +
                           std::to_string(values.size()) + " entries, the first has " + std::to_string(columns));
    }
    rows.push_back(std::move(values));
  }
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < columns; ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  }
  return m;
}

Affine Elaborator::linear_reference(const ast::Reference& r) {
  const std::string& name = r.name.name;
  for (auto it = loop_.rbegin(); it != loop_.rend(); ++it) {
    if (it->first == name) return number(evaluate_reference(r));
  }
  if (const auto it = matrix_params_.find(name); it != matrix_params_.end()) {
    const Eigen::MatrixXd& m = it->second;
    if (r.indices.empty()) return constant(m);
    if (r.indices.size() == 1 && m.cols() > 1) {
      // Y[t]: row t of a matrix (a data table read with csv(...)) as a vector.
      const long long t = evaluate_integer(r.indices[0], "an index");
      if (t < 0 || t >= m.rows()) {
        fail(r, "row " + std::to_string(t) + " out of range for '" + name + "' (" + describe_shape(m.rows(), m.cols()) +
                    ")");
      }
      return constant(m.row(static_cast<Eigen::Index>(t)).transpose());
    }
  }
  if (const auto it = array_params_.find(name); it != array_params_.end() && r.indices.empty()) {
    // A data column as a whole is a vector parameter.
    return constant(Eigen::Map<const Eigen::VectorXd>(it->second.data(), static_cast<Eigen::Index>(it->second.size())));
  }
  const auto it = arrays_.find(name);
  if (it == arrays_.end()) return number(evaluate_reference(r));
  const VariableArray& array = it->second;
  if (array.real_dimension == 0) {
    // The selector of a conditional linear Gaussian, bound to each of its states.
    if (bound_vars_ != nullptr) return number(evaluate_reference(r));
    fail(r, "'" + name + "' is a discrete variable; a real variable, a parameter or a number is needed here");
  }
  const std::size_t d = array.real_dimension;
  if (r.indices.size() == array.dims.size() || r.indices.size() == array.dims.size() + 1) {
    ast::Reference whole = r;
    std::optional<long long> component;
    if (r.indices.size() > array.dims.size()) {
      component = evaluate_integer(r.indices.back(), "an index");
      whole.indices.pop_back();
    }
    const VarId v = resolve_variable(whole);
    if (!component)
      return Affine{Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(d), 1),
                    {{v, Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d))}}};
    if (*component < 0 || static_cast<std::size_t>(*component) >= d) {
      fail(r, "component " + std::to_string(*component) + " out of range: '" + model_.graph.variable(v).name +
                  "' is in R^" + std::to_string(d));
    }
    Eigen::MatrixXd row = Eigen::MatrixXd::Zero(1, static_cast<Eigen::Index>(d));
    row(0, static_cast<Eigen::Index>(*component)) = 1.0;
    return Affine{Eigen::MatrixXd::Zero(1, 1), {{v, row}}};
  }
  fail(r, "'" + name + "' has " + std::to_string(array.dims.size()) + " dimension(s) (and, being in R^" +
              std::to_string(d) + ", an optional component index), " + std::to_string(r.indices.size()) +
              " index(es) given");
}

Affine Elaborator::linear_chain(const ast::Chain& c) {
  Affine acc = linear(c.first);
  if (!c.rest.empty() && c.rest.front().op == "^") {
    if (!acc.is_constant() || mentions_real(c.rest.front().operand)) {
      fail(c.rest.front(), "a power of a real variable is not linear");
    }
    return number(evaluate_chain(c));
  }
  for (const ast::Operation& op : c.rest) {
    Affine rhs = linear(op.operand);
    if (op.op == "+" || op.op == "-") {
      if (!same_shape(acc, rhs)) {
        fail(op, "dimensions do not match: " + shape_of(acc) + " " + op.op + " " + shape_of(rhs));
      }
      acc = affine_sum(std::move(acc), rhs, op.op == "+" ? 1.0 : -1.0);
    } else if (op.op == "*") {
      if (!acc.is_constant() && !rhs.is_constant()) {
        fail(op,
             "a product of two real-variable expressions is not linear (the mean, a constraint and a "
             "likelihood take linear expressions of the real variables)");
      }
      if (acc.is_constant() && (acc.is_scalar() || acc.constant.cols() == rhs.constant.rows())) {
        acc = left_multiply(acc.constant, std::move(rhs));
      } else if (rhs.is_constant() && rhs.is_scalar()) {
        acc = left_multiply(rhs.constant, std::move(acc));
      } else if (acc.is_scalar() && rhs.constant.cols() == 1) {
        // (a linear number) * (a constant vector): each term becomes vector x row.
        Affine out{rhs.constant * acc.constant(0, 0), {}};
        for (const auto& [v, coefficient] : acc.terms) out.terms.emplace_back(v, rhs.constant * coefficient);
        acc = std::move(out);
      } else {
        fail(op, "dimensions do not match: " + shape_of(acc) + " * " + shape_of(rhs));
      }
    } else if (op.op == "/") {
      if (!rhs.is_constant() || !rhs.is_scalar()) {
        fail(op, rhs.is_constant() ? "a division by " + shape_of(rhs) + " (divide by numbers only)"
                                   : "a division by a real variable is not linear");
      }
      if (rhs.constant(0, 0) == 0.0) fail(op, "division by zero");
      acc = left_multiply(Eigen::MatrixXd::Constant(1, 1, 1.0 / rhs.constant(0, 0)), std::move(acc));
    } else {
      // Comparisons and logic: numbers only.
      if (!acc.is_constant() || !rhs.is_constant()) {
        fail(op, "'" + op.op +
                     "' of a real variable has no value here (write comparisons of real variables as "
                     "'constraint')");
      }
      if (!acc.is_scalar() || !rhs.is_scalar()) fail(op, "'" + op.op + "' compares numbers, not vectors");
      const double a = acc.constant(0, 0), b = rhs.constant(0, 0);
      double v = 0;
      if (op.op == "<")
        v = a < b;
      else if (op.op == "<=")
        v = a <= b;
      else if (op.op == ">")
        v = a > b;
      else if (op.op == ">=")
        v = a >= b;
      else if (op.op == "==")
        v = a == b;
      else if (op.op == "!=")
        v = a != b;
      else if (op.op == "and")
        v = a != 0.0 && b != 0.0;
      else if (op.op == "or")
        v = a != 0.0 || b != 0.0;
      acc = number(v);
    }
  }
  return acc;
}

Affine Elaborator::linear_call(const ast::Call& c) {
  const std::string& f = c.function.name;
  if (f == "argsort") return constant(argsort(c));
  if (f == "eye") {
    if (c.arguments.size() != 1)
      fail(c, "eye() takes 1 argument (the size), " + std::to_string(c.arguments.size()) + " given");
    const long long n = evaluate_integer(c.arguments[0], "the size of eye()");
    if (n < 1 || n > 4096) fail(position_of(c.arguments[0]), "eye(n) needs 1 <= n <= 4096, got " + std::to_string(n));
    return constant(Eigen::MatrixXd::Identity(n, n));
  }
  for (const ast::Expression& a : c.arguments) {
    if (mentions_real(a)) {
      fail(c, f + "() of a real variable is not linear (the mean, a constraint and a likelihood take linear "
                  "expressions of the real variables)");
    }
  }
  return number(evaluate_call(c));
}

// argsort(v): the indices that sort v ascending, ties in their order in v (a stable
// sort), so `v[order[0]]` is the smallest: `param order = argsort(rank)` lets a model
// walk the rows of a file in rank order whatever order they are written in.
Eigen::MatrixXd Elaborator::argsort(const ast::Call& c) {
  if (c.arguments.size() != 1) {
    fail(c, "argsort() takes 1 argument (a vector), " + std::to_string(c.arguments.size()) + " given");
  }
  const ast::Expression& argument = c.arguments[0];
  if (mentions_real(argument)) fail(position_of(argument), "argsort() takes a vector of numbers, not a real variable");
  const Affine value = linear(argument);
  if (value.constant.cols() != 1) {
    fail(position_of(argument), "argsort() takes a vector, not " + shape_of(value));
  }
  const Eigen::VectorXd v = value.constant.col(0);
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (std::isnan(v(i))) fail(position_of(argument), "argsort() of a vector with a NaN entry (index " + std::to_string(i) + ")");
  }
  std::vector<Eigen::Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return v(a) < v(b); });
  Eigen::MatrixXd out(v.size(), 1);
  for (std::size_t k = 0; k < order.size(); ++k) out(static_cast<Eigen::Index>(k), 0) = static_cast<double>(order[k]);
  return out;
}

}  // namespace copi::dsl
