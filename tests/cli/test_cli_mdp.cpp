// End-to-end: `copi mdp` on CSV files — labels, JSON layout, exit statuses, and the
// exact log p(O) against a trajectory sum written out here.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

// GCC and Clang define this under -fsanitize=address.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitized = true;
#else
constexpr bool kAddressSanitized = false;
#endif

constexpr const char* kTransitions =
    "state,action,next_state,probability\n"
    "low,stay,low,0.9\nlow,stay,high,0.1\nlow,go,high,0.6\nlow,go,low,0.4\n"
    "high,stay,high,1.0\nhigh,go,low,0.5\nhigh,go,high,0.5\n";
constexpr const char* kRewards = "state,action,reward\nlow,stay,0\nlow,go,-1\nhigh,stay,1\nhigh,go,0.5\n";

TEST(CliMdp, ExactLogPartitionMatchesTrajectorySumAndJsonHasTheLayout) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const auto i = dir.write("I.csv", "state,probability\nlow,1\n");
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() + " --initial " +
                              i.string() + " --horizon 2 --alpha 1 --method exact --json " + (dir / "m.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
  EXPECT_EQ(doc["states"], (std::vector<std::string>{"low", "high"}));
  EXPECT_EQ(doc["actions"], (std::vector<std::string>{"stay", "go"}));
  ASSERT_EQ(doc["V"].size(), 2u);
  ASSERT_EQ(doc["policy"].size(), 2u);
  ASSERT_EQ(doc["policy"][0].size(), 2u);
  ASSERT_EQ(doc["policy"][0][0].size(), 2u);
  // From low: Σ_a exp(r(low,a)) Σ_s' p(s'|low,a) Σ_a' exp(r(s',a')).
  const double tail_low = std::exp(0.0) + std::exp(-1.0);
  const double tail_high = std::exp(1.0) + std::exp(0.5);
  const double z = std::exp(0.0) * (0.9 * tail_low + 0.1 * tail_high) + std::exp(-1.0) * (0.4 * tail_low + 0.6 * tail_high);
  EXPECT_NEAR(doc["log_partition"].get<double>(), std::log(z), 1e-12);
  EXPECT_TRUE(doc.contains("solve_seconds"));
  EXPECT_EQ(doc["iterations"].get<int>(), 2);
}

// --plot: one row per state, one column per step, each cell labelled with the most
// likely action of the JSON's policy at that step.
TEST(CliMdp, PlotIsATableOfValuesWithTheMostLikelyActions) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() +
                              " --horizon 3 --method variational --json " + (dir / "m.json").string() + " --plot " +
                              (dir / "m.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
  const std::string svg = slurp(dir / "m.svg");
  ASSERT_EQ(svg.rfind("<svg", 0), 0u);
  std::size_t cells = 0;
  for (std::size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1)) ++cells;
  EXPECT_EQ(cells, 3u * 2u);  // steps x states
  std::string expected_labels;
  for (std::size_t step = 0; step < 3; ++step) {
    for (std::size_t s = 0; s < 2; ++s) {
      const auto& pi = doc["policy"][step][s];
      expected_labels += pi[0].get<double>() >= pi[1].get<double>() ? ">stay<" : ">go<";
    }
  }
  std::string labels;
  for (std::size_t at = svg.find("fill=\"white\">"); at != std::string::npos; at = svg.find("fill=\"white\">", at + 1)) {
    const std::size_t open = at + std::string("fill=\"white\"").size();
    labels += svg.substr(open, svg.find('<', open + 1) - open + 1);
  }
  EXPECT_EQ(labels, expected_labels);
  EXPECT_NE(svg.find(">low</text>"), std::string::npos);
  EXPECT_NE(svg.find(">high</text>"), std::string::npos);
}

