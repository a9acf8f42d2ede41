// TrueSkill as expectation propagation: the published 1-vs-1 numbers (win and draw) with
// their closed forms, and one sequential EP pass over a season against TrueSkill's online
// update written out here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "copi/inference/expectation_propagation.hpp"
#include "inference/gaussian_oracles.hpp"

namespace copi {
namespace {

EpOptions tight() {
  EpOptions opt;
  opt.tolerance = 1e-12;
  opt.max_iterations = 2000;
  return opt;
}

struct Scalar {
  double mean, variance, log_z;
};

Scalar scalar_of(const InferenceResult& r, VarId v) {
  return {r.real_marginals.at(v.index).mean(0), r.real_marginals.at(v.index).covariance(0, 0), r.log_z.value()};
}

// TrueSkill 1-vs-1, default parameters: μ = 25, σ = 25/3, β = σ/2, τ = σ/100 added to the
// prior variance, draw probability 0.1 → ε = √2 β Φ⁻¹(0.55); player 1 wins (p1 − p2 > ε).
// Published: 29.396 ± 7.171 and 20.604 ± 7.171.
TEST(EpTrueSkill, OneVersusOneMatchesThePublishedNumbersAndTheClosedForm) {
  const double mu = 25.0;
  const double sigma = 25.0 / 3.0;
  const double beta = sigma / 2.0;
  const double tau = sigma / 100.0;
  const double prior_var = sigma * sigma + tau * tau;
  const double eps = std::numbers::sqrt2 * beta * test::normal_quantile(0.55);
  FactorGraph g;
  const VarId s1 = g.add_variable(Variable::real("s1", 1));
  const VarId s2 = g.add_variable(Variable::real("s2", 1));
  const VarId p1 = g.add_variable(Variable::real("p1", 1));
  const VarId p2 = g.add_variable(Variable::real("p2", 1));
  const Eigen::MatrixXd one = Eigen::MatrixXd::Ones(1, 1);
  for (VarId s : {s1, s2})
    g.add_factor(GaussianFactor::normal({s}, {1}, Eigen::VectorXd::Constant(1, mu), prior_var * one));
  g.add_factor(LinearGaussianFactor(p1, 1, {s1}, {1}, one, Eigen::VectorXd::Zero(1), beta * beta * one));
  g.add_factor(LinearGaussianFactor(p2, 1, {s2}, {1}, one, Eigen::VectorXd::Zero(1), beta * beta * one));
  g.add_factor(SiteFactor({p1, p2}, {1, 1}, Eigen::Vector2d(1.0, -1.0), 0.0, StepSite{eps, true}));
  const InferenceResult r = expectation_propagation(g, {}, {}, Task::partition, tight());
  EXPECT_TRUE(r.report.converged());
  const Scalar a = scalar_of(r, s1);
  const Scalar b = scalar_of(r, s2);
  EXPECT_NEAR(a.mean, 29.396, 5e-4);
  EXPECT_NEAR(b.mean, 20.604, 5e-4);
  EXPECT_NEAR(std::sqrt(a.variance), 7.171, 5e-4);
  EXPECT_NEAR(std::sqrt(b.variance), 7.171, 5e-4);
  // Closed form: d = p1 − p2 ~ N(0, c²), c² = 2 (prior_var + β²); truncation d > ε with
  // t = −ε / c, v = φ(t) / Φ(t), w = v (v + t).
  const double c = std::sqrt(2.0 * (prior_var + beta * beta));
  const double t = -eps / c;
  const double v = std::exp(-0.5 * t * t) / std::sqrt(2.0 * std::numbers::pi) / test::normal_cdf(t);
  const double w = v * (v + t);
  EXPECT_NEAR(a.mean, mu + prior_var / c * v, 1e-9);
  EXPECT_NEAR(b.mean, mu - prior_var / c * v, 1e-9);
  EXPECT_NEAR(a.variance, prior_var * (1.0 - prior_var / (c * c) * w), 1e-9);
  EXPECT_NEAR(b.variance, prior_var * (1.0 - prior_var / (c * c) * w), 1e-9);
  // log Z: P(p1 − p2 > ε) = Φ(t).
  EXPECT_NEAR(a.log_z, std::log(test::normal_cdf(t)), 1e-9);
}

// A draw between equal players: IntervalSite |p1 − p2| ≤ ε. Published (trueskill.org,
// rate_1vs1(drawn=True)): both 25.000 ± 6.458. Also against the truncated difference
// d ~ N(0, c²), |d| ≤ ε, integrated by Simpson: s1's update is linear in d's.
TEST(EpTrueSkill, OneVersusOneDrawMatchesThePublishedNumbers) {
  const double sigma = 25.0 / 3.0;
  const double beta = sigma / 2.0;
  const double prior_var = sigma * sigma + (sigma / 100.0) * (sigma / 100.0);
  const double eps = std::numbers::sqrt2 * beta * test::normal_quantile(0.55);
  FactorGraph g;
  const VarId s1 = g.add_variable(Variable::real("s1", 1));
  const VarId s2 = g.add_variable(Variable::real("s2", 1));
  const VarId p1 = g.add_variable(Variable::real("p1", 1));
  const VarId p2 = g.add_variable(Variable::real("p2", 1));
  const Eigen::MatrixXd one = Eigen::MatrixXd::Ones(1, 1);
  for (VarId s : {s1, s2})
    g.add_factor(GaussianFactor::normal({s}, {1}, Eigen::VectorXd::Constant(1, 25.0), prior_var * one));
  g.add_factor(LinearGaussianFactor(p1, 1, {s1}, {1}, one, Eigen::VectorXd::Zero(1), beta * beta * one));
  g.add_factor(LinearGaussianFactor(p2, 1, {s2}, {1}, one, Eigen::VectorXd::Zero(1), beta * beta * one));
  g.add_factor(SiteFactor({p1, p2}, {1, 1}, Eigen::Vector2d(1.0, -1.0), 0.0, IntervalSite{-eps, eps}));
  const InferenceResult r = expectation_propagation(g, {}, {}, Task::partition, tight());
  EXPECT_TRUE(r.report.converged());
  for (VarId s : {s1, s2}) {
    const Scalar a = scalar_of(r, s);
    EXPECT_NEAR(a.mean, 25.000, 5e-4);
    EXPECT_NEAR(std::sqrt(a.variance), 6.458, 5e-4);
  }
  const double c2 = 2.0 * (prior_var + beta * beta);
  const test::Moments1 d = test::quadrature_1d(
      [&](double x) { return std::abs(x) <= eps ? test::log_normal_pdf(x, 0.0, c2) : -1e300; }, -eps, eps, 20000);
  const Scalar a = scalar_of(r, s1);
  EXPECT_NEAR(a.variance, prior_var - prior_var * prior_var / (c2 * c2) * (c2 - d.variance), 1e-9);
  EXPECT_NEAR(a.log_z, d.log_z, 1e-9);
}

// One sequential pass over a season is assumed-density filtering, which is what TrueSkill
// does online: each game updates both players from their current Gaussians, c² = 2β² +
// σ_w² + σ_l², t = (μ_w − μ_l − ε) / c, v = φ(t)/Φ(t), w = v (v + t), μ_w += σ_w²/c v,
// μ_l −= σ_l²/c v, σ² *= 1 − σ²/c² w. The games are written with the performances
// integrated out: Φ((s_w − s_l − ε)/(√2 β)), a probit site (as bench_gaussian does).
TEST(EpTrueSkill, OneSequentialPassOverASeasonIsTrueSkillsOnlineUpdate) {
  const std::size_t players = 30;
  const std::size_t games = 600;
  const double sigma = 25.0 / 3.0;
  const double beta = sigma / 2.0;
  const double eps = std::numbers::sqrt2 * beta * test::normal_quantile(0.55);
  std::mt19937_64 rng(8);
  std::uniform_int_distribution<std::size_t> pick(0, players - 1);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<double> truth(players);
  for (double& t : truth) t = 25.0 + sigma * g(rng);
  FactorGraph graph;
  for (std::size_t i = 0; i < players; ++i) {
    const VarId s = graph.add_variable(Variable::real("s" + std::to_string(i), 1));
    graph.add_factor(GaussianFactor::normal({s}, {1}, Eigen::VectorXd::Constant(1, 25.0),
                                            Eigen::MatrixXd::Constant(1, 1, sigma * sigma)));
  }
  std::vector<double> mu(players, 25.0), var(players, sigma * sigma);
  const double scale = 1.0 / (std::numbers::sqrt2 * beta);
  for (std::size_t k = 0; k < games; ++k) {
    std::size_t w = pick(rng);
    std::size_t l = pick(rng);
    if (w == l) continue;
    if (truth[w] + beta * g(rng) < truth[l] + beta * g(rng)) std::swap(w, l);
    graph.add_factor(SiteFactor({VarId{static_cast<std::uint32_t>(w)}, VarId{static_cast<std::uint32_t>(l)}}, {1, 1},
                                Eigen::Vector2d(scale, -scale), -eps * scale, ProbitSite{}));
    const double c = std::sqrt(2.0 * beta * beta + var[w] + var[l]);
    const double t = (mu[w] - mu[l] - eps) / c;
    const double v = std::exp(-0.5 * t * t) / std::sqrt(2.0 * std::numbers::pi) / test::normal_cdf(t);
    const double ww = v * (v + t);
    mu[w] += var[w] / c * v;
    mu[l] -= var[l] / c * v;
    var[w] *= 1.0 - var[w] / (c * c) * ww;
    var[l] *= 1.0 - var[l] / (c * c) * ww;
  }
  EpOptions opt;
  opt.max_iterations = 1;
  const InferenceResult r = expectation_propagation(graph, {}, {}, Task::marginals, opt);
  EXPECT_EQ(r.report.iterations, 1U);
  for (std::size_t i = 0; i < players; ++i) {
    EXPECT_NEAR(r.real_marginals[i].mean(0), mu[i], 1e-9 * mu[i]) << "player " << i;
    EXPECT_NEAR(r.real_marginals[i].covariance(0, 0), var[i], 1e-9 * var[i]) << "player " << i;
  }
}

}  // namespace
}  // namespace copi
