// Expression evaluation for the elaborator: numbers, parameters, loop variables and
// the numeric values of random variables bound while a factor is tabulated.
#include <cmath>
#include <numbers>
#include <sstream>

#include <boost/math/special_functions/erf.hpp>

#include "elaborator.hpp"

namespace copi::dsl {
namespace {

struct PositionOf {
  using result_type = const boost::spirit::x3::position_tagged*;
  result_type operator()(const ast::Number& node) const { return &node; }
  template <typename T>
  result_type operator()(const boost::spirit::x3::forward_ast<T>& node) const {
    return &node.get();
  }
};

std::string describe(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

const ast::Expression& unwrap(const ast::Expression& e) {
  const ast::Expression* current = &e;
  while (const auto* chain = boost::get<boost::spirit::x3::forward_ast<ast::Chain>>(current)) {
    if (!chain->get().rest.empty()) break;
    current = &chain->get().first;
  }
  return *current;
}

const boost::spirit::x3::position_tagged& position_of(const ast::Expression& e) {
  // The innermost annotated node along the trivial chain (numbers inside a chain
  // carry no position of their own, the chain around them does).
  const boost::spirit::x3::position_tagged* best = boost::apply_visitor(PositionOf{}, e);
  const ast::Expression* current = &e;
  while (const auto* chain = boost::get<boost::spirit::x3::forward_ast<ast::Chain>>(current)) {
    if (!chain->get().rest.empty()) break;
    current = &chain->get().first;
    const boost::spirit::x3::position_tagged* inner = boost::apply_visitor(PositionOf{}, *current);
    if (inner->id_first >= 0) best = inner;
  }
  return *best;
}

const std::string* Elaborator::bare_label(const ast::Expression& e) const {
  const auto* ref = boost::get<boost::spirit::x3::forward_ast<ast::Reference>>(&unwrap(e));
  if (ref == nullptr || !ref->get().indices.empty()) return nullptr;
  const std::string& name = ref->get().name.name;
  for (const auto& [loop_name, value] : loop_) {
    if (loop_name == name) return nullptr;
  }
  if (params_.contains(name) || arrays_.contains(name) || array_params_.contains(name) || matrix_params_.contains(name)) {
    return nullptr;
  }
  return &name;
}

double Elaborator::evaluate(const ast::Expression& e) {
  struct Visitor {
    Elaborator& self;
    double operator()(const ast::Number& n) const { return n.value; }
    double operator()(const ast::Reference& r) const { return self.evaluate_reference(r); }
    double operator()(const ast::Unary& u) const {
      const double v = self.evaluate(u.operand);
      if (u.op == "-") return -v;
      if (u.op == "not") return v == 0.0 ? 1.0 : 0.0;
      return v;
    }
    double operator()(const ast::Chain& c) const { return self.evaluate_chain(c); }
    double operator()(const ast::Call& c) const { return self.evaluate_call(c); }
    double operator()(const ast::Conditional& c) const {
      return self.evaluate(c.condition) != 0.0 ? self.evaluate(c.if_true) : self.evaluate(c.if_false);
    }
  };
  return boost::apply_visitor(Visitor{*this}, e);
}

double Elaborator::evaluate_reference(const ast::Reference& r) {
  for (const auto& [label, index] : labels_) {
    if (label == &r) return index;
  }
  if (bound_vars_ != nullptr) {
    for (const auto& [reference, var] : resolved_) {
      if (reference != &r) continue;
      for (std::size_t k = 0; k < bound_vars_->size(); ++k) {
        if ((*bound_vars_)[k] == var) return domain_of_var_[var.index]->values[(*bound_states_)[k]];
      }
    }
  }
  const std::string& name = r.name.name;
  for (auto it = loop_.rbegin(); it != loop_.rend(); ++it) {
    if (it->first == name) {
      if (!r.indices.empty()) fail(r, "loop variable '" + name + "' cannot be indexed");
      return it->second;
    }
  }
  if (const auto it = params_.find(name); it != params_.end()) {
    if (!r.indices.empty()) fail(r, "parameter '" + name + "' is a number, not an array");
    return it->second;
  }
  if (const auto it = array_params_.find(name); it != array_params_.end()) {
    if (r.indices.size() != 1) fail(r, "data array '" + name + "' takes exactly one index");
    const long long i = evaluate_integer(r.indices[0], "an index");
    if (i < 0 || static_cast<std::size_t>(i) >= it->second.size()) {
      fail(r, "index " + std::to_string(i) + " out of range for '" + name + "' (it has " +
                  std::to_string(it->second.size()) + " values)");
    }
    return it->second[static_cast<std::size_t>(i)];
  }
  if (const auto it = matrix_params_.find(name); it != matrix_params_.end()) {
    const Eigen::MatrixXd& m = it->second;
    const bool vector = m.cols() == 1;
    if (r.indices.size() != (vector ? 1U : 2U)) {
      fail(r, "'" + name + "' is " + describe_shape(m.rows(), m.cols()) + ": write " +
                  (vector ? name + "[i] for an entry" : name + "[i][j] for an entry"));
    }
    const long long i = evaluate_integer(r.indices[0], "an index");
    const long long j = vector ? 0 : evaluate_integer(r.indices[1], "an index");
    if (i < 0 || i >= m.rows() || j < 0 || j >= m.cols()) {
      fail(r, "index out of range for '" + name + "' (" + describe_shape(m.rows(), m.cols()) + ")");
    }
    return m(i, j);
  }
  if (const auto it = arrays_.find(name); it != arrays_.end() && it->second.real_dimension > 0) {
    fail(r, "'" + name + "' is a real variable: it has no value here (real variables enter '~', 'constraint' and "
            "likelihoods, as linear expressions)");
  }
  if (arrays_.contains(name)) {
    const VarId var = resolve_variable(r);
    if (bound_vars_ != nullptr) {
      for (std::size_t k = 0; k < bound_vars_->size(); ++k) {
        if ((*bound_vars_)[k] == var) return domain_of_var_[var.index]->values[(*bound_states_)[k]];
      }
    }
    fail(r, "variable '" + model_.graph.variable(var).name + "' has no value here (only in factor expressions)");
  }
  fail(r.name, unknown_name(name));
}

double Elaborator::evaluate_chain(const ast::Chain& c) {
  if (!c.rest.empty() && c.rest.front().op == "^") {
    // Right-associative: a ^ b ^ c = a ^ (b ^ c).
    double result = evaluate(c.rest.back().operand);
    for (std::size_t i = c.rest.size() - 1; i-- > 0;) result = std::pow(evaluate(c.rest[i].operand), result);
    return std::pow(evaluate(c.first), result);
  }
  double acc = evaluate(c.first);
  for (const ast::Operation& op : c.rest) {
    // Operators are one or two characters: dispatch on them without string compares.
    const char first = op.op[0];
    const char second = op.op.size() > 1 ? op.op[1] : '\0';
    if (first == 'a') {  // and (short-circuit)
      acc = (acc != 0.0 && evaluate(op.operand) != 0.0) ? 1.0 : 0.0;
      continue;
    }
    if (first == 'o') {  // or
      acc = (acc != 0.0 || evaluate(op.operand) != 0.0) ? 1.0 : 0.0;
      continue;
    }
    const double rhs = evaluate(op.operand);
    switch (first) {
      case '+': acc += rhs; break;
      case '-': acc -= rhs; break;
      case '*': acc *= rhs; break;
      case '/':
        if (rhs == 0.0) fail(op, "division by zero");
        acc /= rhs;
        break;
      case '<': acc = second == '=' ? acc <= rhs : acc < rhs; break;
      case '>': acc = second == '=' ? acc >= rhs : acc > rhs; break;
      case '=': acc = acc == rhs; break;
      case '!': acc = acc != rhs; break;
      default: break;
    }
  }
  return acc;
}

double Elaborator::evaluate_call(const ast::Call& c) {
  const std::string& f = c.function.name;
  const auto arity = [&](std::size_t n) {
    if (c.arguments.size() != n) {
      fail(c, f + "() takes " + std::to_string(n) + " argument(s), " + std::to_string(c.arguments.size()) + " given");
    }
  };
  if (f == "exp" || f == "log" || f == "abs" || f == "sqrt") {
    arity(1);
    const double x = evaluate(c.arguments[0]);
    if (f == "exp") return std::exp(x);
    if (f == "abs") return std::abs(x);
    if (f == "sqrt") {
      if (x < 0) fail(c, "sqrt of a negative number (" + describe(x) + ")");
      return std::sqrt(x);
    }
    if (x < 0) fail(c, "log of a negative number (" + describe(x) + ")");
    return std::log(x);  // log(0) = -inf: a hard zero, which is legal
  }
  if (f == "normal_quantile") {
    // Φ⁻¹(p), the standard normal quantile (TrueSkill's draw margin).
    arity(1);
    const double p = evaluate(c.arguments[0]);
    if (!(p > 0.0 && p < 1.0)) fail(c, "normal_quantile(p) needs 0 < p < 1, got " + describe(p));
    return -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * p);
  }
  if (f == "len") {
    // The number of values of a data column, a vector parameter's length or a
    // matrix's rows: `param T = len(y)`.
    arity(1);
    const auto* ref = boost::get<boost::spirit::x3::forward_ast<ast::Reference>>(&unwrap(c.arguments[0]));
    if (ref != nullptr && ref->get().indices.empty()) {
      const std::string& name = ref->get().name.name;
      if (const auto it = array_params_.find(name); it != array_params_.end()) return static_cast<double>(it->second.size());
      if (const auto it = matrix_params_.find(name); it != matrix_params_.end()) return static_cast<double>(it->second.rows());
    }
    fail(position_of(c.arguments[0]), "len() takes the name of a data column, a vector or a matrix");
  }
  if (f == "min" || f == "max") {
    if (c.arguments.empty()) fail(c, f + "() needs at least one argument");
    double acc = evaluate(c.arguments[0]);
    for (std::size_t i = 1; i < c.arguments.size(); ++i) {
      const double x = evaluate(c.arguments[i]);
      acc = f == "min" ? std::min(acc, x) : std::max(acc, x);
    }
    return acc;
  }
  if (f == "argsort") {
    fail(c.function, "argsort() gives a vector, and a number is needed here: write 'param order = argsort(v)' with "
                     "v a vector or a data column, then order[i]");
  }
  if (f == "probit" || f == "logistic" || f == "normal" || f == "mvnormal" || f == "mixture" || f == "eye") {
    fail(c.function, f + "() has no value here: " +
                         (f == "eye" ? std::string("it is a matrix (for means and covariances)")
                                     : std::string("it describes a distribution or a likelihood of real variables")));
  }
  static const std::vector<std::string> kFunctions = {"exp", "log", "abs", "sqrt", "min", "max", "len",
                                                      "normal_quantile", "argsort"};
  fail(c.function, "unknown function '" + f + "': expected exp, log, abs, sqrt, min, max, len, normal_quantile or argsort" + suggest(f, kFunctions));
}

long long Elaborator::evaluate_integer(const ast::Expression& e, const char* what) {
  const double v = evaluate(e);
  if (!std::isfinite(v) || v != std::floor(v) || std::abs(v) > 9e15) {
    throw SemanticError{boost::apply_visitor(PositionOf{}, e),
                        std::string(what) + " must be an integer, got " + describe(v)};
  }
  return static_cast<long long>(v);
}

}  // namespace copi::dsl
