// The latent-per-step and latent-per-episode models (copi/control/latent.hpp) held to the
// enumeration oracle (latent_oracle.hpp; itself checked in test_latent_oracle.cpp) on
// seeded random tiny problems — 2-3 states, 2 actions, 2-3 latent values, horizon 2-3,
// stochastic dynamics, α in [0.5, 2], with and without a discount:
//   per step, exact        p(z_t|s_t,O), p(a_t|s_t,z_t,O), p(a_t|s_t,O), V and log p(O)
//                          from the sums over every (z, a, s') sequence;
//   per step, variational  eq. 15 through the chain as nested loops; the flat policy is the
//                          flat solve under the marginal prior to 1e-12; the objective is
//                          the enumerated joint (z, a) ELBO, and perturbing π_hi or π_lo
//                          lowers it;
//   per step, map          the hard recursion over (z, a) of positive prior, one-hot
//                          policies on an argmax;
//   |Z| = 1                the flat MDP for every method;
//   per episode            exact p(z|O), log p(O), V^z by enumerating (z, τ); variational
//                          q(z) ∝ p(z) exp(J^z/α) with J^z the enumerated ELBO of π^z;
//                          map one-hot on the best expectimax value.
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

constexpr std::uint64_t kSeeds = 32;

StepModel step_model(const Problem& problem) {
  return latent_per_step(problem.mdp, problem.num_latents, problem.latent_prior, problem.skill);
}

Mdp with_prior(const Mdp& mdp, const Table& prior) {
  Mdp flat = mdp;
  flat.action_prior = prior;
  return flat;
}

// leaf_policy[t][k] as the oracle's [t][...] tables.
Steps leaf(const StepModelSolution& solution, std::size_t k) {
  Steps out;
  for (const auto& step : solution.leaf_policy) out.push_back(step.at(k));
  return out;
}

void expect_shapes(const StepModelSolution& solution, const Problem& problem, std::uint64_t seed) {
  const std::size_t T = *problem.mdp.horizon;
  const std::size_t S = problem.mdp.num_states;
  const std::size_t A = problem.mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  ASSERT_EQ(solution.leaf_policy.size(), T) << "seed " << seed;
  ASSERT_EQ(solution.flat.policy.size(), T) << "seed " << seed;
  ASSERT_EQ(solution.flat.value.size(), T) << "seed " << seed;
  for (std::size_t t = 0; t < T; ++t) {
    ASSERT_EQ(solution.leaf_policy[t].size(), 2u) << "seed " << seed;
    ASSERT_EQ(solution.leaf_policy[t][0].size(), S * Z) << "seed " << seed;
    ASSERT_EQ(solution.leaf_policy[t][1].size(), S * Z * A) << "seed " << seed;
    ASSERT_EQ(solution.flat.policy[t].size(), S * A) << "seed " << seed;
    ASSERT_EQ(solution.flat.value[t].size(), S) << "seed " << seed;
  }
}

// ---- latent per step -----------------------------------------------------------------------

TEST(LatentEnumeration, StepExactMatchesTheTrajectoryPosterior) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t S = problem.mdp.num_states;
    const std::size_t A = problem.mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(ControlMethod::exact));
    expect_shapes(solution, problem, seed);
    const StepPosterior expected = enumerate_step_exact(problem);
    EXPECT_NEAR(solution.flat.log_partition, expected.log_partition, tolerance(expected.log_partition, 1e-10))
        << "seed " << seed;
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < S; ++s) {
        EXPECT_NEAR(solution.flat.value[t][s], expected.value[t][s], tolerance(expected.value[t][s], 1e-10))
            << "seed " << seed << " t " << t << " s " << s;
        for (std::size_t z = 0; z < Z; ++z) {
          EXPECT_NEAR(solution.leaf_policy[t][0][s * Z + z], expected.high[t][s * Z + z], 1e-10)
              << "pi_hi seed " << seed << " t " << t << " s " << s << " z " << z;
          if (latent_prior(problem, s, z) == 0.0) continue;  // StepLowLevelPolicyOfAnImpossibleLatent
          for (std::size_t a = 0; a < A; ++a) {
            const std::size_t i = (s * Z + z) * A + a;
            EXPECT_NEAR(solution.leaf_policy[t][1][i], expected.low[t][i], 1e-10)
                << "pi_lo seed " << seed << " t " << t << " s " << s << " z " << z << " a " << a;
          }
        }
        for (std::size_t a = 0; a < A; ++a) {
          EXPECT_NEAR(solution.flat.policy[t][s * A + a], expected.flat[t][s * A + a], 1e-10)
              << "flat seed " << seed << " t " << t << " s " << s << " a " << a;
        }
      }
    }
  }
}

