// Lowering the likelihood sites of real variables: `constraint` to step and interval
// sites, `factor probit(...)` / `logistic(...)` / `poisson(...)` to likelihood sites,
// each over one linear projection s = rowᵀz + offset of the real variables z.
#include <cmath>

#include "copi/graph/error.hpp"
#include "elaborator.hpp"

namespace copi::dsl {

namespace x3 = boost::spirit::x3;

Elaborator::Projection Elaborator::projection_of(const Affine& affine) const {
  const Affine value = without_zero_terms(affine);
  Projection p;
  Eigen::Index total = 0;
  for (const auto& [v, c] : value.terms) {
    p.scope.push_back(v);
    p.dims.push_back(static_cast<std::size_t>(c.cols()));
    total += c.cols();
  }
  p.row.resize(total);
  Eigen::Index at = 0;
  for (const auto& [v, c] : value.terms) {
    p.row.segment(at, c.cols()) = c.row(0).transpose();
    at += c.cols();
  }
  p.offset = value.constant(0, 0);
  return p;
}

void Elaborator::constraint(const ast::ConstraintStatement& s) {
  static const char* kForms =
      "a constraint is 'a > b', 'a >= b', 'a < b', 'a <= b', 'lo <= e <= hi' or 'abs(e) <= eps' of linear expressions "
      "of the real variables";
  const auto* chain = boost::get<x3::forward_ast<ast::Chain>>(&unwrap(s.condition));
  const auto comparison = [](const std::string& op) { return op == "<" || op == "<=" || op == ">" || op == ">="; };
  if (chain == nullptr || chain->get().rest.empty() || chain->get().rest.size() > 2) fail(s, kForms);
  const ast::Chain& c = chain->get();
  for (const ast::Operation& op : c.rest) {
    if (op.op == "==") fail(op, "an equality is no constraint: give the value as evidence");
    if (!comparison(op.op)) fail(op, kForms);
  }
  const auto add_site = [&](const Affine& value, ScalarLikelihood likelihood) {
    if (!value.is_scalar()) {
      fail(s, "a constraint compares numbers, not " + describe_shape(value.constant.rows(), value.constant.cols()));
    }
    if (without_zero_terms(value).is_constant()) fail(s, "the constraint depends on no real variable");
    const Projection p = projection_of(value);
    try {
      model_.graph.add_factor(SiteFactor(p.scope, p.dims, p.row, p.offset, std::move(likelihood)));
    } catch (const InputError& error) {
      fail(s, error.what());
    }
  };
  const auto constant_number = [&](const ast::Expression& e) {
    if (mentions_real(e)) fail(position_of(e), "the bounds of an interval are numbers");
    return evaluate(e);
  };
  if (c.rest.size() == 2) {
    const bool up = c.rest[0].op[0] == '<' && c.rest[1].op[0] == '<';
    const bool down = c.rest[0].op[0] == '>' && c.rest[1].op[0] == '>';
    if (!up && !down) fail(c.rest[1], kForms);
    double lower = constant_number(up ? c.first : c.rest[1].operand);
    double upper = constant_number(up ? c.rest[1].operand : c.first);
    if (lower > upper) {
      fail(s, "an empty interval: " + format_number(lower) + " > " + format_number(upper));
    }
    Affine middle = linear(c.rest[0].operand);
    add_site(middle, IntervalSite{lower, upper});
    return;
  }
  const ast::Operation& op = c.rest[0];
  // abs(e) <= eps: the interval [-eps, eps] (a draw in TrueSkill).
  if (const auto* call = boost::get<x3::forward_ast<ast::Call>>(&unwrap(c.first));
      call != nullptr && call->get().function.name == "abs" && call->get().arguments.size() == 1 &&
      mentions_real(call->get().arguments[0])) {
    if (op.op[0] != '<') fail(op, "abs(e) >= eps is not one interval: write abs(e) <= eps (or two constraints)");
    const double eps = constant_number(op.operand);
    if (eps < 0) fail(position_of(op.operand), "abs(e) <= " + format_number(eps) + " cannot hold");
    add_site(linear(call->get().arguments[0]), IntervalSite{-eps, eps});
    return;
  }
  const Affine lhs = linear(c.first);
  const Affine rhs = linear(op.operand);
  if (!lhs.is_scalar() || !rhs.is_scalar()) {
    fail(op, "a constraint compares numbers, not " +
                 describe_shape(lhs.is_scalar() ? rhs.constant.rows() : lhs.constant.rows(),
                                lhs.is_scalar() ? rhs.constant.cols() : lhs.constant.cols()));
  }
  // a > b is the step [a − b > 0]; a < b is [b − a > 0].
  const bool greater = op.op[0] == '>';
  const Affine difference = greater ? affine_sum(lhs, rhs, -1.0) : affine_sum(rhs, lhs, -1.0);
  add_site(difference, StepSite{0.0, op.op.size() == 1});
}

void Elaborator::likelihood(const ast::FactorStatement& s, const ast::Call& call) {
  const std::string& f = call.function.name;
  static const std::vector<std::string> kLikelihoods = {"probit", "logistic", "poisson"};
  if (std::find(kLikelihoods.begin(), kLikelihoods.end(), f) == kLikelihoods.end()) {
    fail(call.function,
         "a factor on real variables is a likelihood of a linear expression s: probit(s), logistic(s) "
         "or poisson(s, count), not " +
             f + "()" + suggest(f, kLikelihoods));
  }
  const std::size_t arity = f == "poisson" ? 2 : 1;
  if (call.arguments.size() != arity) {
    fail(call,
         f + "() takes " + std::to_string(arity) + " argument(s), " + std::to_string(call.arguments.size()) + " given");
  }
  const Affine value = linear(call.arguments[0]);
  if (!value.is_scalar()) {
    fail(position_of(call.arguments[0]),
         f + "() takes a number, not " + describe_shape(value.constant.rows(), value.constant.cols()));
  }
  if (without_zero_terms(value).is_constant()) {
    fail(position_of(call.arguments[0]), "the likelihood depends on no real variable");
  }
  ScalarLikelihood site = ProbitSite{};
  if (f == "logistic") site = LogisticSite{};
  if (f == "poisson") {
    if (mentions_real(call.arguments[1])) fail(position_of(call.arguments[1]), "the count is a number");
    const double count = evaluate(call.arguments[1]);
    if (!(count >= 0) || count != std::floor(count)) {
      fail(position_of(call.arguments[1]), "the count must be a whole number >= 0, got " + format_number(count));
    }
    site = PoissonSite{count};
  }
  const Projection p = projection_of(value);
  try {
    model_.graph.add_factor(SiteFactor(p.scope, p.dims, p.row, p.offset, std::move(site)));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
}

}  // namespace copi::dsl
