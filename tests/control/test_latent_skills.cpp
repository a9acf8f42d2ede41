// Hierarchical control over a fixed skill library (skill_level_mdp) and skill learning by
// EM (expected_skill_counts, learn_skills), held to the enumeration oracle
// (latent_oracle.hpp) on seeded random tiny problems:
//   skill level   the high-level MDP's exact log p(O) and p(z_t|s_t,O) from sums over every
//                 (z, a, s') sequence under its definition (z chosen, a ~ π_lo, the expected
//                 reward); its variational and map values from eq. 15 / expectimax written
//                 over (s, z, a, s'); how it compares with the per-step latent model whose
//                 low level adapts;
//   EM            the first E-step's counts Σ_t p(s_t, z, a_t | O) and p(z | O) by
//                 enumerating (z, τ); the first M-step as normalised enumerated counts;
//                 the summed log evidence never decreases, starts at the enumerated value
//                 and ends at the enumerated value of the learned model; one and two threads
//                 give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "copi/control/latent.hpp"
#include "latent_oracle.hpp"

namespace copi::control {
namespace {

using namespace latent_oracle;  // NOLINT: the oracle is this file's vocabulary

constexpr std::uint64_t kSeeds = 24;

// ---- the skill-level MDP ----------------------------------------------------------------------

TEST(LatentSkills, SkillLevelMdpMatchesTheEnumeratedHighLevelModel) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t Z = problem.num_latents;
    // With the prior p(z|s), and without (every z weighs 1).
    for (const bool with_prior : {true, false}) {
      const Table prior = with_prior ? problem.latent_prior : Table{};
      const Mdp high = skill_level_mdp(problem.mdp, Z, problem.skill, prior);
      ASSERT_EQ(high.num_states, problem.mdp.num_states);
      ASSERT_EQ(high.num_actions, Z);
      const std::string where = "seed " + std::to_string(seed) + (with_prior ? " prior" : " no prior");
      const ControlSolution exact = solve(high, options(ControlMethod::exact));
      const ControlSolution variational = solve(high, options(ControlMethod::variational));
      const ControlSolution map = solve(high, options(ControlMethod::map));
      const SkillLevelPosterior expected = enumerate_skill_level_exact(problem.mdp, Z, problem.skill, prior);
      const FlatBellman soft = skill_level_bellman(problem.mdp, Z, problem.skill, prior, false);
      const FlatBellman hard = skill_level_bellman(problem.mdp, Z, problem.skill, prior, true);
      EXPECT_NEAR(exact.log_partition, expected.log_partition, tolerance(expected.log_partition, 1e-10)) << where;
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          EXPECT_NEAR(exact.value[t][s], expected.value[t][s], tolerance(expected.value[t][s], 1e-10)) << where;
          EXPECT_NEAR(variational.value[t][s], soft.value[t][s], tolerance(soft.value[t][s], 1e-10)) << where;
          EXPECT_NEAR(map.value[t][s], hard.value[t][s], tolerance(hard.value[t][s], 1e-10)) << where;
        }
        for (std::size_t row = 0; row < high.rows(); ++row) {
          EXPECT_NEAR(exact.policy[t][row], expected.policy[t][row], 1e-10) << where << " t " << t << " row " << row;
          EXPECT_NEAR(variational.policy[t][row], soft.policy[t][row], 1e-10) << where << " t " << t;
        }
      }
    }
  }
}

