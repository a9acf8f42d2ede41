// End-to-end: `copi irl` — the JSON keys and their agreement with each other, the round
// trip irl → mdp (the learned rewards file solved by `copi mdp` gives the policy whose
// log-likelihood irl reported), bad inputs at file:line with exit 2, the plot, and the
// shipped example's recovery of its known reward.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

// A 2 x 2 grid: right/down move with probability 0.8 (else stay), stay stays.
constexpr const char* kTransitions =
    "state,action,next_state,probability\n"
    "0_0,right,0_1,0.8\n0_0,right,0_0,0.2\n0_0,down,1_0,0.8\n0_0,down,0_0,0.2\n0_0,stay,0_0,1\n"
    "0_1,right,0_1,1\n0_1,down,1_1,0.8\n0_1,down,0_1,0.2\n0_1,stay,0_1,1\n"
    "1_0,right,1_1,0.8\n1_0,right,1_0,0.2\n1_0,down,1_0,1\n1_0,stay,1_0,1\n"
    "1_1,right,1_1,1\n1_1,down,1_1,1\n1_1,stay,1_1,1\n";
constexpr const char* kFeatures = "state,feature,value\n1_1,corner,1\n0_1,top,1\n0_0,top,1\n";
constexpr const char* kDemos =
    "episode,t,state,action\n"
    "a,0,0_0,right\na,1,0_1,down\na,2,1_1,stay\n"
    "b,0,0_0,down\nb,1,1_0,right\nb,2,1_1,stay\n"
    "c,0,0_0,right\nc,1,0_0,right\nc,2,0_1,stay\n"
    "d,0,1_0,stay\nd,1,1_0,right\nd,2,1_1,right\n";

struct Demo {
  std::string state;
  std::string action;
};

