// Vector-valued observations and mixtures in the language, run end to end: vector
// data on the left of `~ mvnormal(...)` (rows of a CSV table, a vector parameter)
// against a dense joint Gaussian assembled from the same numbers and inverted
// (tests/inference/gaussian_oracles.hpp), and `~ mixture(...)` of mvnormal components
// against enumerating the components with exact Gaussians in closed form.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <variant>

#include "copi/dsl/model.hpp"
#include "copi/inference/algorithms.hpp"
#include "dsl/dsl_golden.hpp"
#include "dsl/dsl_test_support.hpp"
#include "inference/gaussian_oracles.hpp"

namespace copi::test {
namespace {

InferenceResult run_model(const dsl::CompiledModel& model) {
  return model.algorithm.run(model.graph, model.evidence, model.real_evidence, Task::marginals);
}

Eigen::MatrixXd matrix(std::initializer_list<std::initializer_list<double>> rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index i = 0;
  for (const auto& row : rows) {
    Eigen::Index j = 0;
    for (const double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

Eigen::VectorXd vector(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double x : values) v(i++) = x;
  return v;
}

TEST(DslContinuousVectors, VectorDataLikelihoodEqualsTheDenseGaussian) {
  // x ∈ R², u ∈ R; three rows y_t of obs.csv with y_0 ~ N(H x + u w + c, R) and
  // y_t ~ N(H x + c, R) after it, and the vector parameter z ~ N(x, S). Observed data
  // leave no variable behind: the model has x and u only, and its factor graph is a
  // tree (two factors over x and u would make a loop, and Gaussian BP's covariances
  // on a loop are not exact).
  DslTempDir dir;
  dir.write("obs.csv", "y0,y1\n0.9,1.4\n1.3,0.7\n-0.2,1.9\n");
  const dsl::CompiledModel model = compile_ok(R"(
param Y = csv("obs.csv")
param H = [[1, 0.5], [0, 1]]
param w = [1, -1]
param c = [0.2, -0.1]
param R = [[0.5, 0.1], [0.1, 0.3]]
param z = [0.4, 1.1]
var x : real[2]
var u : real
x ~ mvnormal([0, 1], [[2, 0.3], [0.3, 1]])
u ~ normal(1, 0.5)
Y[0] ~ mvnormal(H * x + u * w + c, R)
for t in 1..len(Y)-1: Y[t] ~ mvnormal(H * x + c, R)
z ~ mvnormal(x, [[1, 0], [0, 2]])
query mean(x), cov(x), mean(u), logZ
infer gbp
)",
                                              dir.path());
  ASSERT_EQ(model.graph.num_variables(), 2u);
  const InferenceResult result = run_model(model);

  // Blocks: x, u, y_0, y_1, y_2, z (the last four observed).
  const Eigen::MatrixXd h = matrix({{1, 0.5, 1}, {0, 1, -1}});  // [H | w] acting on (x, u)
  std::vector<DenseTerm> terms;
  terms.push_back({false, 0, {}, Eigen::MatrixXd(2, 0), vector({0, 1}), matrix({{2, 0.3}, {0.3, 1}}), {}, {}, 0});
  terms.push_back({false, 1, {}, Eigen::MatrixXd(1, 0), vector({1}), matrix({{0.5}}), {}, {}, 0});
  terms.push_back({false, 2, {0, 1}, h, vector({0.2, -0.1}), matrix({{0.5, 0.1}, {0.1, 0.3}}), {}, {}, 0});
  for (std::size_t t = 1; t < 3; ++t) {
    terms.push_back({false, 2 + t, {0}, h.leftCols(2), vector({0.2, -0.1}), matrix({{0.5, 0.1}, {0.1, 0.3}}), {}, {},
                     0});
  }
  terms.push_back({false, 5, {0}, Eigen::MatrixXd::Identity(2, 2), vector({0, 0}), matrix({{1, 0}, {0, 2}}), {}, {}, 0});
  const DenseAnswer dense = dense_gaussian({2, 1, 2, 2, 2, 2}, terms,
                                           {Eigen::VectorXd(), Eigen::VectorXd(), vector({0.9, 1.4}),
                                            vector({1.3, 0.7}), vector({-0.2, 1.9}), vector({0.4, 1.1})});

  const GaussianMarginal& x = result.real_marginals.at(var_id(model, "x").index);
  const GaussianMarginal& u = result.real_marginals.at(var_id(model, "u").index);
  for (Eigen::Index i = 0; i < 2; ++i) {
    EXPECT_NEAR(x.mean(i), dense.mean[0](i), 1e-9);
    for (Eigen::Index j = 0; j < 2; ++j) EXPECT_NEAR(x.covariance(i, j), dense.cov[0](i, j), 1e-9);
  }
  EXPECT_NEAR(u.mean(0), dense.mean[1](0), 1e-9);
  EXPECT_NEAR(u.covariance(0, 0), dense.cov[1](0, 0), 1e-9);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, dense.log_z, 1e-9);
  EXPECT_EQ(result.log_z_kind, LogZKind::exact);
}

TEST(DslContinuousVectors, VectorDataWithAConstantMeanIsAConstant) {
  // log N(y; m, R) in closed form: nothing depends on a real variable.
  const dsl::CompiledModel model = compile_ok(R"(
param y = [1, -1]
y ~ mvnormal([0.5, 0], [[2, 0], [0, 0.5]])
var x : real
x ~ normal(0, 1)
query logZ
)");
  const InferenceResult result = run_model(model);
  const double expected = -std::log(2 * std::numbers::pi) - 0.5 * std::log(2 * 0.5) - 0.5 * (0.25 / 2 + 1 / 0.5);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, expected, 1e-12);
}

// N(y; m, C) for a vector y, from the textbook formula.
double normal_density(const Eigen::VectorXd& y, const Eigen::VectorXd& m, const Eigen::MatrixXd& c) {
  const Eigen::VectorXd r = y - m;
  return std::exp(-0.5 * r.dot(c.inverse() * r)) / std::sqrt((2 * std::numbers::pi * c).determinant());
}

const char* kMixtureModel = R"(
param m1 = [0, 1]
param m2 = [3, -1]
param S1 = [[1, 0.3], [0.3, 2]]
param S2 = [[0.5, 0], [0, 0.5]]
param y = [1.5, 0.2]
param H = [[1, 0], [0.5, 1]]
param R = [[1, 0.2], [0.2, 0.8]]
var x : real[2]
x ~ mixture(0.3: mvnormal(m1, S1), 0.7: mvnormal(m2, 0.5 * eye(2)))
y ~ mvnormal(H * x, R)
query cov(x), logZ
)";

