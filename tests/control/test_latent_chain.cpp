// General step models (latent.hpp's StepModel): a chain z1 → z2 → a of three leaves held to
// the enumeration of every (z1, z2, a, s') path (chain_oracle.hpp), every leaf's policy
// π_t(x_k | s, x_{k-1}) for every method; and infinite-horizon step models, whose leaf
// policies are one backup of the returned fixed point, written out leaf by leaf.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "chain_oracle.hpp"
#include "copi/control/latent.hpp"

namespace copi::control {
namespace {

using namespace latent_oracle;  // NOLINT: the oracle is this file's vocabulary

constexpr std::uint64_t kSeeds = 16;


// A tiny MDP (2-3 states, 2 actions, horizon 2) and a z1 → z2 → a chain with |z1| = 2 and
// |z2| in {2, 3}.
struct ChainProblem {
  Mdp mdp;
  Chain chain;
};
ChainProblem chain_problem(std::uint64_t seed) {
  ProblemShape shape;
  shape.discount = seed % 2 == 1;
  shape.max_horizon = 2;
  ChainProblem out;
  out.mdp = random_problem(seed, shape).mdp;
  out.chain = random_chain(out.mdp, {2, 2 + (seed / 2) % 2, out.mdp.num_actions}, seed + 77);
  return out;
}

StepModel step_model(const Chain& chain) {
  StepModel model;
  for (std::size_t k = 0; k < chain.sizes.size(); ++k) {
    const std::string name = k + 1 == chain.sizes.size() ? "action" : "z" + std::to_string(k + 1);
    model.leaves.push_back(StepLeaf{name, chain.sizes[k], chain.priors[k], {}});
  }
  return model;
}

// The oracle's two computations agree: the leaf-by-leaf backup from V_{T+1} = 0 with the
// exact rule is the enumerated posterior, for three leaves and for (z, a) (where it also
// agrees with latent_oracle's step enumeration).
TEST(LatentChain, OracleBackupIsTheEnumeratedPosterior) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const ChainProblem problem = chain_problem(seed);
    const Problem step = random_problem(seed, ProblemShape{.discount = seed % 2 == 1, .latent_zeros = false});
    for (const auto& [mdp, chain] : {std::pair{problem.mdp, problem.chain}, std::pair{step.mdp, chain_of(step)}}) {
      const ChainPosterior posterior = enumerate_chain_exact(mdp, chain);
      const std::vector<ChainBackup> backup = chain_bellman(mdp, chain, ControlMethod::exact);
      for (std::size_t t = 0; t < *mdp.horizon; ++t) {
        for (std::size_t s = 0; s < mdp.num_states; ++s) {
          EXPECT_NEAR(backup[t].value[s], posterior.value[t][s], tolerance(posterior.value[t][s], 1e-12));
        }
        for (std::size_t k = 0; k < chain.sizes.size(); ++k) {
          for (std::size_t i = 0; i < chain.priors[k].size(); ++i) {
            EXPECT_NEAR(backup[t].leaf_policy[k][i], posterior.leaf[t][k][i], 1e-12) << "seed " << seed << " k " << k;
          }
        }
        for (std::size_t row = 0; row < mdp.rows(); ++row) {
          EXPECT_NEAR(backup[t].flat[row], posterior.flat[t][row], 1e-12) << "seed " << seed;
        }
      }
    }
    const StepPosterior two = enumerate_step_exact(step);
    const ChainPosterior same = enumerate_chain_exact(step.mdp, chain_of(step));
    EXPECT_NEAR(same.log_partition, two.log_partition, tolerance(two.log_partition, 1e-12)) << "seed " << seed;
    for (std::size_t t = 0; t < *step.mdp.horizon; ++t) {
      for (std::size_t i = 0; i < two.high[t].size(); ++i) EXPECT_NEAR(same.leaf[t][0][i], two.high[t][i], 1e-12);
      for (std::size_t i = 0; i < two.low[t].size(); ++i) EXPECT_NEAR(same.leaf[t][1][i], two.low[t][i], 1e-12);
    }
  }
}

TEST(LatentChain, ThreeLeafExactMatchesEnumeration) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const ChainProblem problem = chain_problem(seed);
    const Mdp& mdp = problem.mdp;
    const StepModelSolution solution = solve(mdp, step_model(problem.chain), options(ControlMethod::exact));
    const ChainPosterior expected = enumerate_chain_exact(mdp, problem.chain);
    EXPECT_NEAR(solution.flat.log_partition, expected.log_partition, tolerance(expected.log_partition, 1e-10))
        << "seed " << seed;
    ASSERT_EQ(solution.leaf_policy.size(), *mdp.horizon) << "seed " << seed;
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      ASSERT_EQ(solution.leaf_policy[t].size(), 3u) << "seed " << seed;
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(solution.flat.value[t][s], expected.value[t][s], tolerance(expected.value[t][s], 1e-10));
      }
      for (std::size_t k = 0; k < 3; ++k) {
        ASSERT_EQ(solution.leaf_policy[t][k].size(), expected.leaf[t][k].size()) << "seed " << seed << " k " << k;
        for (std::size_t i = 0; i < expected.leaf[t][k].size(); ++i) {
          EXPECT_NEAR(solution.leaf_policy[t][k][i], expected.leaf[t][k][i], 1e-10)
              << "seed " << seed << " t " << t << " leaf " << k << " entry " << i;
        }
      }
      for (std::size_t row = 0; row < mdp.rows(); ++row) {
        EXPECT_NEAR(solution.flat.policy[t][row], expected.flat[t][row], 1e-10) << "seed " << seed << " t " << t;
      }
    }
  }
}

