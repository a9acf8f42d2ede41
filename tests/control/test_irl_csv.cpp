// The inverse RL tables (copi/control/irl_csv.hpp): features and demonstrations read
// against an MDP written out by hand, and every bad input an InputError at its
// file:line (unknown states and actions, a step of probability 0, t beyond the horizon,
// duplicated rows, gaps, empty files).
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>

#include "copi/control/irl_csv.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

// low -stay-> low; low -go-> high or low (1/2 each); high -stay-> high; high -go-> goal;
// goal has no rows: absorbing.
Mdp small_mdp() {
  std::istringstream transitions(
      "state,action,next_state,probability\n"
      "low,stay,low,1\nlow,go,high,0.5\nlow,go,low,0.5\nhigh,stay,high,1\nhigh,go,goal,1\n");
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  Mdp mdp = read_mdp_csv(sources).mdp;
  mdp.horizon = 4;
  return mdp;
}

Features features(const std::string& text) {
  std::istringstream in(text);
  return read_features_csv(small_mdp(), CsvSource{"F.csv", &in});
}

Demonstrations demos(const std::string& text) {
  std::istringstream in(text);
  return read_demonstrations_csv(small_mdp(), CsvSource{"D.csv", &in});
}

// The error's file and line, and a piece of its message.
template <typename Read>
void expect_error(Read read, const std::string& file, std::size_t line, const std::string& words) {
  try {
    read();
    ADD_FAILURE() << "no error; expected " << file << ":" << line << " " << words;
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, file) << e.what();
    EXPECT_EQ(e.where().line, line) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(IrlCsv, ReadsStateFeatures) {
  const Features f = features("state,feature,value\nhigh,height,2\nlow,height,0.5\nhigh,bias,1\n");
  ASSERT_EQ(f.kind, FeatureKind::state);
  ASSERT_EQ(f.names, (std::vector<std::string>{"height", "bias"}));
  // States in the transitions' order: low 0, high 1, goal 2.
  EXPECT_EQ(f.begin, (std::vector<std::uint64_t>{0, 1, 3, 3}));
  EXPECT_EQ(f.feature, (std::vector<std::uint32_t>{0, 0, 1}));
  EXPECT_EQ(f.value, (std::vector<double>{0.5, 2.0, 1.0}));
}

TEST(IrlCsv, ReadsStateActionFeatures) {
  const Features f = features("state,action,feature,value\nhigh,go,push,3\nlow,stay,rest,1\n");
  ASSERT_EQ(f.kind, FeatureKind::state_action);
  EXPECT_EQ(f.begin.size(), 3u * 2u + 1u);
  // Rows s * A + a: (low, stay) = 0, (high, go) = 3.
  EXPECT_EQ(f.begin[1] - f.begin[0], 1u);
  EXPECT_EQ(f.begin[4] - f.begin[3], 1u);
  EXPECT_EQ(f.value[f.begin[3]], 3.0);
}

TEST(IrlCsv, ReadsDemonstrationsInAnyRowOrder) {
  const Demonstrations d = demos(
      "episode,t,state,action\n"
      "b,1,high,go\nb,0,low,go\na,0,low,stay\nb,2,goal,stay\na,1,low,stay\n");
  ASSERT_EQ(d.labels, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(d.episodes[0].states, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(d.episodes[0].actions, (std::vector<std::uint32_t>{1, 1, 0}));
  EXPECT_EQ(d.episodes[1].states, (std::vector<std::uint32_t>{0, 0}));
  // Episode a stops at t = 1 of 4 in a state that is not absorbing; b ends in the goal.
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("1 of 2 episodes stop before --horizon 4"), std::string::npos) << d.notes[0];
}

TEST(IrlCsv, BadDemonstrationsNameTheirLine) {
  const std::string header = "episode,t,state,action\n";
  expect_error([&] { demos(header + "a,0,low,stay\na,1,middle,stay\n"); }, "D.csv", 3, "unknown state 'middle'");
  expect_error([&] { demos(header + "a,0,low,jump\n"); }, "D.csv", 2, "unknown action 'jump'");
  // low -stay-> low only: reaching high that way has probability 0.
  expect_error([&] { demos(header + "a,0,low,stay\na,1,high,go\n"); }, "D.csv", 3, "a transition of probability 0");
  // Leaving the absorbing goal.
  expect_error([&] { demos(header + "a,0,high,go\na,1,goal,stay\na,2,low,stay\n"); }, "D.csv", 4,
               "a transition of probability 0");
  expect_error([&] { demos(header + "a,0,low,stay\na,4,low,stay\n"); }, "D.csv", 3, "beyond the horizon");
  expect_error([&] { demos(header + "a,0,low,stay\na,0,low,go\n"); }, "D.csv", 3, "first on line 2");
  expect_error([&] { demos(header + "a,0,low,stay\na,2,low,stay\nb,0,low,stay\n"); }, "D.csv", 2, "no row for t = 1");
  expect_error([&] { demos(header + "a,0,low,stay\na,7,low,stay\n"); }, "D.csv", 3, "beyond the horizon");
  expect_error([&] { demos(header + "a,-1,low,stay\n"); }, "D.csv", 2, "not an integer >= 0");
  expect_error([&] { demos(header); }, "D.csv", 1, "no demonstration rows");
  expect_error([&] { demos(""); }, "D.csv", 1, "empty file");
  expect_error([&] { demos("episode,time,state,action\n"); }, "D.csv", 1, "expected the header");
}

TEST(IrlCsv, UnavailableActionInDemonstration) {
  // low has rows for stay only: go is unavailable there (a forbidden move).
  std::istringstream transitions("state,action,next_state,probability\nlow,stay,high,1\nhigh,go,low,1\nhigh,stay,high,1\n");
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  const Mdp mdp = read_mdp_csv(sources).mdp;
  std::istringstream in("episode,t,state,action\na,0,low,go\n");
  expect_error([&] { read_demonstrations_csv(mdp, CsvSource{"D.csv", &in}); }, "D.csv", 2, "not available in state 'low'");
}

TEST(IrlCsv, BadFeaturesNameTheirLine) {
  expect_error([&] { features("state,feature,value\nlow,f,1\nnowhere,f,1\n"); }, "F.csv", 3, "unknown state 'nowhere'");
  expect_error([&] { features("state,action,feature,value\nlow,fly,f,1\n"); }, "F.csv", 2, "unknown action 'fly'");
  expect_error([&] { features("state,feature,value\nlow,f,1\nlow,f,2\n"); }, "F.csv", 3, "first on line 2");
  expect_error([&] { features("state,feature,value\nlow,f,abc\n"); }, "F.csv", 2, "value");
  expect_error([&] { features("state,feature,value\n"); }, "F.csv", 1, "no feature rows");
  expect_error([&] { features(""); }, "F.csv", 1, "empty file");
  expect_error([&] { features("state,name,value\nlow,f,1\n"); }, "F.csv", 1, "expected the header");
}

// Damaged tables (bytes dropped, doubled or replaced by CSV's own characters): every
// one is either read — into features and episodes that fit the MDP — or refused with an
// InputError; nothing else escapes (the sanitizer build runs this too).
TEST(IrlCsv, DamagedTablesAreReadOrRefusedCleanly) {
  const Mdp mdp = small_mdp();
  const std::string features_text = "state,action,feature,value\nhigh,go,push,3\nlow,stay,rest,1e-3\nlow,go,push,-2\n";
  const std::string demos_text =
      "episode,t,state,action\nb,1,high,go\nb,0,low,go\na,0,low,stay\nb,2,goal,stay\na,1,low,stay\n";
  const std::string alphabet = ",\n0123456789.-e\"goalwhighstay \r";
  std::mt19937_64 rng(14);
  std::size_t read = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = i % 2 == 0 ? features_text : demos_text;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1); break;
        case 1: text.insert(at, 1, text[at]); break;
        default: text[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    std::istringstream in(text);
    try {
      if (i % 2 == 0) {
        const Features f = read_features_csv(mdp, CsvSource{"F.csv", &in});
        f.validate(mdp);
      } else {
        const Demonstrations d = read_demonstrations_csv(mdp, CsvSource{"D.csv", &in});
        for (const Episode& e : d.episodes) {
          ASSERT_EQ(e.states.size(), e.actions.size());
          ASSERT_LE(e.states.size(), *mdp.horizon);
          for (std::size_t t = 0; t < e.states.size(); ++t) {
            ASSERT_LT(e.states[t], mdp.num_states);
            ASSERT_LT(e.actions[t], mdp.num_actions);
          }
        }
      }
      ++read;
    } catch (const InputError& error) {
      EXPECT_FALSE(error.where().file.empty()) << error.what();
    }
  }
  EXPECT_GT(read, 0u);  // some damage leaves a valid table (a doubled digit, say)
}

// Without a horizon, t counted across the whole file (not from 0 in each episode) is
// refused at the first row that cannot fit, before it allocates the gap's steps.
TEST(IrlCsv, TCountedAcrossTheFileIsAGapAtItsRow) {
  Mdp mdp = small_mdp();
  mdp.horizon.reset();
  mdp.discount = 0.9;
  std::istringstream in("episode,t,state,action\n0,0,low,stay\n0,1,low,stay\n0,2,low,go\n"
                        "1,3,low,stay\n1,4,low,stay\n1,5,low,go\n");
  expect_error([&] { return read_demonstrations_csv(mdp, CsvSource{"D.csv", &in}); }, "D.csv", 5, "leaves a gap");
}

// Without a horizon, episodes that stop in a state that is not absorbing leave discounted
// weight out of the empirical counts: the reader says how much (γ^3 = 0.729 here).
TEST(IrlCsv, ShortEpisodesWithoutAHorizonAreNoted) {
  Mdp mdp = small_mdp();
  mdp.horizon.reset();
  mdp.discount = 0.9;
  std::istringstream in("episode,t,state,action\n0,0,low,stay\n0,1,low,stay\n0,2,low,go\n");
  const Demonstrations d = read_demonstrations_csv(mdp, CsvSource{"D.csv", &in});
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("1 of 1 episodes stop in a state that is not absorbing"), std::string::npos) << d.notes[0];
  EXPECT_NE(d.notes[0].find("0.729"), std::string::npos) << d.notes[0];
}

}  // namespace
}  // namespace copi::control