// The flat policy of every method is the flat solve under the marginal prior
// p(a|s) = Σ_z p(z|s) p(a|s,z) (latent.hpp), to 1e-12.
TEST(LatentEnumeration, StepFlatPolicyIsTheFlatSolveUnderTheMarginalPrior) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Problem problem = random_problem(seed, shape_for(seed));
      const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(method));
      expect_shapes(solution, problem, seed);
      const ControlSolution flat = solve(with_prior(problem.mdp, marginal_action_prior(problem)), options(method));
      EXPECT_NEAR(solution.flat.log_partition, flat.log_partition, tolerance(flat.log_partition, 1e-12))
          << to_string(method) << " seed " << seed;
      EXPECT_NEAR(solution.flat.objective, flat.objective, tolerance(flat.objective, 1e-12))
          << to_string(method) << " seed " << seed;
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          EXPECT_NEAR(solution.flat.value[t][s], flat.value[t][s], tolerance(flat.value[t][s], 1e-12))
              << to_string(method) << " seed " << seed;
        }
        for (std::size_t row = 0; row < problem.mdp.rows(); ++row) {
          EXPECT_NEAR(solution.flat.policy[t][row], flat.policy[t][row], 1e-12)
              << to_string(method) << " seed " << seed << " t " << t << " row " << row;
        }
      }
    }
  }
}

TEST(LatentEnumeration, StepVariationalMatchesTheSoftBellmanRecursion) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t S = problem.mdp.num_states;
    const std::size_t A = problem.mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(ControlMethod::variational));
    expect_shapes(solution, problem, seed);
    const StepBellman expected = step_bellman(problem, false);
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < S; ++s) {
        EXPECT_NEAR(solution.flat.value[t][s], expected.value[t][s], tolerance(expected.value[t][s], 1e-10))
            << "seed " << seed;
        for (std::size_t i = s * Z; i < (s + 1) * Z; ++i) {
          EXPECT_NEAR(solution.leaf_policy[t][0][i], expected.high[t][i], 1e-10) << "pi_hi seed " << seed << " t " << t;
        }
        for (std::size_t i = s * Z * A; i < (s + 1) * Z * A; ++i) {
          if (problem.latent_prior[i / A] == 0.0) continue;  // StepLowLevelPolicyOfAnImpossibleLatent
          EXPECT_NEAR(solution.leaf_policy[t][1][i], expected.low[t][i], 1e-10) << "pi_lo seed " << seed << " t " << t;
        }
        for (std::size_t i = s * A; i < (s + 1) * A; ++i) {
          EXPECT_NEAR(solution.flat.policy[t][i], expected.flat[t][i], 1e-10) << "flat seed " << seed << " t " << t;
        }
      }
    }
  }
}

// `policy` mixed at every (t, s) (or only t = 0) with a random distribution on the prior's
// support, rows of `row_size` renormalised; `weight(row, i)` is the prior.
template <class Prior>
Steps perturbed(const Steps& policy, std::size_t row_size, bool first_only, double mix, std::mt19937_64& rng,
                Prior prior) {
  Steps out = policy;
  const std::size_t steps = first_only ? 1 : out.size();
  for (std::size_t t = 0; t < steps; ++t) {
    for (std::size_t begin = 0; begin < out[t].size(); begin += row_size) {
      std::vector<double> u(row_size, 0.0);
      double total = 0.0;
      for (std::size_t i = 0; i < row_size; ++i) {
        if (prior(begin + i) > 0.0) u[i] = std::uniform_real_distribution<double>(0.05, 1.0)(rng);
        total += u[i];
      }
      double renormalise = 0.0;
      for (std::size_t i = 0; i < row_size; ++i) {
        double& p = out[t][begin + i];
        p = (1.0 - mix) * p + mix * u[i] / total;
        renormalise += p;
      }
      for (std::size_t i = 0; i < row_size; ++i) out[t][begin + i] /= renormalise;
    }
  }
  return out;
}

