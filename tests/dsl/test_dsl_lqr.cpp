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
