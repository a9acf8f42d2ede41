// End-to-end: `copi learn-skills`. Oracles: the first EM step computed here from
// posterior trajectory sums over every (trajectory, z) of each task
// (tiny_latent_mdp.hpp), `copi mdp --skills` on the learned table (its log p(O) per
// task sums to the last log evidence), monotone log evidence, the same bits for any
// thread count, and bad inputs named by flag or file:line with nothing written.
#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "tiny_latent_mdp.hpp"

namespace copi::testing {
namespace {

// A second task on the same dynamics: staying pays.
constexpr double kSecondReward[2][2] = {{-0.3, 0.4}, {0.1, 0.6}};

struct SkillTasks {
  TinyLatentMdp m;
  std::string transitions, task1, task2, initial, skills, latent;
  explicit SkillTasks(const TempDir& dir) {
    transitions = dir.write("T.csv", m.transitions_csv()).string();
    task1 = dir.write("R1.csv", m.rewards_csv()).string();
    task2 = dir.write("R2.csv", m.rewards_csv(kSecondReward)).string();
    initial = dir.write("I.csv", m.initial_csv()).string();
    skills = dir.write("S.csv", m.skills_csv()).string();
    latent = dir.write("Z.csv", m.episode_prior_csv()).string();
  }
  [[nodiscard]] std::string command(const std::string& out, const std::string& more) const {
    return "learn-skills --transitions " + transitions + " --tasks " + task1 + " " + task2 + " --skills " + skills +
           " --latent " + latent + " --initial " + initial + " --out " + out + " " + more;
  }
};

// LEARNED.csv as skill[s][z][a] by labels.
std::map<std::string, double> read_skills(const std::filesystem::path& path) {
  std::map<std::string, double> out;
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "state,latent,action,probability");
  while (std::getline(in, line)) {
    const std::size_t last = line.rfind(',');
    out[line.substr(0, last)] = std::stod(line.substr(last + 1));
  }
  return out;
}

// Issue 13, checks: EM's first iteration from the enumerated posterior expected
// counts. For task k, p(τ, z | O_k) = p(z) w_z(τ) / Σ_z' p(z') p(O_k | z'); the M-step
// is p(a|s,z) ∝ Σ_k Σ_τ p(τ, z | O_k) #(s, a in τ), p(z) ∝ Σ_k p(z | O_k).
TEST(CliLearnSkills, FirstIterationIsTheEnumeratedEmStep) {
  TempDir dir;
  const SkillTasks setup(dir);
  const TinyLatentMdp& m = setup.m;
  const int horizon = 2;
  const CliRun run =
      run_copi(setup.command((dir / "L.csv").string(), "--horizon 2 --method exact --iterations 1 --tol 0 --json " +
                                                           (dir / "l.json").string()));
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "l.json"));
  double counts[2][2][2] = {};
  double posterior_sum[2] = {};
  double log_evidence = 0;
  for (const auto* reward : {&m.r, &kSecondReward}) {
    double joint[2];
    for (int z = 0; z < 2; ++z) joint[z] = m.episode_prior[z] * m.evidence(z, horizon, 1.0, *reward);
    const double total = joint[0] + joint[1];
    log_evidence += std::log(total);
    for (int z = 0; z < 2; ++z) {
      posterior_sum[z] += joint[z] / total;
      m.for_each_trajectory(z, horizon, 1.0, *reward, [&](const auto& states, const auto& actions, double w) {
        for (std::size_t t = 0; t < states.size(); ++t) {
          counts[states[t]][z][actions[t]] += m.episode_prior[z] * w / total;
        }
      });
    }
  }
  ASSERT_EQ(doc["log_evidence"].size(), 2u);
  EXPECT_NEAR(doc["log_evidence"][0].get<double>(), log_evidence, 1e-12);
  EXPECT_EQ(doc["iterations"].get<int>(), 1);
  EXPECT_EQ(doc["latents"], (std::vector<std::string>{"L", "R"}));
  for (int z = 0; z < 2; ++z) EXPECT_NEAR(doc["latent_prior"][z].get<double>(), posterior_sum[z] / 2, 1e-12);
  const std::map<std::string, double> learned = read_skills(dir / "L.csv");
  ASSERT_EQ(learned.size(), 8u);
  for (int s = 0; s < 2; ++s) {
    for (int z = 0; z < 2; ++z) {
      const double row = counts[s][z][0] + counts[s][z][1];
      for (int a = 0; a < 2; ++a) {
        const std::string key = std::string(m.state[s]) + "," + m.latent[z] + "," + m.action[a];
        EXPECT_NEAR(learned.at(key), counts[s][z][a] / row, 1e-12) << key;
      }
    }
  }
  // The last entry: the summed log evidence under the learned parameters, by the same sums.
  TinyLatentMdp after = m;
  for (int s = 0; s < 2; ++s) {
    for (int z = 0; z < 2; ++z) {
      for (int a = 0; a < 2; ++a) {
        after.skill[s][z][a] = learned.at(std::string(m.state[s]) + "," + m.latent[z] + "," + m.action[a]);
      }
    }
  }
  double log_after = 0;
  for (const auto* reward : {&m.r, &kSecondReward}) {
    double total = 0;
    for (int z = 0; z < 2; ++z) total += doc["latent_prior"][z].get<double>() * after.evidence(z, horizon, 1.0, *reward);
    log_after += std::log(total);
  }
  EXPECT_NEAR(doc["log_evidence"][1].get<double>(), log_after, 1e-12);
  EXPECT_GE(log_after, log_evidence);
}

