// End-to-end: `learn reward` statements under `copi run` — the shipped example's
// gridworld.copi learns what `copi irl` learns from the equivalent CSV tables, the
// printed summary and the JSON keys, and bad demonstrations at file:line:col, exit 2.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

TEST(CliIrlRun, LanguageLearnsWhatCopiIrlLearnsOnTheExample) {
  TempDir dir;
  const std::string folder = source_path("examples/irl/");
  const CliRun run = run_copi("run " + folder + "gridworld.copi --json " + (dir / "run.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("learn reward of grid (variational, 200 demonstrations from "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("largest |empirical - expected|"), std::string::npos) << run.out;
  const CliRun irl = run_copi("irl --transitions " + folder + "T.csv --features " + folder + "F.csv --demos " + folder +
                              "D.csv --horizon 20 --tol 1e-10 --json " + (dir / "irl.json").string());
  ASSERT_EQ(irl.status, 0) << irl.err;
  const nlohmann::json runs = nlohmann::json::parse(slurp(dir / "run.json"));
  ASSERT_EQ(runs["irl_results"].size(), 1u);
  const nlohmann::json& learned = runs["irl_results"][0];
  const nlohmann::json expected = nlohmann::json::parse(slurp(dir / "irl.json"));
  EXPECT_EQ(learned["mdp"], "grid");
  EXPECT_EQ(learned["method"], "variational");
  for (const char* feature : {"goal", "lava", "water"}) {
    SCOPED_TRACE(feature);
    EXPECT_NEAR(learned["weights"][feature].get<double>(), expected["weights"][feature].get<double>(), 1e-8);
    EXPECT_NEAR(learned["feature_counts"]["empirical"][feature].get<double>(),
                expected["feature_counts"]["empirical"][feature].get<double>(), 1e-12);
  }
  EXPECT_NEAR(learned["objective"].get<double>(), expected["objective"].get<double>(), 1e-8);
  EXPECT_NEAR(learned["log_likelihood"].get<double>(), expected["log_likelihood"].get<double>(), 1e-8);
  EXPECT_LE(learned["max_feature_gap"].get<double>(), 1e-6);
  // The reward tables agree state by state: copi irl's "R_C" is the block's "(row=R, col=C)".
  ASSERT_EQ(learned["reward"].size(), 64u);
  ASSERT_EQ(expected["reward"].size(), 64u);
  std::map<std::string, std::size_t> block_state;
  for (std::size_t s = 0; s < 64; ++s) block_state[learned["states"][s].get<std::string>()] = s;
  for (std::size_t s = 0; s < 64; ++s) {
    const std::string label = expected["states"][s];
    const std::string row = label.substr(0, label.find('_'));
    const std::string col = label.substr(label.find('_') + 1);
    const auto found = block_state.find("(row=" + row + ", col=" + col + ")");
    ASSERT_NE(found, block_state.end()) << label;
    for (std::size_t a = 0; a < 4; ++a) {
      EXPECT_NEAR(learned["reward"][found->second][a].get<double>(), expected["reward"][s][a].get<double>(), 1e-8)
          << label << " " << a;
    }
  }
  // The goal cell's reward is θ_goal: the comparison above is not between zeros only.
  EXPECT_NEAR(learned["reward"][block_state.at("(row=6, col=6)")][0].get<double>(),
              learned["weights"]["goal"].get<double>(), 1e-12);
  for (const char* key : {"iterations", "gradient_norm", "converged"}) EXPECT_TRUE(learned.contains(key)) << key;
}

TEST(CliIrlRun, BadDemonstrationsExitTwoAtTheirCell) {
  TempDir dir;
  dir.write("m.copi",
            "mdp line {\n  state x : 0..2\n  action move : {left, right}\n"
            "  next move == right : { x' = min(x + 1, 2) : 1 }\n  next move == left : { x' = max(x - 1, 0) : 1 }\n"
            "  reward 0\n  horizon 2\n}\n"
            "learn reward of line from \"d.csv\" { feature end = x == 2 }\n");
  dir.write("d.csv", "episode,t,x,move\na,0,0,right\na,1,0,right\n");
  const CliRun run = run_copi("run " + (dir / "m.copi").string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find((dir / "d.csv").string() +
                         ":3:5: error: episode 'a' moves from state '(x=0)' by action 'right' to state '(x=0)', a "
                         "transition of probability 0"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("  a,1,0,right\n      ^"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace copi::testing
