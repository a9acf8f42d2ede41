// Golden diagnostics of a latent in an `mdp` block: each mistake reported at its
// token, in the block's words, with every error of the block in source order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_golden.hpp"

namespace copi::test {
namespace {

// A valid block to which each case adds lines from line 7 on: x in 0..2, go/back,
// and the latent of line 6.
std::string block(const std::string& extra, const std::string& latent = "  latent z : {lo, hi} per step\n") {
  return "mdp m {\n"                  // 1
         "  state x : 0..2\n"         // 2
         "  action a : {go, back}\n"  // 3
         "  reward = 0\n"             // 4
         "  discount 0.9\n"           // 5
         + latent + extra + "}\n";
}

const std::string kPriors = "  p(z | x) = 0.5\n  p(a | x, z) = 0.5\n";  // lines 7 and 8

// ---- declarations -------------------------------------------------------------------

const std::vector<GoldenCase> kDeclarations = {
    {"LatentDeclaredTwice", block("  latent w : {a1, a2} per step\n" + kPriors),
     {{7, 3, "'latent' is given twice in mdp 'm' (a block has one latent)"}}},
    {"LatentNamedLikeAComponent", block(kPriors, "  latent x : {lo, hi} per step\n"),
     {{6, 10, "'x' is declared twice in mdp 'm'"}}},
    {"LatentOutsideAnMdpBlock", "latent z : {lo, hi} per step\n",
     {{1, 1, "'latent' declares a latent variable of an mdp block's policy: write it inside 'mdp NAME { ... }'"}}},
    {"LatentWithoutAMode", block(kPriors, "  latent z : {lo, hi}\n"), {{7, 3, "expected 'per'"}}},
    {"LatentWithAMisspelledMode", block(kPriors, "  latent z : {lo, hi} per stp\n"),
     {{6, 27, "expected 'step' or 'episode'"}}},
    {"LatentLabelWithTwoIndices", block(kPriors, "  latent z : {back, go} per step\n"),
     {{6, 15, "'back' is state 0 of 'z' but state 1 of 'a': in an mdp block a label stands for one index"},
      {6, 21, "'go' is state 1 of 'z' but state 0 of 'a': in an mdp block a label stands for one index"}}},
    // 2^20 states x 2 actions fit, x 10 latent values do not.
    {"TooManyStateLatentActionTriples",
     "mdp m {\n  state x : 0..1048575\n  action a : {go, back}\n  reward = 0\n  discount 0.9\n"
     "  latent z : 0..9 per step\n" + kPriors + "}\n",
     {{6, 10, "mdp 'm' has more than 2^24 (state, latent, action) triples"}}},
    {"LatentWithoutDistributions", block(""),
     {{6, 10, "latent 'z' has no distribution: add p(z | ...) = ..."},
      {6, 10, "latent 'z' has no action distribution: add p(a | ..., z) = ..."}}},
    {"EpisodeLatentWithoutItsPrior", block("  p(a | z) = 0.5\n", "  latent z : {lo, hi} per episode\n"),
     {{6, 10, "latent 'z' has no distribution: add p(z) = ..."}}},
    {"ActionPriorBesideALatent", block(kPriors + "  prior = 1\n"),
     {{9, 3, "'prior' cannot be used with latent 'z': the action's distribution is p(a | ..., z)"}}},
};

// ---- what a distribution is over and conditioned on ---------------------------------

const std::vector<GoldenCase> kConditions = {
    {"DistributionOfAStateComponent", block(kPriors + "  p(x | z) = 0.5\n"),
     {{9, 5, "'x' is a state component: p(...) in mdp 'm' gives the latent's or the action's distribution (the "
             "dynamics are 'next' rules)"}}},
    {"DistributionOfAnUnknownName", block("  p(zz | x) = 0.5\n  p(a | x, z) = 0.5\n"),
     {{6, 10, "latent 'z' has no distribution: add p(z | ...) = ..."},
      {7, 5, "'zz' is neither the latent nor the action of mdp 'm'"}}},
    {"ActionWrittenLiterally", block("  p(z) = 0.5\n  p(action | z) = 0.5\n"),
     {{6, 10, "latent 'z' has no action distribution: add p(a | ..., z) = ..."},
      {8, 5, "'action' is neither the latent nor the action of mdp 'm' (its action is 'a')"}}},
    {"LatentPriorGivenTwice", block(kPriors + "  p(z) = 0.5\n"), {{9, 3, "p(z) is given twice in mdp 'm'"}}},
    {"ActionDistributionGivenTwice", block(kPriors + "  p(a | z) = 0.5\n"),
     {{9, 3, "p(a | z) is given twice in mdp 'm'"}}},
    {"ActionDistributionWithoutTheLatent", block("  p(z | x) = 0.5\n  p(a | x) = 0.5\n"),
     {{8, 3, "p(a | x) must be conditioned on the latent 'z': p(a | ..., z)"}}},
    {"ActionDistributionWithoutALatentDeclared", block("  p(a | x) = 0.5\n", ""),
     {{6, 5, "p(a | ...) needs a latent in mdp 'm' (declare 'latent NAME : ... per step' or 'per episode'); an "
             "action prior without one is 'prior = ...'"}}},
    {"EpisodePriorConditionedOnAState", block("  p(z | x) = 0.5\n  p(a | z) = 0.5\n", "  latent z : {lo, hi} per episode\n"),
     {{7, 9, "latent 'z' is drawn once per episode, before the first state: its distribution is p(z), without "
              "conditions"}}},
    {"LatentPriorConditionedOnTheAction", block("  p(z | a) = 0.5\n  p(a | z) = 0.5\n"),
     {{7, 9, "p(z | ...) is conditioned on state components only: 'a' is the action, which is drawn after 'z'"}}},
    {"ConditionOnAnUnknownName", block("  p(z | y) = 0.5\n  p(a | z) = 0.5\n"),
     {{7, 9, "'y' is not a state component of mdp 'm'"}}},
    {"ConditionTwice", block("  p(z | x) = 0.5\n  p(a | z, x, z) = 0.5\n"),
     {{8, 15, "'z' appears twice in p(a | z, x, z)"}}},
    {"ActionConditionedOnItself", block("  p(z | x) = 0.5\n  p(a | a, z) = 0.5\n"),
     {{8, 9, "'a' cannot condition its own distribution"}}},
    {"EmptyConditions", block("  p(z | ) = 0.5\n" + std::string("  p(a | z) = 0.5\n")), {{7, 9, "expected a variable"}}},
    {"PriorReadsAnUnlistedComponent", block("  p(z) = if x == 0 then 0.5 else 0.5\n  p(a | z) = 0.5\n"),
     {{7, 13, "p(z) reads 'x', which it is not conditioned on (add it after '|')"}}},
    {"PriorReadsTheAction", block("  p(z | x) = if a == go then 0.5 else 0.5\n  p(a | z) = 0.5\n"),
     {{7, 17, "p(z | x) cannot read the action 'a': it is drawn after 'z'"}}},
    {"EpisodePriorReadsAState", block("  p(z) = if x == 0 then 0.5 else 0.5\n  p(a | z) = 0.5\n",
                                      "  latent z : {lo, hi} per episode\n"),
     {{7, 13, "p(z) cannot read the state component 'x': latent 'z' is drawn once per episode, before the first "
              "state"}}},
    {"SkillReadsTheLatentWithoutItsCondition", block("  p(z) = 0.5\n  p(a | z) = if x == 1 then 0.5 else 0.5\n"),
     {{8, 17, "p(a | z) reads 'x', which it is not conditioned on (add it after '|')"}}},
    {"TableEntryReadsAComponent", block("  p(z | x) = [[x, 1], [0.5, 0.5], [0.5, 0.5]]\n  p(a | z) = 0.5\n"),
     {{7, 16, "a table entry of p(z | x) cannot read 'x' (write p(z | x) = EXPRESSION to use the block's names)"}}},
    {"RewardReadsTheLatent",
     "mdp m {\n  state x : 0..2\n  action a : {go, back}\n  reward = z\n  discount 0.9\n"
     "  latent z : {lo, hi} per step\n" + kPriors + "}\n",
     {{4, 12, "unknown name 'z'"}}},
};

// ---- the numbers ------------------------------------------------------------------------

const std::vector<GoldenCase> kNumbers = {
    {"LatentPriorNotSummingToOne", block("  p(z | x) = if z == hi then 0.5 else 0.4\n  p(a | z) = 0.5\n"),
     {{7, 14, "p(z | x) sums to 0.9, not 1 in (x=0) (tolerance 1e-06)"}}},
    {"EpisodePriorNotSummingToOne", block("  p(z) = [0.5, 0.6]\n  p(a | z) = 0.5\n", "  latent z : {lo, hi} per episode\n"),
     {{7, 10, "p(z) sums to 1.1, not 1 (tolerance 1e-06)"}}},
    {"SkillNotSummingToOne", block("  p(z) = 0.5\n  p(a | x, z) = if x == 2 and z == hi then 0.3 else 0.5\n"),
     {{8, 17, "p(a | x, z) sums to 0.6, not 1 in (x=2, z=hi) (tolerance 1e-06)"}}},
    {"NegativeProbability", block("  p(z) = 0.5\n  p(a | z) = if a == go then -0.5 else 1.5\n"),
     {{8, 14, "p(a | z) is -0.5 for a=go in (x=0, z=lo): probabilities must be finite and non-negative"}}},
    {"MassOnAForbiddenAction", block("  p(z) = 0.5\n  p(a | z) = 0.5\n  forbid a == back and x == 1\n"),
     {{8, 14, "p(a | z) gives 0.5 to a=back in (x=1, z=lo), where it is forbidden"}}},
    {"TableOfTheWrongSize", block("  p(z | x) = [[0.5, 0.5], [0.5, 0.5]]\n  p(a | z) = 0.5\n"),
     {{7, 14, "the table has 4 entries, expected 6 (3 row(s) of 2)"}}},
    {"CsvOfTheWrongShape", block("  p(z) = 0.5\n  p(a | x, z) = csv(\"skill.csv\")\n"),
     {{8, 17, "the CSV table is 2 x 2, expected 6 x 2"}},
     {{"skill.csv", "go,back\n0.5,0.5\n0.5,0.5\n"}}},
    {"KeyedRowsAreRefused", block("  p(z | x) = 0.5\n  p(a | z) = { lo: [0.5, 0.5], hi: [0.5, 0.5] }\n"),
     {{8, 14, "in an mdp block p(...) takes an expression, a table [...] or csv(...), not keyed rows"}}},
};

// ---- every error of a block, in source order ----------------------------------------

const std::vector<GoldenCase> kSeveral = {
    {"EveryLatentErrorOfABlockInSourceOrder",
     "mdp m {\n"
     "  state x : 0..2\n"
     "  action a : {go, back}\n"
     "  reward = 0\n"
     "  discount 0.9\n"
     "  latent z : {lo, hi} per episode\n"
     "  p(z | x) = 0.5\n"
     "  p(a | x) = [0.5, 0.5]\n"
     "  p(zz) = csv(\"no.csv\")\n"
     "  prior = 1\n"
     "}\n"
     "latent w : 0..2 per step\n"
     "solve m with exact\n",
     {{7, 9, "latent 'z' is drawn once per episode, before the first state: its distribution is p(z), without "
             "conditions"},
      {8, 3, "p(a | x) must be conditioned on the latent 'z': p(a | ..., z)"},
      {9, 5, "'zz' is neither the latent nor the action of mdp 'm'"},
      {10, 3, "'prior' cannot be used with latent 'z': the action's distribution is p(a | ..., z)"},
      {12, 1, "'latent' declares a latent variable of an mdp block's policy: write it inside 'mdp NAME { ... }'"}}},
};

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> all;
  for (const auto* list : {&kDeclarations, &kConditions, &kNumbers, &kSeveral}) all.insert(all.end(), list->begin(), list->end());
  return all;
}

class DslLatentErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslLatentErrors, PinsMessageAndPosition) { check_case(GetParam(), true); }
INSTANTIATE_TEST_SUITE_P(Golden, DslLatentErrors, ::testing::ValuesIn(all_cases()), golden_case_name);

}  // namespace
}  // namespace copi::test