// solve_skill_level with either table (the product MDP, or the mixed backup that never forms
// it) is the enumerated high-level model: V, π_hi, log p(O) (exact), the recursions over
// (s, z, a, s') (variational, map); its objective is the per-step ELBO with π_lo = p(a|s,z)
// enumerated under π_hi; flat_policy is Σ_z π_hi π_lo.
TEST(LatentSkills, SolveSkillLevelWithEitherTableMatchesTheEnumeratedHighLevelModel) {
  for (const SkillTable table : {SkillTable::product, SkillTable::mixed}) {
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
        const Problem problem = random_problem(seed, shape_for(seed));
        const std::size_t A = problem.mdp.num_actions;
        const std::size_t Z = problem.num_latents;
        for (const bool with_prior : {true, false}) {
          const Table prior = with_prior ? problem.latent_prior : Table{};
          const SkillLevelSolution solution =
              solve_skill_level(problem.mdp, Z, problem.skill, prior, options(method), table);
          const std::string where = std::string(table == SkillTable::mixed ? "mixed " : "product ") +
                                    to_string(method) + " seed " + std::to_string(seed) +
                                    (with_prior ? " prior" : " no prior");
          EXPECT_EQ(solution.table, table) << where;
          const ControlSolution& high = solution.high;
          ASSERT_EQ(high.value.size(), *problem.mdp.horizon) << where;
          ASSERT_EQ(solution.flat_policy.size(), *problem.mdp.horizon) << where;
          Steps expected_value;
          Steps expected_policy;
          if (method == ControlMethod::exact) {
            const SkillLevelPosterior exact = enumerate_skill_level_exact(problem.mdp, Z, problem.skill, prior);
            EXPECT_NEAR(high.log_partition, exact.log_partition, tolerance(exact.log_partition, 1e-10)) << where;
            expected_value = exact.value;
            expected_policy = exact.policy;
          } else {
            const FlatBellman bellman =
                skill_level_bellman(problem.mdp, Z, problem.skill, prior, method == ControlMethod::map);
            expected_value = bellman.value;
            expected_policy = bellman.policy;  // empty for map
          }
          for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
            for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
              const double v = expected_value[t][s];
              EXPECT_NEAR(high.value[t][s], v, tolerance(v, 1e-10)) << where << " t " << t << " s " << s;
              for (std::size_t a = 0; a < A; ++a) {
                double induced = 0.0;
                for (std::size_t z = 0; z < Z; ++z) induced += high.policy[t][s * Z + z] * skill(problem, s, z, a);
                EXPECT_NEAR(solution.flat_policy[t][s * A + a], induced, 1e-12) << where;
              }
            }
            for (std::size_t row = 0; !expected_policy.empty() && row < expected_policy[t].size(); ++row) {
              EXPECT_NEAR(high.policy[t][row], expected_policy[t][row], 1e-10) << where << " t " << t;
            }
          }
          if (with_prior && method != ControlMethod::map) {
            const double elbo = step_elbo(problem, high.policy, Steps(*problem.mdp.horizon, problem.skill));
            EXPECT_NEAR(high.objective, elbo, tolerance(elbo, 1e-10)) << where;
          }
        }
      }
    }
  }
}

// An absorbing state of the MDP (one available action, a zero-reward self-loop) stays
// absorbing in the skill-level MDP: only the first skill is available there (latent.hpp). The
// high-level model is then the enumerated one whose z-weights in that state are (1, 0, …).
TEST(LatentSkills, SkillLevelMdpKeepsAbsorbingStatesAbsorbing) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    std::mt19937_64 rng(seed + 500);
    auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    Problem problem = random_problem(seed, shape_for(seed));
    Mdp& mdp = problem.mdp;
    const std::size_t S = 3;
    const std::size_t A = mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    const std::uint32_t goal = 2;
    mdp.num_states = S;
    std::vector<Transition> transitions;
    for (std::uint32_t s = 0; s < S; ++s) {
      for (std::uint32_t a = 0; a < A; ++a) {
        if (s == goal) {
          transitions.push_back({s, a, goal, 1.0});
          continue;
        }
        const double p = uniform(0.1, 0.9);
        transitions.push_back({s, a, static_cast<std::uint32_t>((s + a) % 2), p});
        transitions.push_back({s, a, goal, 1.0 - p});
      }
    }
    set_transitions(mdp, transitions);
    mdp.reward.assign(S * A, 0.0);
    for (std::size_t row = 0; row < goal * A; ++row) mdp.reward[row] = uniform(-2.0, 2.0);
    mdp.initial = {0.5, 0.5, 0.0};
    mdp.allowed.assign(S * A, 1);
    mdp.allowed[goal * A + 1] = 0;
    problem.latent_prior.resize(S * Z, 1.0 / static_cast<double>(Z));
    problem.skill.resize(S * Z * A);
    for (std::size_t z = 0; z < Z; ++z) {
      problem.skill[(goal * Z + z) * A] = 1.0;
      problem.skill[(goal * Z + z) * A + 1] = 0.0;
    }
    ASSERT_TRUE(is_absorbing(mdp, goal)) << "seed " << seed;
    for (const bool with_prior : {true, false}) {
      const Table prior = with_prior ? problem.latent_prior : Table{};
      const Mdp high = skill_level_mdp(mdp, Z, problem.skill, prior);
      const std::string where = "seed " + std::to_string(seed) + (with_prior ? " prior" : " no prior");
      EXPECT_TRUE(is_absorbing(high, goal)) << where;
      Table weights = with_prior ? problem.latent_prior : Table(S * Z, 1.0);
      for (std::size_t z = 0; z < Z; ++z) weights[goal * Z + z] = z == 0 ? 1.0 : 0.0;
      const SkillLevelPosterior expected = enumerate_skill_level_exact(mdp, Z, problem.skill, weights);
      const ControlSolution exact = solve(high, options(ControlMethod::exact));
      EXPECT_NEAR(exact.log_partition, expected.log_partition, tolerance(expected.log_partition, 1e-10)) << where;
      for (std::size_t t = 0; t < *mdp.horizon; ++t) {
        EXPECT_EQ(exact.value[t][goal], 0.0) << where;
        for (std::size_t row = 0; row < high.rows(); ++row) {
          EXPECT_NEAR(exact.policy[t][row], expected.policy[t][row], 1e-10) << where << " t " << t << " row " << row;
        }
      }
    }
  }
}

