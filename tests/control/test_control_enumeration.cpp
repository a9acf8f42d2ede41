// Seeded random tiny MDPs (S ≤ 4, A ≤ 3, T ≤ 4; sparse dynamics, with and without an
// action prior, with and without a discount) solved by each method and checked against
// sums over every trajectory, written out here independently of the solver:
//   exact        log p(O_{1:T} = 1) and p(a_t | s_t, O_{t:T}) by conditioning the
//                trajectory posterior (Levine 2018, eq. 4-7);
//   variational  the objective E[Σ_t γ^t (r + α log p(a|s) - α log π(a|s))] of its policy
//                equals E_{p(s_1)}[V_1], and perturbed policies score lower (eq. 15-19);
//   map          the hard Bellman (expectimax) recursion;
// plus deterministic dynamics (exact = variational), α → 0 limits, and the infinite
// horizon fixed point (Bellman residual of the returned V computed from the MDP arrays).
// Discount γ: the episode ends with probability 1 - γ after every step (value 0 after).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "control_oracles.hpp"
#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {
namespace {

using namespace oracles;  // NOLINT: the oracles are this file's vocabulary

constexpr std::uint64_t kSeeds = 200;

// ---- exact -------------------------------------------------------------------------

TEST(ControlEnumeration, ExactLogPartitionMatchesTrajectorySum) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    const double expected = enumerated_log_partition(mdp);
    EXPECT_NEAR(solution.log_partition, expected, tolerance_for(expected, 1e-11)) << "seed " << seed;
  }
}

TEST(ControlEnumeration, ExactValueAndPolicyMatchFutureSums) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        const FutureSums sums = enumerated_futures(mdp, s, t);
        const double v = mdp.alpha * std::log(sums.total);
        EXPECT_NEAR(solution.value[t][s], v, tolerance_for(v, 1e-11)) << "seed " << seed << " t " << t << " s " << s;
        for (std::size_t a = 0; a < mdp.num_actions; ++a) {
          EXPECT_NEAR(solution.policy[t][s * mdp.num_actions + a], sums.action_weight[a] / sums.total, 1e-11)
              << "seed " << seed << " t " << t << " s " << s << " a " << a;
        }
      }
    }
  }
}

// p(a_t | s_t, O_{1:T}) by conditioning whole trajectories from p(s_1): the past does not
// matter (Markov), so it equals the solver's p(a_t | s_t, O_{t:T}) wherever s_t is reachable.
TEST(ControlEnumeration, ExactPolicyIsTheTrajectoryPosteriorConditional) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const std::size_t T = *mdp.horizon;
    const std::size_t A = mdp.num_actions;
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    std::vector<std::vector<double>> joint(T, std::vector<double>(mdp.rows(), 0.0));
    double z = 0.0;
    for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
      if (mdp.initial[s1] == 0.0) continue;
      for_each_path(mdp, s1, T, [&](const Path& p) {
        const double w = mdp.initial[s1] * posterior_weight(mdp, p);
        z += w;
        for (std::size_t t = 0; t < p.states.size(); ++t) joint[t][p.states[t] * A + p.actions[t]] += w;
      });
    }
    std::size_t checked = 0;
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        double mass = 0.0;
        for (std::size_t a = 0; a < A; ++a) mass += joint[t][s * A + a];
        if (mass <= 1e-12 * z) continue;  // s_t = s has (nearly) no posterior mass
        ++checked;
        for (std::size_t a = 0; a < A; ++a) {
          EXPECT_NEAR(solution.policy[t][s * A + a], joint[t][s * A + a] / mass, 1e-10)
              << "seed " << seed << " t " << t << " s " << s << " a " << a;
        }
      }
    }
    EXPECT_GT(checked, 0u) << "seed " << seed;
  }
}

// ---- objective and visitation of the returned policy, every method -----------------

