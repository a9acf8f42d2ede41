// The latent-model oracle (latent_oracle.hpp) checked on its own, before it judges the
// latent models: wherever a latent model reduces to a flat MDP that copi already solves
// (and whose solver test_control_enumeration.cpp holds to trajectory sums), the oracle's
// enumerations and recursions must agree with that flat solve. The flat MDPs here are
// built by hand from the definitions (the marginal prior p(a|s) = Σ_z p(z|s) p(a|s,z);
// one flat MDP per z; the high-level MDP of a skill library as a dense product), never
// through latent.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"
#include "latent_oracle.hpp"

namespace copi::control {
namespace {

using namespace latent_oracle;  // NOLINT: the oracle is this file's vocabulary

constexpr std::uint64_t kSeeds = 32;

Mdp with_prior(const Mdp& mdp, const Table& prior) {
  Mdp flat = mdp;
  flat.action_prior = prior;
  return flat;
}

// The high-level MDP of a skill library written out densely: actions z,
// p(s'|s,z) = Σ_a π_lo(a|s,z) p(s'|s,a), r(s,z) = Σ_a π_lo(a|s,z) r(s,a), prior p(z|s).
Mdp dense_skill_level(const Problem& problem) {
  const Mdp& mdp = problem.mdp;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  Mdp high;
  high.num_states = S;
  high.num_actions = Z;
  high.initial = mdp.initial;
  high.horizon = mdp.horizon;
  high.discount = mdp.discount;
  high.alpha = mdp.alpha;
  high.action_prior = problem.latent_prior;
  high.reward.assign(S * Z, 0.0);
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < S; ++s) {
    for (std::uint32_t z = 0; z < Z; ++z) {
      std::vector<double> next(S, 0.0);
      for (std::size_t a = 0; a < A; ++a) {
        const double low = skill(problem, s, z, a);
        high.reward[s * Z + z] += low * mdp.reward[s * A + a];
        const std::size_t row = s * A + a;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          next[mdp.next_state[k]] += low * mdp.probability[k];
        }
      }
      for (std::uint32_t s2 = 0; s2 < S; ++s2) {
        if (next[s2] > 0.0) transitions.push_back({s, z, s2, next[s2]});
      }
    }
  }
  set_transitions(high, transitions);
  return high;
}

TEST(LatentOracle, StepEnumerationMarginalsMatchTheFlatExactSolve) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const Mdp flat_mdp = with_prior(problem.mdp, marginal_action_prior(problem));
    const ControlSolution flat = solve(flat_mdp, options(ControlMethod::exact));
    const StepPosterior posterior = enumerate_step_exact(problem);
    EXPECT_NEAR(posterior.log_partition, flat.log_partition, tolerance(flat.log_partition, 1e-12)) << "seed " << seed;
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        EXPECT_NEAR(posterior.value[t][s], flat.value[t][s], tolerance(flat.value[t][s], 1e-12)) << "seed " << seed;
      }
      for (std::size_t row = 0; row < flat_mdp.rows(); ++row) {
        EXPECT_NEAR(posterior.flat[t][row], flat.policy[t][row], 1e-12) << "seed " << seed << " t " << t;
      }
    }
  }
}

// Conditioning whole trajectories from p(s_1) gives the same conditionals as the futures
// from (s_t) wherever s_t is reachable: the posterior conditionals do not see the past.
TEST(LatentOracle, StepConditionalsFromWholeTrajectoriesEqualThoseFromTheFuture) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const StepPosterior future = enumerate_step_exact(problem);
    const TrajectoryConditionals whole = enumerate_step_conditionals(problem);
    std::size_t checked = 0;
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        if (whole.mass[t][s] < 1e-9) continue;
        ++checked;
        for (std::size_t z = 0; z < problem.num_latents; ++z) {
          const std::size_t i = s * problem.num_latents + z;
          EXPECT_NEAR(whole.high[t][i], future.high[t][i], 1e-12) << "seed " << seed;
        }
        for (std::size_t a = 0; a < problem.mdp.num_actions; ++a) {
          const std::size_t i = s * problem.mdp.num_actions + a;
          EXPECT_NEAR(whole.flat[t][i], future.flat[t][i], 1e-12) << "seed " << seed;
        }
      }
    }
    EXPECT_GT(checked, 0u) << "seed " << seed;
  }
}

TEST(LatentOracle, StepRecursionsMatchTheFlatVariationalAndMapSolves) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const Mdp flat_mdp = with_prior(problem.mdp, marginal_action_prior(problem));
    const ControlSolution variational = solve(flat_mdp, options(ControlMethod::variational));
    const ControlSolution map = solve(flat_mdp, options(ControlMethod::map));
    const StepBellman soft = step_bellman(problem, false);
    const StepBellman hard = step_bellman(problem, true);
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        EXPECT_NEAR(soft.value[t][s], variational.value[t][s], tolerance(variational.value[t][s], 1e-12));
        EXPECT_NEAR(hard.value[t][s], map.value[t][s], tolerance(map.value[t][s], 1e-12));
      }
      for (std::size_t row = 0; row < flat_mdp.rows(); ++row) {
        EXPECT_NEAR(soft.flat[t][row], variational.policy[t][row], 1e-12) << "seed " << seed;
      }
    }
    // The joint (z, a) ELBO of the split policy is the flat objective: π_hi π_lo ∝ p(z, a|s) f(s, a)
    // makes π(z|s,a) = p(z|s,a), so the joint KL equals the marginal one.
    const double elbo = step_elbo(problem, soft.high, soft.low);
    EXPECT_NEAR(elbo, variational.objective, tolerance(variational.objective, 1e-11)) << "seed " << seed;
  }
}

