// The continuous half of the core model: real variables, the Gaussian factor kinds
// and the EP sites, checked against densities written out here (explicit inverses and
// determinants), and the refusal of the discrete algorithms' entry point.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;

// log N(x; mean, cov) by the textbook formula with an explicit inverse.
double log_density(const Eigen::VectorXd& x, const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov) {
  const Eigen::VectorXd d = x - mean;
  return -0.5 * d.dot(cov.inverse() * d) - 0.5 * std::log(cov.determinant()) -
         0.5 * static_cast<double>(x.size()) * std::log(2.0 * std::numbers::pi);
}

Eigen::MatrixXd random_covariance(std::mt19937& rng, Eigen::Index n) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd m(n, n);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m * m.transpose() + Eigen::MatrixXd::Identity(n, n) * 0.5;
}

Eigen::VectorXd random_vector(std::mt19937& rng, Eigen::Index n) {
  std::normal_distribution<double> normal;
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = normal(rng);
  return v;
}

TEST(CoreContinuous, RealVariablesHaveADimensionAndNoStates) {
  FactorGraph graph;
  const VarId x = graph.add_variable(Variable::real("x", 2));
  EXPECT_TRUE(graph.variable(x).is_real());
  EXPECT_EQ(graph.variable(x).dimension, 2u);
  EXPECT_THROW(graph.add_variable(Variable::real("y", 0)), InputError);
  Variable both = Variable::real("z", 1);
  both.cardinality = 3;
  EXPECT_THROW(graph.add_variable(both), InputError);
  Variable discrete{"d", 2, {}};
  discrete.dimension = 1;
  EXPECT_THROW(graph.add_variable(discrete), InputError);
  EXPECT_EQ(graph.num_variables(), 1u);
  EXPECT_EQ(graph.log_joint_states(), 0.0) << "a real variable adds no discrete states";
}

TEST(CoreContinuous, NormalFactorIsTheDensity) {
  std::mt19937 rng(7);
  for (const Eigen::Index n : {1, 2, 4}) {
    const Eigen::MatrixXd cov = random_covariance(rng, n);
    const Eigen::VectorXd mean = random_vector(rng, n);
    const GaussianFactor f = GaussianFactor::normal({VarId{0}}, {static_cast<std::size_t>(n)}, mean, cov);
    for (int trial = 0; trial < 5; ++trial) {
      const Eigen::VectorXd x = random_vector(rng, n);
      EXPECT_NEAR(f.log_value(x), log_density(x, mean, cov), 1e-10);
    }
  }
}

TEST(CoreContinuous, LinearGaussianCanonicalFormIsTheConditionalDensity) {
  std::mt19937 rng(11);
  // y ∈ ℝ², parents u ∈ ℝ³ and v ∈ ℝ¹.
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(2, 4);
  const Eigen::VectorXd b = random_vector(rng, 2);
  const Eigen::MatrixXd cov = random_covariance(rng, 2);
  const LinearGaussianFactor f(VarId{0}, 2, {VarId{1}, VarId{2}}, {3, 1}, a, b, cov);
  EXPECT_EQ(f.scope(), (std::vector<VarId>{VarId{0}, VarId{1}, VarId{2}}));
  const GaussianFactor canonical = f.canonical();
  for (int trial = 0; trial < 5; ++trial) {
    const Eigen::VectorXd y = random_vector(rng, 2);
    const Eigen::VectorXd x = random_vector(rng, 4);
    Eigen::VectorXd stacked(6);
    stacked << y, x;
    EXPECT_NEAR(canonical.log_value(stacked), log_density(y, a * x + b, cov), 1e-10);
  }
}

