// Latent-variable step models against the flat MDP they marginalise to, latent per
// episode against the flat solve, skill learning's monotone evidence and thread
// independence, and the errors of malformed latent tables. (Brute-force enumeration of
// trajectories for every method is in test_latent_enumeration.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "irl_oracles.hpp"

namespace copi::control {
namespace {

constexpr ControlMethod kMethods[] = {ControlMethod::exact, ControlMethod::variational, ControlMethod::map};

// Random conditional rows: `rows` rows of `width`, some entries zero (never all).
std::vector<double> random_rows(std::mt19937_64& rng, std::size_t rows, std::size_t width, double zero_chance) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> table(rows * width);
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) {
      table[r * width + i] = u(rng) < zero_chance ? 0.0 : 0.05 + u(rng);
      sum += table[r * width + i];
    }
    if (sum == 0.0) {
      table[r * width] = 1.0;
      sum = 1.0;
    }
    for (std::size_t i = 0; i < width; ++i) table[r * width + i] /= sum;
  }
  return table;
}

// Variants: finite horizon, finite with a discount, infinite with a discount.
Mdp variant(Mdp mdp, int kind) {
  if (kind <= 1) mdp.horizon = 6;
  if (kind >= 1) mdp.discount = 0.9;
  return mdp;
}

double largest(const std::vector<double>& v) {
  double top = 1.0;
  for (const double x : v) top = std::max(top, std::abs(x));
  return top;
}

TEST(LatentStep, FlatPolicyAndValuesEqualTheFlatSolveWithTheMarginalPrior) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    for (int kind = 0; kind < 3; ++kind) {
      for (const ControlMethod method : kMethods) {
        Mdp mdp = variant(irl_oracles::random_mdp(seed, 25, 4, 3), kind);
        std::mt19937_64 rng(seed * 7);
        for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-2.0, 1.0)(rng);
        const std::size_t Z = 3;
        const StepModel model = latent_per_step(mdp, Z, random_rows(rng, mdp.num_states, Z, 0.2),
                                                random_rows(rng, mdp.num_states * Z, mdp.num_actions, 0.3));
        SolveOptions options;
        options.method = method;
        options.tolerance = 1e-12;
        const StepModelSolution latent = solve(mdp, model, options);
        Mdp flat_mdp = mdp;
        flat_mdp.action_prior = marginal_action_prior(model, mdp.num_states);
        const ControlSolution flat = solve(flat_mdp, options);
        ASSERT_EQ(latent.flat.value.size(), flat.value.size());
        for (std::size_t t = 0; t < flat.value.size(); ++t) {
          const double scale = largest(flat.value[t]);
          for (std::size_t s = 0; s < mdp.num_states; ++s) {
            EXPECT_NEAR(latent.flat.value[t][s], flat.value[t][s], 1e-12 * scale) << seed << " " << kind << " " << t;
          }
          for (std::size_t row = 0; row < mdp.rows(); ++row) {
            EXPECT_NEAR(latent.flat.policy[t][row], flat.policy[t][row], 1e-12) << seed << " " << kind << " " << t;
          }
          // The flat policy is the product of the leaves' summed over z.
          const std::vector<double>& high = latent.leaf_policy[t][0];
          const std::vector<double>& low = latent.leaf_policy[t][1];
          for (std::size_t s = 0; s < mdp.num_states; ++s) {
            for (std::size_t a = 0; a < mdp.num_actions; ++a) {
              double mixed = 0.0;
              for (std::size_t z = 0; z < Z; ++z) mixed += high[s * Z + z] * low[(s * Z + z) * mdp.num_actions + a];
              EXPECT_NEAR(mixed, latent.flat.policy[t][s * mdp.num_actions + a], 1e-13);
            }
          }
        }
        if (method != ControlMethod::map) {
          EXPECT_NEAR(latent.flat.objective, flat.objective, 1e-10 * std::max(1.0, std::abs(flat.objective)));
        }
        if (method == ControlMethod::exact) {
          EXPECT_NEAR(latent.flat.log_partition, flat.log_partition, 1e-12);
        }
      }
    }
  }
}

