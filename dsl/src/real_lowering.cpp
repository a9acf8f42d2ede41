// Lowering the statements about real variables: `x ~ normal(...)` / `mvnormal(...)`
// to linear-Gaussian factors, `data ~ normal(...)` to a Gaussian likelihood,
// `~ mixture(...)` to a Gaussian-mixture site, `constraint` to step and interval
// sites, `factor probit(...)` / `logistic(...)` to likelihood sites, and evidence on
// real variables. Means, constraints and likelihoods take linear expressions of the
// real variables (linear_expression.cpp); every number the library would refuse (a
// variance ≤ 0, a covariance that is not positive definite, mismatched dimensions) is
// an error at the argument that holds it.
#include <cmath>
#include <numbers>

#include "copi/graph/error.hpp"
#include "elaborator.hpp"

namespace copi::dsl {
namespace {

namespace x3 = boost::spirit::x3;

constexpr double kWeightSumTolerance = 1e-6;

const ast::Expression* expression_in(const ast::TableItem& item) { return boost::get<ast::Expression>(&item); }

const ast::Call* call_in(const ast::TableItem& item) {
  const ast::Expression* e = expression_in(item);
  if (e == nullptr) return nullptr;
  const auto* call = boost::get<x3::forward_ast<ast::Call>>(&unwrap(*e));
  return call == nullptr ? nullptr : &call->get();
}

// A variable whose coefficients are all zero (`0 * x`, `x - x`) is not in the scope.
Affine without_zero_terms(Affine value) {
  std::erase_if(value.terms, [](const auto& term) { return (term.second.array() == 0.0).all(); });
  return value;
}

double log_normal_density(double residual, double variance) {
  return -0.5 * std::log(2.0 * std::numbers::pi * variance) - residual * residual / (2.0 * variance);
}

}  // namespace

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

void Elaborator::draw(const ast::DrawStatement& s) {
  const std::string& dist = s.distribution.name;
  static const std::vector<std::string> kDistributions = {"normal", "mvnormal", "mixture"};
  if (std::find(kDistributions.begin(), kDistributions.end(), dist) == kDistributions.end()) {
    fail(s.distribution, "unknown distribution '" + dist +
                             "': expected normal(mean, variance), mvnormal(mean, cov) or mixture(w: normal(...), ...)" +
                             suggest(dist, kDistributions));
  }
  const bool mixture = dist == "mixture";
  for (const ast::DrawArgument& a : s.arguments) {
    if (a.component.has_value() != mixture) {
      fail(a, mixture ? "a mixture component is 'weight: normal(mean, variance)'"
                      : "'weight: ...' is for the components of mixture(...)");
    }
  }
  if (!mixture && s.arguments.size() != 2) {
    fail(s.distribution, dist + "() takes 2 arguments (" + (dist == "normal" ? "mean, variance" : "mean, cov") + "), " +
                             std::to_string(s.arguments.size()) + " given");
  }
  // The left side: a real variable (its distribution) or a number (observed data, a
  // likelihood of the real variables in the arguments).
  std::optional<VarId> target;
  Affine observed;
  const auto array = arrays_.find(s.target.name.name);
  if (array != arrays_.end()) {
    if (array->second.real_dimension == 0) {
      fail(s.target, "'" + s.target.name.name +
                         "' is a discrete variable: '~' draws real variables (a discrete one gets p(x | ...))");
    }
    if (s.target.indices.size() > array->second.dims.size()) {
      fail(s.target, "'~' draws a whole real variable, not one component");
    }
    target = resolve_variable(s.target);
    if (drawn_.contains(*target)) {
      fail(s.target, "'" + model_.graph.variable(*target).name +
                         "' is already drawn with '~'; a real variable gets one distribution (add likelihoods with "
                         "'constraint', 'factor probit(...)' or evidence)");
    }
    observed = linear_reference(s.target);
  } else {
    observed = Affine{Eigen::MatrixXd::Constant(1, 1, evaluate_reference(s.target)), {}};
  }
  const std::size_t d = static_cast<std::size_t>(observed.constant.rows());

  if (mixture) {
    // Each component k gives N(residual_k; 0, v_k), residual_k = observed − mean_k, and
    // the residuals that depend on real variables must be multiples α_k s + c_k of one
    // projection s: then N(α s + c; 0, v) = N(s; −c/α, v/α²) / |α|.
    if (d != 1) fail(s.target, "mixture(...) is a distribution of a number, not of a vector");
    GaussianMixtureSite site;
    std::optional<Projection> direction;
    double weight_sum = 0.0;
    for (const ast::DrawArgument& a : s.arguments) {
      const ast::Expression* weight_expression = expression_in(a.value);
      if (weight_expression == nullptr) fail(a, "a mixture weight is a number");
      const double weight = evaluate(*weight_expression);
      if (!(weight >= 0.0) || !std::isfinite(weight)) {
        fail(position_of(*weight_expression), "a mixture weight must be >= 0, got " + format_number(weight));
      }
      weight_sum += weight;
      const ast::Call* component = call_in(*a.component);
      if (component == nullptr || component->function.name != "normal" || component->arguments.size() != 2) {
        fail(a, "a mixture component is 'weight: normal(mean, variance)'");
      }
      const Affine mean = linear(component->arguments[0]);
      if (!mean.is_scalar())
        fail(position_of(component->arguments[0]),
             "the mean is " + describe_shape(mean.constant.rows(), mean.constant.cols()) + ", not a number");
      if (mentions_real(component->arguments[1])) {
        fail(position_of(component->arguments[1]), "the variance cannot depend on a real variable");
      }
      const double variance = evaluate(component->arguments[1]);
      if (!(variance > 0.0) || !std::isfinite(variance)) {
        fail(position_of(component->arguments[1]), "the variance must be positive, got " + format_number(variance));
      }
      Affine residual = observed;
      residual.constant -= mean.constant;
      for (const auto& [v, c] : mean.terms) {
        bool found = false;
        for (auto& [rv, rc] : residual.terms) {
          if (rv == v) {
            rc -= c;
            found = true;
          }
        }
        if (!found) residual.terms.emplace_back(v, -c);
      }
      Projection p = projection_of(residual);
      if (p.row.size() == 0 || p.row.cwiseAbs().maxCoeff() == 0.0) {
        site.constant += weight * std::exp(log_normal_density(p.offset, variance));
        continue;
      }
      if (!direction) {
        // The direction with its largest entry positive: for one variable, s is it.
        direction = p;
        direction->offset = 0.0;
        Eigen::Index k = 0;
        direction->row.cwiseAbs().maxCoeff(&k);
        direction->row /= std::abs(direction->row(k)) * (direction->row(k) < 0 ? -1.0 : 1.0);
      }
      // α with p.row = α · direction.row, over the same variables.
      bool parallel = p.scope == direction->scope;
      double alpha = 0.0;
      if (parallel) {
        Eigen::Index k = 0;
        direction->row.cwiseAbs().maxCoeff(&k);
        alpha = p.row(k) / direction->row(k);
        parallel = (p.row - alpha * direction->row).cwiseAbs().maxCoeff() <= 1e-12 * p.row.cwiseAbs().maxCoeff();
      }
      if (!parallel) {
        fail(a,
             "the components of a mixture must depend on the real variables through one linear "
             "expression (the same up to a factor and a constant)");
      }
      site.weights.push_back(weight / std::abs(alpha));
      site.means.push_back(-p.offset / alpha);
      site.variances.push_back(variance / (alpha * alpha));
    }
    if (std::abs(weight_sum - 1.0) > kWeightSumTolerance) {
      fail(s.distribution, "the mixture weights sum to " + format_number(weight_sum) + ", not 1 (tolerance 1e-06)");
    }
    if (!direction) fail(s.distribution, "the mixture depends on no real variable");
    try {
      model_.graph.add_factor(SiteFactor(direction->scope, direction->dims, direction->row, 0.0, std::move(site)));
    } catch (const InputError& error) {
      fail(s, error.what());
    }
    if (target) drawn_.insert(*target);
    return;
  }

  if (dist == "normal" && d != 1) {
    fail(s.distribution,
         "'" + model_.graph.variable(*target).name + "' is in R^" + std::to_string(d) + ": use mvnormal(mean, cov)");
  }
  // A discrete variable in the arguments selects the component: a conditional
  // linear Gaussian (one linear-Gaussian factor per state of the selector).
  std::vector<VarId> selectors;
  for (const ast::DrawArgument& a : s.arguments) {
    if (const ast::Expression* e = expression_in(a.value)) discrete_variables_in(*e, selectors);
  }
  if (selectors.size() > 1) {
    fail(s.distribution, "the distribution depends on " + std::to_string(selectors.size()) +
                             " discrete variables; a draw may depend on one (the selector of a conditional "
                             "linear Gaussian)");
  }
  if (selectors.empty()) {
    const GaussianParts parts = gaussian_parts(s, d, observed, target);
    if (!target) {
      // Observed data: log N(y; aᵀz + c, v) as a canonical Gaussian over z.
      if (d != 1) fail(s.target, "observed data is a number");
      const Projection p = projection_of(parts.mean);
      const double variance = parts.covariance(0, 0);
      const double residual = observed.constant(0, 0) - p.offset;
      if (p.scope.empty()) {
        model_.graph.add_factor(DiscreteFactor::constant(log_normal_density(residual, variance)));
        return;
      }
      try {
        model_.graph.add_factor(GaussianFactor(p.scope, p.dims, p.row * (residual / variance),
                                               p.row * p.row.transpose() / variance,
                                               log_normal_density(residual, variance)));
      } catch (const InputError& error) {
        fail(s, error.what());
      }
      return;
    }
    const std::vector<VarId> parents = parents_of(s, parts.mean, *target);
    try {
      model_.graph.add_factor(linear_gaussian(*target, parents, parts));
    } catch (const InputError& error) {
      fail(s, error.what());
    }
    drawn_.insert(*target);
    return;
  }

  if (!target) {
    fail(s.target,
         "observed data whose distribution depends on a discrete variable: declare a real variable, draw "
         "it and give its value as evidence");
  }
  const VarId selector = selectors.front();
  const std::size_t states = model_.graph.cardinality(selector);
  if (states > 4096) fail(s.distribution, "the selector has more than 4096 states");
  std::vector<GaussianParts> components;
  std::vector<VarId> scope{selector};
  std::vector<std::size_t> state(1, 0);
  labels_.clear();
  for (const ast::DrawArgument& a : s.arguments) {
    if (const ast::Expression* e = expression_in(a.value)) resolve_labels(*e);
  }
  bound_vars_ = &scope;
  bound_states_ = &state;
  try {
    for (std::size_t k = 0; k < states; ++k) {
      state[0] = k;
      components.push_back(gaussian_parts(s, d, observed, target));
    }
  } catch (...) {
    bound_vars_ = nullptr;
    bound_states_ = nullptr;
    labels_.clear();
    throw;
  }
  bound_vars_ = nullptr;
  bound_states_ = nullptr;
  labels_.clear();
  // Every component over the union of the parents (absent ones with zero columns).
  Affine all;
  all.constant = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(d), 1);
  for (const GaussianParts& c : components) {
    for (const auto& [v, coefficient] : c.mean.terms) {
      if (std::none_of(all.terms.begin(), all.terms.end(), [&](const auto& t) { return t.first == v; })) {
        all.terms.emplace_back(v, Eigen::MatrixXd::Zero(coefficient.rows(), coefficient.cols()));
      }
    }
  }
  std::vector<VarId> parents = parents_of(s, all, *target, selector);
  std::vector<LinearGaussianFactor> factors;
  try {
    for (GaussianParts& c : components) {
      Affine full = all;
      full.constant = c.mean.constant;
      for (auto& [v, coefficient] : full.terms) {
        for (const auto& [cv, cc] : c.mean.terms) {
          if (cv == v) coefficient = cc;
        }
      }
      c.mean = std::move(full);
      factors.push_back(linear_gaussian(*target, parents, c));
    }
    model_.graph.add_factor(ConditionalLinearGaussianFactor(selector, states, std::move(factors)));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
  drawn_.insert(*target);
}

void Elaborator::discrete_variables_in(const ast::Expression& e, std::vector<VarId>& out) {
  struct Visitor {
    Elaborator& self;
    std::vector<VarId>& out;
    void operator()(const ast::Number&) const {}
    void operator()(const ast::Reference& r) const {
      for (const ast::Expression& i : r.indices) self.discrete_variables_in(i, out);
      const auto it = self.arrays_.find(r.name.name);
      if (it == self.arrays_.end() || it->second.real_dimension > 0) return;
      for (const auto& [name, value] : self.loop_) {
        if (name == r.name.name) return;
      }
      const VarId v = self.resolve_variable(r);
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    void operator()(const ast::Unary& u) const { self.discrete_variables_in(u.operand, out); }
    void operator()(const ast::Chain& c) const {
      self.discrete_variables_in(c.first, out);
      for (const ast::Operation& op : c.rest) self.discrete_variables_in(op.operand, out);
    }
    void operator()(const ast::Call& c) const {
      for (const ast::Expression& a : c.arguments) self.discrete_variables_in(a, out);
    }
    void operator()(const ast::Conditional& c) const {
      self.discrete_variables_in(c.condition, out);
      self.discrete_variables_in(c.if_true, out);
      self.discrete_variables_in(c.if_false, out);
    }
  };
  boost::apply_visitor(Visitor{*this, out}, e);
}

// The mean and covariance of `normal(...)` / `mvnormal(...)`, checked.
Elaborator::GaussianParts Elaborator::gaussian_parts(const ast::DrawStatement& s, std::size_t d, const Affine& observed,
                                                     std::optional<VarId> target) {
  const std::string& dist = s.distribution.name;
  const ast::DrawArgument& mean_argument = s.arguments[0];
  const ast::DrawArgument& cov_argument = s.arguments[1];
  GaussianParts parts;
  parts.mean = without_zero_terms(linear_item(mean_argument.value));
  const Affine& mean = parts.mean;
  if (mean.constant.cols() != 1 || static_cast<std::size_t>(mean.constant.rows()) != d) {
    fail(mean_argument, "the mean is " + describe_shape(mean.constant.rows(), mean.constant.cols()) + ", but '" +
                            (target ? model_.graph.variable(*target).name : s.target.name.name) + "' is " +
                            describe_shape(static_cast<Eigen::Index>(d), 1));
  }
  (void)observed;
  const Affine cov = linear_item(cov_argument.value);
  if (!cov.is_constant())
    fail(cov_argument,
         std::string(dist == "normal" ? "the variance" : "the covariance") + " cannot depend on a real variable");
  parts.covariance = cov.constant;
  const Eigen::MatrixXd& sigma = parts.covariance;
  if (dist == "normal") {
    if (!sigma.allFinite() || !cov.is_scalar()) {
      fail(cov_argument, "the variance is " + describe_shape(sigma.rows(), sigma.cols()) + ", not a number");
    }
    if (!(sigma(0, 0) > 0.0)) fail(cov_argument, "the variance must be positive, got " + format_number(sigma(0, 0)));
  } else {
    if (static_cast<std::size_t>(sigma.rows()) != d || static_cast<std::size_t>(sigma.cols()) != d) {
      fail(cov_argument, "the covariance is " + describe_shape(sigma.rows(), sigma.cols()) + ", expected " +
                             describe_shape(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d)));
    }
    if (!sigma.allFinite()) fail(cov_argument, "the covariance has a non-finite entry");
    const double scale = sigma.cwiseAbs().maxCoeff();
    if ((sigma - sigma.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale) {
      fail(cov_argument, "the covariance is not symmetric");
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(sigma);
    if (llt.info() != Eigen::Success || !(scale > 0.0)) fail(cov_argument, "the covariance is not positive definite");
  }
  return parts;
}

// The real parents of a draw (the variables of its mean), checked against a directed
// cycle and recorded; a selector joins the graph as a parent too.
std::vector<VarId> Elaborator::parents_of(const ast::DrawStatement& s, const Affine& mean, VarId target,
                                          std::optional<VarId> selector) {
  std::vector<VarId> parents;
  std::vector<std::uint32_t> parent_ids;
  for (const auto& [v, c] : mean.terms) {
    if (v == target) fail(s.arguments[0], "the mean of '" + model_.graph.variable(v).name + "' depends on itself");
    parents.push_back(v);
    parent_ids.push_back(v.index);
  }
  if (selector) parent_ids.push_back(selector->index);
  if (const std::vector<std::uint32_t> cycle = conditionals_.cycle_through(target.index, parent_ids); !cycle.empty()) {
    std::string text;
    for (const std::uint32_t node : cycle) text += model_.graph.variable(VarId{node}).name + " -> ";
    fail(s.arguments[0], "this draw closes a directed cycle: " + text + model_.graph.variable(target).name);
  }
  conditionals_.add(target.index, parent_ids);
  return parents;
}

LinearGaussianFactor Elaborator::linear_gaussian(VarId target, const std::vector<VarId>& parents,
                                                 const GaussianParts& parts) const {
  std::vector<std::size_t> parent_dims;
  Eigen::Index columns = 0;
  for (const auto& [v, c] : parts.mean.terms) {
    parent_dims.push_back(static_cast<std::size_t>(c.cols()));
    columns += c.cols();
  }
  Eigen::MatrixXd a(parts.mean.constant.rows(), columns);
  Eigen::Index at = 0;
  for (const auto& [v, c] : parts.mean.terms) {
    a.middleCols(at, c.cols()) = c;
    at += c.cols();
  }
  return LinearGaussianFactor(target, static_cast<std::size_t>(parts.mean.constant.rows()), parents, parent_dims, a,
                              parts.mean.constant.col(0), parts.covariance);
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
  Affine difference = greater ? lhs : rhs;
  const Affine& other = greater ? rhs : lhs;
  difference.constant -= other.constant;
  for (const auto& [v, coefficient] : other.terms) {
    bool found = false;
    for (auto& [dv, dc] : difference.terms) {
      if (dv == v) {
        dc -= coefficient;
        found = true;
      }
    }
    if (!found) difference.terms.emplace_back(v, -coefficient);
  }
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

void Elaborator::real_evidence(const ast::Observation& o, VarId var) {
  const Affine value = linear(o.value);
  const Variable& variable = model_.graph.variable(var);
  if (!value.is_constant()) fail(position_of(o.value), "an observed value cannot depend on a real variable");
  if (value.constant.cols() != 1 || static_cast<std::size_t>(value.constant.rows()) != variable.dimension) {
    fail(position_of(o.value), "the value is " + describe_shape(value.constant.rows(), value.constant.cols()) +
                                   ", but '" + variable.name + "' is " +
                                   describe_shape(static_cast<Eigen::Index>(variable.dimension), 1));
  }
  if (!value.constant.allFinite()) fail(position_of(o.value), "the value has a non-finite entry");
  const Eigen::VectorXd v = value.constant.col(0);
  const auto [it, inserted] = model_.real_evidence.emplace(var, v);
  if (!inserted && it->second != v) fail(o, "conflicting evidence on '" + variable.name + "'");
}

// A model with real variables runs under gbp (every factor Gaussian), ep or auto; the
// discrete algorithms would refuse it when run, so the refusal is an error at `infer`.
void Elaborator::check_algorithm_fits_model() {
  std::optional<VarId> first_real;
  for (std::size_t v = 0; v < model_.graph.num_variables() && !first_real; ++v) {
    if (model_.graph.variables()[v].is_real()) first_real = VarId{static_cast<std::uint32_t>(v)};
  }
  if (!first_real) return;
  if (map_at_) {
    Diagnostic d = *map_at_;
    d.message = "map is for discrete models, and '" + model_.graph.variable(*first_real).name +
                "' is a real variable: ask for mean(...) or cov(...)";
    report(std::move(d));
  }
  if (!infer_at_) return;
  const std::string& name = model_.algorithm.name();
  Diagnostic d = *infer_at_;
  if (name == "gbp") {
    for (std::size_t f = 0; f < model_.graph.num_factors(); ++f) {
      const Factor& factor = model_.graph.factors()[f];
      const bool gaussian = std::holds_alternative<GaussianFactor>(factor) ||
                            std::holds_alternative<LinearGaussianFactor>(factor) ||
                            (std::holds_alternative<DiscreteFactor>(factor) && scope_of(factor).empty());
      if (!gaussian) {
        d.message = "gbp runs models whose factors are all Gaussian; factor " + std::to_string(f) + " (" +
                    model_.graph.describe(FactorId{static_cast<std::uint32_t>(f)}) + ") is not: use infer ep";
        report(std::move(d));
        return;
      }
    }
    return;
  }
  if (name == "auto" || name == "ep") return;
  d.message = name + " runs discrete models only, and '" + model_.graph.variable(*first_real).name +
              "' is a real variable: use infer gbp (every factor Gaussian), ep or auto";
  report(std::move(d));
}

}  // namespace copi::dsl