TEST(DslContinuousVectors, VectorMixtureLowersToAHiddenSelector) {
  const dsl::CompiledModel model = compile_ok(kMixtureModel);
  ASSERT_EQ(model.graph.num_variables(), 2u);
  const VarId selector = var_id(model, "x.component");
  EXPECT_EQ(model.graph.cardinality(selector), 2u);
  ASSERT_EQ(model.graph.num_factors(), 3u);
  const auto& weights = std::get<DiscreteFactor>(model.graph.factors()[0]);
  EXPECT_EQ(weights.scope(), std::vector<VarId>{selector});
  EXPECT_EQ(weights.log_values(), (std::vector<double>{std::log(0.3), std::log(0.7)}));
  const auto& clg = std::get<ConditionalLinearGaussianFactor>(model.graph.factors()[1]);
  EXPECT_EQ(clg.scope(), (std::vector<VarId>{selector, var_id(model, "x")}));
  ASSERT_EQ(clg.components().size(), 2u);
  EXPECT_EQ(clg.components()[1].b(), vector({3, -1}));
  EXPECT_EQ(clg.components()[1].covariance(), 0.5 * Eigen::MatrixXd::Identity(2, 2));
}

TEST(DslContinuousVectors, VectorMixturePriorEqualsEnumeratingTheComponents) {
  // One mixture and one Gaussian likelihood: the exact posterior is the 2-component
  // mixture of the Kalman updates of each component, and EP's single site sees it
  // whole, so its moments and log Z are exact.
  const dsl::CompiledModel model = compile_ok(kMixtureModel);
  const InferenceResult result = run_model(model);
  const std::vector<double> w = {0.3, 0.7};
  const std::vector<Eigen::VectorXd> m = {vector({0, 1}), vector({3, -1})};
  const std::vector<Eigen::MatrixXd> s = {matrix({{1, 0.3}, {0.3, 2}}), 0.5 * Eigen::MatrixXd::Identity(2, 2)};
  const Eigen::VectorXd y = vector({1.5, 0.2});
  const Eigen::MatrixXd h = matrix({{1, 0}, {0.5, 1}});
  const Eigen::MatrixXd r = matrix({{1, 0.2}, {0.2, 0.8}});
  std::vector<double> z(2);
  std::vector<Eigen::VectorXd> mu(2);
  std::vector<Eigen::MatrixXd> sigma(2);
  for (std::size_t k = 0; k < 2; ++k) {
    const Eigen::MatrixXd c = h * s[k] * h.transpose() + r;
    const Eigen::MatrixXd gain = s[k] * h.transpose() * c.inverse();
    z[k] = w[k] * normal_density(y, h * m[k], c);
    mu[k] = m[k] + gain * (y - h * m[k]);
    sigma[k] = s[k] - gain * h * s[k];
  }
  const double total = z[0] + z[1];
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(2);
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(2, 2);
  for (std::size_t k = 0; k < 2; ++k) {
    mean += z[k] / total * mu[k];
    second += z[k] / total * (sigma[k] + mu[k] * mu[k].transpose());
  }
  const Eigen::MatrixXd cov = second - mean * mean.transpose();

  const GaussianMarginal& x = result.real_marginals.at(var_id(model, "x").index);
  for (Eigen::Index i = 0; i < 2; ++i) {
    EXPECT_NEAR(x.mean(i), mean(i), 1e-9);
    for (Eigen::Index j = 0; j < 2; ++j) EXPECT_NEAR(x.covariance(i, j), cov(i, j), 1e-9);
  }
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(total), 1e-9);
  const std::vector<double>& component = result.marginals.at(var_id(model, "x.component").index);
  ASSERT_EQ(component.size(), 2u);
  EXPECT_NEAR(component[1], z[1] / total, 1e-9);
}