TEST(CliIrl, RoundTripThroughCopiMdpReproducesTheLogLikelihood) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto f = dir.write("F.csv", kFeatures);
  const auto d = dir.write("D.csv", kDemos);
  const CliRun irl = run_copi("irl --transitions " + t.string() + " --features " + f.string() + " --demos " +
                              d.string() + " --horizon 3 --tol 1e-9 --policy --json " + (dir / "irl.json").string() +
                              " --reward-out " + (dir / "R.csv").string());
  ASSERT_EQ(irl.status, 0) << irl.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "irl.json"));
  for (const char* key : {"weights", "reward", "objective", "log_likelihood", "feature_counts", "max_feature_gap",
                          "iterations", "gradient_norm"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  // The reward table is θᵀφ of the features written above.
  const double corner = doc["weights"]["corner"];
  const double top = doc["weights"]["top"];
  const std::vector<std::string> states = doc["states"];
  ASSERT_EQ(states, (std::vector<std::string>{"0_0", "0_1", "1_0", "1_1"}));
  const std::vector<double> state_reward = {top, top, 0.0, corner};
  for (std::size_t s = 0; s < 4; ++s) {
    for (std::size_t a = 0; a < 3; ++a) EXPECT_NEAR(doc["reward"][s][a].get<double>(), state_reward[s], 1e-15);
  }
  // Empirical counts by hand: corner steps 1_1 in a, b (t = 2) and d (t = 2); top steps
  // 0_0 / 0_1: a 2, b 1, c 3 → mean 3/4 and 6/4.
  EXPECT_DOUBLE_EQ(doc["feature_counts"]["empirical"]["corner"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(doc["feature_counts"]["empirical"]["top"].get<double>(), 1.5);
  double gap = 0.0;
  for (const char* name : {"corner", "top"}) {
    gap = std::max(gap, std::abs(doc["feature_counts"]["empirical"][name].get<double>() -
                                 doc["feature_counts"]["expected"][name].get<double>()));
  }
  EXPECT_DOUBLE_EQ(doc["max_feature_gap"].get<double>(), gap);
  EXPECT_LE(gap, 1e-7);

  // copi mdp on the learned rewards: its policy's Σ log π over the demonstrations.
  const CliRun mdp = run_copi("mdp --transitions " + t.string() + " --rewards " + (dir / "R.csv").string() +
                              " --horizon 3 --json " + (dir / "mdp.json").string());
  ASSERT_EQ(mdp.status, 0) << mdp.err;
  const nlohmann::json solved = nlohmann::json::parse(slurp(dir / "mdp.json"));
  const std::map<std::string, int> state_index = {{"0_0", 0}, {"0_1", 1}, {"1_0", 2}, {"1_1", 3}};
  const std::map<std::string, int> action_index = {{"right", 0}, {"down", 1}, {"stay", 2}};
  ASSERT_EQ(solved["actions"], (std::vector<std::string>{"right", "down", "stay"}));
  const std::vector<std::vector<Demo>> episodes = {{{"0_0", "right"}, {"0_1", "down"}, {"1_1", "stay"}},
                                                   {{"0_0", "down"}, {"1_0", "right"}, {"1_1", "stay"}},
                                                   {{"0_0", "right"}, {"0_0", "right"}, {"0_1", "stay"}},
                                                   {{"1_0", "stay"}, {"1_0", "right"}, {"1_1", "right"}}};
  double log_likelihood = 0.0;
  for (const auto& episode : episodes) {
    for (std::size_t step = 0; step < episode.size(); ++step) {
      log_likelihood += std::log(
          solved["policy"][step][state_index.at(episode[step].state)][action_index.at(episode[step].action)].get<double>());
    }
  }
  EXPECT_NEAR(log_likelihood / 4.0, doc["log_likelihood"].get<double>(), 1e-9);
  // --policy: the learned reward's solution, the one copi mdp computes from R.csv.
  for (std::size_t step = 0; step < 3; ++step) {
    for (std::size_t s = 0; s < 4; ++s) {
      for (std::size_t a = 0; a < 3; ++a) {
        EXPECT_NEAR(doc["policy"]["policy"][step][s][a].get<double>(), solved["policy"][step][s][a].get<double>(), 1e-12);
      }
    }
  }
}

// --policy with a discount and no horizon: the learned reward's stationary policy is
// solved to a tolerance it can certify (one relative to its values), and it is the one
// copi mdp computes from the written rewards.
TEST(CliIrl, DiscountedPolicyConvergesAndMatchesCopiMdp) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto f = dir.write("F.csv", kFeatures);
  const auto d = dir.write("D.csv", kDemos);
  const CliRun irl = run_copi("irl --transitions " + t.string() + " --features " + f.string() + " --demos " +
                              d.string() + " --discount 0.99 --tol 1e-8 --policy --json " + (dir / "irl.json").string() +
                              " --reward-out " + (dir / "R.csv").string());
  ASSERT_EQ(irl.status, 0) << irl.err;
  EXPECT_EQ(irl.err.find("did not reach"), std::string::npos) << irl.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "irl.json"));
  ASSERT_TRUE(doc["policy"]["converged"].get<bool>()) << doc["policy"].dump().substr(0, 400);
  const CliRun mdp = run_copi("mdp --transitions " + t.string() + " --rewards " + (dir / "R.csv").string() +
                              " --discount 0.99 --tol 1e-8 --json " + (dir / "mdp.json").string());
  ASSERT_EQ(mdp.status, 0) << mdp.err;
  const nlohmann::json solved = nlohmann::json::parse(slurp(dir / "mdp.json"));
  for (std::size_t s = 0; s < 4; ++s) {
    for (std::size_t a = 0; a < 3; ++a) {
      EXPECT_NEAR(doc["policy"]["policy"][0][s][a].get<double>(), solved["policy"][0][s][a].get<double>(), 1e-6);
    }
  }
}