// copi run --plot with two solves of a one-component MDP: one table per solve, named
// after the mdp, each with a cell per (state, step).
TEST(CliMdp, RunPlotsEverySolveAndTablesForNonGridStates) {
  TempDir dir;
  const auto model = dir.write("chain.copi",
                               "mdp chain {\n  state x : 0..4\n  action move : {left, right}\n"
                               "  next move == left : { x' = max(x-1, 0) : 1 }\n"
                               "  next move == right : { x' = min(x+1, 4) : 1 }\n"
                               "  reward = if x == 4 then 1 else 0\n  horizon 3\n}\n"
                               "mdp other {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  horizon 2\n}\n"
                               "solve chain with map\nsolve other with exact\n");
  const CliRun run = run_copi("run " + model.string() + " --plot " + (dir / "p.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  for (const auto& [name, cells] : {std::pair<std::string, std::size_t>{"chain.map", 5 * 3}, {"other.exact", 2 * 2}}) {
    const std::string svg = slurp(dir / ("p." + name + ".svg"));
    ASSERT_EQ(svg.rfind("<svg", 0), 0u) << name;
    std::size_t rects = 0;
    for (std::size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1)) ++rects;
    EXPECT_EQ(rects, cells) << name;
  }
  // map on the chain (undiscounted, T = 3, reward 1 at x = 4): a state heads right when
  // the reward is reachable in the steps left, otherwise every action ties and the
  // first (left) wins. t = 1: x = 2, 3, 4 right; t = 2: x = 3, 4; t = 3: none.
  const std::string chain = slurp(dir / "p.chain.map.svg");
  const auto count = [&](const std::string& label) {
    std::size_t n = 0;
    for (std::size_t at = chain.find(label); at != std::string::npos; at = chain.find(label, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(">right</text>"), 5u);
  EXPECT_EQ(count(">left</text>"), 10u);
}

// examples/maze.copi: following the most likely action from the start reaches the goal
// through both gaps, never entering a wall cell or the trap, within the horizon.
TEST(CliMdp, MazeExampleReachesTheGoalAroundWallsAndTrap) {
  TempDir dir;
  const CliRun run = run_copi("run " + source_path("examples/maze.copi") + " --json " + (dir / "m.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
  ASSERT_EQ(doc["mdp_solutions"].size(), 2u);
  const auto is_wall = [](int y, int x) { return (x == 2 && y <= 3) || (x == 4 && y >= 2); };
  for (const nlohmann::json& solution : doc["mdp_solutions"]) {
    const auto& actions = solution["actions"];
    ASSERT_EQ(actions, (std::vector<std::string>{"stay", "up", "down", "left", "right"}));
    int y = 0;
    int x = 0;
    std::size_t t = 0;
    for (; t < 30 && !(y == 5 && x == 5); ++t) {
      const auto& pi = solution["policy"][t][static_cast<std::size_t>(y * 6 + x)];
      std::size_t best = 0;
      for (std::size_t a = 1; a < 5; ++a) best = pi[a].get<double>() > pi[best].get<double>() ? a : best;
      const std::string move = actions[best];
      y += move == "down" ? 1 : move == "up" ? -1 : 0;
      x += move == "right" ? 1 : move == "left" ? -1 : 0;
      ASSERT_TRUE(y >= 0 && y < 6 && x >= 0 && x < 6) << solution["method"] << " left the grid at t " << t;
      ASSERT_FALSE(is_wall(y, x)) << solution["method"] << " walked into a wall at t " << t;
      ASSERT_FALSE(y == 0 && x == 3) << solution["method"] << " stepped on the trap at t " << t;
    }
    EXPECT_TRUE(y == 5 && x == 5) << solution["method"] << " did not reach the goal";
    EXPECT_EQ(t, 16u) << solution["method"];  // the shortest way round both walls
  }
}

TEST(CliMdp, NeitherHorizonNorDiscountIsBadInput) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("horizon"), std::string::npos) << run.err;
}

// Item 6 of issue 10: the row-sum error is at the first row of the (state, action), in
// labels, and lists the rows that make up the sum.
TEST(CliMdp, RowNotSummingToOneNamesTheFileLineStateAndAction) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\nlow,go,high,1\nhigh,go,low,0.5\n"
                                    "low,stay,low,1\nhigh,go,high,0.4\nhigh,stay,high,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\nlow,go,1\n");
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() + " --discount 0.9");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(t.string() + ":3:1: error: p(next_state | state high, action go) sums to 0.9, not 1 "
                                      "(tolerance 1e-9): the rows at lines 3 and 5"),
            std::string::npos)
      << run.err;
}

TEST(CliMdp, BadHeaderAndUnknownLabelNameTheFileAndLine) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto bad = dir.write("R.csv", "state,action,value\nlow,stay,0\n");
  const CliRun header = run_copi("mdp --transitions " + t.string() + " --rewards " + bad.string() + " --horizon 2");
  EXPECT_EQ(header.status, 2);
  EXPECT_NE(header.err.find(bad.string() + ":1:1: error: expected the header 'state,action,reward'"), std::string::npos)
      << header.err;
  const auto unknown = dir.write("R2.csv", "state,action,reward\nlow,stay,0\nmiddle,stay,1\n");
  const CliRun label = run_copi("mdp --transitions " + t.string() + " --rewards " + unknown.string() + " --horizon 2");
  EXPECT_EQ(label.status, 2);
  EXPECT_NE(label.err.find(unknown.string() + ":3:1: error: unknown state 'middle'"), std::string::npos) << label.err;
}

