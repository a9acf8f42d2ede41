// End-to-end: `copi mdp --skills S.csv --latent-mode step|episode [--latent Z.csv]`.
// Oracles: plain `copi mdp` on the same MDP (one latent, whose skill is the action
// prior; the flat policy of a latent per step equals the solve with the marginal prior
// Σ_z p(z|s) p(a|s,z)), backups and trajectory sums written out in the test
// (tiny_latent_mdp.hpp), and the refusals of senseless flags and bad tables.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "tiny_latent_mdp.hpp"

namespace copi::testing {
namespace {

struct Files {
  std::string transitions, rewards, initial, skills, episode_prior, step_prior, marginal_prior;
};

Files write_tiny(const TempDir& dir, const TinyLatentMdp& m) {
  return {dir.write("T.csv", m.transitions_csv()).string(),     dir.write("R.csv", m.rewards_csv()).string(),
          dir.write("I.csv", m.initial_csv()).string(),         dir.write("S.csv", m.skills_csv()).string(),
          dir.write("Z.csv", m.episode_prior_csv()).string(),   dir.write("Zs.csv", m.step_prior_csv()).string(),
          dir.write("P.csv", m.marginal_prior_csv()).string()};
}

nlohmann::json run_json(const TempDir& dir, const std::string& arguments, const std::string& name) {
  const std::string path = (dir / name).string();
  const CliRun run = run_copi("mdp " + arguments + " --json " + path);
  EXPECT_EQ(run.status, 0) << arguments << "\n" << run.err;
  if (run.status != 0) return nlohmann::json::object();
  return nlohmann::json::parse(slurp(path));
}

// Every number of two equally shaped JSON arrays within `tolerance`.
void expect_near_arrays(const nlohmann::json& x, const nlohmann::json& y, double tolerance, const std::string& what) {
  ASSERT_EQ(x.is_array(), y.is_array()) << what;
  if (!x.is_array()) {
    EXPECT_NEAR(x.get<double>(), y.get<double>(), tolerance) << what;
    return;
  }
  ASSERT_EQ(x.size(), y.size()) << what;
  for (std::size_t i = 0; i < x.size(); ++i) expect_near_arrays(x[i], y[i], tolerance, what + "[" + std::to_string(i) + "]");
}

// Issue 13, checks: a latent per step with |Z| = 1 is the flat MDP whose prior is that
// one skill — for every method, finite and infinite horizon.
TEST(CliMdpLatent, StepWithOneLatentEqualsPlainMdpWithTheSkillAsPrior) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  std::string one = "state,latent,action,probability\n";
  std::string prior = "state,action,probability\n";
  for (int s = 0; s < 2; ++s) {
    for (int a = 0; a < 2; ++a) {
      const std::string p = std::to_string(m.skill[s][0][a]);
      one += std::string(m.state[s]) + ",only," + m.action[a] + "," + p + "\n";
      prior += std::string(m.state[s]) + "," + m.action[a] + "," + p + "\n";
    }
  }
  const std::string s1 = dir.write("S1.csv", one).string();
  const std::string p1 = dir.write("P1.csv", prior).string();
  const std::string base = "--transitions " + f.transitions + " --rewards " + f.rewards + " --initial " + f.initial;
  for (const std::string method : {"exact", "variational", "map"}) {
    for (const std::string length : {"--horizon 3", "--discount 0.9"}) {
      if (method == "exact" && length != "--horizon 3") continue;  // the optimistic backup, finite horizon
      const std::string common = base + " " + length + " --method " + method;
      const nlohmann::json flat = run_json(dir, common + " --prior " + p1, "flat.json");
      const nlohmann::json latent = run_json(dir, common + " --skills " + s1 + " --latent-mode step", "latent.json");
      ASSERT_TRUE(latent.contains("policy_high")) << method << " " << length;
      EXPECT_EQ(latent["latents"], (std::vector<std::string>{"only"}));
      expect_near_arrays(latent["policy"], flat["policy"], 1e-12, method + " policy");
      expect_near_arrays(latent["V"], flat["V"], length == "--horizon 3" ? 1e-12 : 1e-9, method + " V");
      if (method == "exact") {
        EXPECT_NEAR(latent["log_partition"].get<double>(), flat["log_partition"].get<double>(), 1e-12);
      }
      for (std::size_t t = 0; t < latent["policy"].size(); ++t) {
        for (std::size_t s = 0; s < 2; ++s) {
          EXPECT_NEAR(latent["policy_high"][t][s][0].get<double>(), 1.0, 1e-15);
          expect_near_arrays(latent["policy_low"][t][s][0], flat["policy"][t][s], 1e-12, method + " policy_low");
        }
      }
    }
  }
}

// Issue 13, item 2: the flat policy Σ_z π_hi π_lo equals the flat solve with the
// marginal prior p(a|s) = Σ_z p(z|s) p(a|s,z).
TEST(CliMdpLatent, StepFlatPolicyEqualsTheMarginalPriorSolve) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const std::string base = "--transitions " + f.transitions + " --rewards " + f.rewards + " --initial " + f.initial;
  for (const std::string method : {"exact", "variational"}) {
    for (const std::string length : {"--horizon 4", "--discount 0.9"}) {
      if (method == "exact" && length != "--horizon 4") continue;
      const std::string common = base + " " + length + " --method " + method;
      const nlohmann::json flat = run_json(dir, common + " --prior " + f.marginal_prior, "flat.json");
      const nlohmann::json latent = run_json(
          dir, common + " --skills " + f.skills + " --latent-mode step --latent " + f.step_prior, "latent.json");
      ASSERT_TRUE(latent.contains("policy")) << method;
      expect_near_arrays(latent["policy"], flat["policy"], 1e-12, method + " policy");
      expect_near_arrays(latent["V"], flat["V"], length == "--horizon 4" ? 1e-12 : 1e-9, method + " V");
      EXPECT_EQ(latent["latent_mode"], "step");
      EXPECT_EQ(latent["latents"], (std::vector<std::string>{"L", "R"}));
      expect_near_arrays(latent["latent_prior"], nlohmann::json({{0.5, 0.5}, {0.2, 0.8}}), 0.0, "latent_prior");
    }
  }
}