TEST(CliIrl, BadInputsExitTwoAtTheirLine) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto f = dir.write("F.csv", kFeatures);
  const std::string base = "irl --transitions " + t.string() + " --features " + f.string() + " --horizon 3 --demos ";
  const auto unknown = dir.write("unknown.csv", "episode,t,state,action\na,0,0_0,right\na,1,9_9,stay\n");
  CliRun run = run_copi(base + unknown.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(unknown.string() + ":3:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("unknown state '9_9'"), std::string::npos) << run.err;
  // 0_1 -stay-> 0_1 only: 0_0 next has probability 0.
  const auto impossible = dir.write("impossible.csv", "episode,t,state,action\na,0,0_1,stay\na,1,0_0,stay\n");
  run = run_copi(base + impossible.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(impossible.string() + ":3:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("probability 0"), std::string::npos) << run.err;
  const auto late = dir.write("late.csv", "episode,t,state,action\na,0,0_0,stay\na,1,0_0,stay\na,2,0_0,stay\na,3,0_0,stay\n");
  run = run_copi(base + late.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(late.string() + ":5:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("beyond the horizon"), std::string::npos) << run.err;
  const auto empty = dir.write("empty.csv", "");
  run = run_copi(base + empty.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(empty.string() + ":1:"), std::string::npos) << run.err;
  const auto demos = dir.write("D.csv", kDemos);
  run = run_copi("irl --transitions " + t.string() + " --features " + empty.string() + " --horizon 3 --demos " +
                 demos.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(empty.string() + ":1:"), std::string::npos) << run.err;
  // Flags: no horizon or discount, a MAP "method", a negative penalty, all at once.
  run = run_copi("irl --transitions " + t.string() + " --features " + f.string() + " --demos " + demos.string() +
                 " --method map --l2 -1 --tol 0");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("--method map"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--l2 -1: must be a finite number >= 0"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--tol 0: must be a finite number > 0"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("give --horizon, --discount or both"), std::string::npos) << run.err;
}

TEST(CliIrl, PlotDrawsGridStatesAndRefusesOthers) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto f = dir.write("F.csv", kFeatures);
  const auto d = dir.write("D.csv", kDemos);
  const CliRun run = run_copi("irl --transitions " + t.string() + " --features " + f.string() + " --demos " +
                              d.string() + " --discount 0.9 --plot " + (dir / "p.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string svg = slurp(dir / "p.svg");
  // Two panels of 2 x 2 cells, and the largest visit count: 0_0 is visited 4 times.
  std::size_t cells = 0;
  for (std::size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1)) ++cells;
  EXPECT_EQ(cells, 8u);
  EXPECT_NE(svg.find("0 (white) to 4 (red)"), std::string::npos) << svg.substr(0, 400);

  std::string named = kTransitions;
  for (std::size_t at = named.find("1_1"); at != std::string::npos; at = named.find("1_1", at)) named.replace(at, 3, "end");
  const auto t2 = dir.write("T2.csv", named);
  const auto f2 = dir.write("F2.csv", "state,feature,value\nend,corner,1\n");
  const auto d2 = dir.write("D2.csv", "episode,t,state,action\na,0,0_0,right\n");
  const CliRun refused = run_copi("irl --transitions " + t2.string() + " --features " + f2.string() + " --demos " +
                                  d2.string() + " --horizon 2 --plot " + (dir / "q.svg").string());
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("--plot draws grid-shaped states"), std::string::npos) << refused.err;
}

// The shipped example: 200 seeded episodes of 20 steps from θ = (goal 2, lava -3,
// water -0.5); the fit lands within sampling error of it.
TEST(CliIrl, ExampleRecoversItsKnownReward) {
  TempDir dir;
  const std::string folder = source_path("examples/irl/");
  const CliRun run = run_copi("irl --transitions " + folder + "T.csv --features " + folder + "F.csv --demos " + folder +
                              "D.csv --horizon 20 --json " + (dir / "e.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "e.json"));
  EXPECT_NEAR(doc["weights"]["goal"].get<double>(), 2.0, 0.1);
  EXPECT_NEAR(doc["weights"]["lava"].get<double>(), -3.0, 0.1);
  EXPECT_NEAR(doc["weights"]["water"].get<double>(), -0.5, 0.1);
  EXPECT_LE(doc["max_feature_gap"].get<double>(), 1e-6);
}

}  // namespace
}  // namespace copi::testing
