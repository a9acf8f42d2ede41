// The CSV reader of tabular MDPs (copi/control/mdp_csv.hpp): the MDP it builds against
// arrays written out by hand, and every error at its file:line:col with the user's
// labels — duplicated rows (both lines named), row sums, bad cells — and the notes.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "copi/control/mdp_csv.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

constexpr const char* kTransitions =
    "state,action,next_state,probability\n"
    "low,stay,low,0.9\nlow,stay,high,0.1\nlow,go,high,0.6\nlow,go,low,0.4\n"
    "high,stay,high,1.0\nhigh,go,low,0.5\nhigh,go,high,0.5\n";
constexpr const char* kRewards = "state,action,reward\nlow,stay,0\nlow,go,-1\nhigh,stay,1\nhigh,go,0.5\n";

struct Tables {
  std::string transitions = kTransitions;
  std::string rewards = kRewards;
  std::string initial;  // empty: not given
  std::string prior;
};

MdpCsv read(const Tables& tables) {
  std::istringstream transitions(tables.transitions);
  std::istringstream rewards(tables.rewards);
  std::istringstream initial(tables.initial);
  std::istringstream prior(tables.prior);
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  if (!tables.initial.empty()) sources.initial = {"I.csv", &initial};
  if (!tables.prior.empty()) sources.prior = {"P.csv", &prior};
  return read_mdp_csv(sources);
}

// The InputError of reading `tables`: its place and message.
InputError error_of(const Tables& tables) {
  try {
    (void)read(tables);
  } catch (const InputError& error) {
    return error;
  }
  ADD_FAILURE() << "no InputError";
  return InputError("none");
}

void expect_error(const Tables& tables, const std::string& file, std::size_t line, std::size_t col,
                  const std::string& message) {
  const InputError error = error_of(tables);
  EXPECT_EQ(error.where().file, file) << error.what();
  EXPECT_EQ(error.where().line, line) << error.what();
  EXPECT_EQ(error.where().col, col) << error.what();
  EXPECT_EQ(error.detail(), message);
}