TEST(CoreContinuous, GaussianKindsRefuseBadParameters) {
  const Eigen::MatrixXd not_pd = (Eigen::MatrixXd(2, 2) << 1, 2, 2, 1).finished();
  const Eigen::MatrixXd not_symmetric = (Eigen::MatrixXd(2, 2) << 1, 0.5, 0, 1).finished();
  const Eigen::VectorXd zero2 = Eigen::VectorXd::Zero(2);
  EXPECT_THROW(GaussianFactor::normal({VarId{0}}, {2}, zero2, not_pd), InputError);
  EXPECT_THROW(GaussianFactor::normal({VarId{0}}, {2}, zero2, not_symmetric), InputError);
  EXPECT_THROW(GaussianFactor({VarId{0}}, {2}, zero2, not_symmetric), InputError);
  EXPECT_THROW(GaussianFactor({VarId{0}}, {3}, zero2, Eigen::MatrixXd::Identity(2, 2)), InputError);
  EXPECT_THROW(LinearGaussianFactor(VarId{0}, 2, {VarId{1}}, {1}, Eigen::MatrixXd::Zero(2, 2), zero2,
                                    Eigen::MatrixXd::Identity(2, 2)),
               InputError)
      << "A must be 2×1";
  EXPECT_THROW(LinearGaussianFactor(VarId{0}, 2, {}, {}, Eigen::MatrixXd(2, 0), zero2, not_pd), InputError);
  EXPECT_THROW(LinearGaussianFactor(VarId{0}, 1, {VarId{0}}, {1}, Eigen::MatrixXd::Ones(1, 1), Eigen::VectorXd::Zero(1),
                                    Eigen::MatrixXd::Identity(1, 1)),
               InputError)
      << "the child cannot be its own parent";
}

TEST(CoreContinuous, AddFactorChecksDomainsAndDimensions) {
  FactorGraph graph;
  const VarId z = graph.add_variable(Variable{"z", 2, {}});
  const VarId x = graph.add_variable(Variable::real("x", 1));
  const VarId w = graph.add_variable(Variable::real("w", 2));
  const Eigen::MatrixXd one = Eigen::MatrixXd::Identity(1, 1);
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(1);
  try {
    graph.add_factor(GaussianFactor::normal({z}, {1}, zero, one));
    FAIL() << "a Gaussian on a discrete variable was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'z' to be real"), std::string::npos) << e.what();
  }
  EXPECT_THROW(graph.add_factor(GaussianFactor::normal({w}, {1}, zero, one)), InputError) << "w has dimension 2";
  EXPECT_THROW(graph.add_factor(DiscreteFactor({x}, {2}, {0.0, 0.0})), InputError) << "x is not discrete";
  const LinearGaussianFactor low(x, 1, {}, {}, Eigen::MatrixXd(1, 0), zero, one);
  const LinearGaussianFactor high(x, 1, {}, {}, Eigen::MatrixXd(1, 0), Eigen::VectorXd::Ones(1), one);
  const FactorId clg = graph.add_factor(ConditionalLinearGaussianFactor(z, 2, {low, high}));
  EXPECT_EQ(scope_of(graph.factor(clg)), (std::vector<VarId>{z, x}));
  EXPECT_THROW(ConditionalLinearGaussianFactor(z, 3, {low, high}), InputError) << "one component per state";
  EXPECT_EQ(graph.factors_of(z), (std::vector<FactorId>{clg}));
  EXPECT_EQ(graph.factors_of(x), (std::vector<FactorId>{clg}));
  EXPECT_EQ(graph.num_factors(), 1u);
}