// Item 2 of issue 10: a repeated row is an error naming both lines (it used to win
// silently); rewards left out are 0, and a note says how many.
TEST(CliMdp, DuplicatedRowsAreErrorsNamingBothLinesAndMissingRewardsAreNoted) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const auto repeated = dir.write("T2.csv", std::string(kTransitions) + "low,go,high,0.6\n");
  const CliRun transitions = run_copi("mdp --transitions " + repeated.string() + " --rewards " + r.string() + " --horizon 2");
  EXPECT_EQ(transitions.status, 2);
  EXPECT_NE(transitions.err.find(repeated.string() + ":9:1: error: duplicate transition (state low, action go, "
                                                     "next_state high): also at line 4"),
            std::string::npos)
      << transitions.err;
  const auto twice = dir.write("R2.csv", std::string(kRewards) + "high,stay,2\n");
  const CliRun rewards = run_copi("mdp --transitions " + t.string() + " --rewards " + twice.string() + " --horizon 2");
  EXPECT_EQ(rewards.status, 2);
  EXPECT_NE(rewards.err.find(twice.string() + ":6:1: error: duplicate reward for (state high, action stay): also at line 4"),
            std::string::npos)
      << rewards.err;
  const auto initial = dir.write("I.csv", "state,probability\nlow,0.5\nhigh,0.5\nlow,0.5\n");
  const CliRun start = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() + " --initial " +
                                initial.string() + " --horizon 2");
  EXPECT_EQ(start.status, 2);
  EXPECT_NE(start.err.find(initial.string() + ":4:1: error: duplicate initial probability for state low: also at line 2"),
            std::string::npos)
      << start.err;
  const auto prior = dir.write("P.csv", "state,action,probability\nlow,go,1\nhigh,go,1\nlow,go,1\n");
  const CliRun prior_run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() + " --prior " +
                                    prior.string() + " --horizon 2");
  EXPECT_EQ(prior_run.status, 2);
  EXPECT_NE(prior_run.err.find(prior.string() + ":4:1: error: duplicate prior probability for (state low, action go): "
                                                "also at line 2"),
            std::string::npos)
      << prior_run.err;
  // One reward row of four: three pairs default to 0, and the JSON's last-step Q is the
  // reward itself, 0 for them.
  const auto sparse = dir.write("R3.csv", "state,action,reward\nhigh,go,2\n");
  const CliRun noted = run_copi("mdp --transitions " + t.string() + " --rewards " + sparse.string() +
                                " --horizon 1 --method map --json " + (dir / "m.json").string());
  ASSERT_EQ(noted.status, 0) << noted.err;
  EXPECT_NE(noted.err.find("copi: note: " + sparse.string() + ": 3 (state, action) pairs have no reward row; their "
                                                              "reward is 0"),
            std::string::npos)
      << noted.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
  EXPECT_EQ(doc["Q"][0], nlohmann::json::parse("[[0.0, 0.0], [0.0, 2.0]]"));
}

// Item 11: Q in the JSON (t x state x action), the exact method's eq. 7 here, against
// closed forms for horizon 2; an action without transition rows is unavailable (null).
TEST(CliMdp, JsonHasQOfEveryStepWithNullForUnavailableActions) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() +
                              " --horizon 2 --alpha 0.5 --discount 0.9 --method exact --json " + (dir / "m.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
  ASSERT_EQ(doc["Q"].size(), 2u);
  const double alpha = 0.5;
  const double gamma = 0.9;
  const double reward[2][2] = {{0.0, -1.0}, {1.0, 0.5}};  // [state][action], states low, high
  // V_2(s) = α log Σ_a exp(r/α); Q_1(s, a) = r + α log(γ E[exp(V_2/α)] + 1 - γ).
  double w2[2];
  for (int s = 0; s < 2; ++s) w2[s] = std::exp(reward[s][0] / alpha) + std::exp(reward[s][1] / alpha);
  const double p[2][2][2] = {{{0.9, 0.1}, {0.4, 0.6}}, {{0.0, 1.0}, {0.5, 0.5}}};  // [s][a][s']
  for (int s = 0; s < 2; ++s) {
    for (int a = 0; a < 2; ++a) {
      EXPECT_NEAR(doc["Q"][1][s][a].get<double>(), reward[s][a], 1e-15);
      const double expect = p[s][a][0] * w2[0] + p[s][a][1] * w2[1];
      EXPECT_NEAR(doc["Q"][0][s][a].get<double>(), reward[s][a] + alpha * std::log(gamma * expect + 1.0 - gamma), 1e-12);
    }
  }
  // (high, go) has no rows: unavailable, so its Q is null and π gives it 0.
  const auto partial = dir.write("T2.csv", "state,action,next_state,probability\nlow,stay,low,1\nlow,go,high,1\n"
                                           "high,stay,low,1\n");
  const CliRun unavailable = run_copi("mdp --transitions " + partial.string() + " --rewards " + r.string() +
                                      " --horizon 1 --json " + (dir / "u.json").string());
  ASSERT_EQ(unavailable.status, 0) << unavailable.err;
  EXPECT_NE(unavailable.err.find("1 (state, action) pair has no transition rows"), std::string::npos) << unavailable.err;
  const nlohmann::json u = nlohmann::json::parse(slurp(dir / "u.json"));
  EXPECT_TRUE(u["Q"][0][1][1].is_null()) << u["Q"];
  EXPECT_EQ(u["Q"][0][1][0].get<double>(), 1.0);
  EXPECT_EQ(u["policy"][0][1][1].get<double>(), 0.0);
}