// The summed log evidence never decreases, --tol 0 runs every iteration, and the
// learned table is a `copi mdp --skills` table: with the learned p(z), each task's log
// p(O) from `copi mdp` sums to the last entry.
TEST(CliLearnSkills, LogEvidenceNeverDecreasesAndTheLearnedSkillsReadBack) {
  TempDir dir;
  const SkillTasks setup(dir);
  for (const std::string method : {"exact", "variational"}) {
    const std::string out = (dir / ("L-" + method + ".csv")).string();
    const std::string json = (dir / ("l-" + method + ".json")).string();
    const CliRun run =
        run_copi(setup.command(out, "--horizon 3 --alpha 0.7 --method " + method + " --iterations 12 --tol 0 --json " + json));
    ASSERT_EQ(run.status, 0) << run.err;
    const nlohmann::json doc = nlohmann::json::parse(slurp(json));
    ASSERT_EQ(doc["log_evidence"].size(), 13u) << method;
    EXPECT_EQ(doc["iterations"].get<int>(), 12);
    for (std::size_t i = 1; i < doc["log_evidence"].size(); ++i) {
      EXPECT_GE(doc["log_evidence"][i].get<double>(), doc["log_evidence"][i - 1].get<double>() - 1e-12)
          << method << " iteration " << i;
    }
    EXPECT_GT(doc["log_evidence"].back().get<double>(), doc["log_evidence"][0].get<double>() + 1e-6) << method;
    EXPECT_NE(run.out.find("per iteration:"), std::string::npos) << run.out;
    if (method != "exact") continue;
    std::ostringstream prior;
    prior.precision(17);
    prior << "latent,probability\nL," << doc["latent_prior"][0].get<double>() << "\nR,"
          << doc["latent_prior"][1].get<double>() << "\n";
    const std::string z = dir.write("Zlearned.csv", prior.str()).string();
    double sum = 0;
    for (const std::string& task : {setup.task1, setup.task2}) {
      const CliRun solve = run_copi("mdp --transitions " + setup.transitions + " --rewards " + task + " --initial " +
                                    setup.initial + " --horizon 3 --alpha 0.7 --method exact --skills " + out +
                                    " --latent-mode episode --latent " + z + " --json " + (dir / "m.json").string());
      ASSERT_EQ(solve.status, 0) << solve.err;
      sum += nlohmann::json::parse(slurp(dir / "m.json"))["log_partition"].get<double>();
    }
    EXPECT_NEAR(sum, doc["log_evidence"].back().get<double>(), 1e-9);
  }
}

TEST(CliLearnSkills, ToleranceStopsEarlyAndTheThreadCountChangesNothing) {
  TempDir dir;
  const SkillTasks setup(dir);
  const CliRun early = run_copi(setup.command((dir / "L.csv").string(), "--horizon 3 --iterations 500 --tol 1e-4 --json " +
                                                                        (dir / "l.json").string()));
  ASSERT_EQ(early.status, 0) << early.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "l.json"));
  EXPECT_TRUE(doc["converged"].get<bool>());
  const std::size_t n = doc["log_evidence"].size();
  ASSERT_GE(n, 3u);
  EXPECT_LT(doc["iterations"].get<int>(), 500);
  EXPECT_LT(doc["log_evidence"][n - 1].get<double>() - doc["log_evidence"][n - 2].get<double>(), 1e-4);
  // One and two threads: the same file, byte for byte.
  const CliRun one = run_copi(setup.command((dir / "L1.csv").string(), "--horizon 3 --iterations 5 --tol 0 --threads 1"));
  const CliRun two = run_copi(setup.command((dir / "L2.csv").string(), "--horizon 3 --iterations 5 --tol 0 --threads 2"));
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(two.status, 0) << two.err;
  EXPECT_EQ(slurp(dir / "L1.csv"), slurp(dir / "L2.csv"));
  // Running out of iterations with a tolerance is reported (exit 1), the result kept.
  const CliRun capped = run_copi(setup.command((dir / "L3.csv").string(), "--horizon 3 --iterations 2 --tol 1e-300"));
  EXPECT_EQ(capped.status, 1) << capped.err;
  EXPECT_NE(capped.err.find("not converged after 2 iterations"), std::string::npos) << capped.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "L3.csv"));
}

