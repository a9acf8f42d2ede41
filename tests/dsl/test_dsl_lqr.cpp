// `lqr` blocks: the lowered LqrProblem holds exactly the matrices written (numbers and
// parameter expressions as 1 x 1 matrices, [[...]] rows, [..] vectors), the optional
// items take the library's defaults, and each `solve` records its method.
#include <gtest/gtest.h>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

using control::LqrMatrix;

TEST(DslLqr, ScalarParametersBecomeOneByOneMatrices) {
  const dsl::CompiledModel model = compile_ok(R"(
param a = 1.1, b = 0.5, q = 1, rho = 0.2, qf = 2, noise = 0.3, T = 5, x0 = 1
lqr scalar {
  A = a
  B = b
  noise = noise
  Q = q
  R = rho
  Qf = 2 * qf / 2
  x0 = x0
  horizon = T
  temperature = 1
}
solve scalar with exact
solve scalar with variational
solve scalar with map
)");
  ASSERT_EQ(model.lqrs.size(), 1u);
  const control::LqrProblem& p = model.lqrs[0].problem;
  EXPECT_EQ(model.lqrs[0].name, "scalar");
  EXPECT_EQ(p.A, LqrMatrix({{1.1}}));
  EXPECT_EQ(p.B, LqrMatrix({{0.5}}));
  EXPECT_EQ(p.noise, LqrMatrix({{0.3}}));
  EXPECT_EQ(p.Q, LqrMatrix({{1.0}}));
  EXPECT_EQ(p.R, LqrMatrix({{0.2}}));
  EXPECT_EQ(p.Qf, LqrMatrix({{2.0}}));
  EXPECT_TRUE(p.N.empty());
  EXPECT_TRUE(p.x0_cov.empty());
  EXPECT_EQ(p.x0, std::vector<double>{1.0});
  EXPECT_EQ(p.horizon, 5u);
  EXPECT_EQ(p.temperature, 1.0);
  ASSERT_EQ(model.lqr_solves.size(), 3u);
  EXPECT_EQ(model.lqr_solves[0].method, control::ControlMethod::exact);
  EXPECT_EQ(model.lqr_solves[1].method, control::ControlMethod::variational);
  EXPECT_EQ(model.lqr_solves[2].method, control::ControlMethod::map);
  for (const dsl::LqrSolve& s : model.lqr_solves) EXPECT_EQ(s.lqr, "scalar");
  EXPECT_TRUE(model.mdps.empty());
  EXPECT_TRUE(model.solves.empty());
}

// A double integrator in matrix form, every optional item given; `=` is optional.
TEST(DslLqr, MatrixLiteralsAreRowMajor) {
  const dsl::CompiledModel model = compile_ok(R"(
param dt = 0.1
lqr cart {
  A [[1, dt], [0, 1]]
  B = [[0], [dt]]
  noise = [[0.01, 0], [0, 0.02]]
  Q = [[1, 0], [0, 0.5]]
  R = [[2]]
  N = [[0.1], [0]]
  Qf = [[10, 1], [1, 10]]
  x0 = [1, -0.5]
  x0_cov = [[0.1, 0], [0, 0.2]]
  horizon 20
  temperature 0.5
}
solve cart with variational
)");
  ASSERT_EQ(model.lqrs.size(), 1u);
  const control::LqrProblem& p = model.lqrs[0].problem;
  EXPECT_EQ(p.A, LqrMatrix({{1, 0.1}, {0, 1}}));
  EXPECT_EQ(p.B, LqrMatrix({{0}, {0.1}}));
  EXPECT_EQ(p.noise, LqrMatrix({{0.01, 0}, {0, 0.02}}));
  EXPECT_EQ(p.Q, LqrMatrix({{1, 0}, {0, 0.5}}));
  EXPECT_EQ(p.R, LqrMatrix({{2}}));
  EXPECT_EQ(p.N, LqrMatrix({{0.1}, {0}}));
  EXPECT_EQ(p.Qf, LqrMatrix({{10, 1}, {1, 10}}));
  EXPECT_EQ(p.x0, (std::vector<double>{1, -0.5}));
  EXPECT_EQ(p.x0_cov, LqrMatrix({{0.1, 0}, {0, 0.2}}));
  EXPECT_EQ(p.horizon, 20u);
  EXPECT_EQ(p.temperature, 0.5);
  EXPECT_EQ(p.state_dim(), 2u);
  EXPECT_EQ(p.action_dim(), 1u);
}

