// Lowering `~ mixture(w1: normal(m1, v1), ...)`: the likelihood Σ_k w_k N(left; m_k, v_k)
// of a number (data, or a real variable: a mixture prior) as one Gaussian-mixture EP
// site over a single linear projection of the real variables.
#include "copi/graph/error.hpp"
#include "elaborator.hpp"
#include "real_lowering.hpp"

namespace copi::dsl {
namespace {

constexpr double kWeightSumTolerance = 1e-6;

}  // namespace

void Elaborator::mixture_draw(const ast::DrawStatement& s, std::optional<VarId> target, const Affine& observed) {
  // Each component k gives N(residual_k; 0, v_k), residual_k = observed − mean_k, and
  // the residuals that depend on real variables must be multiples α_k s + c_k of one
  // projection s: then N(α s + c; 0, v) = N(s; −c/α, v/α²) / |α|.
  if (observed.constant.rows() != 1) fail(s.target, "mixture(...) is a distribution of a number, not of a vector");
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
}

}  // namespace copi::dsl