// The variational objective is the ELBO E[Σ r + α (log p(z|s) p(a|s,z) - log π_hi π_lo)] of the
// returned split policy, enumerated over its trajectories, and a maximum: perturbing π_hi
// (or π_lo) on the prior's support scores strictly lower.
TEST(LatentEnumeration, StepVariationalObjectiveIsTheEnumeratedElboAndAMaximum) {
  std::mt19937_64 rng(13);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    ProblemShape shape = shape_for(seed);
    shape.latent_zeros = false;  // two or more z everywhere, so a perturbation of π_hi changes the policy
    const Problem problem = random_problem(seed, shape);
    const std::size_t A = problem.mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(ControlMethod::variational));
    expect_shapes(solution, problem, seed);
    const Steps high = leaf(solution, 0);
    const Steps low = leaf(solution, 1);
    const double optimum = step_elbo(problem, high, low);
    EXPECT_NEAR(solution.flat.objective, optimum, tolerance(optimum, 1e-10)) << "seed " << seed;
    const double margin = 1e-12 * std::max(1.0, std::abs(optimum));
    for (int trial = 0; trial < 6; ++trial) {
      const double mix = std::uniform_real_distribution<double>(0.02, 0.3)(rng);
      const bool first_only = trial % 2 == 0;  // t = 0 only: the states of p(s_1) are visited
      const Steps high2 = perturbed(high, Z, first_only, mix, rng, [&](std::size_t i) { return problem.latent_prior[i]; });
      EXPECT_LT(step_elbo(problem, high2, low), optimum - margin) << "pi_hi seed " << seed << " trial " << trial;
      // π_lo: rows whose skill allows one action only cannot move; check when a row of a first
      // state (p(s_1) > 0, where every π_hi(z|s) > 0) moved.
      const Steps low2 = perturbed(low, A, first_only, mix, rng, [&](std::size_t i) { return problem.skill[i]; });
      bool moved = false;
      for (std::size_t i = 0; i < low[0].size(); ++i) {
        moved = moved || (problem.mdp.initial[i / (Z * A)] > 0.0 && std::abs(low2[0][i] - low[0][i]) > 1e-6);
      }
      if (moved) {
        EXPECT_LT(step_elbo(problem, high, low2), optimum - margin) << "pi_lo seed " << seed << " trial " << trial;
      }
    }
  }
}

TEST(LatentEnumeration, StepMapPicksAnArgmaxOfTheHardRecursion) {
  constexpr double kTie = 1e-12;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t S = problem.mdp.num_states;
    const std::size_t A = problem.mdp.num_actions;
    const std::size_t Z = problem.num_latents;
    const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(ControlMethod::map));
    expect_shapes(solution, problem, seed);
    const StepBellman hard = step_bellman(problem, true);
    for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
      for (std::size_t s = 0; s < S; ++s) {
        const double v = hard.value[t][s];
        EXPECT_NEAR(solution.flat.value[t][s], v, tolerance(v, 1e-12)) << "seed " << seed << " t " << t;
        // π_hi one-hot on a z of positive prior whose V_lo attains V.
        std::size_t chosen = Z;
        for (std::size_t z = 0; z < Z; ++z) {
          const double p = solution.leaf_policy[t][0][s * Z + z];
          EXPECT_TRUE(p == 0.0 || p == 1.0) << "seed " << seed << " t " << t << " s " << s << " pi_hi " << p;
          if (p == 1.0) chosen = z;
        }
        ASSERT_LT(chosen, Z) << "seed " << seed << " t " << t << " s " << s;
        EXPECT_GT(latent_prior(problem, s, chosen), 0.0) << "seed " << seed;
        EXPECT_GE(hard.value_low[t][s * Z + chosen], v - tolerance(v, kTie)) << "seed " << seed << " t " << t;
        // π_lo(·|s,z) one-hot on an action of positive p(a|s,z) whose Q attains V_lo(s,z), for every
        // z of positive prior (StepLowLevelPolicyOfAnImpossibleLatent checks the others).
        for (std::size_t z = 0; z < Z; ++z) {
          if (latent_prior(problem, s, z) == 0.0) continue;
          std::size_t action = A;
          for (std::size_t a = 0; a < A; ++a) {
            const double p = solution.leaf_policy[t][1][(s * Z + z) * A + a];
            EXPECT_TRUE(p == 0.0 || p == 1.0) << "seed " << seed << " pi_lo " << p;
            if (p == 1.0) action = a;
          }
          ASSERT_LT(action, A) << "seed " << seed << " t " << t << " s " << s << " z " << z;
          EXPECT_GT(skill(problem, s, z, action), 0.0) << "seed " << seed;
          const double v_low = hard.value_low[t][s * Z + z];
          EXPECT_GE(hard.q[t][s * A + action], v_low - tolerance(v_low, kTie)) << "seed " << seed << " z " << z;
        }
        // The flat policy is Σ_z π_hi π_lo: one-hot on the chosen z's action.
        for (std::size_t a = 0; a < A; ++a) {
          EXPECT_EQ(solution.flat.policy[t][s * A + a], solution.leaf_policy[t][1][(s * Z + chosen) * A + a])
              << "seed " << seed << " t " << t << " s " << s;
        }
      }
    }
  }
}