TEST(ControlCsv, BuildsTheMdpWrittenOutByHand) {
  Tables tables;
  tables.initial = "state,probability\nhigh,0.25\nlow,0.75\n";
  tables.prior = "state,action,probability\nlow,stay,0.5\nlow,go,0.5\nhigh,go,0.2\nhigh,stay,0.8\n";
  const MdpCsv csv = read(tables);
  const Mdp& mdp = csv.mdp;
  EXPECT_EQ(mdp.state_labels, (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(mdp.action_labels, (std::vector<std::string>{"stay", "go"}));
  // Rows (low, stay), (low, go), (high, stay), (high, go); successors by state index.
  EXPECT_EQ(mdp.row_begin, (std::vector<std::uint64_t>{0, 2, 4, 5, 7}));
  EXPECT_EQ(mdp.next_state, (std::vector<std::uint32_t>{0, 1, 0, 1, 1, 0, 1}));
  EXPECT_EQ(mdp.probability, (std::vector<double>{0.9, 0.1, 0.4, 0.6, 1.0, 0.5, 0.5}));
  EXPECT_EQ(mdp.reward, (std::vector<double>{0.0, -1.0, 1.0, 0.5}));
  EXPECT_EQ(mdp.initial, (std::vector<double>{0.75, 0.25}));
  EXPECT_EQ(mdp.action_prior, (std::vector<double>{0.5, 0.5, 0.8, 0.2}));
  EXPECT_TRUE(mdp.allowed.empty());
  EXPECT_EQ(csv.default_rewards, 0u);
  EXPECT_TRUE(csv.notes.empty());
  Mdp solvable = mdp;
  solvable.horizon = 2;
  EXPECT_NO_THROW(solvable.validate());
}

TEST(ControlCsv, IntegerLabelsAreOrderedNumericallyOthersByFirstAppearance) {
  Tables tables;
  tables.transitions = "state,action,next_state,probability\n10,b,2,1\n2,b,2,1\n2,a,10,1\n10,a,10,1\n";
  tables.rewards = "state,action,reward\n";
  const MdpCsv csv = read(tables);
  EXPECT_EQ(csv.mdp.state_labels, (std::vector<std::string>{"2", "10"}));
  EXPECT_EQ(csv.mdp.action_labels, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(csv.mdp.initial, (std::vector<double>{0.5, 0.5}));  // uniform without an initial table
  // The rows follow the renumbering (the reader streams the table and renumbers after):
  // with b both states go to "2" (index 0), with a both go to "10" (index 1).
  const Mdp& mdp = csv.mdp;
  const auto successor = [&](std::size_t s, std::size_t a) {
    const std::size_t row = s * mdp.num_actions + a;
    EXPECT_EQ(mdp.row_begin[row + 1] - mdp.row_begin[row], 1u);
    return mdp.next_state[mdp.row_begin[row]];
  };
  EXPECT_EQ(successor(0, 0), 0u);
  EXPECT_EQ(successor(0, 1), 1u);
  EXPECT_EQ(successor(1, 0), 0u);
  EXPECT_EQ(successor(1, 1), 1u);
}

// Item 2 of issue 10: rewards missing from the file are 0, and the reader says how many.
TEST(ControlCsv, MissingRewardsAreZeroAndCounted) {
  Tables tables;
  tables.rewards = "state,action,reward\nhigh,go,2\n";
  const MdpCsv csv = read(tables);
  EXPECT_EQ(csv.mdp.reward, (std::vector<double>{0.0, 0.0, 0.0, 2.0}));
  EXPECT_EQ(csv.default_rewards, 3u);
  ASSERT_EQ(csv.notes.size(), 1u);
  EXPECT_EQ(csv.notes[0], "R.csv: 3 (state, action) pairs have no reward row; their reward is 0");
}

// Item 2: a duplicated row of any table is an error at the second row, naming the first.
TEST(ControlCsv, DuplicatedRowsNameBothLines) {
  Tables transitions;
  transitions.transitions = std::string(kTransitions) + "high,go,low,0.5\nlow,go,high,0.6\n";
  // Lines 7 and 9 repeat (high, go, low); lines 4 and 10 repeat (low, go, high): the
  // error is the one whose second row comes first.
  expect_error(transitions, "T.csv", 9, 1,
               "duplicate transition (state high, action go, next_state low): also at line 7; give each next state once");
  Tables rewards;
  rewards.rewards = std::string(kRewards) + "low,go,3\n";
  expect_error(rewards, "R.csv", 6, 1, "duplicate reward for (state low, action go): also at line 3");
  Tables initial;
  initial.initial = "state,probability\nlow,0.5\nhigh,0.5\nlow,0.5\n";
  expect_error(initial, "I.csv", 4, 1, "duplicate initial probability for state low: also at line 2");
  Tables prior;
  prior.prior = "state,action,probability\nlow,stay,0.5\nlow,go,0.5\nhigh,stay,1\nlow,stay,0.5\n";
  expect_error(prior, "P.csv", 5, 1, "duplicate prior probability for (state low, action stay): also at line 2");
}

// Item 6: sums are reported at the first row that makes them up, in labels.
TEST(ControlCsv, RowSumErrorsNameTheFirstRowAndTheLabels) {
  Tables transitions;
  transitions.transitions =
      "state,action,next_state,probability\nlow,stay,low,1\nlow,go,high,0.5\nhigh,stay,high,1\n"
      "high,go,low,1\nlow,go,low,0.25\n";
  expect_error(transitions, "T.csv", 3, 1,
               "p(next_state | state low, action go) sums to 0.75, not 1 (tolerance 1e-9): the rows at lines 3 and 6");
  Tables initial;
  initial.initial = "state,probability\n\nhigh,0.5\nlow,0.625\n";
  expect_error(initial, "I.csv", 3, 1,
               "the initial distribution sums to 1.125, not 1 (tolerance 1e-9): the rows at lines 3 and 4");
  Tables prior;
  prior.prior = "state,action,probability\nlow,stay,0.5\nlow,go,0.5\nhigh,stay,0.7\nhigh,go,0.2\n";
  expect_error(prior, "P.csv", 4, 1,
               "p(action | state high) sums to 0.8999999999999999, not 1 (tolerance 1e-9): the rows at lines 4 and 5");
  Tables missing;
  missing.prior = "state,action,probability\nlow,stay,1\n";
  expect_error(missing, "P.csv", 1, 1, "no prior rows for state high: its p(action | state) must sum to 1");
  // Within the tolerance of Mdp::validate the rows are accepted.
  Tables close;
  close.transitions = std::string(kTransitions) + "";
  close.transitions.replace(close.transitions.find("low,stay,high,0.1"), 17, "low,stay,high,0.1000000005");
  EXPECT_NO_THROW((void)read(close));
}

TEST(ControlCsv, BadCellsAreReportedAtTheirColumn) {
  Tables negative;
  negative.transitions = "state,action,next_state,probability\na,x,a,1.5\na,x,b,-0.5\nb,x,b,1\n";
  negative.rewards = "state,action,reward\n";
  expect_error(negative, "T.csv", 3, 7, "probability -0.5 is negative");
  Tables text;
  text.rewards = "state,action,reward\nlow, go , lots\n";
  expect_error(text, "R.csv", 2, 11, "reward 'lots' is not a number");
  Tables nan;
  nan.rewards = "state,action,reward\nlow,go,nan\n";
  expect_error(nan, "R.csv", 2, 8, "reward 'nan' is not a finite number");
  Tables huge;
  huge.rewards = "state,action,reward\nlow,go,-2e100\n";
  expect_error(huge, "R.csv", 2, 8, "reward -2e100 is beyond ±1e100");
  Tables unknown;
  unknown.rewards = "state,action,reward\nlow,go,1\nlow,jump,1\n";
  expect_error(unknown, "R.csv", 3, 5, "unknown action 'jump' (not in the transitions)");
  Tables empty_label;
  empty_label.transitions = "state,action,next_state,probability\na,x,,1\n";
  expect_error(empty_label, "T.csv", 2, 5, "empty state label");
  Tables cells;
  cells.transitions = "state,action,next_state,probability\na,x,a\n";
  expect_error(cells, "T.csv", 2, 1, "3 cells, expected 4 (state,action,next_state,probability)");
  Tables header;
  header.rewards = "state,action,value\n";
  expect_error(header, "R.csv", 1, 1, "expected the header 'state,action,reward'");
  Tables nothing;
  nothing.transitions = "";
  expect_error(nothing, "T.csv", 1, 1, "empty file, expected the header 'state,action,next_state,probability'");
  Tables header_only;
  header_only.transitions = "state,action,next_state,probability\n";
  expect_error(header_only, "T.csv", 1, 1, "no transitions: the table has a header only");
}

// A (state, action) pair without transition rows is unavailable there; a state without
// any is absorbing. Both are counted in notes, and the MDP solves with V = 0 there.
TEST(ControlCsv, MissingPairsAreUnavailableAndRowlessStatesAbsorbing) {
  Tables tables;
  tables.transitions =
      "state,action,next_state,probability\nstart,safe,goal,1\nstart,risky,goal,0.5\nstart,risky,start,0.5\n"
      "mid,safe,goal,1\n";
  tables.rewards = "state,action,reward\nstart,safe,-2\nstart,risky,-0.5\ngoal,safe,0\n";
  const MdpCsv csv = read(tables);
  const Mdp& mdp = csv.mdp;
  EXPECT_EQ(mdp.state_labels, (std::vector<std::string>{"start", "goal", "mid"}));
  EXPECT_EQ(mdp.allowed, (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0}));
  EXPECT_EQ(csv.unavailable_pairs, 1u);  // (mid, risky)
  EXPECT_EQ(csv.absorbing_states, 1u);   // goal
  EXPECT_EQ(csv.default_rewards, 1u);    // (mid, safe)
  ASSERT_EQ(csv.notes.size(), 3u);
  EXPECT_EQ(csv.notes[1], "T.csv: 1 (state, action) pair has no transition rows; those actions are unavailable in their states");
  EXPECT_EQ(csv.notes[2], "T.csv: 1 state has no transition rows and is absorbing (the episode ends there, V = 0): goal");
  EXPECT_TRUE(is_absorbing(mdp, 1));
  EXPECT_FALSE(is_absorbing(mdp, 2));
  Mdp ssp = mdp;
  ssp.discount = 1.0;  // every policy reaches the goal: a stochastic shortest path
  const ControlSolution map = solve(ssp, SolveOptions{.method = ControlMethod::map, .threads = 1});
  ASSERT_TRUE(map.converged);
  // map: V(start) = max(-2, -0.5 + 0.5 V(start)) = -1, V(mid) = 0 + V(goal) = 0.
  EXPECT_NEAR(map.value[0][0], -1.0, 1e-9);
  EXPECT_EQ(map.value[0][1], 0.0);
  // A reward for the absorbing state is a contradiction, reported at the value.
  Tables rewarded = tables;
  rewarded.rewards += "goal,risky,1\n";
  expect_error(rewarded, "R.csv", 5, 12,
               "state goal has no transition rows, so the episode ends there (reward 0); give its transitions or drop "
               "this reward");
  // Prior mass on an unavailable action.
  Tables prior = tables;
  prior.prior = "state,action,probability\nstart,safe,1\nmid,safe,0.5\nmid,risky,0.5\n";
  expect_error(prior, "P.csv", 4, 11,
               "action risky has no transition rows in state mid (it is unavailable there), so its prior probability "
               "must be 0");
}

// Found by fuzzing (fuzz_mdp_csv): a prior table with a header and no row for a state
// was an error without a line; "+-1" read as -1; a small file naming many states and
// actions reached for gigabytes.
TEST(ControlCsv, FuzzFindingsAreFixed) {
  Tables empty_prior;
  empty_prior.transitions = "state,action,next_state,probability\na,x,a,1\n";
  empty_prior.rewards = "state,action,reward\n";
  empty_prior.prior = "state,action,probability\n";
  const InputError prior = error_of(empty_prior);
  EXPECT_EQ(prior.where().file, "P.csv");
  EXPECT_EQ(prior.where().line, 1u) << prior.what();
  Tables plus_minus;
  plus_minus.rewards = "state,action,reward\nlow,stay,+-1\n";
  EXPECT_NE(std::string(error_of(plus_minus).what()).find("'+-1' is not a number"), std::string::npos);
  // 3000 states x 3000 actions = 9e6 pairs, ~360 MB: over a 100 MB limit, refused first.
  std::string many = "state,action,next_state,probability\n";
  for (int i = 0; i < 3000; ++i) many += "s" + std::to_string(i) + ",a" + std::to_string(i) + ",s0,1\n";
  std::istringstream transitions(many);
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  sources.memory_limit_bytes = 100u << 20;
  try {
    (void)read_mdp_csv(sources);
    ADD_FAILURE() << "9e6 pairs read under a 100 MiB limit";
  } catch (const ResourceError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("T.csv:1:1: the table names 3000 states and 3000 actions", 0), 0u)
        << error.what();
  }
}

TEST(ControlCsv, FilesThatCannotBeOpenedAreNamed) {
  try {
    (void)read_mdp_csv(MdpCsvFiles{"/nonexistent/T.csv", "/nonexistent/R.csv", "", ""});
    ADD_FAILURE() << "no error";
  } catch (const InputError& error) {
    EXPECT_EQ(error.where().file, "/nonexistent/T.csv");
    EXPECT_EQ(error.detail(), "cannot open '/nonexistent/T.csv'");
  }
}

}  // namespace
}  // namespace copi::control