TEST(ControlEnumeration, ObjectiveAndVisitationMatchEnumerationUnderThePolicy) {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
      const PolicyScore score = enumerated_policy_score(mdp, solution.policy, method != ControlMethod::map);
      EXPECT_NEAR(solution.objective, score.objective, tolerance_for(score.objective, 1e-11))
          << to_string(method) << " seed " << seed;
      const Visitation visits = visitation(mdp, solution, 1);
      for (std::size_t t = 0; t < *mdp.horizon; ++t) {
        for (std::size_t s = 0; s < mdp.num_states; ++s) {
          EXPECT_NEAR(visits.state[t][s], score.visits[t][s], 1e-12)
              << to_string(method) << " seed " << seed << " t " << t << " s " << s;
          for (std::size_t a = 0; a < mdp.num_actions; ++a) {
            const std::size_t row = s * mdp.num_actions + a;
            EXPECT_NEAR(visits.state_action[t][row], score.visits[t][s] * solution.policy[t][row], 1e-12);
          }
        }
      }
    }
  }
}

// ---- variational --------------------------------------------------------------------

TEST(ControlEnumeration, VariationalObjectiveEqualsExpectedFirstValueAndEnumeration) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
    double expected_v1 = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) expected_v1 += mdp.initial[s] * solution.value[0][s];
    const double enumerated = enumerated_policy_score(mdp, solution.policy, true).objective;
    EXPECT_NEAR(solution.objective, expected_v1, tolerance_for(expected_v1, 1e-11)) << "seed " << seed;
    EXPECT_NEAR(enumerated, expected_v1, tolerance_for(expected_v1, 1e-11)) << "seed " << seed;
  }
}

// The soft-optimal policy maximises the objective over all policies for fixed dynamics:
// mixing it with random distributions (on the prior's support) scores strictly lower.
TEST(ControlEnumeration, VariationalPolicyPerturbationsScoreLower) {
  std::mt19937_64 rng(2024);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    TinyShape shape = shape_for(seed);
    shape.min_actions = 2;
    shape.prior_zeros = false;
    const Mdp mdp = random_tiny_mdp(seed, shape);
    const std::size_t A = mdp.num_actions;
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
    const double optimum = enumerated_policy_score(mdp, solution.policy, true).objective;
    for (int trial = 0; trial < 8; ++trial) {
      std::vector<std::vector<double>> policy = solution.policy;
      const double mix = std::uniform_real_distribution<double>(0.02, 0.5)(rng);
      // Odd trials perturb every (t, s); even trials only the first step.
      const std::size_t steps = trial % 2 == 1 ? policy.size() : 1;
      for (std::size_t t = 0; t < steps; ++t) {
        for (std::size_t s = 0; s < mdp.num_states; ++s) {
          std::vector<double> u(A);
          for (double& x : u) x = std::uniform_real_distribution<double>(0.01, 1.0)(rng);
          const double total = std::accumulate(u.begin(), u.end(), 0.0);
          double renormalise = 0.0;
          for (std::size_t a = 0; a < A; ++a) {
            double& pi = policy[t][s * A + a];
            pi = (1.0 - mix) * pi + mix * u[a] / total;
            renormalise += pi;
          }
          for (std::size_t a = 0; a < A; ++a) policy[t][s * A + a] /= renormalise;
        }
      }
      const double perturbed = enumerated_policy_score(mdp, policy, true).objective;
      EXPECT_LT(perturbed, optimum - 1e-12 * std::max(1.0, std::abs(optimum)))
          << "seed " << seed << " trial " << trial << " mix " << mix;
    }
  }
}

TEST(ControlEnumeration, MapObjectiveIsTheHardBellmanValueAndBeatsRandomPolicies) {
  std::mt19937_64 rng(7);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::map, .threads = 1});
    const auto h = hard_bellman(mdp);
    double expected = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      for (std::size_t t = 0; t < *mdp.horizon; ++t) {
        EXPECT_NEAR(solution.value[t][s], h[t][s], 1e-12) << "seed " << seed << " t " << t << " s " << s;
      }
      expected += mdp.initial[s] * h[0][s];
    }
    EXPECT_NEAR(solution.objective, expected, 1e-11) << "seed " << seed;
    // Any policy on the allowed actions has expected reward at most the hard value.
    std::vector<std::vector<double>> policy = solution.policy;
    for (auto& step : policy) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        double total = 0.0;
        for (std::size_t a = 0; a < mdp.num_actions; ++a) {
          step[s * mdp.num_actions + a] = prior_of(mdp, s, a) > 0.0 ? std::uniform_real_distribution<double>(0, 1)(rng) : 0.0;
          total += step[s * mdp.num_actions + a];
        }
        for (std::size_t a = 0; a < mdp.num_actions; ++a) step[s * mdp.num_actions + a] /= total;
      }
    }
    EXPECT_LE(enumerated_policy_score(mdp, policy, false).objective, expected + 1e-12) << "seed " << seed;
  }
}