TEST(LatentStep, OneLatentValueIsTheFlatMdp) {
  for (const ControlMethod method : kMethods) {
    Mdp mdp = variant(irl_oracles::random_mdp(5, 20, 3, 2), 1);
    std::mt19937_64 rng(3);
    for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
    const std::vector<double> prior = random_rows(rng, mdp.num_states, mdp.num_actions, 0.2);
    const StepModel model = latent_per_step(mdp, 1, std::vector<double>(mdp.num_states, 1.0), prior);
    SolveOptions options;
    options.method = method;
    const StepModelSolution latent = solve(mdp, model, options);
    Mdp flat_mdp = mdp;
    flat_mdp.action_prior = prior;
    const ControlSolution flat = solve(flat_mdp, options);
    for (std::size_t t = 0; t < flat.value.size(); ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(latent.flat.value[t][s], flat.value[t][s], 1e-12 * largest(flat.value[t]));
        EXPECT_DOUBLE_EQ(latent.leaf_policy[t][0][s], 1.0);  // π_hi(z|s) = 1 for the one z
      }
      for (std::size_t row = 0; row < mdp.rows(); ++row) {
        EXPECT_NEAR(latent.leaf_policy[t][1][row], flat.policy[t][row], 1e-12);
      }
    }
  }
}

TEST(LatentStep, ATwoLevelChainMarginalisesByHand) {
  // z1 -> z2 -> a: the flat prior is Σ_{z1,z2} p(z1|s) p(z2|s,z1) p(a|s,z2), summed here.
  Mdp mdp = variant(irl_oracles::random_mdp(9, 12, 3, 2), 0);
  std::mt19937_64 rng(11);
  for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
  const std::size_t S = mdp.num_states, A = mdp.num_actions, Z1 = 2, Z2 = 3;
  StepModel model;
  model.leaves.push_back({"z1", Z1, random_rows(rng, S, Z1, 0.0), {}});
  model.leaves.push_back({"z2", Z2, random_rows(rng, S * Z1, Z2, 0.3), {}});
  model.leaves.push_back({"action", A, random_rows(rng, S * Z2, A, 0.3), {}});
  std::vector<double> marginal(S * A, 0.0);
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t z1 = 0; z1 < Z1; ++z1) {
      for (std::size_t z2 = 0; z2 < Z2; ++z2) {
        for (std::size_t a = 0; a < A; ++a) {
          marginal[s * A + a] += model.leaves[0].prior[s * Z1 + z1] * model.leaves[1].prior[(s * Z1 + z1) * Z2 + z2] *
                                 model.leaves[2].prior[(s * Z2 + z2) * A + a];
        }
      }
    }
  }
  for (const ControlMethod method : kMethods) {
    SolveOptions options;
    options.method = method;
    const StepModelSolution chain = solve(mdp, model, options);
    Mdp flat_mdp = mdp;
    flat_mdp.action_prior = marginal;
    const ControlSolution flat = solve(flat_mdp, options);
    for (std::size_t t = 0; t < flat.value.size(); ++t) {
      for (std::size_t s = 0; s < S; ++s) {
        EXPECT_NEAR(chain.flat.value[t][s], flat.value[t][s], 1e-12 * largest(flat.value[t]));
      }
      for (std::size_t row = 0; row < S * A; ++row) EXPECT_NEAR(chain.flat.policy[t][row], flat.policy[t][row], 1e-12);
    }
  }
}

TEST(LatentStep, OneAndTwoThreadsAreBitIdentical) {
  Mdp mdp = variant(irl_oracles::random_mdp(2, 3000, 4, 3), 0);
  std::mt19937_64 rng(5);
  for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
  const StepModel model = latent_per_step(mdp, 4, random_rows(rng, mdp.num_states, 4, 0.1),
                                          random_rows(rng, mdp.num_states * 4, mdp.num_actions, 0.2));
  for (const ControlMethod method : kMethods) {
    SolveOptions options;
    options.method = method;
    options.threads = 1;
    const StepModelSolution one = solve(mdp, model, options);
    options.threads = 2;
    const StepModelSolution two = solve(mdp, model, options);
    EXPECT_EQ(one.flat.value, two.flat.value);
    EXPECT_EQ(one.flat.policy, two.flat.policy);
    EXPECT_EQ(one.leaf_policy, two.leaf_policy);
  }
}

