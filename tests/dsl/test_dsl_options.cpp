// Algorithm options in the language are checked at compile time against the library's
// table: every bad option of a statement is reported at its key or value, in the
// language's words; solve statements take the control methods' options; a model that
// compiles runs its options unchanged; a file with a graph and mdp blocks runs both;
// evidence of probability zero is reported at the observation that makes it so.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"
#include "copi/graph/error.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

struct Expected {
  std::size_t line;
  std::size_t col;
  std::string message;
};

void expect_diagnostics(const std::string& text, const std::vector<Expected>& expected) {
  const dsl::CompileResult result = dsl::compile_text(text, "model.copi");
  ASSERT_EQ(result.diagnostics.size(), expected.size()) << format_diagnostics(result.diagnostics);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(result.diagnostics[i].line, expected[i].line) << result.diagnostics[i].str();
    EXPECT_EQ(result.diagnostics[i].col, expected[i].col) << result.diagnostics[i].str();
    EXPECT_EQ(result.diagnostics[i].message, expected[i].message);
  }
}

TEST(DslOptions, EveryBadOptionIsReportedAtItsKeyOrValue) {
  expect_diagnostics("var a : bool\ninfer bp(damping = 1.5, schedule = fastest, dampin = 0.1, max_iter = 2.5)\n",
                     {{2, 20, "damping = 1.5: must be a number in [0, 1)"},
                      {2, 36, "schedule = fastest: must be one of auto, parallel, sequential, or residual"},
                      {2, 45,
                       "bp has no option 'dampin' (did you mean 'damping'?); its options: schedule, damping, tol, "
                       "max_iter, time_limit, or threads"},
                      {2, 70, "max_iter = 2.5: must be an integer >= 1"}});
}

TEST(DslOptions, ValuesAreExpressionsAndWordsAcceptHyphenFreeSpelling) {
  const dsl::CompiledModel model =
      compile_ok("param d = 0.25\nvar a : bool\ninfer exact(heuristic = min_degree, memory_limit = 2^20)\n");
  EXPECT_EQ(model.algorithm.values().word("heuristic", ""), "min_degree");
  EXPECT_EQ(model.algorithm.values().count("memory_limit", 0), std::size_t{1} << 20);
  expect_diagnostics("param d = 0.25\ninfer bp(damping = 4 * d)\n", {{2, 20, "damping = 1: must be a number in [0, 1)"}});
  expect_diagnostics("infer exact(memory_limit = 10)\n",
                     {{1, 28, "memory_limit = 10: must be a size >= 1024"}});
}

TEST(DslOptions, UnknownAlgorithmSuggestsTheNearestOne) {
  expect_diagnostics("infer exakt\n",
                     {{1, 7, "unknown algorithm 'exakt' (did you mean 'exact'?): expected auto, exact, bp, meanfield, structured, trw, gbp, ep, or enumerate"}});
}

constexpr const char* kChain =
    "mdp chain {\n"
    "  state x : 0..2\n"
    "  action move : {stay, go}\n"
    "  next move == go : { x' = min(x + 1, 2) : 1 }\n"
    "  reward = if x == 2 then 1 else 0\n"
    "  discount 0.9\n"
    "}\n";

TEST(DslOptions, SolveTakesTheControlMethodsOptions) {
  const dsl::CompiledModel model =
      compile_ok(std::string(kChain) + "solve chain with variational(tol = 1e-6, max_iter = 50, threads = 1)\n");
  ASSERT_EQ(model.solves.size(), 1u);
  EXPECT_EQ(model.solves[0].options.method, control::ControlMethod::variational);
  EXPECT_DOUBLE_EQ(model.solves[0].options.tolerance, 1e-6);
  EXPECT_EQ(model.solves[0].options.max_iterations, 50u);
  EXPECT_EQ(model.solves[0].options.threads, 1u);
  expect_diagnostics(std::string(kChain) + "solve chain with exact(tol = 0, maxiter = 3)\n",
                     {{8, 30, "tol = 0: must be a number > 0"},
                      {8, 33,
                       "exact has no option 'maxiter' (did you mean 'max_iter'?); its options: tol, max_iter, memory_limit, solver, keep, or threads"}});
  expect_diagnostics(std::string(kChain) + "solve chain with variatonal\n",
                     {{8, 18,
                       "unknown method 'variatonal' (did you mean 'variational'?): expected exact, variational or map"}});
}

TEST(DslOptions, TheSolvesMaxIterIsHonoured) {
  const dsl::CompiledModel model = compile_ok(std::string(kChain) + "solve chain with variational(max_iter = 3)\n");
  const dsl::ModelAnswers answers = dsl::run_model(model);
  ASSERT_EQ(answers.solves.size(), 1u);
  EXPECT_EQ(answers.solves[0].solution.iterations, 3u);
  EXPECT_FALSE(answers.solves[0].solution.converged);
}

TEST(DslRun, AFileWithAGraphAndAnMdpRunsBoth) {
  // Issue 10, item 1: a variable declaration used to make copi run drop the solves.
  const dsl::CompiledModel model = compile_ok("var x : bool\np(x) = [0.25, 0.75]\n" + std::string(kChain) +
                                              "solve chain with exact\nsolve chain with map\n");
  const dsl::ModelAnswers answers = dsl::run_model(model);
  ASSERT_TRUE(answers.graph.has_value());
  ASSERT_TRUE(answers.graph->marginals.has_value());
  EXPECT_NEAR(answers.graph->marginals->marginals[0][1], 0.75, 1e-15);
  ASSERT_EQ(answers.solves.size(), 2u);
  EXPECT_EQ(answers.solves[0].solution.method, control::ControlMethod::exact);
  EXPECT_EQ(answers.solves[1].solution.method, control::ControlMethod::map);
  // map: V(x=2) = 1 / (1 - 0.9) = 10 (reward 1 forever), V(x=1) = 0 + 0.9 * 10.
  EXPECT_NEAR(answers.solves[1].solution.value[0][2], 10.0, 1e-8);
  EXPECT_NEAR(answers.solves[1].solution.value[0][1], 9.0, 1e-8);
}

TEST(DslRun, ThreadsOverrideReachesBothParts) {
  const dsl::CompiledModel model =
      compile_ok("var x[30] : bool\nfor i in 0..28: factor 0.3 * x[i] * x[i+1]\nfactor x[0] * x[29]\ninfer bp\n" +
                 std::string(kChain) + "solve chain with variational\n");
  const dsl::ModelAnswers answers = dsl::run_model(model, {.threads = 2});
  EXPECT_EQ(answers.graph->marginals->report.threads, 2u);
  EXPECT_EQ(answers.solves[0].solution.threads, 2u);
}

TEST(DslRun, ImpossibleEvidenceIsReportedAtTheObservationThatMakesIt) {
  // b = a exactly; a = yes is fine alone, b = no afterwards is impossible.
  const dsl::CompiledModel model = compile_ok(
      "var a, b, c : {no, yes}\n"
      "p(a) = [0.5, 0.5]\n"
      "p(b | a) = { no: [1, 0], yes: [0, 1] }\n"
      "p(c) = [0.5, 0.5]\n"
      "evidence c = yes\n"
      "evidence a = yes\n"
      "evidence b = no\n"
      "infer exact\n");
  try {
    (void)dsl::run_model(model);
    ADD_FAILURE() << "impossible evidence accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(error.where().line, 7u);
    EXPECT_EQ(error.where().col, 10u);
    EXPECT_EQ(error.detail(), "the evidence has probability zero under the model: b = no is impossible given the "
                              "evidence before it");
  }
}

}  // namespace
}  // namespace copi::test