// The hierarchical split of the exact per-step model at horizon 2, written out:
// t = 2: Q = r; t = 1: Q = r + log Σ_s' p(s'|s,a) exp V_2(s'); π_lo ∝ p(a|s,z) e^Q,
// π_hi ∝ p(z|s) Σ_a p(a|s,z) e^Q.
TEST(CliMdpLatent, StepExactSplitMatchesHandWrittenBackups) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const nlohmann::json doc =
      run_json(dir,
               "--transitions " + f.transitions + " --rewards " + f.rewards + " --initial " + f.initial +
                   " --horizon 2 --method exact --skills " + f.skills + " --latent-mode step --latent " + f.step_prior,
               "latent.json");
  ASSERT_TRUE(doc.contains("policy_high"));
  double q[2][2][2];  // [t][s][a]
  double v2[2];
  for (int s = 0; s < 2; ++s) {
    v2[s] = 0;
    for (int z = 0; z < 2; ++z) {
      for (int a = 0; a < 2; ++a) v2[s] += m.step_prior[s][z] * m.skill[s][z][a] * std::exp(m.r[s][a]);
    }
    v2[s] = std::log(v2[s]);
  }
  for (int s = 0; s < 2; ++s) {
    for (int a = 0; a < 2; ++a) {
      q[1][s][a] = m.r[s][a];
      double next = 0;
      for (int n = 0; n < 2; ++n) next += m.p[s][a][n] * std::exp(v2[n]);
      q[0][s][a] = m.r[s][a] + std::log(next);
    }
  }
  double evidence = 0;
  for (int t = 0; t < 2; ++t) {
    for (int s = 0; s < 2; ++s) {
      double high[2];
      double total = 0;
      for (int z = 0; z < 2; ++z) {
        double inner = 0;
        for (int a = 0; a < 2; ++a) inner += m.skill[s][z][a] * std::exp(q[t][s][a]);
        for (int a = 0; a < 2; ++a) {
          EXPECT_NEAR(doc["policy_low"][t][s][z][a].get<double>(), m.skill[s][z][a] * std::exp(q[t][s][a]) / inner,
                      1e-12)
              << "t " << t << " s " << s << " z " << z << " a " << a;
        }
        high[z] = m.step_prior[s][z] * inner;
        total += high[z];
      }
      for (int z = 0; z < 2; ++z) {
        EXPECT_NEAR(doc["policy_high"][t][s][z].get<double>(), high[z] / total, 1e-12) << "t " << t << " s " << s;
      }
      if (t == 0) evidence += m.initial[s] * total;
    }
  }
  EXPECT_NEAR(doc["log_partition"].get<double>(), std::log(evidence), 1e-12);
}

