// Golden diagnostics of `learn reward of NAME from "FILE" { feature ... } with ...`:
// the statement's own mistakes at their tokens in the .copi file, the demonstrations'
// at their cells in the CSV file (file:line:col), in the block's words.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_golden.hpp"

namespace copi::test {
namespace {

// A valid corridor (lines 1-10): x in 0..3, 3 a wall, deterministic moves, horizon 3.
const std::string kBlock =
    "mdp corridor {\n"                                   // 1
    "  state x : 0..4\n"                                 // 2
    "  action move : {left, right}\n"                    // 3
    "  next move == left  : { x' = max(x - 1, 0) : 1 }\n"  // 4
    "  next move == right : { x' = min(x + 1, 3) : 1 }\n"  // 5
    "  wall x == 4\n"                                    // 6
    "  absorbing x == 3\n"                               // 7
    "  reward 0\n"                                       // 8
    "  horizon 3\n"                                      // 9
    "}\n";                                               // 10

const std::string kDemos = "episode,t,x,move\na,0,0,right\na,1,1,right\na,2,2,right\n";

// The block, then `text` from line 11; the demonstrations in d.csv.
GoldenCase learn_case(std::string name, const std::string& text, std::vector<Expected> expected,
                      const std::string& demos = kDemos) {
  return GoldenCase{std::move(name), kBlock + text, std::move(expected), {{"d.csv", demos}}};
}

// A learn statement reading d.csv with one feature.
GoldenCase csv_case(std::string name, const std::string& demos, std::size_t line, std::size_t col,
                    std::string message) {
  return learn_case(std::move(name), "learn reward of corridor from \"d.csv\" { feature end = x == 3 }\n",
                    {{line, col, std::move(message), "d.csv"}}, demos);
}

const std::vector<GoldenCase> kStatement = {
    learn_case("UnknownMdpWithASuggestion", "learn reward of corridr from \"d.csv\" { feature a = x == 1 }\n",
               {{11, 17, "unknown mdp 'corridr' (did you mean 'corridor'?)"}}),
    learn_case("DuplicateFeature",
               "learn reward of corridor from \"d.csv\" {\n  feature a = x == 1\n  feature a = x == 2\n}\n",
               {{13, 11, "feature 'a' is defined twice in this learn statement"}}),
    learn_case("FeatureReadsAnUnknownName", "learn reward of corridor from \"d.csv\" { feature a = moves == right }\n",
               {{11, 53, "unknown name 'moves' (did you mean 'move'?)"}}),
    learn_case("FeatureIsALabel", "learn reward of corridor from \"d.csv\" { feature a = right }\n",
               {{11, 53, "feature 'a' is the label 'right', not a number (compare it, as in move == right)"}}),
    learn_case("FeatureNotFinite", "learn reward of corridor from \"d.csv\" { feature a = log(x) }\n",
               {{11, 53, "feature 'a' is -inf in state (x=0): features must be finite numbers"}}),
    learn_case("NoFeatures", "learn reward of corridor from \"d.csv\" { }\n",
               {{11, 17, "learn reward of 'corridor' has no features: give at least one 'feature NAME = EXPR'"}}),
    learn_case("UnknownMethod", "learn reward of corridor from \"d.csv\" { feature a = x == 1 } with exakt\n",
               {{11, 67, "unknown method 'exakt' for learn reward: expected variational or exact (did you mean "
                         "'exact'?)"}}),
    learn_case("BadOptionValues",
               "learn reward of corridor from \"d.csv\" { feature a = x == 1 }\n"
               "with variational(l2 = -1, tol = 0, max_iter = 0.5, threads = 0, initial = begin)\n",
               {{12, 23, "l2 = -1: must be a finite number >= 0"},
                {12, 33, "tol = 0: must be a finite number > 0"},
                {12, 47, "max_iter = 0.5: must be an integer >= 1"},
                {12, 62, "threads = 0: must be an integer >= 1"},
                {12, 75, "initial = begin: expected demonstrations or start"}}),
    learn_case("UnknownOptionWithASuggestion",
               "learn reward of corridor from \"d.csv\" { feature a = x == 1 } with exact(max_iters = 3)\n",
               {{11, 73, "unknown option 'max_iters' for learn reward (l2, tol, max_iter, threads, initial) (did you "
                         "mean 'max_iter'?)"}}),
    learn_case("OptionGivenTwice",
               "learn reward of corridor from \"d.csv\" { feature a = x == 1 } with exact(l2 = 1, l2 = 2)\n",
               {{11, 81, "option 'l2' is given twice"}}),
    learn_case("MissingDemonstrationsFile", "learn reward of corridor from \"none.csv\" { feature a = x == 1 }\n",
               {{11, 31, "cannot open demonstrations file '$DIR/none.csv'"}}),
    {"ForbiddenActionInTheDemonstrations",
     "mdp m {\n  state x : 0..1\n  action a : {go, back}\n  next a == go : { x' = 1 : 1 }\n  forbid a == back\n"
     "  reward 0\n  horizon 2\n}\nlearn reward of m from \"d.csv\" { feature one = x == 1 }\n",
     {{2, 7, "action 'back' is not available in state '(x=0)' (it is forbidden there)", "d.csv"}},
     {{"d.csv", "episode,t,x,a\ne,0,0,back\n"}}},
    // A block with errors has said what is wrong: its learn statement adds nothing.
    {"BlockWithErrors",
     "mdp m {\n  state x : 0..1\n  action a : {go}\n  horizon 2\n}\n"
     "learn reward of m from \"d.csv\" { feature a = x == 1 }\n",
     {{1, 5, "mdp 'm' has no reward"}}, {{"d.csv", kDemos}}},
};

// Syntax: the parser's expectation points.
const std::vector<GoldenCase> kSyntax = {
    learn_case("UnquotedFile", "learn reward of corridor from d.csv { feature a = x == 1 }\n",
               {{11, 31, "expected a quoted string"}}),
    learn_case("NotAFeature", "learn reward of corridor from \"d.csv\" {\n  featur a = x == 1\n}\n",
               {{12, 3, "expected a feature 'feature NAME = EXPR' or '}'"}}),
    learn_case("MisspelledLearn", "lern reward of corridor from \"d.csv\" { feature a = x == 1 }\n",
               {{11, 1, std::string("expected a statement (param, var, factor, p(...), table(...), evidence, query, "
                                    "cluster, infer, include, mdp, lqr, solve, learn reward, constraint, x ~ ..., for, "
                                    "if) (did you mean 'learn'?)")}}),
};

const std::vector<GoldenCase> kDemonstrations = {
    csv_case("EmptyFile", "", 1, 1, "empty file, expected the header 'episode,t,x,move'"),
    csv_case("NoRows", "episode,t,x,move\n", 1, 1, "no demonstration rows after the header"),
    csv_case("UnknownColumnWithASuggestion", "episode,t,x,mve\na,0,0,right\n", 1, 13,
             "unknown column 'mve' (the columns are episode,t,x,move: episode, t, the state components of mdp "
             "'corridor' and its action) (did you mean 'move'?)"),
    csv_case("MissingColumn", "episode,t,move\na,0,right\n", 1, 1,
             "no column 'x' (the header needs episode,t,x,move, in any order)"),
    csv_case("ColumnTwice", "episode,t,x,x,move\n", 1, 13, "column 'x' appears twice"),
    csv_case("RaggedRow", "episode,t,x,move\na,0,0\n", 2, 1, "3 cells, expected 4 (episode,t,x,move)"),
    csv_case("UnknownState", "episode,t,x,move\na,0,7,right\n", 2, 5, "'7' is not a state of 'x' (0..4)"),
    csv_case("UnknownActionWithASuggestion", "episode,t,x,move\na,0,0,rihgt\n", 2, 7,
             "'rihgt' is not an action of mdp 'corridor' ({left, right}) (did you mean 'right'?)"),
    csv_case("BadT", "episode,t,x,move\na,-1,0,right\n", 2, 3, "t '-1' is not an integer >= 0"),
    csv_case("BeyondTheHorizon", "episode,t,x,move\na,0,0,right\na,3,1,right\n", 3, 3,
             "t = 3 is beyond the horizon: horizon 3 allows t = 0..2"),
    csv_case("WallState", "episode,t,x,move\na,0,4,right\n", 2, 5,
             "state (x=4) is a wall of mdp 'corridor': a demonstration cannot stand there"),
    csv_case("TransitionOfProbabilityZero", "episode,t,x,move\na,0,0,right\na,1,2,right\n", 3, 5,
             "episode 'a' moves from state '(x=0)' by action 'right' to state '(x=2)', a transition of probability 0"),
    csv_case("GapInAnEpisode", "episode,t,x,move\na,0,0,right\na,2,1,right\nb,0,0,right\n", 2, 3,
             "episode 'a' has no row for t = 1 (an episode's rows run t = 0, 1, 2, ... without gaps)"),
    csv_case("DuplicateStep", "episode,t,x,move\na,0,0,right\na,0,0,left\n", 3, 1,
             "duplicate row for episode 'a', t = 0 (first on line 2)"),
};

std::vector<GoldenCase> all_cases() {
  std::vector<GoldenCase> all = kStatement;
  all.insert(all.end(), kSyntax.begin(), kSyntax.end());
  all.insert(all.end(), kDemonstrations.begin(), kDemonstrations.end());
  return all;
}

class DslIrlErrors : public ::testing::TestWithParam<GoldenCase> {};
TEST_P(DslIrlErrors, PinsMessageAndPosition) { check_case(GetParam(), true); }
INSTANTIATE_TEST_SUITE_P(Golden, DslIrlErrors, ::testing::ValuesIn(all_cases()), golden_case_name);

}  // namespace
}  // namespace copi::test