// Every leaf policy of a map solve is one-hot on a value of positive prior whose child value
// attains the leaf's max; variational leaf policies are the leaf-by-leaf soft backup.
TEST(LatentChain, ThreeLeafVariationalAndMapMatchTheLeafBackup) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const ChainProblem problem = chain_problem(seed);
      const Mdp& mdp = problem.mdp;
      const Chain& chain = problem.chain;
      const StepModelSolution solution = solve(mdp, step_model(chain), options(method));
      const std::vector<ChainBackup> expected = chain_bellman(mdp, chain, method);
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      ASSERT_EQ(solution.leaf_policy.size(), *mdp.horizon) << where;
      for (std::size_t t = 0; t < *mdp.horizon; ++t) {
        ASSERT_EQ(solution.leaf_policy[t].size(), 3u) << where;
        for (std::size_t s = 0; s < mdp.num_states; ++s) {
          EXPECT_NEAR(solution.flat.value[t][s], expected[t].value[s], tolerance(expected[t].value[s], 1e-10)) << where;
        }
        for (std::size_t k = 0; k < 3; ++k) {
          const std::size_t n = chain.sizes[k];
          ASSERT_EQ(solution.leaf_policy[t][k].size(), chain.priors[k].size()) << where;
          if (method == ControlMethod::variational) {
            for (std::size_t i = 0; i < chain.priors[k].size(); ++i) {
              EXPECT_NEAR(solution.leaf_policy[t][k][i], expected[t].leaf_policy[k][i], 1e-10) << where << " k " << k;
            }
            continue;
          }
          for (std::size_t row = 0; row < chain.priors[k].size() / n; ++row) {
            const std::size_t s = row / chain.parent_size(k);
            const double v = expected[t].leaf_value[k][row];
            std::size_t ones = 0;
            for (std::size_t x = 0; x < n; ++x) {
              const double p = solution.leaf_policy[t][k][row * n + x];
              EXPECT_TRUE(p == 0.0 || p == 1.0) << where << " k " << k << " p " << p;
              if (p != 1.0) continue;
              ++ones;
              EXPECT_GT(chain.priors[k][row * n + x], 0.0) << where << " k " << k;
              const double child = k == 2 ? expected[t].q[s * mdp.num_actions + x] : expected[t].leaf_value[k + 1][s * n + x];
              EXPECT_GE(child, v - tolerance(v, 1e-12)) << where << " t " << t << " k " << k << " row " << row;
            }
            EXPECT_EQ(ones, 1u) << where << " t " << t << " k " << k << " row " << row;
          }
        }
      }
    }
  }
}

// Infinite horizon: the flat fixed point under the marginal prior, then one chain backup
// from it (latent.hpp). The returned V is a fixed point of the leaf-by-leaf backup written
// here, the leaf policies are that backup's, and the flat policy is the flat infinite solve's.
// Exact runs on negative rewards (the optimistic backup diverges when rewards outrun -α log γ).
TEST(LatentChain, InfiniteHorizonLeafPoliciesAreOneBackupOfTheFixedPoint) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      ChainProblem problem = chain_problem(seed);
      Mdp& mdp = problem.mdp;
      mdp.horizon.reset();
      mdp.discount = 0.5 + 0.045 * static_cast<double>(seed % 10);  // 0.5 .. 0.905
      if (method == ControlMethod::exact) {
        for (double& r : mdp.reward) r = -1.0 - std::abs(r);
      }
      const Problem step = [&] {
        Problem p = random_problem(seed, ProblemShape{.latent_zeros = false});
        p.mdp.horizon.reset();
        p.mdp.discount = mdp.discount;
        p.mdp.reward = std::vector<double>(p.mdp.rows(), 0.0);
        for (std::size_t row = 0; row < p.mdp.rows(); ++row) p.mdp.reward[row] = -0.3 * static_cast<double>(row % 3);
        return p;
      }();
      for (const auto& [m, chain] : {std::pair{mdp, problem.chain}, std::pair{step.mdp, chain_of(step)}}) {
        const std::string where = to_string(method) + " seed " + std::to_string(seed) + " leaves " +
                                  std::to_string(chain.sizes.size());
        const StepModelSolution solution = solve(m, step_model(chain), options(method));
        ASSERT_TRUE(solution.flat.converged) << where;
        ASSERT_EQ(solution.leaf_policy.size(), 1u) << where;
        ASSERT_EQ(solution.flat.value.size(), 1u) << where;
        const Table& v = solution.flat.value[0];
        const ChainBackup backup = chain_backup(m, chain, method, v);
        for (std::size_t s = 0; s < m.num_states; ++s) EXPECT_NEAR(backup.value[s], v[s], 1e-8) << where;
        Mdp flat_mdp = m;
        flat_mdp.action_prior = chain_marginal(m, chain);
        const ControlSolution flat = solve(flat_mdp, options(method));
        for (std::size_t row = 0; row < m.rows(); ++row) {
          EXPECT_NEAR(solution.flat.policy[0][row], flat.policy[0][row], 1e-12) << where;
        }
        if (method == ControlMethod::map) continue;
        for (std::size_t k = 0; k < chain.sizes.size(); ++k) {
          for (std::size_t i = 0; i < chain.priors[k].size(); ++i) {
            EXPECT_NEAR(solution.leaf_policy[0][k][i], backup.leaf_policy[k][i], 1e-9) << where << " k " << k;
          }
        }
        for (std::size_t row = 0; row < m.rows(); ++row) {
          EXPECT_NEAR(solution.flat.policy[0][row], backup.flat[row], 1e-9) << where;
        }
      }
    }
  }
}

}  // namespace
}  // namespace copi::control
