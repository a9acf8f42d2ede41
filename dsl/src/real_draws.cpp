// Lowering `~` statements: `x ~ normal(...)` / `mvnormal(...)` to a linear-Gaussian
// factor, `data ~ normal(...)` to a Gaussian likelihood of the real variables in the
// mean, and a draw whose arguments depend on one discrete variable to a conditional
// linear Gaussian. (`~ mixture(...)` is in real_mixtures.cpp.) Means are linear
// expressions of the real variables (linear_expression.cpp); every number the library
// would refuse (a variance ≤ 0, a covariance that is not positive definite, mismatched
// dimensions) is an error at the argument that holds it.
#include <cmath>
#include <numbers>

#include "copi/graph/error.hpp"
#include "elaborator.hpp"
#include "real_lowering.hpp"

namespace copi::dsl {

namespace x3 = boost::spirit::x3;

const ast::Call* call_in(const ast::TableItem& item) {
  const ast::Expression* e = expression_in(item);
  if (e == nullptr) return nullptr;
  const auto* call = boost::get<x3::forward_ast<ast::Call>>(&unwrap(*e));
  return call == nullptr ? nullptr : &call->get();
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
      fail(a, mixture ? "a mixture component is 'weight: normal(mean, variance)' or 'weight: mvnormal(mean, cov)'"
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
    // Data: a number, a vector parameter or a row Y[t] of a data table.
    observed = linear_reference(s.target);
    if (observed.constant.cols() != 1) {
      fail(s.target, "observed data is a number or a vector, not " +
                         describe_shape(observed.constant.rows(), observed.constant.cols()) +
                         " (Y[t] is row t of a matrix)");
    }
  }
  const std::size_t d = static_cast<std::size_t>(observed.constant.rows());
  const std::string left = target ? model_.graph.variable(*target).name : s.target.name.name;
  if (mixture) {
    mixture_draw(s, target, observed);
    return;
  }
  if (dist == "normal" && d != 1) {
    fail(s.distribution, "'" + left + "' is in R^" + std::to_string(d) + ": use mvnormal(mean, cov)");
  }
  // A discrete variable in the arguments selects the component: a conditional
  // linear Gaussian (one linear-Gaussian factor per state of the selector).
  std::vector<VarId> selectors;
  for (const ast::DrawArgument& a : s.arguments) {
    if (const ast::Expression* e = expression_in(a.value)) discrete_variables_in(*e, selectors);
  }
  if (selectors.size() > 1) {
    fail(s.distribution, "the distribution depends on " + std::to_string(selectors.size()) +
                             " discrete variables, which is not supported: a draw may depend on one (the selector "
                             "of a conditional linear Gaussian; combine them into one discrete variable)");
  }
  if (!selectors.empty()) {
    selected_draw(s, selectors.front(), target, d);
    return;
  }
  const GaussianParts parts = gaussian_parts(s, d, target);
  if (!target) {
    data_likelihood(s, parts, observed);
    return;
  }
  const std::vector<VarId> parents = parents_of(s, parts.mean, *target);
  try {
    model_.graph.add_factor(linear_gaussian(*target, parents, parts));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
  drawn_.insert(*target);
}

// Observed data y: log N(y; H z + c, R) as a canonical Gaussian over the real
// variables z of the mean: with r = y − c, η = Hᵀ R⁻¹ r, Λ = Hᵀ R⁻¹ H and the constant
// −½ (k log 2π + log|R| + rᵀ R⁻¹ r) — the linear-Gaussian factor of y with y observed.
void Elaborator::data_likelihood(const ast::DrawStatement& s, const GaussianParts& parts, const Affine& observed) {
  const Affine mean = without_zero_terms(parts.mean);
  const Eigen::VectorXd r = observed.constant.col(0) - mean.constant.col(0);
  const Eigen::LLT<Eigen::MatrixXd> llt(parts.covariance);  // positive definite: checked
  const Eigen::VectorXd precision_r = llt.solve(r);
  const Eigen::MatrixXd l = llt.matrixL();
  const double log_det = 2.0 * l.diagonal().array().log().sum();
  const double log_constant =
      -0.5 * (static_cast<double>(r.size()) * std::log(2.0 * std::numbers::pi) + log_det + r.dot(precision_r));
  if (mean.terms.empty()) {
    model_.graph.add_factor(DiscreteFactor::constant(log_constant));
    return;
  }
  std::vector<VarId> scope;
  std::vector<std::size_t> dims;
  Eigen::Index columns = 0;
  for (const auto& [v, c] : mean.terms) columns += c.cols();
  Eigen::MatrixXd h(r.size(), columns);
  Eigen::Index at = 0;
  for (const auto& [v, c] : mean.terms) {
    scope.push_back(v);
    dims.push_back(static_cast<std::size_t>(c.cols()));
    h.middleCols(at, c.cols()) = c;
    at += c.cols();
  }
  const Eigen::MatrixXd precision_h = llt.solve(h);
  Eigen::MatrixXd lambda = h.transpose() * precision_h;
  lambda = 0.5 * (lambda + lambda.transpose()).eval();  // exactly symmetric
  try {
    model_.graph.add_factor(
        GaussianFactor(std::move(scope), std::move(dims), h.transpose() * precision_r, std::move(lambda), log_constant));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
}

// A draw whose mean or covariance depends on the discrete `selector`: the arguments
// are lowered once per state of it (the selector bound to that state), and the
// components share the union of their real parents (absent ones with zero columns).
void Elaborator::selected_draw(const ast::DrawStatement& s, VarId selector, std::optional<VarId> target,
                               std::size_t d) {
  if (!target) {
    fail(s.target,
         "observed data whose distribution depends on a discrete variable is not supported: declare a real "
         "variable, draw it and give its value as evidence");
  }
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
      components.push_back(gaussian_parts(s, d, target));
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
  conditional_linear_gaussian(s, selector, *target, std::move(components));
}

// x | selector ~ N(mean_k, Σ_k), one component per state k: every component over the
// union of the real parents (absent ones with zero columns).
void Elaborator::conditional_linear_gaussian(const ast::DrawStatement& s, VarId selector, VarId target,
                                             std::vector<GaussianParts> components) {
  const Eigen::Index d = components.front().mean.constant.rows();
  Affine all;
  all.constant = Eigen::MatrixXd::Zero(d, 1);
  for (const GaussianParts& c : components) {
    for (const auto& [v, coefficient] : c.mean.terms) {
      if (std::none_of(all.terms.begin(), all.terms.end(), [&](const auto& t) { return t.first == v; })) {
        all.terms.emplace_back(v, Eigen::MatrixXd::Zero(coefficient.rows(), coefficient.cols()));
      }
    }
  }
  std::vector<VarId> parents = parents_of(s, all, target, selector);
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
      factors.push_back(linear_gaussian(target, parents, c));
    }
    model_.graph.add_factor(ConditionalLinearGaussianFactor(selector, model_.graph.cardinality(selector), std::move(factors)));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
  drawn_.insert(target);
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
Elaborator::GaussianParts Elaborator::gaussian_parts(const ast::DrawStatement& s, std::size_t d,
                                                     std::optional<VarId> target) {
  GaussianParts parts;
  parts.mean = checked_mean(linear_item(s.arguments[0].value), s.arguments[0], d,
                            target ? model_.graph.variable(*target).name : s.target.name.name);
  parts.covariance = checked_covariance(s.distribution.name, linear_item(s.arguments[1].value), s.arguments[1], d);
  return parts;
}

// The mean of `left` in R^d (a d-vector), without zero terms.
Affine Elaborator::checked_mean(const Affine& value, const x3::position_tagged& at, std::size_t d,
                                const std::string& left) {
  Affine mean = without_zero_terms(value);
  if (mean.constant.cols() != 1 || static_cast<std::size_t>(mean.constant.rows()) != d) {
    fail(at, "the mean is " + describe_shape(mean.constant.rows(), mean.constant.cols()) + ", but '" + left + "' is " +
                 describe_shape(static_cast<Eigen::Index>(d), 1));
  }
  return mean;
}

// The variance of `normal` (a positive number) or the covariance of `mvnormal` (a
// symmetric positive-definite d x d matrix).
Eigen::MatrixXd Elaborator::checked_covariance(const std::string& dist, const Affine& cov,
                                               const x3::position_tagged& cov_argument, std::size_t d) {
  if (!cov.is_constant())
    fail(cov_argument,
         std::string(dist == "normal" ? "the variance" : "the covariance") + " cannot depend on a real variable");
  const Eigen::MatrixXd& sigma = cov.constant;
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
  return sigma;
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

}  // namespace copi::dsl
