// Real variables in the language: the factors a model lowers to (A, b, Σ of each
// linear-Gaussian factor, the projection, offset and kind of each site) compared with
// matrices written out here by hand, evidence on real variables, and the positioned
// errors of continuous models.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <variant>

#include "copi/dsl/model.hpp"
#include "copi/inference/algorithms.hpp"
#include "dsl/dsl_golden.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

template <typename T>
const T& factor_as(const dsl::CompiledModel& model, std::size_t index) {
  const Factor& f = model.graph.factors()[index];
  EXPECT_TRUE(std::holds_alternative<T>(f)) << "factor " << index << " is " << kind_name(f);
  static const T empty{};
  return std::holds_alternative<T>(f) ? std::get<T>(f) : empty;
}

std::vector<VarId> ids(const dsl::CompiledModel& model, const std::vector<std::string>& names) {
  std::vector<VarId> out;
  for (const std::string& n : names) out.push_back(var_id(model, n));
  return out;
}

TEST(DslContinuous, KalmanChainLowersToLinearGaussianFactors) {
  DslTempDir dir;
  dir.write("obs.csv", "y\n0.5\n1.5\n2.0\n");
  const dsl::CompiledModel model = compile_ok(R"(
param data = csv("obs.csv", "y")
param T = len(data)
param A = [[1, 1], [0, 1]]
param Q1 = [[1/3, 1/2], [1/2, 1]]
param Q = 0.1 * Q1
var x[T] : real[2]
var y[T] : real
x[0] ~ mvnormal([0, 1], eye(2))
for t in 1..T-1: x[t] ~ mvnormal(A * x[t-1], Q)
for t in 0..T-1 {
  y[t] ~ normal(x[t][0], 0.5)
  evidence y[t] = data[t]
}
query mean(x), logZ
infer gbp
)",
                                              dir.path());
  ASSERT_EQ(model.graph.num_variables(), 6u);
  EXPECT_TRUE(model.graph.variable(var_id(model, "x[2]")).is_real());
  EXPECT_EQ(model.graph.variable(var_id(model, "x[2]")).dimension, 2u);
  EXPECT_EQ(model.graph.variable(var_id(model, "y[1]")).dimension, 1u);
  ASSERT_EQ(model.graph.num_factors(), 6u);

  // Statement order: x[0], x[1], x[2], then y[0], y[1], y[2].
  const auto& prior = factor_as<LinearGaussianFactor>(model, 0);
  EXPECT_EQ(prior.scope(), ids(model, {"x[0]"}));
  EXPECT_EQ(prior.b(), (Eigen::Vector2d(0, 1)));
  EXPECT_EQ(prior.covariance(), Eigen::Matrix2d::Identity());

  Eigen::Matrix2d a;
  a << 1, 1, 0, 1;
  Eigen::Matrix2d q;
  q << 0.1 / 3, 0.1 / 2, 0.1 / 2, 0.1;
  for (std::size_t t = 1; t < 3; ++t) {
    const auto& step = factor_as<LinearGaussianFactor>(model, t);
    EXPECT_EQ(step.scope(), ids(model, {"x[" + std::to_string(t) + "]", "x[" + std::to_string(t - 1) + "]"}));
    EXPECT_EQ(step.a(), a);
    EXPECT_EQ(step.b(), Eigen::Vector2d::Zero());
    EXPECT_TRUE(step.covariance().isApprox(q, 1e-15));
  }
  for (std::size_t t = 0; t < 3; ++t) {
    const auto& obs = factor_as<LinearGaussianFactor>(model, 3 + t);
    EXPECT_EQ(obs.scope(), ids(model, {"y[" + std::to_string(t) + "]", "x[" + std::to_string(t) + "]"}));
    EXPECT_EQ(obs.a(), (Eigen::MatrixXd(1, 2) << 1, 0).finished());
    EXPECT_EQ(obs.b(), Eigen::VectorXd::Zero(1));
    EXPECT_EQ(obs.covariance(), Eigen::MatrixXd::Constant(1, 1, 0.5));
  }
  ASSERT_EQ(model.real_evidence.size(), 3u);
  EXPECT_EQ(model.real_evidence.at(var_id(model, "y[1]")), Eigen::VectorXd::Constant(1, 1.5));
  EXPECT_TRUE(model.evidence.empty());
  EXPECT_EQ(model.marginal_queries, ids(model, {"x[0]", "x[1]", "x[2]"}));
  EXPECT_TRUE(model.query_log_z);
  EXPECT_EQ(model.algorithm.name(), "gbp");
}