// With the same p(z|s) and π_lo = p(a|s,z), the skill-level model's variational objective is
// the per-step latent model's ELBO at (π_hi, π_lo = p(a|s,z)): following the skill costs no KL
// at the low level, and the high level sees the same state distribution. So the adapting low
// level (the per-step model maximises over π_lo too) scores at least as much, at every (t, s).
TEST(LatentSkills, AdaptingLowLevelScoresAtLeastTheFixedSkillsVariationally) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t Z = problem.num_latents;
    const Mdp high = skill_level_mdp(problem.mdp, Z, problem.skill, problem.latent_prior);
    const ControlSolution fixed = solve(high, options(ControlMethod::variational));
    const StepModelSolution adapting =
        solve(problem.mdp, latent_per_step(problem.mdp, Z, problem.latent_prior, problem.skill),
              options(ControlMethod::variational));
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        EXPECT_GE(adapting.flat.value[t][s], fixed.value[t][s] - tolerance(fixed.value[t][s], 1e-12))
            << "seed " << seed << " t " << t << " s " << s;
      }
    }
    EXPECT_GE(adapting.flat.objective, fixed.objective - tolerance(fixed.objective, 1e-12)) << "seed " << seed;
    // The skill level's objective, enumerated as the per-step ELBO with π_lo = p(a|s,z).
    const Steps low(*problem.mdp.horizon, problem.skill);
    const double elbo = step_elbo(problem, fixed.policy, low);
    EXPECT_NEAR(fixed.objective, elbo, tolerance(elbo, 1e-10)) << "seed " << seed;
  }
}

// Exact: the per-step model's log p(O) is at least its own ELBO, which is at least the skill
// level's (above). With one step it is also at least the skill level's exact log p(O), by
// Jensen per state: Σ_a p(a|s,z) exp(r/α) >= exp(Σ_a p(a|s,z) r/α). With more steps there is no
// order between the two exact values (next test).
TEST(LatentSkills, ExactEvidenceOfTheAdaptingModelBoundsTheFixedSkillsElbo) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (const bool one_step : {false, true}) {
      ProblemShape shape = shape_for(seed);
      if (one_step) shape.min_horizon = shape.max_horizon = 1;
      const Problem problem = random_problem(seed, shape);
      const std::size_t Z = problem.num_latents;
      const Mdp high = skill_level_mdp(problem.mdp, Z, problem.skill, problem.latent_prior);
      const StepModel model = latent_per_step(problem.mdp, Z, problem.latent_prior, problem.skill);
      const double step_exact = solve(problem.mdp, model, options(ControlMethod::exact)).flat.log_partition;
      const double fixed_objective = solve(high, options(ControlMethod::variational)).objective;
      EXPECT_GE(step_exact, fixed_objective / problem.mdp.alpha - 1e-12) << "seed " << seed;
      if (one_step) {
        const double fixed_exact = solve(high, options(ControlMethod::exact)).log_partition;
        EXPECT_GE(step_exact, fixed_exact - 1e-12) << "seed " << seed;
      }
    }
  }
}