// Issue 13, item 3: p(z | O) ∝ p(z) p(O | z) and log p(O), from sums over every
// trajectory of each skill; per latent, the last step's π^z ∝ p(a|s,z) e^r.
TEST(CliMdpLatent, EpisodePosteriorMatchesTrajectorySums) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  for (const int horizon : {2, 3}) {
    const CliRun run = run_copi("mdp --transitions " + f.transitions + " --rewards " + f.rewards + " --initial " +
                                f.initial + " --horizon " + std::to_string(horizon) + " --method exact --skills " +
                                f.skills + " --latent-mode episode --latent " + f.episode_prior + " --json " +
                                (dir / "e.json").string());
    ASSERT_EQ(run.status, 0) << run.err;
    const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "e.json"));
    EXPECT_FALSE(doc.contains("policy"));  // no single Markov policy: see docs/control.md
    EXPECT_EQ(doc["latent_mode"], "episode");
    EXPECT_EQ(doc["latents"], (std::vector<std::string>{"L", "R"}));
    double joint[2];
    for (int z = 0; z < 2; ++z) {
      const double evidence = m.evidence(z, horizon, 1.0, m.r);
      EXPECT_NEAR(doc["log_partition_per_latent"][z].get<double>(), std::log(evidence), 1e-12);
      joint[z] = m.episode_prior[z] * evidence;
    }
    const double total = joint[0] + joint[1];
    for (int z = 0; z < 2; ++z) EXPECT_NEAR(doc["latent_posterior"][z].get<double>(), joint[z] / total, 1e-12);
    EXPECT_NEAR(doc["log_partition"].get<double>(), std::log(total), 1e-12);
    ASSERT_EQ(doc["policy_low"].size(), static_cast<std::size_t>(horizon));
    const auto& last = doc["policy_low"][static_cast<std::size_t>(horizon - 1)];
    for (int s = 0; s < 2; ++s) {
      for (int z = 0; z < 2; ++z) {
        const double norm = m.skill[s][z][0] * std::exp(m.r[s][0]) + m.skill[s][z][1] * std::exp(m.r[s][1]);
        for (int a = 0; a < 2; ++a) {
          EXPECT_NEAR(last[s][z][a].get<double>(), m.skill[s][z][a] * std::exp(m.r[s][a]) / norm, 1e-12);
        }
      }
    }
    // The text names the latents with their posterior.
    std::ostringstream posterior_l;
    posterior_l << "L: posterior " << joint[0] / total;
    EXPECT_NE(run.out.find(posterior_l.str().substr(0, 20)), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("log p(O=1)"), std::string::npos) << run.out;
  }
}