TEST(LatentEpisode, IdenticalSkillsLeaveThePriorAndGiveTheFlatEvidence) {
  Mdp mdp = variant(irl_oracles::random_mdp(4, 15, 3, 2), 1);
  std::mt19937_64 rng(8);
  for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
  const std::vector<double> skill = random_rows(rng, mdp.num_states, mdp.num_actions, 0.2);
  EpisodeLatent latent;
  latent.prior = {0.2, 0.5, 0.3};
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < 3; ++z) {
      latent.skill.insert(latent.skill.end(), skill.begin() + static_cast<std::ptrdiff_t>(s * mdp.num_actions),
                          skill.begin() + static_cast<std::ptrdiff_t>((s + 1) * mdp.num_actions));
    }
  }
  Mdp flat_mdp = mdp;
  flat_mdp.action_prior = skill;
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    SolveOptions options;
    options.method = method;
    const EpisodeLatentSolution solution = solve(mdp, latent, options);
    const ControlSolution flat = solve(flat_mdp, options);
    for (std::size_t z = 0; z < 3; ++z) EXPECT_NEAR(solution.posterior[z], latent.prior[z], 1e-12);
    const double expected = method == ControlMethod::exact ? flat.log_partition : flat.objective / mdp.alpha;
    EXPECT_NEAR(solution.log_partition, expected, 1e-12 * std::max(1.0, std::abs(expected)));
    EXPECT_EQ(solution.per_latent[1].value, flat.value);
  }
}

TEST(LatentEpisode, RolloutsDrawTheLatentFromThePosterior) {
  Mdp mdp = variant(irl_oracles::random_mdp(6, 6, 2, 2), 0);
  mdp.reward = {1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0};
  EpisodeLatent latent;
  latent.prior = {0.5, 0.5};
  for (std::size_t s = 0; s < mdp.num_states; ++s) latent.skill.insert(latent.skill.end(), {0.9, 0.1, 0.1, 0.9});
  SolveOptions options;
  options.method = ControlMethod::exact;
  const EpisodeLatentSolution solution = solve(mdp, latent, options);
  ASSERT_GT(solution.posterior[0], 0.99);  // the skill that prefers the rewarded action
  const std::vector<Rollout> rollouts = sample_rollouts(mdp, solution, 400, 17);
  std::size_t first = 0;
  for (const Rollout& r : rollouts) first += r.latent == 0 ? 1 : 0;
  const double expected = 400.0 * solution.posterior[0];
  EXPECT_NEAR(static_cast<double>(first), expected, 4.0 * std::sqrt(400.0 * 0.25) + 1.0);
}

TEST(LatentEpisode, OneAndTwoThreadsAreBitIdentical) {
  Mdp mdp = variant(irl_oracles::random_mdp(3, 2000, 4, 3), 0);
  std::mt19937_64 rng(2);
  for (double& r : mdp.reward) r = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
  EpisodeLatent latent;
  latent.prior = {0.25, 0.25, 0.25, 0.25};
  latent.skill = random_rows(rng, mdp.num_states * 4, mdp.num_actions, 0.2);
  for (const ControlMethod method : kMethods) {
    SolveOptions options;
    options.method = method;
    options.threads = 1;
    const EpisodeLatentSolution one = solve(mdp, latent, options);
    options.threads = 2;
    const EpisodeLatentSolution two = solve(mdp, latent, options);
    EXPECT_EQ(one.posterior, two.posterior);
    EXPECT_EQ(one.log_partition, two.log_partition);
    for (std::size_t z = 0; z < 4; ++z) EXPECT_EQ(one.per_latent[z].policy, two.per_latent[z].policy);
  }
}