// Item 11: --tol and --max-iter. One state looping with reward 1 at γ = 1/2: value
// iteration's backup k changes V by r = 2^{1-k}, and the certified distance of T V to
// the fixed point is γ r / (1 - γ) = r, so a tolerance of 1e-3 stops after exactly 11
// backups with V = 2 (1 - 2^-11); a cap of 5 stops before, not converged (status 1).
// Policy iteration (the default) solves the one linear equation: V = 2.
TEST(CliMdp, ToleranceAndIterationCapStopTheInfiniteHorizon) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\ns,go,s,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\ns,go,1\n");
  const std::string base = "mdp --transitions " + t.string() + " --rewards " + r.string() + " --discount 0.5 --json ";
  const CliRun tolerant = run_copi(base + (dir / "a.json").string() + " --tol 1e-3 --solver vi");
  ASSERT_EQ(tolerant.status, 0) << tolerant.err;
  const nlohmann::json a = nlohmann::json::parse(slurp(dir / "a.json"));
  EXPECT_EQ(a["iterations"].get<int>(), 11);
  EXPECT_EQ(a["V"][0][0].get<double>(), 2.0 * (1.0 - std::ldexp(1.0, -11)));
  EXPECT_TRUE(a["converged"].get<bool>());
  const CliRun capped = run_copi(base + (dir / "b.json").string() + " --max-iter 5 --solver vi");
  EXPECT_EQ(capped.status, 1);
  EXPECT_NE(capped.err.find("not converged after 5 backups"), std::string::npos) << capped.err;
  const nlohmann::json b = nlohmann::json::parse(slurp(dir / "b.json"));
  EXPECT_EQ(b["iterations"].get<int>(), 5);
  EXPECT_FALSE(b["converged"].get<bool>());
  EXPECT_EQ(b["solver"], "vi");
  const CliRun newton = run_copi(base + (dir / "c.json").string() + " --tol 1e-12");
  ASSERT_EQ(newton.status, 0) << newton.err;
  const nlohmann::json c = nlohmann::json::parse(slurp(dir / "c.json"));
  EXPECT_EQ(c["solver"], "pi");
  EXPECT_NEAR(c["V"][0][0].get<double>(), 2.0, 1e-15);
  EXPECT_LE(c["iterations"].get<int>(), 3);
  EXPECT_LE(c["error_bound"].get<double>(), 1e-12);
  EXPECT_NEAR(c["objective"].get<double>(), 2.0, 1e-12);  // Σ_t γ^t r, the one policy's return
}