// Per episode, each latent's solution is the flat solve with that skill as the prior;
// variational: q(z) ∝ p(z) exp(J^z / α) with J^z those solves' objectives.
TEST(CliMdpLatent, EpisodeVariationalSolvesEachSkillAsAFlatPrior) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const std::string base = "--transitions " + f.transitions + " --rewards " + f.rewards + " --initial " + f.initial +
                           " --horizon 3 --method variational --alpha 0.5";
  const nlohmann::json doc =
      run_json(dir, base + " --skills " + f.skills + " --latent-mode episode --latent " + f.episode_prior, "e.json");
  ASSERT_TRUE(doc.contains("latent_posterior"));
  double weight[2];
  for (int z = 0; z < 2; ++z) {
    std::string prior = "state,action,probability\n";
    for (int s = 0; s < 2; ++s) {
      for (int a = 0; a < 2; ++a) {
        std::ostringstream p;
        p.precision(17);
        p << m.skill[s][z][a];
        prior += std::string(m.state[s]) + "," + m.action[a] + "," + p.str() + "\n";
      }
    }
    const std::string path = dir.write("Pz.csv", prior).string();
    const nlohmann::json flat = run_json(dir, base + " --prior " + path, "flat.json");
    for (std::size_t t = 0; t < 3; ++t) {
      for (std::size_t s = 0; s < 2; ++s) {
        EXPECT_NEAR(doc["V_per_latent"][t][s][z].get<double>(), flat["V"][t][s].get<double>(), 1e-12);
        expect_near_arrays(doc["policy_low"][t][s][z], flat["policy"][t][s], 1e-12, "policy_low");
      }
    }
    EXPECT_NEAR(doc["objective_per_latent"][z].get<double>(), flat["objective"].get<double>(), 1e-12);
    weight[z] = m.episode_prior[z] * std::exp(flat["objective"].get<double>() / 0.5);
  }
  for (int z = 0; z < 2; ++z) {
    EXPECT_NEAR(doc["latent_posterior"][z].get<double>(), weight[z] / (weight[0] + weight[1]), 1e-12);
  }
  // The ELBO in nats, as log p(O) (not scaled by α): log Σ_z p(z) exp(J^z / α).
  EXPECT_NEAR(doc["elbo"].get<double>(), std::log(weight[0] + weight[1]), 1e-12);
}

// Without --latent every latent of the skills is equally likely, and a note says so.
TEST(CliMdpLatent, WithoutALatentTableThePriorIsUniformAndANoteSaysSo) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const CliRun run = run_copi("mdp --transitions " + f.transitions + " --rewards " + f.rewards + " --initial " +
                              f.initial + " --horizon 2 --method exact --skills " + f.skills +
                              " --latent-mode episode --json " + (dir / "e.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("copi: note: no --latent: p(z) is uniform over the 2 latents of " + f.skills),
            std::string::npos)
      << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "e.json"));
  const double l = m.evidence(0, 2, 1.0, m.r);
  const double r = m.evidence(1, 2, 1.0, m.r);
  EXPECT_NEAR(doc["latent_posterior"][0].get<double>(), l / (l + r), 1e-12);
  expect_near_arrays(doc["latent_prior"], nlohmann::json({0.5, 0.5}), 0.0, "latent_prior");
  // Per step likewise: p(z | s) uniform in every state.
  const CliRun step = run_copi("mdp --transitions " + f.transitions + " --rewards " + f.rewards +
                               " --horizon 2 --skills " + f.skills + " --latent-mode step --json " +
                               (dir / "s.json").string());
  ASSERT_EQ(step.status, 0) << step.err;
  EXPECT_NE(step.err.find("p(z | s) is uniform over the 2 latents"), std::string::npos) << step.err;
  EXPECT_NE(step.out.find("(a): latent "), std::string::npos) << step.out;
}