TEST(DslContinuous, LinearMeansReadCoefficientsAndConstant) {
  const dsl::CompiledModel model = compile_ok(R"(
param c = [1, -2]
param M = [[2, 0], [1, 3]]
param ones = [1, 1]
var p1, p2 : real
var v : real[2]
var u : real[2]
var z : real
z ~ normal(2 * p1 - p2 + 3 - (p1 - 4) / 2, 4)
u ~ mvnormal(M * v + c + p1 * ones + 0 * p2 * ones, [[2, 1], [1, 2]])
)");
  const auto& z = factor_as<LinearGaussianFactor>(model, 0);
  EXPECT_EQ(z.scope(), ids(model, {"z", "p1", "p2"}));
  EXPECT_EQ(z.a(), (Eigen::MatrixXd(1, 2) << 1.5, -1).finished());
  EXPECT_EQ(z.b(), Eigen::VectorXd::Constant(1, 5.0));
  EXPECT_EQ(z.covariance(), Eigen::MatrixXd::Constant(1, 1, 4.0));

  const auto& u = factor_as<LinearGaussianFactor>(model, 1);
  EXPECT_EQ(u.scope(), ids(model, {"u", "v", "p1"}));
  // [M | (1, 1)] acting on (v, p1).
  EXPECT_EQ(u.a(), (Eigen::MatrixXd(2, 3) << 2, 0, 1, 1, 3, 1).finished());
  EXPECT_EQ(u.b(), (Eigen::VectorXd(2) << 1, -2).finished());
  EXPECT_EQ(u.covariance(), (Eigen::MatrixXd(2, 2) << 2, 1, 1, 2).finished());
}

TEST(DslContinuous, ConstraintsBecomeStepAndIntervalSites) {
  const dsl::CompiledModel model = compile_ok(R"(
var p1, p2 : real
p1 ~ normal(0, 1)
p2 ~ normal(0, 1)
constraint p1 - p2 > 0.5
constraint p1 <= 3
constraint abs(p1 - p2) <= 0.2
constraint -1 <= p1 + 1 <= 2
)");
  ASSERT_EQ(model.graph.num_factors(), 6u);
  const auto& win = factor_as<SiteFactor>(model, 2);
  EXPECT_EQ(win.scope(), ids(model, {"p1", "p2"}));
  EXPECT_EQ(win.projection(), Eigen::Vector2d(1, -1));
  EXPECT_EQ(win.offset(), -0.5);
  EXPECT_EQ(win.likelihood(), ScalarLikelihood(StepSite{0.0, true}));

  const auto& below = factor_as<SiteFactor>(model, 3);  // 3 - p1 >= 0
  EXPECT_EQ(below.scope(), ids(model, {"p1"}));
  EXPECT_EQ(below.projection(), Eigen::VectorXd::Constant(1, -1.0));
  EXPECT_EQ(below.offset(), 3.0);
  EXPECT_EQ(below.likelihood(), ScalarLikelihood(StepSite{0.0, false}));

  const auto& draw = factor_as<SiteFactor>(model, 4);
  EXPECT_EQ(draw.projection(), Eigen::Vector2d(1, -1));
  EXPECT_EQ(draw.offset(), 0.0);
  EXPECT_EQ(draw.likelihood(), ScalarLikelihood(IntervalSite{-0.2, 0.2}));

  const auto& interval = factor_as<SiteFactor>(model, 5);
  EXPECT_EQ(interval.projection(), Eigen::VectorXd::Constant(1, 1.0));
  EXPECT_EQ(interval.offset(), 1.0);
  EXPECT_EQ(interval.likelihood(), ScalarLikelihood(IntervalSite{-1.0, 2.0}));
}

