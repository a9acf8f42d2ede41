// The smallest end-to-end checks of the language: a Bayesian network written in
// .copi lowers to the factor graph whose exact posterior matches a hand computation.
#include <gtest/gtest.h>

#include <cmath>

#include "copi/dsl/model.hpp"
#include "copi/inference/exact.hpp"

namespace copi::dsl {
namespace {

TEST(DslCompile, TwoNodeNetworkPosteriorMatchesBayesRule) {
  const CompileResult result = compile_text(R"(
    var smoke, lung : {yes, no}
    p(smoke) = [0.3, 0.7]
    p(lung | smoke) = { yes: [0.1, 0.9], no: [0.01, 0.99] }
    evidence lung = yes
  )", "two.copi");
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().str();
  const CompiledModel& model = *result.model;
  const InferenceResult posterior = solve_exact(model.graph, model.evidence, Task::marginals);
  const double joint_yes = 0.3 * 0.1;
  const double joint_no = 0.7 * 0.01;
  EXPECT_NEAR(posterior.marginals[0][0], joint_yes / (joint_yes + joint_no), 1e-12);
  EXPECT_NEAR(*posterior.log_z, std::log(joint_yes + joint_no), 1e-12);
}

TEST(DslCompile, SyntaxErrorNamesLineAndColumn) {
  const CompileResult result = compile_text("var x : {a, b}\nfactor x +\n", "bad.copi");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_FALSE(result.model.has_value());
  EXPECT_EQ(result.diagnostics[0].line, 2u);
  EXPECT_EQ(result.diagnostics[0].col, 11u);
  EXPECT_EQ(result.diagnostics[0].message, "expected an expression");
}

TEST(DslCompile, RunawayLoopsAndArraysAreRefusedWithTheirPosition) {
  const CompileResult result =
      compile_text("for i in 0..999999999 { }\nvar x[100000][100000] : bool\n", "big.copi");
  ASSERT_EQ(result.diagnostics.size(), 2u);
  EXPECT_EQ(result.diagnostics[0].line, 1u);
  EXPECT_EQ(result.diagnostics[0].col, 5u);
  EXPECT_EQ(result.diagnostics[0].message, "the loops of this model would run more than 2^28 times in all");
  EXPECT_EQ(result.diagnostics[1].line, 2u);
  EXPECT_EQ(result.diagnostics[1].message, "the model would have more than 2^22 variables");
}

}  // namespace
}  // namespace copi::dsl

namespace copi::dsl {
namespace {

// UTF-8 in comments is fine; anywhere else it is a syntax error at its own place (the
// parser's character classes are ASCII), never a crash.
TEST(DslCompile, NonAsciiBytesAreFineInCommentsAndAnErrorElsewhere) {
  const CompileResult ok = compile_text("// temperature α = 1 — fine\nvar a : {x, y}\np(a) = [0.5, 0.5] /* é */\n", "u.copi");
  EXPECT_TRUE(ok.diagnostics.empty()) << ok.diagnostics.front().str();
  const CompileResult bad = compile_text("var a : {x, y}\nvar β : bool\n", "u.copi");
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].line, 2u);
  EXPECT_EQ(bad.diagnostics[0].col, 5u);
  EXPECT_EQ(bad.diagnostics[0].source_line, "var β : bool");
}

}  // namespace
}  // namespace copi::dsl
