// Golden diagnostics of `mdp` blocks and `solve`: every error of a block is reported
// (not only the first), each at the token that causes it and in the language's words
// (`temperature`, not α), in source order; a `solve` of a block with errors adds none.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_golden.hpp"

namespace copi::test {
namespace {

// A valid block to which each case adds or changes a line: `m`, x in 0..2, go/back.
std::string block(const std::string& extra, const std::string& settings = "  discount 0.9\n") {
  return "mdp m {\n"              // 1
         "  state x : 0..2\n"     // 2
         "  action a : {go, back}\n"  // 3
         "  reward = 0\n"         // 4
         + settings + extra + "}\n";
}

// ---- settings: checked at their values --------------------------------------------------

const std::vector<GoldenCase> kSettings = {
    {"NegativeTemperatureAtItsValue", block("  temperature -1\n"),
     {{6, 15, "temperature must be positive, got -1"}}},
    {"ZeroTemperature", block("  temperature 0\n"), {{6, 15, "temperature must be positive, got 0"}}},
    {"TemperatureBelowTheRange", block("  temperature 1e-200\n"),
     {{6, 15, "temperature must lie in [1e-100, 1e100], got 1e-200"}}},
    {"TemperatureAboveTheRange", block("  temperature = 2e100\n"),
     {{6, 17, "temperature must lie in [1e-100, 1e100], got 2e+100"}}},
    {"DiscountAboveOneAtItsValue", block("", "  discount 1.5\n"), {{5, 12, "discount must be in (0, 1], got 1.5"}}},
    {"ZeroDiscount", block("", "  discount 0\n"), {{5, 12, "discount must be in (0, 1], got 0"}}},
    {"NegativeDiscountExpression", block("", "  discount 0.5 - 1\n"),
     {{5, 12, "discount must be in (0, 1], got -0.5"}}},
    {"ZeroHorizon", block("", "  horizon 0\n"), {{5, 11, "horizon must be at least 1, got 0"}}},
    {"FractionalHorizon", block("", "  horizon 2.5\n"), {{5, 11, "horizon must be an integer, got 2.5"}}},
    {"NeitherHorizonNorDiscount", block("", ""), {{1, 5, "mdp 'm' needs a horizon, a discount, or both"}}},
    {"SettingGivenTwice", block("  temperature 1\n  temperature 2\n"),
     {{7, 3, "'temperature' is given twice in mdp 'm'"}}},
    {"RewardGivenTwice", block("  reward = 1\n"), {{6, 3, "'reward' is given twice in mdp 'm'"}}},
    {"StartGivenTwice", block("  start x = 0\n  start x = 1\n"), {{7, 3, "'start' is given twice in mdp 'm'"}}},
};

// ---- declarations -------------------------------------------------------------------------

const std::vector<GoldenCase> kDeclarations = {
    {"NothingDeclared", "mdp m {\n  discount 0.9\n}\n",
     {{1, 5, "mdp 'm' declares no state"}, {1, 5, "mdp 'm' declares no action"}, {1, 5, "mdp 'm' has no reward"}}},
    {"ActionsTwice", block("  action b : {left}\n"), {{6, 3, "'action' is given twice in mdp 'm'"}}},
    {"ComponentTwice", "mdp m {\n  state x : 0..1, x : 0..2\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\n",
     {{2, 19, "'x' is declared twice in mdp 'm'"}}},
    {"ActionNamedLikeAComponent", "mdp m {\n  state x : 0..1\n  action x : {go}\n  reward = 0\n  discount 0.9\n}\n",
     {{3, 10, "'x' is declared twice in mdp 'm'"}}},
    {"TooManyStateActionPairs", "mdp huge {\n  state y : 0..4095, x : 0..4095\n  action a : {l, r}\n  reward = 0\n"
     "  discount 0.9\n}\n",
     {{1, 5, "mdp 'huge' has more than 2^24 (state, action) pairs"}}},
    {"MdpDefinedTwice", block("") + block(""), {{7, 5, "mdp 'm' is defined twice"}}},
    // A label means one index in a block: `dir == left` must not read move's index.
    {"LabelWithTwoIndices",
     "mdp m {\n  state dir : {left, right}\n  action move : {right, left}\n  reward = 0\n  discount 0.9\n}\n",
     {{3, 18, "'right' is state 0 of 'move' but state 1 of 'dir': in an mdp block a label stands for one index"},
      {3, 25, "'left' is state 1 of 'move' but state 0 of 'dir': in an mdp block a label stands for one index"}}},
    {"LabelNamedLikeAComponent", "mdp m {\n  state x : 0..1\n  action a : {x, y}\n  reward = 0\n  discount 0.9\n}\n",
     {{3, 15, "'x' is both a label of 'a' and a component of mdp 'm'"}}},
};

// ---- tabulation: rules, reward, prior, walls, forbidden moves, start ------------------------

const std::vector<GoldenCase> kTabulation = {
    {"OutcomesNotSummingToOne", block("  next a == go : { x' = 1 : 0.5, stay : 0.4 }\n"),
     {{6, 3, "the outcomes of this rule sum to 0.9, not 1, for state (x=0) and action 'go'"}}},
    {"AssignmentToAnUnknownComponent", block("  next a == go : { z' = 1 : 1 }\n"),
     {{6, 20, "'z' is not a state component of mdp 'm'"}}},
    {"MisspelledComponent", "mdp m {\n  state column : 0..2\n  action a : {go}\n  next a == go : { colum' = 1 : 1 }\n"
     "  reward = 0\n  discount 0.9\n}\n",
     {{4, 20, "'colum' is not a state component of mdp 'm' (did you mean 'column'?)"}}},
    {"OutcomeOffTheGrid", block("  next a == go : { x' = x + 1 : 1 }\n"),
     {{6, 20, "x' = 3 is not a state of 'x' (in state (x=2), action 'go')"}}},
    {"NegativeOutcomeProbability", block("  next a == go : { stay : -0.5, x' = 0 : 1.5 }\n"),
     {{6, 27, "outcome probability -0.5 is not in [0, 1]"}}},
    {"OutcomeProbabilityAboveOne", block("  next a == go : { x' = 0 : 1.5, stay : -0.5 }\n"),
     {{6, 29, "outcome probability 1.5 is not in [0, 1]"}}},
    {"ErrorInARuleCondition", block("  next 1 / (x - 1) > 0 : { stay : 1 }\n"), {{6, 10, "division by zero"}}},
    {"RewardBeyondTheBound",
     "mdp m {\n  state x : 0..2\n  action a : {go, back}\n  reward = if x == 1 then 1e200 else 0\n  discount 0.9\n}\n",
     {{4, 12, "the reward of action 'go' in state (x=1) is 1e+200: rewards must be finite, within ±1e100"}}},
    {"NonFiniteReward",
     "mdp m {\n  state x : 0..2\n  action a : {go, back}\n  reward = if a == back then -exp(1000) else 0\n"
     "  discount 0.9\n}\n",
     {{4, 12, "the reward of action 'back' in state (x=0) is -inf: rewards must be finite, within ±1e100"}}},
    {"NegativePriorWeight", block("  prior = if a == go then -1 else 1\n"),
     {{6, 11, "the action prior is -1 for action 'go' in state (x=0): weights must be finite and non-negative"}}},
    {"PriorWithAZeroTotal", block("  forbid a == back\n  prior = if a == go then 0 else 1\n"),
     {{7, 11, "the action prior weighs the available actions of state (x=0) 0 in all: it needs a positive, finite "
              "total"}}},
    {"EveryActionForbidden", block("  forbid x == 1\n"), {{6, 3, "every action of state (x=1) is forbidden"}}},
    {"AbsorbingDependsOnTheAction", block("  absorbing a == go\n"),
     {{6, 13, "'absorbing' describes states, but this condition depends on the action 'a'"}}},
    {"WallDependsOnTheAction", block("  wall a == back and x == 2\n"),
     {{6, 8, "'wall' describes states, but this condition depends on the action 'a'"}}},
    {"EveryStateAWall", block("  wall x >= 0\n"), {{6, 3, "every state of mdp 'm' is a wall"}}},
    {"StartOnAWall", block("  wall x == 1\n  start x = 1\n"), {{7, 3, "the start state (x=1) is a wall"}}},
    {"StartOffTheGrid", block("  start x = 5\n"), {{6, 13, "start: 'x' has no state 5"}}},
    {"StartOfAnUnknownComponent", block("  start z = 0\n"), {{6, 9, "'z' is not a state component of mdp 'm'"}}},
    {"StartComponentTwice", block("  start x = 0, x = 1\n"), {{6, 16, "'x' is given twice in start"}}},
    {"StartMissingAComponent",
     "mdp m {\n  state y : 0..1, x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n  start x = 0\n}\n",
     {{6, 3, "start gives no value to 'y' (give every state component one)"}}},
};

// ---- every error of a block, in source order; no cascade on `solve` ---------------------------

const std::vector<GoldenCase> kSeveral = {
    {"EveryErrorOfABlockInSourceOrder",
     "mdp m {\n"
     "  state x : 0..2\n"
     "  action a : {go, back}\n"
     "  next a == go : { x' = x + 1 : 0.5, stay : 0.4 }\n"
     "  next a == back : { y' = 0 : 1 }\n"
     "  reward = 1 / (x - 1)\n"
     "  discount 1.5\n"
     "  temperature -1\n"
     "  horizon 0\n"
     "}\n"
     "solve m with exact\n",
     {{4, 3, "the outcomes of this rule sum to 0.9, not 1, for state (x=0) and action 'go'"},
      {5, 22, "'y' is not a state component of mdp 'm'"},
      {6, 14, "division by zero"},
      {7, 12, "discount must be in (0, 1], got 1.5"},
      {8, 15, "temperature must be positive, got -1"},
      {9, 11, "horizon must be at least 1, got 0"}}},
    {"SolveOfABlockWithErrorsIsNoSecondError", block("  temperature -1\n") + "solve m with exact\nsolve m with map\n",
     {{6, 15, "temperature must be positive, got -1"}}},
    // Settings are checked even when the block cannot be tabulated.
    {"SettingsCheckedWithoutAState", "mdp m {\n  action a : {go}\n  reward = 0\n  discount 2\n}\n",
     {{1, 5, "mdp 'm' declares no state"}, {4, 12, "discount must be in (0, 1], got 2"}}},
    {"UnknownMdp", "solve nothing with exact\n", {{1, 7, "unknown mdp 'nothing'"}}},
    {"MisspelledMdp", "mdp grid {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\n"
     "solve gird with exact\nsolve g with exact\n",
     {{7, 7, "unknown mdp 'gird' (did you mean 'grid'?)"}, {8, 7, "unknown mdp 'g'"}}},
    {"UnknownMethod", block("") + "solve m with magic\n",
     {{7, 14, "unknown method 'magic': expected exact, variational or map"}}},
};

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> all;
  for (const auto* list : {&kSettings, &kDeclarations, &kTabulation, &kSeveral}) {
    all.insert(all.end(), list->begin(), list->end());
  }
  return all;
}

class DslMdpErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslMdpErrors, PinsMessageAndPosition) { check_case(GetParam(), true); }
INSTANTIATE_TEST_SUITE_P(Golden, DslMdpErrors, ::testing::ValuesIn(all_cases()), golden_case_name);

// discount 1 without a horizon is the solver's to judge (a stochastic shortest path
// may allow it, but this block has no absorbing state to reach): what it says is
// reported at the discount, named by the block.
TEST(DslMdpErrorsMore, SolverRulesOnDiscountAndHorizonAreReportedAtTheDiscount) {
  const dsl::CompileResult result = dsl::compile_text(block("", "  discount 1\n"), "broken.copi");
  ASSERT_EQ(result.diagnostics.size(), 1u) << format_diagnostics(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 5u);
  EXPECT_EQ(result.diagnostics[0].col, 12u);
  EXPECT_EQ(result.diagnostics[0].message.rfind("mdp 'm': ", 0), 0u) << result.diagnostics[0].message;
}

}  // namespace
}  // namespace copi::test