// A two-step counterexample: from s0, action 0 earns 4 and leads to s1 where every action
// earns -10; action 1 earns 0 and leads to s2 where every action earns 0 (α = 1, one z with a
// uniform skill). The per-step model weighs whole trajectories, 0.5 e^{4-10} + 0.5; the skill
// level pays the expected reward first, e^{2} (0.5 e^{-10} + 0.5): a high reward that leads
// to a bad future is averaged away, and its exact log p(O) is larger.
TEST(LatentSkills, SkillLevelExactEvidenceCanExceedTheAdaptingModels) {
  Problem problem;
  Mdp& mdp = problem.mdp;
  mdp.num_states = 3;
  mdp.num_actions = 2;
  set_transitions(mdp, {{0, 0, 1, 1.0}, {0, 1, 2, 1.0}, {1, 0, 1, 1.0}, {1, 1, 1, 1.0}, {2, 0, 2, 1.0}, {2, 1, 2, 1.0}});
  mdp.reward = {4.0, 0.0, -10.0, -10.0, 0.0, 0.0};
  mdp.initial = {1.0, 0.0, 0.0};
  mdp.horizon = 2;
  mdp.alpha = 1.0;
  problem.num_latents = 1;
  problem.latent_prior = {1.0, 1.0, 1.0};
  problem.skill = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  problem.episode_prior = {1.0};
  const double adapting_expected = std::log(0.5 * std::exp(-6.0) + 0.5);
  const double fixed_expected = 2.0 + std::log(0.5 * std::exp(-10.0) + 0.5);
  EXPECT_NEAR(enumerate_step_exact(problem).log_partition, adapting_expected, 1e-14);
  EXPECT_NEAR(enumerate_skill_level_exact(mdp, 1, problem.skill, problem.latent_prior).log_partition, fixed_expected,
              1e-14);
  const double adapting =
      solve(mdp, latent_per_step(mdp, 1, problem.latent_prior, problem.skill), options(ControlMethod::exact))
          .flat.log_partition;
  const double fixed =
      solve(skill_level_mdp(mdp, 1, problem.skill, problem.latent_prior), options(ControlMethod::exact)).log_partition;
  EXPECT_NEAR(adapting, adapting_expected, 1e-12);
  EXPECT_NEAR(fixed, fixed_expected, 1e-12);
  EXPECT_GT(fixed, adapting + 1.0);
}

// ---- EM ----------------------------------------------------------------------------------------

EpisodeLatent episode_latent(const Problem& problem) {
  EpisodeLatent latent;
  latent.prior = problem.episode_prior;
  latent.skill = problem.skill;
  return latent;
}

std::vector<Table> random_tasks(const Problem& problem, std::uint64_t seed, std::size_t count) {
  std::mt19937_64 rng(seed + 1000);
  std::vector<Table> tasks(count, Table(problem.mdp.rows()));
  for (Table& task : tasks) {
    for (double& r : task) r = std::uniform_real_distribution<double>(-2.0, 2.0)(rng);
  }
  return tasks;
}

SkillLearningOptions learning(ControlMethod method, std::size_t iterations, std::size_t threads) {
  SkillLearningOptions out;
  out.method = method;
  out.iterations = iterations;
  out.tolerance = 0.0;
  out.solve = SolveOptions{.method = method, .threads = threads};
  return out;
}

TEST(LatentSkills, ExpectedCountsMatchTheEnumeratedPosterior) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Problem problem = random_problem(seed, shape_for(seed));
      const Table reward = random_tasks(problem, seed, 1)[0];
      const SkillCounts counts = expected_skill_counts(problem.mdp, reward, episode_latent(problem), options(method));
      const EnumeratedCounts expected = enumerate_skill_counts(problem, reward, method == ControlMethod::variational);
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      EXPECT_NEAR(counts.log_evidence, expected.log_evidence, tolerance(expected.log_evidence, 1e-10)) << where;
      ASSERT_EQ(counts.latent.size(), expected.latent.size()) << where;
      for (std::size_t z = 0; z < expected.latent.size(); ++z) {
        EXPECT_NEAR(counts.latent[z], expected.latent[z], 1e-10) << where << " z " << z;
      }
      ASSERT_EQ(counts.state_latent_action.size(), expected.state_latent_action.size()) << where;
      for (std::size_t i = 0; i < expected.state_latent_action.size(); ++i) {
        EXPECT_NEAR(counts.state_latent_action[i], expected.state_latent_action[i], 1e-10) << where << " (s,z,a) " << i;
      }
    }
  }
}

// Σ_tasks of the oracle's log evidence (exact) or ELBO (variational) under a model.
double enumerated_evidence(Problem problem, const EpisodeLatent& model, const std::vector<Table>& tasks,
                           bool variational) {
  problem.episode_prior = model.prior;
  problem.skill = model.skill;
  double total = 0.0;
  for (const Table& task : tasks) total += enumerate_skill_counts(problem, task, variational).log_evidence;
  return total;
}