// Flags that make no sense together are refused before any file is read (the files
// named here do not exist), exit 2, nothing written.
TEST(CliMdpLatent, SenselessFlagCombinationsAreRefusedBeforeReadingFiles) {
  TempDir dir;
  const std::string base = "mdp --transitions none.csv --rewards none.csv --horizon 2 --json " + (dir / "x.json").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --latent-mode step", "--latent-mode needs --skills S.csv"},
      {" --latent Z.csv", "--latent needs --skills S.csv"},
      {" --skills S.csv", "--skills needs --latent-mode step"},
      {" --skills S.csv --latent-mode sideways", "--latent-mode sideways: must be one of step, episode"},
      {" --skills S.csv --latent-mode step --prior P.csv", "--prior does not combine with --skills"},
      {" --skills S.csv --latent-mode step --emit-uai m.uai", "--emit-uai writes the flat MDP's factor graph"},
      {" --skills S.csv --latent-mode step --keep stream", "--keep stream does not combine with --skills"},
      {" --skills S.csv --latent-mode episode --plot p.svg", "--plot draws one policy's values"},
  };
  for (const auto& [flags, message] : cases) {
    const CliRun run = run_copi(base + flags);
    EXPECT_EQ(run.status, 2) << flags;
    EXPECT_NE(run.err.find("copi: error: "), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << flags << "\n" << run.err;
    EXPECT_EQ(run.err.find("none.csv"), std::string::npos) << "a file was read: " << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.json"));
}

// Bad tables: file:line(:col) in the message, exit 2, no JSON written.
TEST(CliMdpLatent, BadLatentTablesNameTheFileAndLineAndWriteNothing) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const std::string json = (dir / "x.json").string();
  const std::string base = "mdp --transitions " + f.transitions + " --rewards " + f.rewards + " --horizon 2 --json " + json;
  const std::string sum = dir.write("Ssum.csv", "state,latent,action,probability\nb,L,x,1\nb,R,y,1\n"
                                                "a,L,x,0.5\na,L,y,0.25\na,R,x,1\n").string();
  const std::string missing = dir.write("Smiss.csv", "state,latent,action,probability\na,L,x,1\nb,L,x,1\na,R,y,1\n").string();
  const std::string duplicate = dir.write("Sdup.csv", "state,latent,action,probability\na,L,x,1\nb,L,x,1\na,L,x,1\n").string();
  const std::string unknown = dir.write("Sunk.csv", "state,latent,action,probability\na,L,x,1\nb,L,x,1\nc,L,x,1\n").string();
  const std::string only_l = dir.write("Z1.csv", "latent,probability\nL,1\n").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {" --latent-mode step --skills " + sum,
       sum + ":4:1: error: p(action | state a, latent L) sums to 0.75, not 1 (tolerance 1e-9): the rows at lines 4 and 5"},
      {" --latent-mode episode --skills " + missing, missing + ":1:1: error: no skill rows for state b, latent R"},
      {" --latent-mode episode --skills " + duplicate,
       duplicate + ":4:1: error: duplicate row for state a, latent L, action x: also at line 2"},
      {" --latent-mode episode --skills " + unknown, unknown + ":4:1: error: unknown state 'c'"},
      {" --latent-mode episode --skills " + f.skills + " --latent " + only_l,
       f.skills + ":4:3: error: unknown latent 'R' (not in " + only_l + ")"},
      {" --latent-mode episode --skills " + f.skills + " --latent " + f.step_prior,
       f.step_prior + ":1:1: error: a latent per episode takes the header 'latent,probability'"},
      {" --latent-mode step --skills " + f.skills + " --latent " + f.episode_prior,
       f.episode_prior + ":1:1: error: a latent per step takes the header 'state,latent,probability'"},
  };
  for (const auto& [flags, message] : cases) {
    const CliRun run = run_copi(base + flags);
    EXPECT_EQ(run.status, 2) << flags;
    EXPECT_NE(run.err.find(message), std::string::npos) << flags << "\n" << run.err;
    EXPECT_FALSE(std::filesystem::exists(json)) << flags;
  }
}

// A solve that cannot fit --memory-limit is refused before allocating (exit 3); a
// latent whose infinite-horizon solve stops at --max-iter is named (exit 1), the
// results still written.
TEST(CliMdpLatent, MemoryLimitAndNonConvergenceAreReportedPerLatent) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  const std::string base = "mdp --transitions " + f.transitions + " --rewards " + f.rewards + " --skills " + f.skills;
  const CliRun big = run_copi(base + " --latent-mode step --horizon 100000000 --json " + (dir / "big.json").string());
  EXPECT_EQ(big.status, 3) << big.err;
  EXPECT_NE(big.err.find("the latent solution needs about"), std::string::npos) << big.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "big.json"));
  const CliRun capped = run_copi(base + " --latent-mode episode --discount 0.99 --solver vi --max-iter 3 --json " +
                                 (dir / "e.json").string());
  EXPECT_EQ(capped.status, 1) << capped.err;
  EXPECT_NE(capped.err.find("copi: warning: latent L: not converged after 3 backups"), std::string::npos)
      << capped.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "e.json"));
  EXPECT_FALSE(doc["converged"].get<bool>());
}

}  // namespace
}  // namespace copi::testing