TEST(CoreContinuous, DiscreteAlgorithmsAreRefusedNamingTheFirstOtherFactor) {
  FactorGraph graph;
  const VarId d = graph.add_variable(Variable{"d", 2, {}});
  const VarId w = graph.add_variable(Variable::real("w", 2));
  graph.add_factor(DiscreteFactor({d}, {2}, {0.0, 1.0}));
  EXPECT_FALSE(graph.is_discrete()) << "a real variable, even in no factor";
  graph.add_factor(GaussianFactor::normal({w}, {2}, Eigen::VectorXd::Zero(2), Eigen::MatrixXd::Identity(2, 2)));
  graph.add_factor(SiteFactor({w}, {2}, Eigen::Vector2d(1.0, -1.0), 0.0, ProbitSite{}));
  try {
    graph.require_discrete("junction tree");
    FAIL() << "a continuous model passed require_discrete";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "junction tree: factor 1 (gaussian on w) is not discrete; use infer ep");
  }
  EXPECT_EQ(graph.describe(FactorId{2}), "probit on w");
  EXPECT_EQ(&graph.table(FactorId{0}), &std::get<DiscreteFactor>(graph.factor(FactorId{0})));
  EXPECT_THROW((void)graph.table(FactorId{2}), InputError);

  FactorGraph isolated;
  isolated.add_variable(Variable{"d", 2, {}});
  isolated.add_variable(Variable::real("r", 1));
  EXPECT_THROW(isolated.require_discrete("bp"), InputError) << "a real variable in no factor";
}

TEST(CoreContinuous, SiteLikelihoodsAreTheirFormulas) {
  EXPECT_EQ(log_likelihood(StepSite{0.5, true}, 0.5), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(log_likelihood(StepSite{0.5, false}, 0.5), 0.0);
  EXPECT_EQ(log_likelihood(IntervalSite{-1, 1}, 1.0), 0.0);
  EXPECT_EQ(log_likelihood(IntervalSite{-1, 1}, 1.5), -std::numeric_limits<double>::infinity());
  for (const double s : {-3.0, -0.2, 0.0, 1.7}) {
    EXPECT_NEAR(log_likelihood(ProbitSite{}, s), std::log(0.5 * std::erfc(-s / std::sqrt(2.0))), 1e-14);
    EXPECT_NEAR(log_likelihood(LogisticSite{}, s), -std::log(1.0 + std::exp(-s)), 1e-14);
    EXPECT_NEAR(log_likelihood(PoissonSite{3}, s), std::log(std::pow(std::exp(s), 3) * std::exp(-std::exp(s)) / 6.0),
                1e-12);
    const double clutter = 0.5 * std::exp(-0.5 * (s - 1) * (s - 1)) / std::sqrt(2 * std::numbers::pi) + 0.02;
    EXPECT_NEAR(log_likelihood(GaussianMixtureSite{{0.5}, {1.0}, {1.0}, 0.02}, s), std::log(clutter), 1e-14);
  }
  // Far in the probit's lower tail the log stays finite and follows the Mills ratio.
  const double s = -45.0;
  const double mills = -0.5 * s * s - std::log(-s) - 0.5 * std::log(2 * std::numbers::pi);
  EXPECT_NEAR(log_likelihood(ProbitSite{}, s), mills + std::log1p(-1.0 / (s * s)), 1e-6);
}

TEST(CoreContinuous, SitesRefuseBadShapesAndParameters) {
  EXPECT_THROW(SiteFactor({VarId{0}}, {2}, Eigen::VectorXd::Ones(3), 0.0, ProbitSite{}), InputError);
  EXPECT_THROW(SiteFactor({VarId{0}}, {1}, Eigen::VectorXd::Ones(1), 0.0, IntervalSite{1, -1}), InputError);
  EXPECT_THROW(SiteFactor({VarId{0}}, {1}, Eigen::VectorXd::Ones(1), 0.0, GaussianMixtureSite{{1}, {0}, {0}, 0}),
               InputError);
  EXPECT_THROW(SiteFactor({VarId{0}}, {1}, Eigen::VectorXd::Ones(1), 0.0, PoissonSite{2.5}), InputError);
  EXPECT_THROW(SiteFactor({VarId{0}}, {1}, Eigen::VectorXd::Ones(1), 0.0, QuadratureSite{"mine", nullptr}),
               InputError);
  const SiteFactor ok({VarId{0}, VarId{1}}, {1, 1}, Eigen::Vector2d(1, -1), 0.5, StepSite{});
  EXPECT_EQ(ok.log_value(Eigen::Vector2d(1.0, 1.0)), 0.0);
  EXPECT_EQ(ok.log_value(Eigen::Vector2d(0.0, 1.0)), -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace copi