// Bad flags name the flag and its range (all at once, before any file is read); bad
// tables name file:line; either way exit 2 and no output file.
TEST(CliLearnSkills, BadInputsNameTheFlagOrFileLineAndWriteNothing) {
  TempDir dir;
  const SkillTasks setup(dir);
  const std::string out = (dir / "L.csv").string();
  const CliRun flags = run_copi("learn-skills --transitions none.csv --tasks none.csv --skills none.csv --out " + out +
                                " --horizon 0 --method map --iterations 0 --tol -1 --discount 2 --threads 0");
  EXPECT_EQ(flags.status, 2);
  for (const std::string message :
       {"--method map: must be one of exact or variational", "--iterations 0: must be an integer >= 1",
        "--tol -1: must be a number >= 0", "--horizon 0: must be an integer >= 1", "--discount 2: must be",
        "--threads 0: must be"}) {
    EXPECT_NE(flags.err.find(message), std::string::npos) << message << "\n" << flags.err;
  }
  const CliRun no_horizon = run_copi("learn-skills --transitions " + setup.transitions + " --tasks " + setup.task1 +
                                     " --skills " + setup.skills + " --out " + out);
  EXPECT_EQ(no_horizon.status, 2);
  EXPECT_NE(no_horizon.err.find("--horizon"), std::string::npos) << no_horizon.err;

  const std::string bad_task = dir.write("R3.csv", "state,action,reward\na,x,1\nc,x,1\n").string();
  const std::string bad_skills = dir.write("S2.csv", "state,latent,action,probability\na,L,x,1\nb,L,x,0.5\n").string();
  const std::string step_latent = dir.write("Z2.csv", "state,latent,probability\na,L,1\nb,L,1\n").string();
  const std::string base = "learn-skills --transitions " + setup.transitions + " --horizon 2 --out " + out;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --tasks " + setup.task1 + " " + bad_task + " --skills " + setup.skills, bad_task + ":3:1: error: unknown state 'c'"},
      {" --tasks " + setup.task1 + " --skills " + bad_skills,
       bad_skills + ":3:1: error: p(action | state b, latent L) sums to 0.5, not 1"},
      {" --tasks " + setup.task1 + " --skills " + setup.skills + " --latent " + step_latent,
       step_latent + ":1:1: error: a latent per episode takes the header 'latent,probability'"},
  };
  for (const auto& [more, message] : cases) {
    const CliRun run = run_copi(base + more);
    EXPECT_EQ(run.status, 2) << more;
    EXPECT_NE(run.err.find(message), std::string::npos) << more << "\n" << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace copi::testing

namespace copi::testing {
namespace {

// The shipped example (examples/skills/README.md): variational EM gives each training
// task its own skill, the exact EM's summed log p(O) beats the specialised skills'
// under the exact objective, and the high level over the learned skills takes the new
// corner task with a positive expected value.
TEST(CliLearnSkills, ExampleSpecialisesOneSkillPerTask) {
  TempDir dir;
  const std::string folder = source_path("examples/skills/");
  const std::string tasks = folder + "R_east.csv " + folder + "R_north.csv " + folder + "R_west.csv";
  const std::string learned = (dir / "L.csv").string();
  const CliRun run = run_copi("learn-skills --transitions " + folder + "T.csv --tasks " + tasks + " --skills " + folder +
                              "INIT.csv --initial " + folder + "I_train.csv --horizon 10 --method variational --tol 1e-3 "
                              "--out " + learned + " --json " + (dir / "v.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "v.json"));
  std::vector<std::size_t> chosen;
  for (const auto& posterior : doc["task_posterior"]) {
    const std::vector<double> p = posterior.get<std::vector<double>>();
    const auto best = std::max_element(p.begin(), p.end());
    EXPECT_GT(*best, 0.95);
    chosen.push_back(static_cast<std::size_t>(best - p.begin()));
  }
  ASSERT_EQ(chosen.size(), 3u);
  EXPECT_NE(chosen[0], chosen[1]);
  EXPECT_NE(chosen[0], chosen[2]);
  EXPECT_NE(chosen[1], chosen[2]);
  const std::vector<double> evidence = doc["log_evidence"].get<std::vector<double>>();
  for (std::size_t i = 1; i < evidence.size(); ++i) EXPECT_GE(evidence[i], evidence[i - 1] - 1e-9);

  const CliRun high = run_copi("mdp --transitions " + folder + "T.csv --rewards " + folder + "R_corner.csv --initial " +
                               folder + "I.csv --horizon 10 --method map --skills " + learned +
                               " --latent-mode skills --json " + (dir / "h.json").string());
  ASSERT_EQ(high.status, 0) << high.err;
  const nlohmann::json h = nlohmann::json::parse(slurp(dir / "h.json"));
  EXPECT_EQ(h["latent_mode"], "skills");
  // map: the expected reward of the skill choices; reaching the corner pays +1 a step.
  EXPECT_GT(h["objective"].get<double>(), 1.5);
}

}  // namespace
}  // namespace copi::testing