// Issue 15 item 4: --keep first and --keep stream give the numbers of --keep all for the
// steps they keep (the JSON's shortest round-trip text: equal text, equal bits).
TEST(CliMdp, KeepFirstAndStreamWriteTheKeptStepsOfKeepAll) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\nlow,go,high,0.7\nlow,go,low,0.3\n"
                                    "low,stay,low,1\nhigh,go,low,1\nhigh,stay,high,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\nlow,go,-0.5\nhigh,stay,1\nhigh,go,0.25\n");
  const std::string base = "mdp --transitions " + t.string() + " --rewards " + r.string() +
                           " --horizon 6 --discount 0.9 --method exact --json ";
  for (const char* keep : {"all", "first", "stream"}) {
    const CliRun run = run_copi(base + (dir / (std::string(keep) + ".json")).string() + " --keep " + keep);
    ASSERT_EQ(run.status, 0) << keep << ": " << run.err;
  }
  const nlohmann::json all = nlohmann::json::parse(slurp(dir / "all.json"));
  const nlohmann::json first = nlohmann::json::parse(slurp(dir / "first.json"));
  const nlohmann::json stream = nlohmann::json::parse(slurp(dir / "stream.json"));
  ASSERT_EQ(all["V"].size(), 6u);
  EXPECT_EQ(all["keep"], "all");
  ASSERT_EQ(first["V"].size(), 1u);
  EXPECT_EQ(first["keep"], "first");
  EXPECT_EQ(first["V"][0], all["V"][0]);
  EXPECT_EQ(first["policy"][0], all["policy"][0]);
  EXPECT_EQ(first["Q"][0], all["Q"][0]);
  EXPECT_EQ(first["objective"], all["objective"]);
  EXPECT_EQ(first["log_partition"], all["log_partition"]);
  EXPECT_FALSE(stream.contains("V"));
  ASSERT_EQ(stream["steps"].size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    const nlohmann::json& step = stream["steps"][i];
    const std::size_t t = 6 - i;  // computed backwards, t = T first
    EXPECT_EQ(step["t"].get<std::size_t>(), t);
    EXPECT_EQ(step["V"], all["V"][t - 1]) << "t = " << t;
    EXPECT_EQ(step["policy"], all["policy"][t - 1]) << "t = " << t;
    EXPECT_EQ(step["Q"], all["Q"][t - 1]) << "t = " << t;
  }
  EXPECT_EQ(stream["objective"], all["objective"]);
  EXPECT_EQ(stream["keep"], "stream");
  EXPECT_EQ(stream["states"], all["states"]);
}

// Item 11: --discount 1 without a horizon on a stochastic shortest path. A state without
// transition rows (goal) is absorbing; from start, `safe` reaches it for -2 and `risky`
// for -0.5 half the time (else stays): map V(start) = max(-2, -0.5 + V/2) = -1, and V
// of the goal is exactly 0 (item 7). A policy that can wait forever is refused.
TEST(CliMdp, DiscountOneWithoutHorizonSolvesShortestPathsAndRefusesEndlessOnes) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\nstart,safe,goal,1\nstart,risky,goal,0.5\n"
                                    "start,risky,start,0.5\n");
  const auto r = dir.write("R.csv", "state,action,reward\nstart,safe,-2\nstart,risky,-0.5\n");
  for (const std::string method : {"map", "exact", "variational"}) {
    const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() +
                                " --discount 1 --method " + method + " --json " + (dir / "m.json").string());
    ASSERT_EQ(run.status, 0) << method << ": " << run.err;
    EXPECT_NE(run.err.find("1 state has no transition rows and is absorbing (the episode ends there, V = 0): goal"),
              std::string::npos)
        << run.err;
    const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
    EXPECT_EQ(doc["states"], (std::vector<std::string>{"start", "goal"}));
    EXPECT_EQ(doc["V"][0][1].get<double>(), 0.0) << method;
    if (method == "map") {
      EXPECT_NEAR(doc["V"][0][0].get<double>(), -1.0, 1e-9);
    }
    if (method == "exact") {  // x = e^{-2} + e^{-0.5} (1/2 + x/2)
      const double x = (std::exp(-2.0) + 0.5 * std::exp(-0.5)) / (1.0 - 0.5 * std::exp(-0.5));
      EXPECT_NEAR(doc["V"][0][0].get<double>(), std::log(x), 1e-9);
    }
  }
  const auto waiting = dir.write("W.csv", "state,action,next_state,probability\nstart,safe,goal,1\nstart,wait,start,1\n");
  const auto wait_rewards = dir.write("WR.csv", "state,action,reward\nstart,safe,-2\nstart,wait,-1\n");
  const CliRun refused =
      run_copi("mdp --transitions " + waiting.string() + " --rewards " + wait_rewards.string() + " --discount 1");
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.err.find("but a policy can stay forever among the non-absorbing state start"), std::string::npos)
      << refused.err;
}

// Item 7 through the command line: the exact method with a discount used to give the
// absorbing states 6e-17; the JSON's V is 0 exactly, at every step.
TEST(CliMdp, AbsorbingStatesHaveValueExactlyZero) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\na,left,b,0.7\na,left,a,0.3\na,right,end,0.6\n"
                                    "a,right,b,0.4\nb,left,a,1\nb,right,end,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\na,left,-1\na,right,-0.3\nb,left,-0.5\nb,right,-2\n");
  for (const std::string method : {"exact", "variational", "map"}) {
    for (const std::string horizon : {" --horizon 5", ""}) {
      const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() + " --discount 0.9" +
                                  horizon + " --alpha 0.3 --method " + method + " --json " + (dir / "m.json").string());
      ASSERT_EQ(run.status, 0) << run.err;
      const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "m.json"));
      ASSERT_EQ(doc["states"][2], "end");
      for (const auto& v : doc["V"]) EXPECT_EQ(v[2].get<double>(), 0.0) << method << horizon;
      EXPECT_NE(run.out.find("V(end) = 0 "), std::string::npos) << run.out;
    }
  }
}