// Where p(z|s) = 0, π_lo(a|s,z) is still the leaf's rule applied to its row, as for every
// (state, parent) row of a chain (latent.hpp): the posterior of a_t given s_t and z_t = z set
// from outside, p(a|s,z) exp((Q - V_lo)/α) (map: one-hot on an argmax of Q over p(a|s,z) > 0).
// It never acts, since π_hi(z|s) = 0 there.
TEST(LatentEnumeration, StepLowLevelPolicyOfAnImpossibleLatent) {
  std::size_t checked = 0;
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < 2 * kSeeds; ++seed) {
      ProblemShape shape = shape_for(seed);
      shape.latent_zeros = true;
      const Problem problem = random_problem(seed, shape);
      const std::size_t A = problem.mdp.num_actions;
      const std::size_t Z = problem.num_latents;
      const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(method));
      expect_shapes(solution, problem, seed);
      const StepPosterior exact = enumerate_step_exact(problem);
      const StepBellman soft = step_bellman(problem, false);
      const StepBellman hard = step_bellman(problem, true);
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          for (std::size_t z = 0; z < Z; ++z) {
            if (latent_prior(problem, s, z) > 0.0) continue;
            ++checked;
            EXPECT_EQ(solution.leaf_policy[t][0][s * Z + z], 0.0) << to_string(method) << " seed " << seed;
            const std::size_t row = (s * Z + z) * A;
            std::size_t ones = 0;
            for (std::size_t a = 0; a < A; ++a) {
              const double p = solution.leaf_policy[t][1][row + a];
              const std::string where = to_string(method) + " seed " + std::to_string(seed) + " t " +
                                        std::to_string(t) + " s " + std::to_string(s) + " z " + std::to_string(z);
              if (method == ControlMethod::exact) {
                EXPECT_NEAR(p, exact.low[t][row + a], 1e-10) << where;
              } else if (method == ControlMethod::variational) {
                EXPECT_NEAR(p, soft.low[t][row + a], 1e-10) << where;
              } else {
                EXPECT_TRUE(p == 0.0 || p == 1.0) << where;
                ones += p == 1.0 ? 1 : 0;
                if (p == 1.0) {
                  EXPECT_GT(skill(problem, s, z, a), 0.0) << where;
                  const double v_low = hard.value_low[t][s * Z + z];
                  EXPECT_GE(hard.q[t][s * A + a], v_low - tolerance(v_low, 1e-12)) << where;
                }
              }
            }
            if (method == ControlMethod::map) {
              EXPECT_EQ(ones, 1u) << "seed " << seed << " t " << t << " s " << s;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 0u);
}