TEST(DslContinuous, ProbitAndLogisticLikelihoodsOfALinearExpression) {
  DslTempDir dir;
  dir.write("data.csv", "x,y\n2,-1\n0.5,1\n");
  const dsl::CompiledModel model = compile_ok(R"(
param x = csv("data.csv", "x"), y = csv("data.csv", "y")
var w : real[2]
w ~ mvnormal([0, 0], eye(2))
for i in 0..len(x)-1: factor probit(y[i] * (w[0] + w[1] * x[i]))
factor logistic(w[1] - 1)
)",
                                              dir.path());
  ASSERT_EQ(model.graph.num_factors(), 4u);
  const auto& first = factor_as<SiteFactor>(model, 1);
  EXPECT_EQ(first.scope(), ids(model, {"w"}));
  EXPECT_EQ(first.projection(), Eigen::Vector2d(-1, -2));
  EXPECT_EQ(first.offset(), 0.0);
  EXPECT_TRUE(std::holds_alternative<ProbitSite>(first.likelihood()));
  EXPECT_EQ(factor_as<SiteFactor>(model, 2).projection(), Eigen::Vector2d(1, 0.5));
  const auto& logistic = factor_as<SiteFactor>(model, 3);
  EXPECT_EQ(logistic.projection(), Eigen::Vector2d(0, 1));
  EXPECT_EQ(logistic.offset(), -1.0);
  EXPECT_TRUE(std::holds_alternative<LogisticSite>(logistic.likelihood()));
}

TEST(DslContinuous, ClutterMixtureIsOneComponentPlusAConstant) {
  const dsl::CompiledModel model = compile_ok(R"(
param x = [3, -1]
param w = 0.25
var theta : real
theta ~ normal(0, 100)
for i in 0..1: x[i] ~ mixture(1 - w: normal(theta, 1), w: normal(0, 10))
)");
  ASSERT_EQ(model.graph.num_factors(), 3u);
  for (std::size_t i = 0; i < 2; ++i) {
    const double xi = i == 0 ? 3.0 : -1.0;
    const auto& site = factor_as<SiteFactor>(model, 1 + i);
    EXPECT_EQ(site.scope(), ids(model, {"theta"}));
    EXPECT_EQ(site.projection(), Eigen::VectorXd::Constant(1, 1.0));
    EXPECT_EQ(site.offset(), 0.0);
    ASSERT_TRUE(std::holds_alternative<GaussianMixtureSite>(site.likelihood()));
    const auto& mixture = std::get<GaussianMixtureSite>(site.likelihood());
    // (1 - w) N(x; θ, 1) = (1 - w) N(θ; x, 1), and w N(x; 0, 10) is a constant.
    EXPECT_EQ(mixture.weights, std::vector<double>{0.75});
    EXPECT_EQ(mixture.means, std::vector<double>{xi});
    EXPECT_EQ(mixture.variances, std::vector<double>{1.0});
    EXPECT_NEAR(mixture.constant, 0.25 * std::exp(-xi * xi / 20) / std::sqrt(2 * std::numbers::pi * 10), 1e-15);
  }
}

TEST(DslContinuous, ObservedDataDrawnFromANormalIsAGaussianLikelihood) {
  const dsl::CompiledModel model = compile_ok(R"(
param y = 2
var a, b : real
y ~ normal(a - 2 * b + 1, 4)
)");
  const auto& g = factor_as<GaussianFactor>(model, 0);
  EXPECT_EQ(g.scope(), ids(model, {"a", "b"}));
  // log N(2; a - 2b + 1, 4) at two points, against the closed form.
  for (const auto& [a, b] : {std::pair{0.3, -0.7}, std::pair{1.0, 2.0}}) {
    const double r = 2 - (a - 2 * b + 1);
    EXPECT_NEAR(g.log_value(Eigen::Vector2d(a, b)), -0.5 * std::log(2 * std::numbers::pi * 4) - r * r / 8, 1e-12);
  }
}