TEST(LatentOracle, EpisodeEnumerationPerLatentMatchesTheFlatSolves) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const EpisodePosterior posterior = enumerate_episode_exact(problem);
    double evidence = 0.0;
    for (std::size_t z = 0; z < problem.num_latents; ++z) {
      const Mdp flat_mdp = with_prior(problem.mdp, skill_of(problem, z));
      const ControlSolution exact = solve(flat_mdp, options(ControlMethod::exact));
      const ControlSolution variational = solve(flat_mdp, options(ControlMethod::variational));
      const ControlSolution map = solve(flat_mdp, options(ControlMethod::map));
      const FlatBellman soft = flat_bellman(flat_mdp, flat_mdp.action_prior, false);
      const FlatBellman hard = flat_bellman(flat_mdp, flat_mdp.action_prior, true);
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          EXPECT_NEAR(posterior.value[z][t][s], exact.value[t][s], tolerance(exact.value[t][s], 1e-12));
          EXPECT_NEAR(soft.value[t][s], variational.value[t][s], tolerance(variational.value[t][s], 1e-12));
          EXPECT_NEAR(hard.value[t][s], map.value[t][s], tolerance(map.value[t][s], 1e-12));
        }
        for (std::size_t row = 0; row < flat_mdp.rows(); ++row) {
          EXPECT_NEAR(posterior.policy[z][t][row], exact.policy[t][row], 1e-12) << "seed " << seed;
          EXPECT_NEAR(soft.policy[t][row], variational.policy[t][row], 1e-12) << "seed " << seed;
        }
      }
      const double objective = flat_elbo(flat_mdp, flat_mdp.action_prior, soft.policy);
      EXPECT_NEAR(objective, variational.objective, tolerance(objective, 1e-11)) << "seed " << seed;
      evidence += problem.episode_prior[z] * std::exp(exact.log_partition);
    }
    EXPECT_NEAR(posterior.log_partition, std::log(evidence), tolerance(std::log(evidence), 1e-12)) << "seed " << seed;
  }
}

TEST(LatentOracle, SkillLevelEnumerationMatchesTheDenseHighLevelMdp) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const Mdp high = dense_skill_level(problem);
    const ControlSolution exact = solve(high, options(ControlMethod::exact));
    const ControlSolution variational = solve(high, options(ControlMethod::variational));
    const ControlSolution map = solve(high, options(ControlMethod::map));
    const SkillLevelPosterior posterior =
        enumerate_skill_level_exact(problem.mdp, problem.num_latents, problem.skill, problem.latent_prior);
    const FlatBellman soft =
        skill_level_bellman(problem.mdp, problem.num_latents, problem.skill, problem.latent_prior, false);
    const FlatBellman hard =
        skill_level_bellman(problem.mdp, problem.num_latents, problem.skill, problem.latent_prior, true);
    EXPECT_NEAR(posterior.log_partition, exact.log_partition, tolerance(exact.log_partition, 1e-12)) << "seed " << seed;
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        EXPECT_NEAR(posterior.value[t][s], exact.value[t][s], tolerance(exact.value[t][s], 1e-12));
        EXPECT_NEAR(soft.value[t][s], variational.value[t][s], tolerance(variational.value[t][s], 1e-12));
        EXPECT_NEAR(hard.value[t][s], map.value[t][s], tolerance(map.value[t][s], 1e-12));
      }
      for (std::size_t row = 0; row < high.rows(); ++row) {
        EXPECT_NEAR(posterior.policy[t][row], exact.policy[t][row], 1e-12) << "seed " << seed;
        EXPECT_NEAR(soft.policy[t][row], variational.policy[t][row], 1e-12) << "seed " << seed;
      }
    }
  }
}

// The E-step's counts from one flat solve per z: undiscounted, Σ_{s,a} counts[s][z][a] = T p(z|O)
// (every step happens), and p(z|O) is the enumerated posterior of the episode model.
TEST(LatentOracle, SkillCountsAreConsistentWithTheEpisodePosterior) {
  for (std::uint64_t seed = 0; seed < kSeeds; seed += 2) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const EpisodePosterior posterior = enumerate_episode_exact(problem);
    const std::size_t T = *problem.mdp.horizon;
    const std::size_t A = problem.mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    for (const bool variational : {false, true}) {
      const EnumeratedCounts counts = enumerate_skill_counts(problem, problem.mdp.reward, variational);
      if (!variational) {
        EXPECT_NEAR(counts.log_evidence, posterior.log_partition, tolerance(posterior.log_partition, 1e-12));
      } else {
        EXPECT_LE(counts.log_evidence, posterior.log_partition + 1e-12) << "seed " << seed;  // an ELBO
      }
      for (std::size_t z = 0; z < Z; ++z) {
        if (!variational) {
          EXPECT_NEAR(counts.latent[z], posterior.posterior[z], 1e-12) << "seed " << seed;
        }
        double total = 0.0;
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          for (std::size_t a = 0; a < A; ++a) total += counts.state_latent_action[(s * Z + z) * A + a];
        }
        EXPECT_NEAR(total, static_cast<double>(T) * counts.latent[z], 1e-12) << "seed " << seed;
      }
    }
  }
}

}  // namespace
}  // namespace copi::control
