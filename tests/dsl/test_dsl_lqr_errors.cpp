// Golden diagnostics of `lqr` blocks and their `solve`: every error of a block is
// reported at its item, in source order; the library's checks (LqrProblem::validate:
// dimensions, symmetry, definiteness, temperature) keep their words, prefixed by the
// block's name and placed at the value of the item they name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_golden.hpp"

namespace copi::test {
namespace {

// A valid two-state, one-action block; each case changes lines 3 (B) and 5 (R) or adds
// lines after line 7.
std::string block(const std::string& extra, const std::string& b_line = "  B = [[0], [1]]\n",
                  const std::string& r_line = "  R = 1\n") {
  return "lqr s {\n"                     // 1
         "  A = [[1, 1], [0, 1]]\n"      // 2
         + b_line +                      // 3
         "  Q = [[1, 0], [0, 1]]\n"      // 4
         + r_line +                      // 5
         "  x0 = [1, 0]\n"               // 6
         "  horizon = 3\n"               // 7
         + extra + "}\n";
}

// `text` with the first `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  return text.replace(text.find(from), from.size(), to);
}

const std::string kKeys = "A, B, noise, Q, R, N, Qf, x0, x0_cov, horizon, temperature, reward, final, state, action, "
                          "dynamics";

// ---- the library's checks, at the item they name -------------------------------------

const std::vector<GoldenCase> kLibraryChecks = {
    {"BWithTheWrongNumberOfRows", block("", "  B = [[0, 1]]\n"),
     {{3, 7, "lqr 's': B is 1 x 2; expected 2 x 2 (n = 2 from A, m = 2 from the columns of B)"}}},
    {"RWithTheWrongDimension", block("", "  B = [[0], [1]]\n", "  R = [[1, 0], [0, 1]]\n"),
     {{5, 7, "lqr 's': R is 2 x 2; expected 1 x 1 (n = 2 from A, m = 1 from the columns of B)"}}},
    {"StartWithTheWrongLength", with(block("  x0_cov = [[1, 0], [0, 1]]\n"), "x0 = [1, 0]", "x0 = [1, 0, 0]"),
     {{6, 8, "lqr 's': x0 has 3 entries; expected n = 2 (from A)"}}},
    {"RNotSymmetric", block("", "  B = [[0, 1], [1, 0]]\n", "  R = [[1, 2], [0, 1]]\n"),
     {{5, 7, "lqr 's': R is not symmetric: R(0, 1) = 2 but R(1, 0) = 0"}}},
    {"RNotPositiveDefinite", block("", "  B = [[0], [1]]\n", "  R = 0\n"),
     {{5, 7, "lqr 's': R must be positive definite; its smallest eigenvalue is 0"}}},
    {"NegativeDefiniteNoise", block("  noise = [[-1, 0], [0, -2]]\n"),
     {{8, 11, "lqr 's': noise must be positive semidefinite; its smallest eigenvalue is -2"}}},
    {"NonPositiveTemperature", block("  temperature = -1\n"),
     {{8, 17, "lqr 's': temperature must be a finite number > 0, got -1"}}},
    {"CrossTermMakesTheCostNonConvex", block("  N = [[5], [0]]\n"),
     {{8, 7, "lqr 's': the per-step cost [[Q, N], [N^T, R]] must be positive semidefinite; its smallest eigenvalue "
             "is -4"}}},
};

// ---- the block's own checks ---------------------------------------------------------------

const std::vector<GoldenCase> kItems = {
    {"MissingR", block("", "  B = [[0], [1]]\n", ""),
     {{1, 5, "lqr 's' has no 'R' (the m x m action cost of the reward -(x'Qx + u'Ru)/2)"}}},
    {"EmptyBlock", "lqr s {\n}\n",
     {{1, 5, "lqr 's' has no 'A' (the n x n dynamics x' = A x + B u + noise)"},
      {1, 5, "lqr 's' has no 'B' (the n x m control matrix)"},
      {1, 5, "lqr 's' has no 'Q' (the n x n state cost of the reward -(x'Qx + u'Ru)/2)"},
      {1, 5, "lqr 's' has no 'R' (the m x m action cost of the reward -(x'Qx + u'Ru)/2)"},
      {1, 5, "lqr 's' has no 'x0' (the initial state)"},
      {1, 5, "lqr 's' has no 'horizon' (the number of decisions T)"}}},
    {"UnknownItemWithASuggestion", block("  temprature = 1\n"),
     {{8, 3, "unknown lqr item 'temprature' (did you mean 'temperature'?); expected one of " + kKeys}}},
    {"ItemGivenTwice", block("  R = 2\n"), {{8, 3, "'R' is given twice in lqr 's'"}}},
    {"RaggedMatrix", block("  Qf = [[1, 0], [0]]\n"), {{8, 17, "Qf row 2 has 1 entry; row 1 has 2 entries"}}},
    {"FlatListForAMatrix", block("  Qf = [1, 0]\n"),
     {{8, 9, "Qf is a matrix: write one bracket per row, [[1, 0], [0, 1]] (a number is a 1 x 1 matrix)"}}},
    {"NestedListForTheStart", with(block(""), "x0 = [1, 0]", "x0 = [[1, 0], [0]]"),
     {{6, 9, "x0 is a vector: write [1, 0] (or a number when n = 1)"}}},
    {"ZeroHorizon", with(block(""), "horizon = 3", "horizon = 0"),
     {{7, 13, "horizon must be at least 1, got 0"}}},
    {"FractionalHorizon", with(block(""), "horizon = 3", "horizon = 2.5"),
     {{7, 13, "horizon must be an integer, got 2.5"}}},
    {"UnknownParameter", block("  Qf = qf\n"), {{8, 8, "unknown name 'qf'"}}},
    {"EveryItemErrorIsReported", block("  Qf = [1, 0]\n  temperature = [1]\n  R = 3\n"),
     {{8, 9, "Qf is a matrix: write one bracket per row, [[1, 0], [0, 1]] (a number is a 1 x 1 matrix)"},
      {9, 17, "temperature is a number, not a list"},
      {10, 3, "'R' is given twice in lqr 's'"}}},
};

// ---- the expression form ------------------------------------------------------------------

// A valid scalar block of the expression form; each case changes a line.
std::string scalar(const std::string& extra = "") {
  return "lqr e {\n"                          // 1
         "  state x\n"                        // 2
         "  action u\n"                       // 3
         "  dynamics x' = 1.1*x + 0.5*u\n"    // 4
         "  reward -(x^2 + 0.2*u^2) / 2\n"    // 5
         "  final -x^2\n"                     // 6
         "  x0 = 1\n"                         // 7
         "  horizon 3\n"                      // 8
         + extra + "}\n";
}

const std::vector<GoldenCase> kExpressions = {
    {"ConstantInTheDynamics", with(scalar(), "1.1*x + 0.5*u", "1.1*x + 0.5*u + 2"),
     {{4, 17, "the dynamics of x' must be linear in the state and action, without a constant term: it is 2 at x = 0, "
              "u = 0"}}},
    {"NonLinearDynamics", with(scalar(), "1.1*x + 0.5*u", "1.1*x + 0.5*u^3"),
     {{4, 17, "the dynamics of x' must be linear in the state and action (a sum of coefficients times components)"}}},
    {"LinearTermInTheReward", with(scalar(), "-(x^2 + 0.2*u^2) / 2", "-(x^2 + 0.2*u^2) / 2 + u"),
     {{5, 10, "reward must be a quadratic form in the state and action, like -(q*x^2 + rho*u^2)/2, without a linear "
              "term: it has one in u"}}},
    {"ConstantInTheReward", with(scalar(), "-(x^2 + 0.2*u^2) / 2", "-(x^2 + 0.2*u^2) / 2 - 1"),
     {{5, 10, "reward must be a quadratic form in the state and action, like -(q*x^2 + rho*u^2)/2, without a "
              "constant term: it is -1 at x = 0, u = 0"}}},
    {"QuarticReward", with(scalar(), "-(x^2 + 0.2*u^2) / 2", "-(x^4 + 0.2*u^2) / 2"),
     {{5, 10, "reward must be a quadratic form in the state and action, like -(q*x^2 + rho*u^2)/2"}}},
    {"FinalReadsTheAction", with(scalar(), "final -x^2", "final -x^2 - x*u"),
     {{6, 9, "final is the reward of the last state: it cannot depend on the action (u)"}}},
    {"MatrixItemInTheExpressionForm", scalar("  Q = 1\n"),
     {{9, 3, "'Q' is a matrix of the matrix form; this block gives its model by 'state', 'action', 'dynamics' and "
             "'reward': write 'reward' instead"}}},
    {"DynamicsOfAnUnknownComponent", with(scalar(), "dynamics x' = 1.1*x + 0.5*u", "dynamics x' = x, y' = u"),
     {{4, 20, "'y' is not a state component of lqr 'e'"}}},
    {"DynamicsGivenTwice", scalar("  dynamics x' = x\n"), {{9, 12, "the dynamics of x' are given twice"}}},
    {"NoDynamicsForAComponent", with(with(scalar(), "state x", "state x, y"), "x0 = 1", "x0 = [1, 0]"),
     {{4, 12, "lqr 'e' gives no dynamics for y'"}}},
    {"ComponentNamedLikeAParameter", "param u = 1\n" + scalar(),
     {{4, 10, "'u' is already a param: name the component otherwise"}}},
    {"ComponentDeclaredTwice", with(scalar(), "action u", "action u, x"),
     {{3, 13, "'x' is declared twice in lqr 'e'"}}},
    {"ExpressionFormWithoutStateActionAndDynamics", "lqr e {\n  reward -x^2\n  x0 = 1\n  horizon 1\n}\n",
     {{1, 5, "lqr 'e' has no 'state' (the names of the state components, e.g. 'state x, v')"},
      {1, 5, "lqr 'e' has no 'action' (the names of the action components, e.g. 'action u')"},
      {1, 5, "lqr 'e' has no 'dynamics' (one line x' = ... per state component)"}}},
    {"ExpressionFormWithoutReward", with(scalar(), "  reward -(x^2 + 0.2*u^2) / 2\n", ""),
     {{1, 5, "lqr 'e' has no 'reward' (a quadratic form in the state and action, e.g. -(x^2 + u^2)/2)"}}},
    {"RNotPositiveDefiniteFromTheReward", with(scalar(), "0.2*u^2", "0*u^2"),
     {{5, 10, "lqr 'e': R must be positive definite; its smallest eigenvalue is 0"}}},
};

// ---- names and solve --------------------------------------------------------------------------

const std::vector<GoldenCase> kSolve = {
    {"UnknownMethod", block("") + "solve s with magic\n",
     {{9, 14, "unknown method 'magic': expected exact, variational or map"}}},
    {"SolveTakesNoOptions", block("") + "solve s with exact(tol = 1e-8)\n",
     {{9, 20, "solve of lqr 's' takes no options (the block holds its settings)"}}},
    {"MisspelledBlock", with(block(""), "lqr s", "lqr cart") + "solve crat with exact\nsolve c with exact\n",
     {{9, 7, "unknown mdp or lqr 'crat' (did you mean 'cart'?)"}, {10, 7, "unknown mdp or lqr 'c'"}}},
    {"SolveOfABlockWithErrorsIsNoSecondError", block("", "  B = [[0], [1]]\n", "  R = -1\n") + "solve s with exact\n",
     {{5, 7, "lqr 's': R must be positive definite; its smallest eigenvalue is -1"}}},
    {"DefinedTwice", block("") + block(""), {{9, 5, "lqr 's' is defined twice"}}},
    {"NamedLikeAnMdp", "mdp s {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\n" + block(""),
     {{7, 5, "'s' is already the name of an mdp block"}}},
};

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> all;
  for (const auto* list : {&kLibraryChecks, &kItems, &kExpressions, &kSolve}) all.insert(all.end(), list->begin(), list->end());
  return all;
}

class DslLqrErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslLqrErrors, PinsMessageAndPosition) { check_case(GetParam(), true); }
INSTANTIATE_TEST_SUITE_P(Golden, DslLqrErrors, ::testing::ValuesIn(all_cases()), golden_case_name);

// What cannot be read as an item at all is a syntax error naming the items.
TEST(DslLqrErrorsMore, ASyntaxErrorInsideTheBlockNamesTheItems) {
  const dsl::CompileResult result = dsl::compile_text("lqr s {\n  A = 1\n  = 2\n}\n", "broken.copi");
  ASSERT_EQ(result.diagnostics.size(), 1u) << format_diagnostics(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 3u);
  EXPECT_EQ(result.diagnostics[0].col, 3u);
  EXPECT_NE(result.diagnostics[0].message.find("A, B, noise, Q, R"), std::string::npos)
      << result.diagnostics[0].message;
}

}  // namespace
}  // namespace copi::test