TEST(DslContinuous, VectorEvidenceAndOptionalCsvColumns) {
  DslTempDir dir;
  dir.write("game.csv", "player,rank\nalice,1\nbob,2\n");
  const dsl::CompiledModel model = compile_ok(R"(
param rank = csv("game.csv", "rank")
param mu = csv("game.csv", "mu", 25)
param v = [1, 2]
var s[len(rank)] : real
var x : real[2]
for i in 0..len(rank)-1: s[i] ~ normal(mu[i], 1)
x ~ mvnormal([0, 0], eye(2))
evidence x = v
query mean(s), cov(x)
)",
                                              dir.path());
  EXPECT_EQ(factor_as<LinearGaussianFactor>(model, 1).b(), Eigen::VectorXd::Constant(1, 25.0));
  EXPECT_EQ(model.real_evidence.at(var_id(model, "x")), Eigen::Vector2d(1, 2));
  EXPECT_EQ(model.covariance_queries, ids(model, {"x"}));
}

TEST(DslContinuous, NormalQuantileGivesTheTrueSkillDrawMargin) {
  const dsl::CompiledModel model = compile_ok(R"(
param beta = 25 / 6
param eps = sqrt(2) * beta * normal_quantile((0.1 + 1) / 2)
var d : real
d ~ normal(eps, 1)
)");
  // Φ⁻¹(0.55) = 0.12566134685507402 (tables); TrueSkill's default margin 0.7404...
  EXPECT_NEAR(factor_as<LinearGaussianFactor>(model, 0).b()(0), std::sqrt(2.0) * 25.0 / 6 * 0.12566134685507402, 1e-12);
}

TEST(DslContinuous, ArgsortGivesStableSortingIndices) {
  DslTempDir dir;
  dir.write("game.csv", "player,rank\nd,3\nb,1\nc,2\na,1\n");
  // rank = [3, 1, 2, 1]: ascending with the tie in file order is rows 1, 3, 2, 0. The
  // order drives b's draw: b's mean is the row of rank 2 (index order[2] = 2).
  const dsl::CompiledModel model = compile_ok(R"(
param rank = csv("game.csv", "rank")
param order = argsort(rank)
param values = [0.5, -2, 0.5, 7]
param by_value = argsort(values)
var a[len(order)] : real
var b : real
for k in 0..len(order)-1: a[k] ~ normal(order[k] + 10 * by_value[k], 1)
b ~ normal(order[2], 1)
)",
                                              dir.path());
  const std::vector<double> order = {1, 3, 2, 0}, by_value = {1, 0, 2, 3};
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(factor_as<LinearGaussianFactor>(model, k).b()(0), order[k] + 10 * by_value[k]) << k;
  }
  EXPECT_EQ(factor_as<LinearGaussianFactor>(model, 4).b()(0), 2.0);
}

TEST(DslContinuous, DiscreteSelectorMakesAConditionalLinearGaussian) {
  const dsl::CompiledModel model = compile_ok(R"(
var z : {off, on}
var a, x : real
p(z) = [0.3, 0.7]
a ~ normal(0, 1)
x ~ normal(if z == on then 2 * a + 2 else -1, if z == on then 1 else 4)
)");
  const auto& clg = factor_as<ConditionalLinearGaussianFactor>(model, 2);
  EXPECT_EQ(clg.scope(), ids(model, {"z", "x", "a"}));
  ASSERT_EQ(clg.components().size(), 2u);
  // off: N(-1, 4) with a zero coefficient on a (the parents are the same in both).
  EXPECT_EQ(clg.components()[0].a(), Eigen::MatrixXd::Zero(1, 1));
  EXPECT_EQ(clg.components()[0].b(), Eigen::VectorXd::Constant(1, -1.0));
  EXPECT_EQ(clg.components()[0].covariance(), Eigen::MatrixXd::Constant(1, 1, 4.0));
  EXPECT_EQ(clg.components()[1].a(), Eigen::MatrixXd::Constant(1, 1, 2.0));
  EXPECT_EQ(clg.components()[1].b(), Eigen::VectorXd::Constant(1, 2.0));
  EXPECT_EQ(clg.components()[1].covariance(), Eigen::MatrixXd::Constant(1, 1, 1.0));
}