TEST(DslContinuousVectors, ObservedVectorMixtureGivesTheComponentPosterior) {
  // x observed: P(k | x) ∝ w_k N(x; m_k + A_k u, S_k) with u observed too (a mean
  // linear in another real variable), and log Z = log Σ_k w_k N(x; ...) N(u; 0, 1).
  const dsl::CompiledModel model = compile_ok(R"(
param A = [[1, 0], [0.5, 2]]
param c = [1, 1]
param S = [[2, 0.5], [0.5, 1]]
param u0 = [0.4, -0.3]
param x0 = [0.8, 0.1]
var u : real[2]
var x : real[2]
u ~ mvnormal([0, 0], eye(2))
x ~ mixture(0.25: mvnormal(A * u, eye(2)), 0.5: mvnormal(c, S), 0.25: mvnormal(u - c, 3 * eye(2)))
evidence u = u0, x = x0
query logZ
)");
  const InferenceResult result = run_model(model);
  const Eigen::VectorXd u = vector({0.4, -0.3}), xv = vector({0.8, 0.1}), c = vector({1, 1});
  const std::vector<double> p = {0.25 * normal_density(xv, matrix({{1, 0}, {0.5, 2}}) * u, Eigen::MatrixXd::Identity(2, 2)),
                                 0.5 * normal_density(xv, c, matrix({{2, 0.5}, {0.5, 1}})),
                                 0.25 * normal_density(xv, u - c, 3 * Eigen::MatrixXd::Identity(2, 2))};
  const double total = p[0] + p[1] + p[2];
  const std::vector<double>& component = result.marginals.at(var_id(model, "x.component").index);
  ASSERT_EQ(component.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(component[k], p[k] / total, 1e-9) << k;
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(total) + std::log(normal_density(u, vector({0, 0}), Eigen::MatrixXd::Identity(2, 2))),
              1e-9);
}

TEST(DslContinuousVectors, ScalarMixtureOfDifferentParentsIsAConditionalLinearGaussian) {
  // x ~ 0.4 N(a, 1) + 0.6 N(b + 1, 2) with a, b ~ N(0, 1) and x = 1.2 observed: not one
  // EP site (x − a and x − b − 1 are not parallel), so a hidden selector. By hand:
  // p(x | k=0) = N(x; 0, 2), p(x | k=1) = N(x; 1, 3); under k=0, a | x ~ N(x/2, 1/2),
  // under k=1, a keeps its prior N(0, 1).
  const dsl::CompiledModel model = compile_ok(R"(
var a, b, x : real
a ~ normal(0, 1)
b ~ normal(0, 1)
x ~ mixture(0.4: normal(a, 1), 0.6: normal(b + 1, 2))
evidence x = 1.2
query mean(a), logZ
)");
  EXPECT_TRUE(std::holds_alternative<ConditionalLinearGaussianFactor>(model.graph.factors().back()));
  const InferenceResult result = run_model(model);
  const double x = 1.2;
  const double z0 = 0.4 * normal_density(vector({x}), vector({0}), matrix({{2}}));
  const double z1 = 0.6 * normal_density(vector({x}), vector({1}), matrix({{3}}));
  const double p0 = z0 / (z0 + z1), p1 = 1 - p0;
  const double mean = p0 * x / 2;
  const double variance = p0 * (0.5 + x * x / 4) + p1 * 1.0 - mean * mean;
  const GaussianMarginal& a = result.real_marginals.at(var_id(model, "a").index);
  EXPECT_NEAR(a.mean(0), mean, 1e-9);
  EXPECT_NEAR(a.covariance(0, 0), variance, 1e-9);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(z0 + z1), 1e-9);
}

