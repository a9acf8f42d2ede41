#include "continuous/tree_log_z.hpp"

#include <cmath>
#include <numbers>

namespace copi::detail {
namespace {

// x stacked over a scope: the evidence for observed variables, the means otherwise.
Eigen::VectorXd stacked(const std::vector<VarId>& scope, const std::vector<std::size_t>& dims,
                        const RealEvidence& real_evidence, const std::vector<Eigen::VectorXd>& means) {
  Eigen::Index total = 0;
  for (const std::size_t d : dims) total += static_cast<Eigen::Index>(d);
  Eigen::VectorXd x(total);
  Eigen::Index at = 0;
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const auto d = static_cast<Eigen::Index>(dims[i]);
    const auto it = real_evidence.find(scope[i]);
    x.segment(at, d) = it != real_evidence.end() ? it->second : means[scope[i].index];
    at += d;
  }
  return x;
}

// log N(y; A x + b, Σ) from the residual.
double linear_log_density(const LinearGaussianFactor& f, const RealEvidence& real_evidence,
                          const std::vector<Eigen::VectorXd>& means) {
  const Eigen::VectorXd x = stacked(f.scope(), f.dimensions(), real_evidence, means);
  const Eigen::Index m = f.b().size();
  const Eigen::VectorXd r = x.head(m) - f.a() * x.tail(x.size() - m) - f.b();
  const Eigen::LLT<Eigen::MatrixXd> llt(f.covariance());
  double log_det = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) log_det += 2.0 * std::log(llt.matrixLLT()(i, i));
  return -0.5 * r.dot(llt.solve(r)) - 0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + log_det);
}

// log of a proper Gaussian belief at its own mean: −½ log |2π J⁻¹|.
std::optional<double> log_peak(const Eigen::MatrixXd& j) {
  if (j.size() == 0) return 0.0;
  const Eigen::LLT<Eigen::MatrixXd> llt(j);
  if (llt.info() != Eigen::Success) return std::nullopt;
  double log_det = 0.0;
  for (Eigen::Index i = 0; i < j.rows(); ++i) {
    const double d = llt.matrixLLT()(i, i);
    if (!(d > 0.0)) return std::nullopt;
    log_det += 2.0 * std::log(d);
  }
  return 0.5 * log_det - 0.5 * static_cast<double>(j.rows()) * std::log(2.0 * std::numbers::pi);
}

}  // namespace

std::optional<double> gaussian_tree_log_z(const FactorGraph& graph, const Evidence& evidence,
                                          const RealEvidence& real_evidence, const MessageEngine& engine,
                                          const std::vector<Eigen::VectorXd>& means) {
  double joint = 0.0;  // log p(x̂, y)
  for (const Factor& factor : graph.factors()) {
    joint += std::visit(
        [&](const auto& f) -> double {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, LinearGaussianFactor>) {
            return linear_log_density(f, real_evidence, means);
          } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
            return linear_log_density(f.components()[evidence.at(f.selector())], real_evidence, means);
          } else if constexpr (std::is_same_v<F, GaussianFactor>) {
            return f.log_value(stacked(f.scope(), f.dimensions(), real_evidence, means));
          } else if constexpr (std::is_same_v<F, DiscreteFactor>) {
            std::vector<std::size_t> states;
            for (const VarId v : f.scope()) states.push_back(evidence.at(v));
            return f.log_value(states);
          } else {
            return 0.0;  // not reached: a Gaussian model has no sites
          }
        },
        factor);
  }
  double conditional = 0.0;  // log p(x̂ | y)
  const ContinuousModel& model = engine.model();
  for (std::size_t f = 0; f < model.factors.size(); ++f) {
    const std::optional<double> peak = log_peak(engine.factor_belief_precision(f));
    if (!peak) return std::nullopt;
    conditional += *peak;
  }
  for (std::uint32_t v = 0; v < model.edges.size(); ++v) {
    if (model.observed[v] || model.edges[v].size() < 2) continue;
    const std::optional<double> peak = log_peak(engine.belief(v).gaussian.j);
    if (!peak) return std::nullopt;
    conditional -= static_cast<double>(model.edges[v].size() - 1) * *peak;
  }
  return joint - conditional;
}

}  // namespace copi::detail