TEST(DslContinuous, HybridModelWithObservedRealGivesTheExactPosteriorOfTheSelector) {
  // z ~ [0.3, 0.7], x | z ~ N(-1, 4) or N(2, 1), x = 0.5 observed: P(z = on | x) by hand.
  const dsl::CompiledModel model = compile_ok(R"(
var z : {off, on}
var x : real
p(z) = [0.3, 0.7]
x ~ normal(if z == on then 2 else -1, if z == on then 1 else 4)
evidence x = 0.5
query marginal(z), logZ
)");
  const InferenceResult result = model.algorithm.run(model.graph, model.evidence, model.real_evidence, Task::marginals);
  const auto density = [](double x, double m, double v) {
    return std::exp(-(x - m) * (x - m) / (2 * v)) / std::sqrt(2 * std::numbers::pi * v);
  };
  const double off = 0.3 * density(0.5, -1, 4), on = 0.7 * density(0.5, 2, 1);
  ASSERT_EQ(result.marginals.at(var_id(model, "z").index).size(), 2u);
  EXPECT_NEAR(result.marginals[var_id(model, "z").index][1], on / (off + on), 1e-9);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(off + on), 1e-9);
}

const std::vector<GoldenCase> kContinuousErrors = {
    {"NonPositiveVariance", "var x : real\nx ~ normal(0, -1)\n", {{2, 15, "the variance must be positive, got -1"}}},
    {"CovarianceNotPositiveDefinite",
     "var x : real[2]\nx ~ mvnormal([0, 0], [[1, 2], [2, 1]])\n",
     {{2, 22, "the covariance is not positive definite"}}},
    {"CovarianceNotSymmetric",
     "var x : real[2]\nx ~ mvnormal([0, 0], [[1, 0.5], [0, 1]])\n",
     {{2, 22, "the covariance is not symmetric"}}},
    {"MeanOfTheWrongDimension",
     "var x : real[2]\nx ~ mvnormal([0, 0, 0], eye(2))\n",
     {{2, 14, "the mean is a 3-vector, but 'x' is a 2-vector"}}},
    {"CovarianceOfTheWrongDimension",
     "var x : real[2]\nx ~ mvnormal([0, 0], eye(3))\n",
     {{2, 22, "the covariance is a 3 x 3 matrix, expected a 2 x 2 matrix"}}},
    {"MatrixTimesVectorMismatch",
     "param A = [[1, 2, 3]]\nvar x : real[2]\nvar y : real\ny ~ normal(A * x, 1)\n",
     {{4, 14, "dimensions do not match: a 1 x 3 matrix * a 2-vector"}}},
    {"VectorPlusNumber",
     "var x : real[2]\nvar y : real[2]\ny ~ mvnormal(x + 1, eye(2))\n",
     {{3, 16, "dimensions do not match: a 2-vector + a number"}}},
    {"NormalOfAVector", "var x : real[2]\nx ~ normal(0, 1)\n", {{2, 5, "'x' is in R^2: use mvnormal(mean, cov)"}}},
    {"NonLinearMean",
     "var a, b, c : real\nc ~ normal(a * b, 1)\n",
     {{2, 14,
       "a product of two real-variable expressions is not linear (the mean, a constraint and a likelihood "
       "take linear expressions of the real variables)"}}},
    {"FunctionOfARealVariable",
     "var a, c : real\nc ~ normal(exp(a), 1)\n",
     {{2, 12,
       "exp() of a real variable is not linear (the mean, a constraint and a likelihood take linear "
       "expressions of the real variables)"}}},
    {"RealVariableInADiscreteFactor",
     "var z : bool\nvar x : real\nfactor z * x\n",
     {{3, 8, "a factor on real variables is a likelihood of a linear expression s: probit(s) or logistic(s)"}}},
    {"RealVariableInAConditional",
     "var z : bool\nvar x : real\np(z | x) = [[0.5, 0.5]]\n",
     {{3, 7, "'x' is a real variable; p(...) takes discrete ones (a real variable gets its distribution with '~')"}}},
    {"DiscreteVariableInAConstraint",
     "var z : bool\nvar x : real\nconstraint x - z > 0\n",
     {{3, 16, "'z' is a discrete variable; a real variable, a parameter or a number is needed here"}}},
    {"TwoSelectors",
     "var z, u : bool\nvar x : real\nx ~ normal(z + u, 1)\n",
     {{3, 5,
       "the distribution depends on 2 discrete variables, which is not supported: a draw may depend on one (the "
       "selector of a conditional linear Gaussian; combine them into one discrete variable)"}}},
    {"DrawOfADiscreteVariable",
     "var z : bool\nz ~ normal(0, 1)\n",
     {{2, 1, "'z' is a discrete variable: '~' draws real variables (a discrete one gets p(x | ...))"}}},
    {"MeanQueryOfADiscreteVariable",
     "var z : bool\nquery mean(z)\n",
     {{2, 12, "'z' is a discrete variable: mean(...) is for real ones (use marginal(...))"}}},
    {"DiscreteAlgorithmOnAContinuousModel",
     "var x : real\nx ~ normal(0, 1)\ninfer bp(damping = 0.5)\n",
     {{3, 7,
       "bp runs discrete models only, and 'x' is a real variable: use infer gbp (every factor Gaussian), ep or "
       "auto"}}},
    {"GaussianBpOnAProbitModel",
     "infer gbp\nvar w : real\nw ~ normal(0, 1)\nfactor probit(w)\n",
     {{1, 7, "gbp runs models whose factors are all Gaussian; factor 1 (probit on w) is not: use infer ep"}}},
    {"MapQueryOfAContinuousModel",
     "var x : real\nx ~ normal(0, 1)\nquery logZ, map\n",
     {{3, 13, "map is for discrete models, and 'x' is a real variable: ask for mean(...) or cov(...)"}}},
    {"DrawnTwice",
     "var x : real\nx ~ normal(0, 1)\nx ~ normal(1, 1)\n",
     {{3, 1,
       "'x' is already drawn with '~'; a real variable gets one distribution (add likelihoods with "
       "'constraint', 'factor probit(...)' or evidence)"}}},
    {"DirectedCycleOfDraws",
     "var a, b : real\na ~ normal(b, 1)\nb ~ normal(a + 1, 1)\n",
     {{3, 12, "this draw closes a directed cycle: b -> a -> b"}}},
    {"EqualityConstraint",
     "var a : real\nconstraint a == 1\n",
     {{2, 14, "an equality is no constraint: give the value as evidence"}}},
    {"UnknownDistribution",
     "var a : real\na ~ gaussian(0, 1)\n",
     {{2, 5,
       "unknown distribution 'gaussian': expected normal(mean, variance), mvnormal(mean, cov) or "
       "mixture(w: normal(...), ...)"}}},
    {"MixtureWeightsDoNotSumToOne",
     "var t : real\nparam x = 1\nx ~ mixture(0.5: normal(t, 1), 0.4: normal(0, 10))\n",
     {{3, 5, "the mixture weights sum to 0.9, not 1 (tolerance 1e-06)"}}},
    {"EvidenceOfTheWrongDimension",
     "var x : real[2]\nx ~ mvnormal([0, 0], eye(2))\nevidence x = 3\n",
     {{3, 14, "the value is a number, but 'x' is a 2-vector"}}},
    {"ArgsortAsANumber",
     "param v = [2, 1]\nparam k = 1 + argsort(3)\n",
     {{2, 15,
       "argsort() gives a vector, and a number is needed here: write 'param order = argsort(v)' with v a vector or "
       "a data column, then order[i]"}}},
    {"ArgsortOfAMatrix",
     "param M = [[1, 2], [3, 4]]\nparam o = argsort(M)\n",
     {{2, 19, "argsort() takes a vector, not a 2 x 2 matrix"}}},
    {"ArgsortOfARealVariable",
     "var x, y : real[2]\nparam v = [1, 2]\ny ~ mvnormal(argsort(v + x), eye(2))\n",
     {{3, 22, "argsort() takes a vector of numbers, not a real variable"}}},
    {"ComponentOutOfRange",
     "var x : real[2]\nvar y : real\ny ~ normal(x[2], 1)\n",
     {{3, 12, "component 2 out of range: 'x' is in R^2"}}},
};

class DslContinuousErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslContinuousErrors, PinsMessageAndPosition) { check_case(GetParam(), false); }
INSTANTIATE_TEST_SUITE_P(Golden, DslContinuousErrors, ::testing::ValuesIn(kContinuousErrors),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

}  // namespace
}  // namespace copi::test
