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
    {"VectorDataWithASelector",
     "param y = [1, 2]\nvar z : bool\nvar x : real[2]\ny ~ mvnormal(x, if z then eye(2) else 2 * eye(2))\n",
     {{4, 1,
       "observed data whose distribution depends on a discrete variable: declare a real variable, draw it and "
       "give its value as evidence"}}},
};

class DslVectorDataErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslVectorDataErrors, PinsMessageAndPosition) { check_case(GetParam(), false); }
INSTANTIATE_TEST_SUITE_P(Golden, DslVectorDataErrors, ::testing::ValuesIn(kVectorDataErrors),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

}  // namespace
}  // namespace copi::test