TEST(LearnSkills, LogEvidenceNeverDecreasesAndThreadsDoNotMatter) {
  Mdp mdp = variant(irl_oracles::random_mdp(12, 20, 3, 2), 0);
  std::mt19937_64 rng(21);
  std::vector<std::vector<double>> tasks(3, std::vector<double>(mdp.rows()));
  for (auto& task : tasks) {
    for (double& r : task) r = std::uniform_real_distribution<double>(-2.0, 0.0)(rng);
  }
  EpisodeLatent initial;
  initial.prior = {0.5, 0.5};
  initial.skill = random_rows(rng, mdp.num_states * 2, mdp.num_actions, 0.0);
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    SkillLearningOptions options;
    options.method = method;
    options.iterations = 12;
    options.tolerance = 0.0;
    options.solve.threads = 1;
    const SkillLearningResult one = learn_skills(mdp, tasks, initial, options);
    ASSERT_EQ(one.log_evidence.size(), 13u);
    for (std::size_t i = 1; i < one.log_evidence.size(); ++i) {
      EXPECT_GE(one.log_evidence[i], one.log_evidence[i - 1] - 1e-12 * std::abs(one.log_evidence[i - 1])) << i;
    }
    EXPECT_GT(one.log_evidence.back(), one.log_evidence.front());
    options.solve.threads = 2;
    const SkillLearningResult two = learn_skills(mdp, tasks, initial, options);
    EXPECT_EQ(one.log_evidence, two.log_evidence);
    EXPECT_EQ(one.learned.skill, two.learned.skill);
    EXPECT_EQ(one.learned.prior, two.learned.prior);
  }
}

TEST(LatentErrors, MalformedTablesAreNamed) {
  Mdp mdp = variant(irl_oracles::random_mdp(1, 3, 2, 1), 0);
  mdp.state_labels = {"a", "b", "c"};
  std::vector<double> skill(3 * 2 * 2, 0.5);
  skill[2 * 2 + 0] = 0.7;  // state b, z 0 sums to 1.2
  try {
    (void)solve(mdp, latent_per_step(mdp, 2, std::vector<double>(6, 0.5), skill));
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("state b, z 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1.2"), std::string::npos) << e.what();
  }
  mdp.allowed = {1, 1, 1, 0, 1, 1};
  EpisodeLatent latent{{0.5, 0.5}, std::vector<double>(12, 0.5), {"left", "right"}};
  try {
    (void)solve(mdp, latent);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("state b, latent left"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not available"), std::string::npos) << e.what();
  }
  mdp.allowed.clear();
  mdp.action_prior.assign(6, 0.5);
  EXPECT_THROW((void)solve(mdp, EpisodeLatent{{1.0}, std::vector<double>(6, 0.5), {}}), InputError);
  mdp.action_prior.clear();
  SkillLearningOptions map;
  map.method = ControlMethod::map;
  EXPECT_THROW((void)learn_skills(mdp, {mdp.reward}, EpisodeLatent{{1.0}, std::vector<double>(6, 0.5), {}}, map),
               InputError);
  Mdp endless = mdp;
  endless.horizon.reset();
  endless.discount = 0.9;
  EXPECT_THROW((void)learn_skills(endless, {mdp.reward}, EpisodeLatent{{1.0}, std::vector<double>(6, 0.5), {}}),
               InputError);
}

}  // namespace
}  // namespace copi::control

namespace copi::control {
namespace {

// A gridworld-like MDP with an absorbing goal: state S-1 has one available action
// looping with reward 0.
Mdp with_absorbing_goal(Mdp mdp) {
  const std::size_t S = mdp.num_states, A = mdp.num_actions;
  std::vector<Transition> transitions;
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t row = s * A + a;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        if (s == S - 1) continue;
        transitions.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(a), mdp.next_state[k],
                               mdp.probability[k]});
      }
      if (s == S - 1) transitions.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(a),
                                             static_cast<std::uint32_t>(s), 1.0});
    }
  }
  set_transitions(mdp, transitions);
  mdp.allowed.assign(S * A, 1);
  for (std::size_t a = 1; a < A; ++a) mdp.allowed[(S - 1) * A + a] = 0;
  mdp.reward[(S - 1) * A] = 0.0;
  return mdp;
}