namespace copi::testing {
namespace {

// Issue 13, item 4: `--latent-mode skills` is the high-level MDP whose actions are the
// skills: p(s'|s,z) = Σ_a p(a|s,z) p(s'|s,a), r(s,z) = Σ_a p(a|s,z) r(s,a), prior p(z|s).
// That MDP is written out here as plain CSV tables and solved by plain `copi mdp`.
TEST(CliMdpLatent, SkillsModeIsTheHighLevelMdpWrittenOut) {
  TempDir dir;
  const TinyLatentMdp m;
  const Files f = write_tiny(dir, m);
  std::ostringstream transitions, rewards, prior;
  transitions.precision(17);
  rewards.precision(17);
  prior.precision(17);
  transitions << "state,action,next_state,probability\n";
  rewards << "state,action,reward\n";
  prior << "state,action,probability\n";
  for (int s = 0; s < TinyLatentMdp::S; ++s) {
    for (int z = 0; z < TinyLatentMdp::Z; ++z) {
      double reward = 0.0;
      for (int a = 0; a < TinyLatentMdp::A; ++a) reward += m.skill[s][z][a] * m.r[s][a];
      rewards << m.state[s] << ',' << m.latent[z] << ',' << reward << '\n';
      prior << m.state[s] << ',' << m.latent[z] << ',' << m.step_prior[s][z] << '\n';
      for (int n = 0; n < TinyLatentMdp::S; ++n) {
        double p = 0.0;
        for (int a = 0; a < TinyLatentMdp::A; ++a) p += m.skill[s][z][a] * m.p[s][a][n];
        if (p > 0.0) transitions << m.state[s] << ',' << m.latent[z] << ',' << m.state[n] << ',' << p << '\n';
      }
    }
  }
  const std::string high_t = dir.write("HT.csv", transitions.str()).string();
  const std::string high_r = dir.write("HR.csv", rewards.str()).string();
  const std::string high_p = dir.write("HP.csv", prior.str()).string();
  const std::string base = "--transitions " + f.transitions + " --rewards " + f.rewards + " --initial " + f.initial;
  for (const std::string method : {"exact", "variational", "map"}) {
    for (const std::string length : {"--horizon 4", "--discount 0.9"}) {
      if (method == "exact" && length != "--horizon 4") continue;
      const std::string common = " " + length + " --method " + method;
      const nlohmann::json high = run_json(
          dir, "--transitions " + high_t + " --rewards " + high_r + " --initial " + f.initial + " --prior " + high_p + common,
          "high.json");
      const nlohmann::json skills = run_json(
          dir, base + common + " --skills " + f.skills + " --latent-mode skills --latent " + f.step_prior, "skills.json");
      ASSERT_EQ(skills["latent_mode"], "skills") << method;
      expect_near_arrays(skills["policy_high"], high["policy"], 1e-12, method + " " + length + " policy_high");
      expect_near_arrays(skills["V"], high["V"], length == "--horizon 4" ? 1e-12 : 1e-9, method + " V");
      if (method == "exact") {
        EXPECT_NEAR(skills["log_partition"].get<double>(), high["log_partition"].get<double>(), 1e-12);
      }
      // The induced action policy: Σ_z π_hi(z|s) p(a|s,z).
      for (std::size_t t = 0; t < skills["policy"].size(); ++t) {
        for (int s = 0; s < TinyLatentMdp::S; ++s) {
          for (int a = 0; a < TinyLatentMdp::A; ++a) {
            double induced = 0.0;
            for (int z = 0; z < TinyLatentMdp::Z; ++z) {
              induced += high["policy"][t][s][z].get<double>() * m.skill[s][z][a];
            }
            EXPECT_NEAR(skills["policy"][t][s][a].get<double>(), induced, 1e-12);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace copi::testing