// ---- special cases ------------------------------------------------------------------

// With deterministic dynamics log E[exp(V'/α)] = E[V']/α: eq. 7 and eq. 15 coincide
// (undiscounted, or γ = 1 given explicitly).
TEST(ControlEnumeration, DeterministicDynamicsExactEqualsVariational) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    TinyShape shape;
    shape.deterministic = true;
    shape.prior = seed % 2 == 1;
    Mdp mdp = random_tiny_mdp(seed, shape);
    if ((seed / 2) % 2 == 1) mdp.discount = 1.0;
    const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    const ControlSolution variational = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(exact.value[t][s], variational.value[t][s], 1e-9) << "seed " << seed << " t " << t << " s " << s;
      }
      for (std::size_t row = 0; row < mdp.rows(); ++row) {
        EXPECT_NEAR(exact.policy[t][row], variational.policy[t][row], 1e-9) << "seed " << seed << " t " << t;
      }
    }
    EXPECT_NEAR(exact.log_partition, variational.log_partition, 1e-9) << "seed " << seed;
  }
}

// α → 0: the soft maximum over actions becomes the hard one. Per step V differs from the
// hard value by at most α max(log A, -log p_min(a|s)); over T steps, T times that.
TEST(ControlEnumeration, SmallTemperatureApproachesHardBellmanValues) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    mdp.alpha = 1e-6;
    const double T = static_cast<double>(*mdp.horizon);
    const double log_a = std::log(static_cast<double>(mdp.num_actions));
    const double prior_gap = -std::log(smallest_positive(mdp.action_prior, 1.0));
    const ControlSolution variational = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
    const ControlSolution map = solve(mdp, SolveOptions{.method = ControlMethod::map, .threads = 1});
    const auto hard = hard_bellman(mdp);
    const double bound = mdp.alpha * T * std::max(log_a, prior_gap) + 1e-9;
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(variational.value[t][s], hard[t][s], bound) << "seed " << seed << " t " << t << " s " << s;
        EXPECT_NEAR(variational.value[t][s], map.value[t][s], bound) << "seed " << seed << " t " << t << " s " << s;
        EXPECT_TRUE(std::isfinite(variational.value[t][s]));
      }
    }
  }
}

// Deterministic dynamics: the exact (inference) value tends to the hard Bellman value too.
TEST(ControlEnumeration, SmallTemperatureExactDeterministicApproachesHardBellman) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    TinyShape shape;
    shape.deterministic = true;
    shape.prior = seed % 2 == 1;
    Mdp mdp = random_tiny_mdp(seed, shape);
    mdp.alpha = 1e-6;
    const double T = static_cast<double>(*mdp.horizon);
    const double log_a = std::log(static_cast<double>(mdp.num_actions));
    const double prior_gap = -std::log(smallest_positive(mdp.action_prior, 1.0));
    const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    const auto hard = hard_bellman(mdp);
    const double bound = mdp.alpha * T * std::max(log_a, prior_gap) + 1e-9;
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(exact.value[t][s], hard[t][s], bound) << "seed " << seed << " t " << t << " s " << s;
      }
    }
  }
}

// Stochastic dynamics: exact inference is optimistic (Levine 2018, section 2.3): as α → 0
// its value becomes the best reachable successor, not the expectation.
TEST(ControlEnumeration, SmallTemperatureExactStochasticApproachesOptimisticValues) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    mdp.alpha = 1e-6;
    const double gamma = mdp.discount.value_or(1.0);
    const double T = static_cast<double>(*mdp.horizon);
    const double per_step = std::log(static_cast<double>(mdp.num_actions)) -
                            std::log(smallest_positive(mdp.action_prior, 1.0)) -
                            std::log(smallest_positive(mdp.probability, 1.0)) - std::log(gamma) -
                            (gamma < 1.0 ? std::log1p(-gamma) : 0.0);
    const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    const auto optimistic = optimistic_bellman(mdp);
    const double bound = mdp.alpha * T * per_step + 1e-9;
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(exact.value[t][s], optimistic[t][s], bound) << "seed " << seed << " t " << t << " s " << s;
      }
    }
  }
}

