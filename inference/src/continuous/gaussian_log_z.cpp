#include "continuous/gaussian_log_z.hpp"

#include <cmath>
#include <numbers>

namespace copi::detail {
namespace {

// Workspace slots (0–2 are the canonical operations').
constexpr std::size_t kStacked = 3;
constexpr std::size_t kResidual = 4;
constexpr std::size_t kBeliefH = 5;
constexpr std::size_t kBeliefJ = 6;
constexpr std::size_t kPoint = 7;
constexpr std::size_t kWeightedResidual = 8;

// x stacked over a scope from the marginals' means (the values of observed variables).
Eigen::Map<Eigen::VectorXd> stacked(const std::vector<VarId>& scope, const std::vector<std::size_t>& dims,
                                    const GaussianMarginals& marginals, Workspace& ws) {
  Eigen::Index total = 0;
  for (const std::size_t d : dims) total += static_cast<Eigen::Index>(d);
  Eigen::Map<Eigen::VectorXd> x = ws.vector(kStacked, total);
  Eigen::Index at = 0;
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const auto d = static_cast<Eigen::Index>(dims[i]);
    x.segment(at, d) = marginals[scope[i].index].mean;
    at += d;
  }
  return x;
}

// log N(y; A x + b, Σ) from the residual.
double linear_log_density(const LinearGaussianFactor& f, const GaussianMarginals& marginals,
                          PrecisionCache& precisions, Workspace& ws) {
  const Eigen::Map<Eigen::VectorXd> x = stacked(f.scope(), f.dimensions(), marginals, ws);
  const Eigen::Index m = f.b().size();
  Eigen::Map<Eigen::VectorXd> r = ws.vector(kResidual, m);
  r = x.head(m) - f.b();
  r.noalias() -= f.a() * x.tail(x.size() - m);
  const PrecisionCache::Entry& cached = precisions.of(f.covariance());
  Eigen::Map<Eigen::VectorXd> pr = ws.vector(kWeightedResidual, m);  // not a temporary per factor
  pr.noalias() = cached.precision * r;
  return -0.5 * r.dot(pr) -
         0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + cached.log_det);
}

// log p(x̂ | y) on a forest: from the elimination pivots.
std::optional<double> forest_conditional(const MessageEngine& engine, const ForestPivots& forest, Workspace& ws) {
  double log_det = forest.upward;  // of the posterior precision
  for (const std::uint32_t root : forest.roots) {
    const std::optional<double> root_log_det = log_determinant(engine.gaussian_belief(root).j, ws);
    if (!root_log_det) return std::nullopt;
    log_det += *root_log_det;
  }
  double dimension = 0.0;  // of the unobserved real variables
  const ContinuousModel& model = engine.model();
  for (std::uint32_t v = 0; v < model.edges.size(); ++v) {
    if (!model.observed[v] && model.real[v] && !model.edges[v].empty()) dimension += static_cast<double>(model.size[v]);
  }
  return 0.5 * log_det - 0.5 * dimension * std::log(2.0 * std::numbers::pi);
}

// The Bethe form of log p(x̂ | y): the factors' normalised beliefs at the stacked means,
// less each variable's belief at its mean counted deg − 1 times.
std::optional<double> bethe_conditional(const MessageEngine& engine, const GaussianMarginals& marginals,
                                        Workspace& ws) {
  const ContinuousModel& model = engine.model();
  double total = 0.0;
  for (std::size_t f = 0; f < model.factors.size(); ++f) {
    const ContinuousFactor& factor = model.factors[f];
    const Eigen::Index n = factor.real_size;
    Eigen::Map<Eigen::VectorXd> h = ws.vector(kBeliefH, n);
    Eigen::Map<Eigen::MatrixXd> j = ws.matrix(kBeliefJ, n, n);
    engine.factor_belief(f, h, j);
    Eigen::Map<Eigen::VectorXd> x = ws.vector(kPoint, n);
    for (std::size_t p = 0; p < factor.vars.size(); ++p) {
      x.segment(factor.offsets[p], model.size[factor.vars[p]]) = marginals[factor.vars[p]].mean;
    }
    const std::optional<double> density = normalised_log_density(h, j, x, ws);
    if (!density) return std::nullopt;
    total += *density;
  }
  const double log_two_pi = std::log(2.0 * std::numbers::pi);
  for (std::uint32_t v = 0; v < model.edges.size(); ++v) {
    if (model.observed[v] || model.edges[v].size() < 2) continue;
    const CanonicalView q = engine.gaussian_belief(v);
    const std::optional<double> log_det = log_determinant(q.j, ws);
    if (!log_det) return std::nullopt;
    const double peak = 0.5 * *log_det - 0.5 * static_cast<double>(q.size()) * log_two_pi;
    total -= static_cast<double>(model.edges[v].size() - 1) * peak;
  }
  return total;
}

}  // namespace

std::optional<double> gaussian_log_z(const FactorGraph& graph, const Evidence& evidence, const MessageEngine& engine,
                                     const GaussianMarginals& marginals, const ForestPivots* forest) {
  Workspace ws;
  PrecisionCache precisions;
  double joint = 0.0;  // log p(x̂, y)
  for (const Factor& factor : graph.factors()) {
    joint += std::visit(
        [&](const auto& f) -> double {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, LinearGaussianFactor>) {
            return linear_log_density(f, marginals, precisions, ws);
          } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
            return linear_log_density(f.components()[evidence.at(f.selector())], marginals, precisions, ws);
          } else if constexpr (std::is_same_v<F, GaussianFactor>) {
            return f.log_value(stacked(f.scope(), f.dimensions(), marginals, ws));
          } else if constexpr (std::is_same_v<F, DiscreteFactor> || std::is_same_v<F, SparseConditionalFactor>) {
            std::vector<std::size_t> states;
            for (const VarId v : f.scope()) states.push_back(evidence.at(v));
            return f.log_value(states);
          } else {
            return 0.0;  // not reached: a Gaussian model has no sites
          }
        },
        factor);
  }
  const std::optional<double> conditional =  // log p(x̂ | y)
      forest != nullptr ? forest_conditional(engine, *forest, ws) : bethe_conditional(engine, marginals, ws);
  if (!conditional) return std::nullopt;
  return joint - *conditional;
}

}  // namespace copi::detail