// |Z| = 1: π_hi is 1, π_lo and everything the flat solve reports are those of the flat MDP
// with the prior p(a|s) = p(a|s,z), for every method.
TEST(LatentEnumeration, SingleLatentPerStepIsTheFlatMdp) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      ProblemShape shape = shape_for(seed);
      shape.min_latents = 1;
      shape.max_latents = 1;
      const Problem problem = random_problem(seed, shape);
      const StepModelSolution solution = solve(problem.mdp, step_model(problem), options(method));
      expect_shapes(solution, problem, seed);
      const ControlSolution flat = solve(with_prior(problem.mdp, skill_of(problem, 0)), options(method));
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      EXPECT_NEAR(solution.flat.log_partition, flat.log_partition, tolerance(flat.log_partition, 1e-12)) << where;
      EXPECT_NEAR(solution.flat.objective, flat.objective, tolerance(flat.objective, 1e-12)) << where;
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          EXPECT_NEAR(solution.flat.value[t][s], flat.value[t][s], tolerance(flat.value[t][s], 1e-12)) << where;
          EXPECT_NEAR(solution.leaf_policy[t][0][s], 1.0, 1e-12) << where;
        }
        for (std::size_t row = 0; row < problem.mdp.rows(); ++row) {
          EXPECT_NEAR(solution.flat.policy[t][row], flat.policy[t][row], 1e-12) << where;
          EXPECT_NEAR(solution.leaf_policy[t][1][row], flat.policy[t][row], 1e-12) << where;
        }
      }
    }
  }
}

// ---- latent per episode ---------------------------------------------------------------------

EpisodeLatent episode_latent(const Problem& problem) {
  EpisodeLatent latent;
  latent.prior = problem.episode_prior;
  latent.skill = problem.skill;
  return latent;
}

TEST(LatentEnumeration, EpisodeExactMatchesTheEnumeratedPosterior) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t Z = problem.num_latents;
    const EpisodeLatentSolution solution = solve(problem.mdp, episode_latent(problem), options(ControlMethod::exact));
    const EpisodePosterior expected = enumerate_episode_exact(problem);
    ASSERT_EQ(solution.per_latent.size(), Z) << "seed " << seed;
    ASSERT_EQ(solution.posterior.size(), Z) << "seed " << seed;
    EXPECT_NEAR(solution.log_partition, expected.log_partition, tolerance(expected.log_partition, 1e-10))
        << "seed " << seed;
    for (std::size_t z = 0; z < Z; ++z) {
      EXPECT_NEAR(solution.posterior[z], expected.posterior[z], 1e-10) << "seed " << seed << " z " << z;
      const ControlSolution& per = solution.per_latent[z];
      double evidence = 0.0;  // p(O | z) = Σ_s p(s_1) exp(V_1^z(s)/α)
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
        evidence += problem.mdp.initial[s] * std::exp(expected.value[z][0][s] / problem.mdp.alpha);
      }
      EXPECT_NEAR(per.log_partition, std::log(evidence), tolerance(std::log(evidence), 1e-10)) << "seed " << seed;
      ASSERT_EQ(per.value.size(), *problem.mdp.horizon) << "seed " << seed;
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          const double v = expected.value[z][t][s];
          EXPECT_NEAR(per.value[t][s], v, tolerance(v, 1e-10)) << "seed " << seed << " z " << z << " t " << t;
        }
        for (std::size_t row = 0; row < problem.mdp.rows(); ++row) {
          EXPECT_NEAR(per.policy[t][row], expected.policy[z][t][row], 1e-10) << "seed " << seed << " z " << z;
        }
      }
    }
  }
}