// Item 3 of issue 10: numeric flags are input. Each bad value exits 2 naming the flag
// as typed and the accepted range (--horizon -3 used to wrap round to a huge size_t and
// die in std::vector); every bad flag of a command line is reported at once.
TEST(CliMdp, BadNumericFlagsNameTheFlagAndTheRange) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const std::string base = "mdp --transitions " + t.string() + " --rewards " + r.string() + " ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--horizon -3", "copi: error: --horizon -3: must be an integer >= 1\n"},
      {"--horizon 0", "copi: error: --horizon 0: must be an integer >= 1\n"},
      {"--horizon 2.5", "copi: error: --horizon 2.5: must be an integer >= 1\n"},
      {"--horizon many", "copi: error: --horizon many: must be an integer >= 1\n"},
      {"--discount nan", "copi: error: --discount nan: must be a number in (0, 1]\n"},
      {"--discount 1.5", "copi: error: --discount 1.5: must be a number in (0, 1]\n"},
      {"--horizon 2 --alpha 0", "copi: error: --alpha 0: must be a number in [1e-100, 1e+100]\n"},
      {"--horizon 2 --tol -1", "copi: error: --tol -1: must be a number > 0\n"},
      {"--horizon 2 --max-iter 0", "copi: error: --max-iter 0: must be an integer >= 1\n"},
      {"--horizon 2 --threads 0", "copi: error: --threads 0: must be an integer in [1, 4096]\n"},
      {"--horizon 2 --memory-limit lots", "copi: error: --memory-limit lots: must be a size such as 512M, 2G or 1048576 (bytes)\n"},
      {"--horizon 2 --method soft", "copi: error: --method soft: unknown method 'soft': expected exact, variational or map\n"},
      {"--solver newton", "copi: error: --solver newton: must be one of auto, vi, pi, or anderson\n"},
      {"--horizon 2 --keep last", "copi: error: --keep last: must be one of all, first, or stream\n"},
      {"--method exact --solver pi",
       "copi: error: --solver pi: must be auto, vi or anderson for exact (policy iteration needs a backup linear in V "
       "for a fixed policy: variational or map)\n"},
      {"--horizon -3 --alpha 0 --tol 0 --threads 0",
       "copi: error: --tol 0: must be a number > 0; --threads 0: must be an integer in [1, 4096]; --horizon -3: must be "
       "an integer >= 1; --alpha 0: must be a number in [1e-100, 1e+100]\n"},
  };
  for (const auto& [flags, message] : cases) {
    const CliRun run = run_copi(base + flags);
    EXPECT_EQ(run.status, 2) << flags;
    EXPECT_EQ(run.err, message) << flags;
    EXPECT_EQ(run.out, "") << flags;
  }
}

// Item 3: a horizon whose outputs cannot fit is refused before anything is allocated
// (exit 3): run under a 1 GiB address-space cap, the refusal still comes from the
// estimate, not from a failed allocation. --memory-limit moves the line.
TEST(CliMdp, HorizonsBeyondTheMemoryLimitAreRefusedBeforeAllocating) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  const std::string base = "mdp --transitions " + t.string() + " --rewards " + r.string() + " ";
  const std::string copi = std::string(COPI_EXECUTABLE);
  // AddressSanitizer reserves terabytes of shadow address space at start-up, so a
  // sanitized copi cannot start under the cap; there the cap is left off and the
  // exit status and message still show the refusal came from the estimate.
  const std::string cap = kAddressSanitized ? "" : "ulimit -v 1048576; ";
  const std::string capped = "-c '" + cap + "exec " + copi + " " + base + "--horizon 10000000 --json " +
                             (dir / "m.json").string() + " 2>" + (dir / "err.txt").string() + "'";
  const int raw = std::system(("sh " + capped).c_str());
  ASSERT_TRUE(WIFEXITED(raw));
  EXPECT_EQ(WEXITSTATUS(raw), 3);
  const std::string err = slurp(dir / "err.txt");
  EXPECT_EQ(err.rfind("copi: error: the solution needs about ", 0), 0u) << err;
  EXPECT_NE(err.find("GiB (V, the policy and Q for 10000000 steps of 2 states x 2 actions, and their JSON), over "
                     "--memory-limit 2 GiB; raise --memory-limit, use --keep first or --keep stream or shorten --horizon"),
            std::string::npos)
      << err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.json"));
  // 1000 steps need about 200 kB: refused under a 100 kB limit, solved under the default.
  const CliRun small = run_copi(base + "--horizon 1000 --memory-limit 100K");
  EXPECT_EQ(small.status, 3);
  EXPECT_NE(small.err.find("over --memory-limit 9.54e-05 GiB"), std::string::npos) << small.err;
  EXPECT_EQ(run_copi(base + "--horizon 1000").status, 0);
  // --keep first / stream hold one step: the same 1000 steps fit in 100 kB (issue 15 item 4).
  const CliRun first = run_copi(base + "--horizon 1000 --memory-limit 100K --keep first");
  EXPECT_EQ(first.status, 0) << first.err;
  const CliRun stream = run_copi(base + "--horizon 1000 --memory-limit 100K --keep stream --json " + (dir / "s.json").string());
  EXPECT_EQ(stream.status, 0) << stream.err;
}