const std::vector<GoldenCase> kVectorDataErrors = {
    {"DataOfTheWrongDimension",
     "param y = [1, 2, 3]\nvar x : real[2]\ny ~ mvnormal(x, eye(2))\n",
     {{3, 14, "the mean is a 2-vector, but 'y' is a 3-vector"}}},
    {"NormalOfVectorData",
     "param y = [1, 2]\nvar x : real\ny ~ normal(x, 1)\n",
     {{3, 5, "'y' is in R^2: use mvnormal(mean, cov)"}}},
    {"MatrixAsData",
     "param Y = [[1, 2], [3, 4]]\nvar x : real[2]\nY ~ mvnormal(x, eye(2))\n",
     {{3, 1, "observed data is a number or a vector, not a 2 x 2 matrix (Y[t] is row t of a matrix)"}}},
    {"RowOutOfRange",
     "param Y = [[1, 2], [3, 4]]\nvar x : real[2]\nY[2] ~ mvnormal(x, eye(2))\n",
     {{3, 1, "row 2 out of range for 'Y' (a 2 x 2 matrix)"}}},
    {"MixtureOfVectorData",
     "param y = [1, 2]\nvar x : real[2]\ny ~ mixture(0.5: mvnormal(x, eye(2)), 0.5: mvnormal(x, 2 * eye(2)))\n",
     {{3, 1,
       "a mixture of mvnormal components of observed data is not supported: declare a real variable, draw it from "
       "the mixture and give the data as evidence"}}},
    {"NormalComponentOfAVector",
     "var x : real[2]\nparam m = [0, 0]\nx ~ mixture(0.5: normal(0, 1), 0.5: mvnormal(m, eye(2)))\n",
     {{3, 18, "'x' is in R^2: use mvnormal(mean, cov)"}}},
    {"UnknownMixtureComponent",
     "var x : real[2]\nparam m = [0, 0]\nx ~ mixture(0.5: gaussian(0, 1), 0.5: mvnormal(m, eye(2)))\n",
     {{3, 13, "a mixture component is 'weight: normal(mean, variance)' or 'weight: mvnormal(mean, cov)'"}}},
    {"VectorMixtureCovarianceOfTheWrongSize",
     "var x : real[2]\nparam m = [0, 0]\nx ~ mixture(0.5: mvnormal(m, eye(3)), 0.5: mvnormal(m, eye(2)))\n",
     {{3, 30, "the covariance is a 3 x 3 matrix, expected a 2 x 2 matrix"}}},
    {"VectorMixtureWeightsDoNotSumToOne",
     "var x : real[2]\nparam m = [0, 0]\nx ~ mixture(0.5: mvnormal(m, eye(2)), 0.6: mvnormal(m, eye(2)))\n",
     {{3, 5, "the mixture weights sum to 1.1, not 1 (tolerance 1e-06)"}}},
    {"VectorMixtureWithADiscreteVariable",
     "var z : bool\nvar x : real[2]\nparam m = [0, 0]\nx ~ mixture(0.5: mvnormal(z * m, eye(2)), 0.5: mvnormal(m, eye(2)))\n",
     {{4, 27, "'z' is a discrete variable; a real variable, a parameter or a number is needed here"}}},
    {"DataMixtureAlongTwoDirections",
     "param y = 1\nvar a, b : real\ny ~ mixture(0.5: normal(a, 1), 0.5: normal(b, 1))\n",
     {{3, 32,
       "the components of a mixture of data must depend on the real variables through one linear expression (the "
       "same up to a factor and a constant); for components that differ otherwise, declare a real variable, draw "
       "it from the mixture and give the data as evidence"}}},
    {"VectorDataWithASelector",
     "param y = [1, 2]\nvar z : bool\nvar x : real[2]\ny ~ mvnormal(x, if z then eye(2) else 2 * eye(2))\n",
     {{4, 1,
       "observed data whose distribution depends on a discrete variable is not supported: declare a real variable, "
       "draw it and give its value as evidence"}}},
};

class DslVectorDataErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslVectorDataErrors, PinsMessageAndPosition) { check_case(GetParam(), false); }
INSTANTIATE_TEST_SUITE_P(Golden, DslVectorDataErrors, ::testing::ValuesIn(kVectorDataErrors),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

}  // namespace
}  // namespace copi::test