TEST(LatentSkills, LearnSkillsEvidenceNeverDecreasesFromAndToTheEnumeratedValues) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      ProblemShape shape = shape_for(seed);
      shape.skill_zeros = seed % 3 == 0;
      const Problem problem = random_problem(seed, shape);
      const std::vector<Table> tasks = random_tasks(problem, seed, 3);
      const bool variational = method == ControlMethod::variational;
      const SkillLearningResult result = learn_skills(problem.mdp, tasks, episode_latent(problem), learning(method, 10, 1));
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      ASSERT_EQ(result.log_evidence.size(), 11u) << where;
      EXPECT_EQ(result.iterations, 10u) << where;
      const double initial = enumerated_evidence(problem, episode_latent(problem), tasks, variational);
      EXPECT_NEAR(result.log_evidence.front(), initial, tolerance(initial, 1e-10)) << where;
      for (std::size_t i = 1; i < result.log_evidence.size(); ++i) {
        EXPECT_GE(result.log_evidence[i], result.log_evidence[i - 1] - tolerance(result.log_evidence[i - 1], 1e-12))
            << where << " iteration " << i;
      }
      const double learned = enumerated_evidence(problem, result.learned, tasks, variational);
      EXPECT_NEAR(result.log_evidence.back(), learned, tolerance(learned, 1e-10)) << where;
      EXPECT_GT(result.log_evidence.back(), result.log_evidence.front()) << where;  // random skills leave room
      ASSERT_EQ(result.task_posterior.size(), tasks.size()) << where;
      Problem learned_problem = problem;
      learned_problem.episode_prior = result.learned.prior;
      learned_problem.skill = result.learned.skill;
      for (std::size_t k = 0; k < tasks.size(); ++k) {
        const Table posterior = enumerate_skill_counts(learned_problem, tasks[k], variational).latent;
        ASSERT_EQ(result.task_posterior[k].size(), posterior.size()) << where;
        for (std::size_t z = 0; z < posterior.size(); ++z) {
          EXPECT_NEAR(result.task_posterior[k][z], posterior[z], 1e-10) << where << " task " << k << " z " << z;
        }
      }
    }
  }
}

// One E/M round: p(a|s,z) ∝ Σ_tasks enumerated counts (a (s, z) never visited keeps its row),
// p(z) ∝ Σ_tasks p(z | O).
TEST(LatentSkills, FirstMStepNormalisesTheEnumeratedCounts) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Problem problem = random_problem(seed, shape_for(seed));
      const std::size_t A = problem.mdp.num_actions;
      const std::size_t Z = problem.num_latents;
      const std::vector<Table> tasks = random_tasks(problem, seed, 3);
      const SkillLearningResult result = learn_skills(problem.mdp, tasks, episode_latent(problem), learning(method, 1, 1));
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      ASSERT_EQ(result.log_evidence.size(), 2u) << where;
      Table counts(problem.skill.size(), 0.0);
      Table prior(Z, 0.0);
      for (const Table& task : tasks) {
        const EnumeratedCounts c = enumerate_skill_counts(problem, task, method == ControlMethod::variational);
        for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += c.state_latent_action[i];
        for (std::size_t z = 0; z < Z; ++z) prior[z] += c.latent[z];
      }
      for (std::size_t row = 0; row < counts.size() / A; ++row) {
        double total = 0.0;
        for (std::size_t a = 0; a < A; ++a) total += counts[row * A + a];
        for (std::size_t a = 0; a < A; ++a) {
          counts[row * A + a] = total > 0.0 ? counts[row * A + a] / total : problem.skill[row * A + a];
        }
      }
      normalise_rows(prior, Z);
      ASSERT_EQ(result.learned.skill.size(), counts.size()) << where;
      for (std::size_t i = 0; i < counts.size(); ++i) {
        EXPECT_NEAR(result.learned.skill[i], counts[i], 1e-10) << where << " (s,z,a) " << i;
      }
      ASSERT_EQ(result.learned.prior.size(), Z) << where;
      for (std::size_t z = 0; z < Z; ++z) EXPECT_NEAR(result.learned.prior[z], prior[z], 1e-10) << where;
    }
  }
}

TEST(LatentSkills, LearnSkillsIsTheSameForOneAndTwoThreads) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      const Problem problem = random_problem(seed, shape_for(seed));
      const std::vector<Table> tasks = random_tasks(problem, seed, 3);
      const SkillLearningResult one = learn_skills(problem.mdp, tasks, episode_latent(problem), learning(method, 10, 1));
      const SkillLearningResult two = learn_skills(problem.mdp, tasks, episode_latent(problem), learning(method, 10, 2));
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      EXPECT_EQ(one.log_evidence, two.log_evidence) << where;
      EXPECT_EQ(one.learned.skill, two.learned.skill) << where;
      EXPECT_EQ(one.learned.prior, two.learned.prior) << where;
      EXPECT_EQ(one.task_posterior, two.task_posterior) << where;
      EXPECT_EQ(one.iterations, two.iterations) << where;
    }
  }
}

}  // namespace
}  // namespace copi::control