TEST(CliMdp, ExactDivergenceIsReportedWithStatusOne) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\n0,a,0,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\n0,a,1\n");
  const CliRun run = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() +
                              " --discount 0.9 --alpha 1 --method exact");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("diverges"), std::string::npos) << run.err;
}

// The compiled graph written with --emit-uai, solved by generic exact inference, has
// log Z = the solver's log p(O_{1:T} = 1), with and without a discount.
TEST(CliMdp, EmittedUaiGivesTheSameLogPartitionUnderGenericInference) {
  TempDir dir;
  const auto t = dir.write("T.csv", kTransitions);
  const auto r = dir.write("R.csv", kRewards);
  for (const std::string discount : {"", " --discount 0.8"}) {
    const auto uai = dir / "m.uai";
    const CliRun solve = run_copi("mdp --transitions " + t.string() + " --rewards " + r.string() +
                                  " --horizon 4 --alpha 0.7 --method exact" + discount + " --json " +
                                  (dir / "m.json").string() + " --emit-uai " + uai.string());
    ASSERT_EQ(solve.status, 0) << solve.err;
    const CliRun infer = run_copi("infer " + uai.string() + " --evid " + uai.string() + ".evid --task PR --json " +
                                  (dir / "pr.json").string());
    ASSERT_EQ(infer.status, 0) << infer.err;
    const double solver = nlohmann::json::parse(slurp(dir / "m.json"))["log_partition"].get<double>();
    const double generic = nlohmann::json::parse(slurp(dir / "pr.json"))["log_z"].get<double>();
    EXPECT_NEAR(solver, generic, 1e-9) << discount;
  }
}

// examples/cliff: exact inference is risk-seeking (it optimises as if it could choose
// the dynamics' outcome too), the variational solution is not. π_exact(edge | start)
// is checked against a sum over trajectories: p(a_1 | s_1, O) ∝ exp(r/α) Σ p(s'|s,a) β(s').
TEST(CliMdp, CliffExampleExactIsRiskSeekingVariationalIsNot) {
  TempDir dir;
  const std::string base = "mdp --transitions " + source_path("examples/cliff/transitions.csv") + " --rewards " +
                           source_path("examples/cliff/rewards.csv") + " --initial " +
                           source_path("examples/cliff/initial.csv") + " --horizon 6 --alpha 1 --json ";
  ASSERT_EQ(run_copi(base + (dir / "e.json").string() + " --method exact").status, 0);
  ASSERT_EQ(run_copi(base + (dir / "v.json").string() + " --method variational").status, 0);
  const nlohmann::json exact = nlohmann::json::parse(slurp(dir / "e.json"));
  const nlohmann::json variational = nlohmann::json::parse(slurp(dir / "v.json"));
  const auto index = [](const nlohmann::json& labels, const std::string& name) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == name) return i;
    }
    return labels.size();
  };
  const std::size_t start = index(exact["states"], "start");
  const std::size_t edge = index(exact["actions"], "edge");
  // Backward sums β_t(s) = Σ_a exp(r(s,a)) Σ_s' p β_{t+1}(s'), written for this MDP:
  // goal and cliff are absorbing with rewards 0 and -10 for both actions.
  const int T = 6;
  const auto beta_absorbing = [](double reward, int steps) { return std::pow(2.0 * std::exp(reward), steps); };
  const auto beta_path2 = [&](int steps) { return 2.0 * std::exp(-1.0) * beta_absorbing(0.0, steps - 1); };
  const auto beta_path1 = [&](int steps) { return 2.0 * std::exp(-1.0) * beta_path2(steps - 1); };
  const double via_edge = std::exp(-1.0) * (0.8 * beta_absorbing(0.0, T - 1) + 0.2 * beta_absorbing(-10.0, T - 1));
  const double via_detour = std::exp(-1.0) * beta_path1(T - 1);
  const double expected = via_edge / (via_edge + via_detour);
  EXPECT_NEAR(exact["policy"][0][start][edge].get<double>(), expected, 1e-12);
  EXPECT_GT(exact["policy"][0][start][edge].get<double>(), 0.8);
  EXPECT_LT(variational["policy"][0][start][edge].get<double>(), 0.001);
  EXPECT_NEAR(exact["log_partition"].get<double>(), std::log(via_edge + via_detour), 1e-12);
}