// Without noise, Qf and temperature: the deterministic system at α = 1.
TEST(DslLqr, OptionalItemsTakeTheLibraryDefaults) {
  const dsl::CompiledModel model = compile_ok(
      "lqr d {\n  A = 1\n  B = 1\n  Q = 1\n  R = 1\n  x0 = 2\n  horizon = 1\n}\nsolve d with map\n");
  ASSERT_EQ(model.lqrs.size(), 1u);
  const control::LqrProblem& p = model.lqrs[0].problem;
  EXPECT_TRUE(p.noise.empty());
  EXPECT_TRUE(p.Qf.empty());
  EXPECT_TRUE(p.N.empty());
  EXPECT_EQ(p.temperature, 1.0);
}

// The expression form of the scalar example reads the matrices of the matrix form.
TEST(DslLqr, ExpressionFormOfTheScalarExample) {
  const dsl::CompiledModel model = compile_ok(R"(
param a = 1.1, b = 0.5, q = 1, rho = 0.2, qf = 2, noise = 0.3, T = 5, x0 = 1
lqr scalar {
  state x
  action u
  dynamics x' = a*x + b*u
  noise = noise
  reward -(q*x^2 + rho*u^2) / 2
  final -qf*x^2 / 2
  x0 = x0
  horizon T
}
solve scalar with exact
)");
  ASSERT_EQ(model.lqrs.size(), 1u);
  const control::LqrProblem& p = model.lqrs[0].problem;
  ASSERT_EQ(p.A.rows, 1u);
  ASSERT_EQ(p.B.cols, 1u);
  EXPECT_DOUBLE_EQ(p.A(0, 0), 1.1);
  EXPECT_DOUBLE_EQ(p.B(0, 0), 0.5);
  EXPECT_EQ(p.noise, LqrMatrix({{0.3}}));
  EXPECT_DOUBLE_EQ(p.Q(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(p.R(0, 0), 0.2);
  EXPECT_TRUE(p.N.empty());  // no cross term written
  EXPECT_DOUBLE_EQ(p.Qf(0, 0), 2.0);
  EXPECT_EQ(p.x0, std::vector<double>{1.0});
  EXPECT_EQ(p.horizon, 5u);
}

// Two states and two actions, every kind of term: rows of A and B follow the state
// order of `state`, columns the order of `state` and `action`; the reward's cross
// terms go to N (r = −½(xᵀQx + uᵀRu + 2xᵀN u)).
TEST(DslLqr, ExpressionFormWithCrossTermsAndSeveralComponents) {
  const dsl::CompiledModel model = compile_ok(R"(
param dt = 0.5
lqr two {
  state pos, vel
  action push, brake
  dynamics vel' = 0.9*vel - 0.25*pos + dt*push - brake, pos' = pos + dt*vel
  reward -(2*pos^2 + 2*0.5*pos*vel + vel^2 + 3*push^2 + brake^2 + 2*0.25*pos*push - 2*0.5*vel*brake) / 2
  final -(4*pos^2 + vel^2) / 2
  x0 = [1, 0]
  horizon 2
}
solve two with variational
)");
  ASSERT_EQ(model.lqrs.size(), 1u);
  const control::LqrProblem& p = model.lqrs[0].problem;
  const auto expect_matrix = [](const LqrMatrix& got, const LqrMatrix& want, const char* name) {
    ASSERT_EQ(got.rows, want.rows) << name;
    ASSERT_EQ(got.cols, want.cols) << name;
    for (std::size_t i = 0; i < want.data.size(); ++i) EXPECT_NEAR(got.data[i], want.data[i], 1e-14) << name << " " << i;
  };
  expect_matrix(p.A, LqrMatrix({{1, 0.5}, {-0.25, 0.9}}), "A");
  expect_matrix(p.B, LqrMatrix({{0, 0}, {0.5, -1}}), "B");
  expect_matrix(p.Q, LqrMatrix({{2, 0.5}, {0.5, 1}}), "Q");
  expect_matrix(p.R, LqrMatrix({{3, 0}, {0, 1}}), "R");
  expect_matrix(p.N, LqrMatrix({{0.25, 0}, {0, -0.5}}), "N");
  expect_matrix(p.Qf, LqrMatrix({{4, 0}, {0, 1}}), "Qf");
}

// An mdp block and an lqr block in one file: each solve goes to its own block.
TEST(DslLqr, SolvesOfMdpAndLqrBlocksAreKeptApart) {
  const dsl::CompiledModel model = compile_ok(
      "mdp m {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\n"
      "lqr l {\n  A = 1\n  B = 1\n  Q = 1\n  R = 1\n  x0 = 0\n  horizon = 2\n}\n"
      "solve m with exact\nsolve l with exact\n");
  EXPECT_EQ(model.solves.size(), 1u);
  EXPECT_EQ(model.solves[0].mdp, "m");
  ASSERT_EQ(model.lqr_solves.size(), 1u);
  EXPECT_EQ(model.lqr_solves[0].lqr, "l");
}

}  // namespace
}  // namespace copi::test