TEST(SkillLevel, TheMixedBackupEqualsTheProductTable) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    for (const bool prior : {false, true}) {
      for (int kind = 0; kind < 2; ++kind) {
        Mdp mdp = with_absorbing_goal(variant(irl_oracles::random_mdp(seed, 16, 3, 2), kind));
        std::mt19937_64 rng(seed + 40);
        for (std::size_t row = 0; row + mdp.num_actions < mdp.rows(); ++row) {
          mdp.reward[row] = std::uniform_real_distribution<double>(-2.0, 0.5)(rng);
        }
        const std::size_t Z = 3, A = mdp.num_actions;
        std::vector<double> skill = random_rows(rng, mdp.num_states * Z, A, 0.3);
        for (std::size_t z = 0; z < Z; ++z) {  // the goal's one action
          for (std::size_t a = 0; a < A; ++a) skill[((mdp.num_states - 1) * Z + z) * A + a] = a == 0 ? 1.0 : 0.0;
        }
        const std::vector<double> latent_prior = prior ? random_rows(rng, mdp.num_states, Z, 0.2) : std::vector<double>{};
        for (const ControlMethod method : kMethods) {
          SolveOptions options;
          options.method = method;
          const SkillLevelSolution product = solve_skill_level(mdp, Z, skill, latent_prior, options, SkillTable::product);
          const SkillLevelSolution mixed = solve_skill_level(mdp, Z, skill, latent_prior, options, SkillTable::mixed);
          ASSERT_EQ(mixed.table, SkillTable::mixed);
          for (std::size_t t = 0; t < product.high.value.size(); ++t) {
            const double scale = largest(product.high.value[t]);
            for (std::size_t s = 0; s < mdp.num_states; ++s) {
              EXPECT_NEAR(mixed.high.value[t][s], product.high.value[t][s], 1e-12 * scale) << seed << prior << kind;
            }
            for (std::size_t i = 0; i < product.high.policy[t].size(); ++i) {
              EXPECT_NEAR(mixed.high.policy[t][i], product.high.policy[t][i], 1e-12);
            }
            for (std::size_t row = 0; row < mdp.rows(); ++row) {
              EXPECT_NEAR(mixed.flat_policy[t][row], product.flat_policy[t][row], 1e-12);
            }
          }
          EXPECT_NEAR(mixed.high.objective, product.high.objective, 1e-10 * std::max(1.0, std::abs(product.high.objective)));
          if (method == ControlMethod::exact) {
            EXPECT_NEAR(mixed.high.log_partition, product.high.log_partition, 1e-12);
          }
        }
      }
    }
  }
}

TEST(SkillLevel, AutomaticChoosesTheMixedBackupWhenTheProductIsDenser) {
  Mdp mdp = variant(irl_oracles::random_mdp(2, 10, 3, 1), 0);  // deterministic: one successor per row
  std::mt19937_64 rng(3);
  const std::vector<double> spread = random_rows(rng, mdp.num_states * 4, mdp.num_actions, 0.0);
  EXPECT_EQ(solve_skill_level(mdp, 4, spread).table, SkillTable::mixed);
  // Two skills, each one action per state: 2 entries per state against the dynamics' 3.
  std::vector<double> single(mdp.num_states * 2 * mdp.num_actions, 0.0);
  for (std::size_t row = 0; row < mdp.num_states * 2; ++row) single[row * mdp.num_actions + row % mdp.num_actions] = 1.0;
  EXPECT_EQ(solve_skill_level(mdp, 2, single).table, SkillTable::product);
  Mdp endless = mdp;
  endless.horizon.reset();
  endless.discount = 0.9;
  EXPECT_EQ(solve_skill_level(endless, 4, spread).table, SkillTable::product);
  EXPECT_THROW((void)solve_skill_level(endless, 4, spread, {}, {}, SkillTable::mixed), InputError);
}

}  // namespace
}  // namespace copi::control

namespace copi::control {
namespace {

TEST(LearnSkills, SettingsAsTextAreCheckedAgainstTheirRanges) {
  SkillLearningOptions options;
  const std::vector<OptionSetting> good = {{"method", "variational"}, {"iterations", "7"}, {"tol", "0"}};
  EXPECT_TRUE(apply_skill_learning_settings(options, good).empty());
  EXPECT_EQ(options.method, ControlMethod::variational);
  EXPECT_EQ(options.solve.method, ControlMethod::variational);
  EXPECT_EQ(options.iterations, 7u);
  EXPECT_EQ(options.tolerance, 0.0);
  SkillLearningOptions untouched;
  const std::vector<OptionSetting> bad = {{"method", "map"}, {"iterations", "0"}, {"tol", "-1"}};
  EXPECT_EQ(apply_skill_learning_settings(untouched, bad).size(), 3u);
  EXPECT_EQ(untouched.method, ControlMethod::exact);
  EXPECT_EQ(untouched.iterations, 50u);
}

}  // namespace
}  // namespace copi::control