// examples/gridworld.copi through `copi run`: the soft-optimal agent heads for the
// goal corner, the JSON has one solution in the `copi mdp` layout, --plot draws it.
TEST(CliMdp, GridworldInTheLanguageRunsAndPlots) {
  TempDir dir;
  const CliRun run = run_copi("run " + source_path("examples/gridworld.copi") + " --json " + (dir / "g.json").string() +
                              " --plot " + (dir / "g.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "g.json"));
  ASSERT_EQ(doc["mdp_solutions"].size(), 1u);
  const nlohmann::json& solution = doc["mdp_solutions"][0];
  EXPECT_EQ(solution["method"], "variational");
  ASSERT_EQ(solution["states"].size(), 100u);
  EXPECT_TRUE(solution["converged"].get<bool>());
  // From the start (0, 0) the way round the inner wall runs along the top row through
  // the gap: "right" is the likeliest action (α = 1 keeps the policy soft).
  const auto& start = solution["policy"][0][0];
  for (std::size_t a = 0; a < 3; ++a) EXPECT_GT(start[3].get<double>(), start[a].get<double>()) << "action " << a;
  // Left of the inner wall (x = 5, y >= 2) the way to the goal is back up through the
  // gap at the top: "up" is the likeliest action at (y 5, x 4), "right" bumps into it.
  const auto& by_wall = solution["policy"][0][5 * 10 + 4];
  for (std::size_t a = 1; a < 4; ++a) EXPECT_GT(by_wall[0].get<double>(), by_wall[a].get<double>()) << "action " << a;
  const std::string svg = slurp(dir / "g.svg");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("<line"), std::string::npos);
  std::size_t grey = 0;
  for (std::size_t at = svg.find("rgb(90,90,90)"); at != std::string::npos; at = svg.find("rgb(90,90,90)", at + 1)) ++grey;
  EXPECT_EQ(grey, 8u);  // the wall cells (y = 2..9 at x = 5)
}

// A tolerance below what rounding allows for values of this size (|V| = log 2 / (1 - γ)
// ≈ 6931 at γ = 0.9999, rounding floor ~ 4 eps |V| γ / (1 - γ) ≈ 6e-8) stops the solve as
// stalled, exit 1, with the error it could certify; a tolerance above it converges.
TEST(CliMdp, ToleranceBelowRoundingSaysSoAndWhatCanBeCertified) {
  TempDir dir;
  const auto t = dir.write("T.csv", "state,action,next_state,probability\nx,a,x,0.5\nx,a,y,0.5\nx,b,y,1\n"
                                    "y,a,x,1\ny,b,y,1\n");
  const auto r = dir.write("R.csv", "state,action,reward\n");
  const std::string base = "mdp --transitions " + t.string() + " --rewards " + r.string() + " --discount 0.9999 ";
  const CliRun tight = run_copi(base + "--tol 1e-10 --json " + (dir / "tight.json").string());
  EXPECT_EQ(tight.status, 1) << tight.err;
  EXPECT_NE(tight.err.find("rounding in values of this size keeps the certified error at "), std::string::npos)
      << tight.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "tight.json"));
  EXPECT_FALSE(doc["converged"].get<bool>());
  EXPECT_TRUE(doc["stalled"].get<bool>());
  const double certified = doc["error_bound"].get<double>();
  EXPECT_GT(certified, 1e-10);
  EXPECT_LT(certified, 1e-6);
  // log 2 / (1 - γ): every action set of two, zero rewards (V = α log 2 + γ V).
  EXPECT_NEAR(doc["V"][0][0].get<double>(), std::log(2.0) / 1e-4, 1e-6);
  const CliRun loose = run_copi(base + "--tol " + std::to_string(10 * certified));
  EXPECT_EQ(loose.status, 0) << loose.err;
}

}  // namespace
}  // namespace copi::testing