// ---- infinite horizon ---------------------------------------------------------------

// Wide MDPs against the backup written out above: 300 states (two parallel blocks and
// a partial packet), 37 actions, rows of 1 to 300 successors (so some rows are longer
// than the backup's one-byte row lengths and go through row_begin), forbidden moves
// and a prior; every V_t of a discounted finite horizon for every method.
TEST(ControlEnumeration, WideMdpsMatchTheBackupWrittenOut) {
  std::mt19937_64 rng(2026);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const bool with_prior : {false, true}) {
    Mdp mdp;
    mdp.num_states = 300;
    mdp.num_actions = 37;
    std::vector<Transition> transitions;
    for (std::uint32_t s = 0; s < 300; ++s) {
      for (std::uint32_t a = 0; a < 37; ++a) {
        const std::size_t length = (s * 37 + a) % 53 == 0 ? 260 + rng() % 40 : 1 + rng() % 5;
        std::vector<std::uint32_t> order(300);
        std::iota(order.begin(), order.end(), 0u);
        std::shuffle(order.begin(), order.end(), rng);
        std::vector<double> p(length);
        double total = 0.0;
        for (double& x : p) total += x = u(rng) + 0.01;
        for (std::size_t k = 0; k < length; ++k) transitions.push_back({s, a, order[k], p[k] / total});
      }
    }
    set_transitions(mdp, transitions);
    mdp.reward.resize(mdp.rows());
    for (double& r : mdp.reward) r = -2.0 + 4.0 * u(rng);
    mdp.allowed.resize(mdp.rows());
    for (std::size_t s = 0; s < 300; ++s) {
      for (std::size_t a = 0; a < 37; ++a) mdp.allowed[s * 37 + a] = u(rng) < 0.7 ? 1 : 0;
      mdp.allowed[s * 37 + rng() % 37] = 1;
    }
    if (with_prior) {
      mdp.action_prior.assign(mdp.rows(), 0.0);
      for (std::size_t s = 0; s < 300; ++s) {
        double total = 0.0;
        for (std::size_t a = 0; a < 37; ++a) {
          if (mdp.allowed[s * 37 + a] != 0) total += mdp.action_prior[s * 37 + a] = u(rng) + 0.05;
        }
        for (std::size_t a = 0; a < 37; ++a) mdp.action_prior[s * 37 + a] /= total;
      }
    }
    mdp.initial.assign(300, 1.0 / 300.0);
    mdp.horizon = 3;
    mdp.discount = 0.9;
    mdp.alpha = 0.7;
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 2});
      std::vector<double> v(300, 0.0);
      for (std::size_t t = 3; t-- > 0;) {
        v = bellman_backup(mdp, method, v);
        for (std::size_t s = 0; s < 300; ++s) {
          ASSERT_NEAR(solution.value[t][s], v[s], 1e-10 * std::max(1.0, std::abs(v[s])))
              << to_string(method) << (with_prior ? " prior" : "") << " t " << t << " s " << s;
        }
      }
    }
  }
}

TEST(ControlEnumeration, InfiniteHorizonBellmanResidualVariationalAndMap) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
      TinyShape shape;
      shape.infinite = true;
      shape.prior = seed % 2 == 1;
      shape.forbid = (seed / 2) % 2 == 1;
      const Mdp mdp = random_tiny_mdp(seed, shape);
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
      ASSERT_EQ(solution.value.size(), 1u);
      ASSERT_TRUE(solution.converged) << to_string(method) << " seed " << seed;
      EXPECT_FALSE(solution.diverged);
      const std::vector<double>& v = solution.value[0];
      const double residual = sup_distance(bellman_backup(mdp, method, v), v);
      EXPECT_LT(residual, 1e-9) << to_string(method) << " seed " << seed;
      // The returned policy is greedy (soft or hard) for V, so its own value V^π satisfies
      // V^π - V = γ P_π (V^π - V) + (B V - V): |V^π - V| ≤ residual / (1 - γ). Its
      // objective is E_{p(s_1)}[V^π].
      double expected = 0.0;
      for (std::size_t s = 0; s < mdp.num_states; ++s) expected += mdp.initial[s] * v[s];
      EXPECT_NEAR(solution.objective, expected, residual / (1.0 - *mdp.discount) + tolerance_for(expected, 1e-12))
          << to_string(method) << " seed " << seed;
    }
  }
}