// q(z) ∝ p(z) exp(J^z/α) with J^z the ELBO of z's soft-optimal flat policy, enumerated here
// from the returned π^z; log_partition = log Σ_z p(z) exp(J^z/α) is the maximum over q(z) of
// the structured ELBO and at most the exact log p(O).
TEST(LatentEnumeration, EpisodeVariationalPosteriorFollowsTheEnumeratedObjectives) {
  std::mt19937_64 rng(29);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t Z = problem.num_latents;
    const double alpha = problem.mdp.alpha;
    const EpisodeLatentSolution solution =
        solve(problem.mdp, episode_latent(problem), options(ControlMethod::variational));
    ASSERT_EQ(solution.per_latent.size(), Z) << "seed " << seed;
    ASSERT_EQ(solution.posterior.size(), Z) << "seed " << seed;
    std::vector<double> objective(Z);
    double total = 0.0;
    for (std::size_t z = 0; z < Z; ++z) {
      const Table prior = skill_of(problem, z);
      const FlatBellman soft = flat_bellman(problem.mdp, prior, false);
      objective[z] = flat_elbo(problem.mdp, prior, solution.per_latent[z].policy);
      EXPECT_NEAR(solution.per_latent[z].objective, objective[z], tolerance(objective[z], 1e-10)) << "seed " << seed;
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          const double v = soft.value[t][s];
          EXPECT_NEAR(solution.per_latent[z].value[t][s], v, tolerance(v, 1e-10)) << "seed " << seed << " z " << z;
        }
      }
      total += problem.episode_prior[z] * std::exp(objective[z] / alpha);
    }
    const double log_partition = std::log(total);
    EXPECT_NEAR(solution.log_partition, log_partition, tolerance(log_partition, 1e-10)) << "seed " << seed;
    for (std::size_t z = 0; z < Z; ++z) {
      EXPECT_NEAR(solution.posterior[z], problem.episode_prior[z] * std::exp(objective[z] / alpha) / total, 1e-10)
          << "seed " << seed << " z " << z;
    }
    EXPECT_LE(solution.log_partition, enumerate_episode_exact(problem).log_partition + 1e-12) << "seed " << seed;
    // Any other q(z) scores lower: Σ_z q (J^z/α + log p(z) - log q).
    for (int trial = 0; trial < 4; ++trial) {
      const double mix = std::uniform_real_distribution<double>(0.05, 0.5)(rng);
      std::vector<double> q(Z);
      double norm = 0.0;
      for (std::size_t z = 0; z < Z; ++z) {
        q[z] = (1.0 - mix) * solution.posterior[z] + mix * std::uniform_real_distribution<double>(0.05, 1.0)(rng);
        norm += q[z];
      }
      double elbo = 0.0;
      for (std::size_t z = 0; z < Z; ++z) {
        q[z] /= norm;
        elbo += q[z] * (objective[z] / alpha + std::log(problem.episode_prior[z]) - std::log(q[z]));
      }
      EXPECT_LT(elbo, log_partition) << "seed " << seed << " trial " << trial;
    }
  }
}

// map: per z the expectimax over actions of positive p(a|s,z); one-hot on the z of the
// largest J^z = E_{p(s_1)}[V_1^z]; log_partition = max_z J^z/α.
TEST(LatentEnumeration, EpisodeMapIsOneHotOnTheBestExpectimaxValue) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Problem problem = random_problem(seed, shape_for(seed));
    const std::size_t Z = problem.num_latents;
    const EpisodeLatentSolution solution = solve(problem.mdp, episode_latent(problem), options(ControlMethod::map));
    ASSERT_EQ(solution.per_latent.size(), Z) << "seed " << seed;
    ASSERT_EQ(solution.posterior.size(), Z) << "seed " << seed;
    std::vector<double> objective(Z, 0.0);
    for (std::size_t z = 0; z < Z; ++z) {
      const Table prior = skill_of(problem, z);
      const FlatBellman hard = flat_bellman(problem.mdp, prior, true);
      for (std::size_t s = 0; s < problem.mdp.num_states; ++s) objective[z] += problem.mdp.initial[s] * hard.value[0][s];
      for (std::size_t t = 0; t < *problem.mdp.horizon; ++t) {
        for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
          const double v = hard.value[t][s];
          EXPECT_NEAR(solution.per_latent[z].value[t][s], v, tolerance(v, 1e-12)) << "seed " << seed;
        }
      }
      EXPECT_NEAR(solution.per_latent[z].objective, objective[z], tolerance(objective[z], 1e-11)) << "seed " << seed;
      // The returned π^z earns that value (expected reward by enumeration).
      const double earned = flat_elbo(problem.mdp, prior, solution.per_latent[z].policy, false);
      EXPECT_NEAR(earned, objective[z], tolerance(objective[z], 1e-11)) << "seed " << seed << " z " << z;
    }
    const double best = *std::max_element(objective.begin(), objective.end());
    EXPECT_NEAR(solution.log_partition, best / problem.mdp.alpha, tolerance(best / problem.mdp.alpha, 1e-11));
    std::size_t chosen = Z;
    for (std::size_t z = 0; z < Z; ++z) {
      EXPECT_TRUE(solution.posterior[z] == 0.0 || solution.posterior[z] == 1.0) << "seed " << seed;
      if (solution.posterior[z] == 1.0) chosen = z;
    }
    ASSERT_LT(chosen, Z) << "seed " << seed;
    EXPECT_GE(objective[chosen], best - tolerance(best, 1e-12)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace copi::control
