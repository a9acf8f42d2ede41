// Lowering `~ mixture(w1: normal(m1, v1), ...)`: the likelihood Σ_k w_k N(left; m_k, v_k)
// of a number (data, or a real variable: a mixture prior) as one Gaussian-mixture EP
// site over a single linear projection of the real variables; a real variable (a
// vector, or a number whose components do not fit one site) from a mixture as a
// conditional linear Gaussian with a hidden selector.
#include <algorithm>
#include <cmath>

#include "copi/graph/error.hpp"
#include "elaborator.hpp"
#include "real_lowering.hpp"

namespace copi::dsl {
namespace {

constexpr double kWeightSumTolerance = 1e-6;

}  // namespace

std::vector<double> Elaborator::mixture_weights(const ast::DrawStatement& s) {
  std::vector<double> weights;
  double weight_sum = 0.0;
  for (const ast::DrawArgument& a : s.arguments) {
    const ast::Expression* weight_expression = expression_in(a.value);
    if (weight_expression == nullptr) fail(a, "a mixture weight is a number");
    const double weight = evaluate(*weight_expression);
    if (!(weight >= 0.0) || !std::isfinite(weight)) {
      fail(position_of(*weight_expression), "a mixture weight must be >= 0, got " + format_number(weight));
    }
    weight_sum += weight;
    weights.push_back(weight);
  }
  if (std::abs(weight_sum - 1.0) > kWeightSumTolerance) {
    fail(s.distribution, "the mixture weights sum to " + format_number(weight_sum) + ", not 1 (tolerance 1e-06)");
  }
  return weights;
}

void Elaborator::mixture_draw(const ast::DrawStatement& s, std::optional<VarId> target, const Affine& observed) {
  const auto d = static_cast<std::size_t>(observed.constant.rows());
  const bool all_normal = std::all_of(s.arguments.begin(), s.arguments.end(), [](const ast::DrawArgument& a) {
    const ast::Call* component = call_in(*a.component);
    return component != nullptr && component->function.name == "normal";
  });
  if (d > 1 || !all_normal) {
    vector_mixture_draw(s, target, d);
    return;
  }
  // Each component k gives N(residual_k; 0, v_k), residual_k = observed − mean_k, and
  // the residuals that depend on real variables must be multiples α_k s + c_k of one
  // projection s: then N(α s + c; 0, v) = N(s; −c/α, v/α²) / |α|.
  GaussianMixtureSite site;
  std::optional<Projection> direction;
  const std::vector<double> weights = mixture_weights(s);
  for (std::size_t k = 0; k < s.arguments.size(); ++k) {
    const ast::DrawArgument& a = s.arguments[k];
    const double weight = weights[k];
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
    Projection p = projection_of(affine_sum(observed, mean, -1.0));
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
      // A real variable drawn from such a mixture is a conditional linear Gaussian
      // with a hidden selector; data is not (its likelihood would need one).
      if (target) {
        vector_mixture_draw(s, target, d);
        return;
      }
      fail(a,
           "the components of a mixture of data must depend on the real variables through one linear "
           "expression (the same up to a factor and a constant); for components that differ otherwise, declare "
           "a real variable, draw it from the mixture and give the data as evidence");
    }
    site.weights.push_back(weight / std::abs(alpha));
    site.means.push_back(-p.offset / alpha);
    site.variances.push_back(variance / (alpha * alpha));
  }
  if (!direction) fail(s.distribution, "the mixture depends on no real variable");
  try {
    model_.graph.add_factor(SiteFactor(direction->scope, direction->dims, direction->row, 0.0, std::move(site)));
  } catch (const InputError& error) {
    fail(s, error.what());
  }
  if (target) drawn_.insert(*target);
}

// A mixture of a real variable x whose components are not one EP site (mvnormal
// components, or means along different directions): a hidden discrete selector
// "x.component" with p(k) = w_k, and x | k ~ N(mean_k, Σ_k) as a conditional linear
// Gaussian (the means may be linear in other real variables). The same model as
// declaring the selector by hand; EP runs it as a hybrid model.
void Elaborator::vector_mixture_draw(const ast::DrawStatement& s, std::optional<VarId> target, std::size_t d) {
  const char* kComponent = "a mixture component is 'weight: normal(mean, variance)' or 'weight: mvnormal(mean, cov)'";
  if (!target) {
    fail(s.target,
         "a mixture of mvnormal components of observed data is not supported: declare a real variable, draw it "
         "from the mixture and give the data as evidence");
  }
  const std::string& name = model_.graph.variable(*target).name;
  std::vector<double> log_weights;
  std::vector<GaussianParts> components;
  const std::vector<double> weights = mixture_weights(s);
  for (std::size_t k = 0; k < s.arguments.size(); ++k) {
    const ast::DrawArgument& a = s.arguments[k];
    const double weight = weights[k];
    log_weights.push_back(std::log(weight));
    const ast::Call* component = call_in(*a.component);
    if (component == nullptr || component->arguments.size() != 2 ||
        (component->function.name != "normal" && component->function.name != "mvnormal")) {
      fail(a, kComponent);
    }
    const std::string& dist = component->function.name;
    if (dist == "normal" && d != 1) {
      fail(component->function, "'" + name + "' is in R^" + std::to_string(d) + ": use mvnormal(mean, cov)");
    }
    GaussianParts parts;
    parts.mean = checked_mean(linear(component->arguments[0]), position_of(component->arguments[0]), d, name);
    parts.covariance =
        checked_covariance(dist, linear(component->arguments[1]), position_of(component->arguments[1]), d);
    components.push_back(std::move(parts));
  }
  if (model_.graph.num_variables() >= kMaxVariables) fail(s, "the model would have more than 2^22 variables");
  // The selector's states are the components, 0, 1, ... in the order written.
  VariableDomain& domain = hidden_domains_.emplace_back();
  domain.cardinality = components.size();
  for (std::size_t k = 0; k < components.size(); ++k) domain.values.push_back(static_cast<double>(k));
  const VarId selector = model_.graph.add_variable(Variable{name + ".component", components.size(), {}});
  domain_of_var_.push_back(&domain);
  model_.graph.add_factor(DiscreteFactor({selector}, {components.size()}, std::move(log_weights)));
  conditional_linear_gaussian(s, selector, *target, std::move(components));
}

}  // namespace copi::dsl