// Exact backups converge when rewards are low enough that no state's value can keep
// rising: r ≤ -α log A (without a prior the action sum alone adds up to α log A).
TEST(ControlEnumeration, InfiniteHorizonBellmanResidualExactWhenConvergent) {
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    TinyShape shape;
    shape.infinite = true;
    shape.prior = seed % 2 == 1;
    shape.forbid = (seed / 2) % 2 == 1;
    shape.reward_low = -3.0;
    shape.reward_high = 0.0;
    Mdp mdp = random_tiny_mdp(seed, shape);
    for (double& r : mdp.reward) r -= mdp.alpha * std::log(static_cast<double>(mdp.num_actions));
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    ASSERT_TRUE(solution.converged) << "seed " << seed;
    EXPECT_FALSE(solution.diverged) << "seed " << seed;
    const std::vector<double>& v = solution.value[0];
    EXPECT_LT(sup_distance(bellman_backup(mdp, ControlMethod::exact, v), v), 1e-9) << "seed " << seed;
    // π(a|s) = p(a|s) exp((Q - V)/α) with Q from eq. 7 at the fixed point.
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        double expect_exp = 0.0;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          expect_exp += mdp.probability[k] * std::exp(v[mdp.next_state[k]] / mdp.alpha);
        }
        const double q = mdp.reward[row] + mdp.alpha * std::log(*mdp.discount * expect_exp + 1.0 - *mdp.discount);
        EXPECT_NEAR(solution.policy[0][row], prior_of(mdp, s, a) * std::exp((q - v[s]) / mdp.alpha), 1e-9)
            << "seed " << seed;
      }
    }
  }
}

// γ close to one: the value iteration needs many backups (allowed by max_iterations) and
// the discounted occupancy behind the objective needs as many forward steps. The
// tolerance is a certified bound on V, which includes the rounding of V itself (4 ε ‖V‖∞
// / (1 - γ) ~ 1e-7 for ‖V‖∞ ~ 1e4 at γ = 0.9999): 1e-6 is within reach, 1e-10 is not.
TEST(ControlEnumeration, InfiniteHorizonDiscountNearOneObjectiveEqualsExpectedValue) {
  Mdp mdp;
  mdp.num_states = 2;
  mdp.num_actions = 2;
  set_transitions(mdp, {{0, 0, 0, 0.9}, {0, 0, 1, 0.1}, {0, 1, 1, 1.0}, {1, 0, 0, 0.5}, {1, 0, 1, 0.5}, {1, 1, 1, 1.0}});
  mdp.reward = {1.0, 0.0, -0.5, 0.2};
  mdp.initial = {1.0, 0.0};
  mdp.discount = 0.9999;
  mdp.alpha = 0.5;
  const ControlSolution solution =
      solve(mdp, SolveOptions{.method = ControlMethod::variational, .tolerance = 1e-6, .max_iterations = 2'000'000, .threads = 1});
  ASSERT_TRUE(solution.converged) << solution.iterations << " iterations, residual " << solution.residual;
  const std::vector<double>& v = solution.value[0];
  const double residual = sup_distance(bellman_backup(mdp, ControlMethod::variational, v), v);
  EXPECT_LT(residual, 1e-9);
  // |objective - E[V]| ≤ residual / (1 - γ) (see above); a truncated occupancy Σ_{t<K} γ^t d_t
  // misses the relative share γ^K instead.
  EXPECT_NEAR(solution.objective, v[0], residual / (1.0 - *mdp.discount) + tolerance_for(v[0], 1e-12));
}

}  // namespace
}  // namespace copi::control
