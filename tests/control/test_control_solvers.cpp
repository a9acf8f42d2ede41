// Infinite-horizon solvers (issue 15 item 1): value iteration, policy iteration and
// Anderson-accelerated value iteration give the fixed point to the requested tolerance,
// and the tolerance is a guarantee: the returned V is within it (and within the reported
// error_bound) of the fixed point, computed here independently — by a dense policy
// iteration with Eigen's LU from the MDP arrays, and by the oracle's own value iteration
// run until its change is below 1e-14. The objective (item 2) against a dense linear
// solve of the returned policy's evaluation. Same bits for one and two threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "control_oracles.hpp"
#include "copi/control/methods.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

using namespace oracles;

constexpr ControlSolver kSolvers[] = {ControlSolver::value_iteration, ControlSolver::policy_iteration,
                                      ControlSolver::anderson};

// π(a|s) of `v` (soft-greedy; map: one-hot on the first best action), from the oracle's Q.
std::vector<double> greedy_policy(const Mdp& mdp, ControlMethod method, const std::vector<double>& v) {
  const std::vector<double> q = bellman_action_values(mdp, method, v);
  const std::size_t A = mdp.num_actions;
  std::vector<double> pi(mdp.rows(), 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    std::size_t best = 0;
    for (std::size_t a = 1; a < A; ++a) {
      if (q[s * A + a] > q[s * A + best]) best = a;
    }
    if (method == ControlMethod::map) {
      pi[s * A + best] = 1.0;
      continue;
    }
    double total = 0.0;
    for (std::size_t a = 0; a < A; ++a) {
      pi[s * A + a] = prior_of(mdp, s, a) * std::exp((q[s * A + a] - q[s * A + best]) / mdp.alpha);
      total += pi[s * A + a];
    }
    for (std::size_t a = 0; a < A; ++a) pi[s * A + a] /= total;
  }
  return pi;
}

// The objective W of `pi`: (I - γ P_π) W = c_π by a dense LU (Eigen), c(s, a) = r + α
// log p(a|s) - α log π(a|s) (map: r).
std::vector<double> dense_evaluation(const Mdp& mdp, ControlMethod method, const std::vector<double>& pi) {
  const auto n = static_cast<Eigen::Index>(mdp.num_states);
  const double gamma = mdp.discount.value_or(1.0);
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd c = Eigen::VectorXd::Zero(n);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t act = 0; act < mdp.num_actions; ++act) {
      const std::size_t row = s * mdp.num_actions + act;
      if (!(pi[row] > 0.0)) continue;
      double cost = mdp.reward[row];
      if (method != ControlMethod::map) cost += mdp.alpha * (std::log(prior_of(mdp, s, act)) - std::log(pi[row]));
      c[static_cast<Eigen::Index>(s)] += pi[row] * cost;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        a(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(mdp.next_state[k])) -= gamma * pi[row] * mdp.probability[k];
      }
    }
  }
  const Eigen::VectorXd w = a.partialPivLu().solve(c);
  return {w.data(), w.data() + n};
}

// The fixed point by dense policy iteration (variational: soft; map: Howard's), from
// the oracle's backups and Eigen's LU: independent of the solver's code.
std::vector<double> dense_policy_iteration(const Mdp& mdp, ControlMethod method) {
  std::vector<double> v(mdp.num_states, 0.0);
  for (int k = 0; k < 200; ++k) {
    const std::vector<double> next = dense_evaluation(mdp, method, greedy_policy(mdp, method, v));
    const double change = sup_distance(next, v);
    v = next;
    if (change < 1e-15 * (1.0 + sup_distance(v, std::vector<double>(v.size(), 0.0)))) break;
  }
  return v;
}

// The oracle's value iteration until its change is below 1e-14.
std::vector<double> long_value_iteration(const Mdp& mdp, ControlMethod method) {
  std::vector<double> v(mdp.num_states, 0.0);
  for (int k = 0; k < 200000; ++k) {
    std::vector<double> next = bellman_backup(mdp, method, v);
    const double change = sup_distance(next, v);
    v = std::move(next);
    if (change < 1e-14) break;
  }
  return v;
}

// A random MDP of `states` states and 3 actions, 1 to 4 successors per row, γ = 0.99.
Mdp random_mdp(std::uint64_t seed, std::size_t states, double reward_low, double reward_high) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  Mdp mdp;
  mdp.num_states = states;
  mdp.num_actions = 3;
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < states; ++s) {
    for (std::uint32_t a = 0; a < 3; ++a) {
      const std::size_t successors = 1 + rng() % 4;
      std::vector<std::uint32_t> to;
      while (to.size() < successors) {
        const auto x = static_cast<std::uint32_t>(rng() % states);
        if (std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
      }
      std::vector<double> p(successors);
      double total = 0.0;
      for (double& x : p) total += (x = uniform(0.1, 1.0));
      for (std::size_t k = 0; k < successors; ++k) transitions.push_back({s, a, to[k], p[k] / total});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.resize(mdp.rows());
  for (double& r : mdp.reward) r = uniform(reward_low, reward_high);
  mdp.initial.assign(states, 0.0);
  mdp.initial[0] = 0.5;
  mdp.initial[states - 1] = 0.5;
  mdp.discount = 0.99;
  mdp.alpha = uniform(0.5, 1.5);
  return mdp;
}

TEST(ControlSolvers, EverySolverGivesTheDensePolicyIterationFixedPoint) {
  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    TinyShape shape;
    shape.infinite = true;
    shape.prior = seed % 2 == 1;
    shape.forbid = (seed / 2) % 2 == 1;
    const Mdp mdp = random_tiny_mdp(seed, shape);
    for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
      const std::vector<double> fixed_point = dense_policy_iteration(mdp, method);
      for (const ControlSolver solver : kSolvers) {
        const std::string where = to_string(method) + " " + to_string(solver) + " seed " + std::to_string(seed);
        const ControlSolution solution =
            solve(mdp, SolveOptions{.method = method, .tolerance = 1e-9, .solver = solver, .threads = 1});
        ASSERT_TRUE(solution.converged) << where;
        EXPECT_EQ(solution.solver, solver) << where;
        EXPECT_LE(solution.error_bound, 1e-9) << where;
        EXPECT_LE(sup_distance(solution.value[0], fixed_point), 1e-9) << where;
        EXPECT_LE(sup_distance(solution.value[0], fixed_point), solution.error_bound + 1e-13) << where;
      }
    }
  }
}

// The guarantee at γ = 0.99 (a contraction that needs ~2000 plain backups for 1e-8),
// for every method (exact with rewards low enough to converge) and solver, at several
// tolerances: ‖V - V*‖∞ ≤ tolerance, V* from the oracle's long value iteration (its own
// error ≤ 1e-14 γ/(1 - γ) ~ 1e-12).
TEST(ControlSolvers, ToleranceIsAGuaranteeOnTheReturnedValues) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map, ControlMethod::exact}) {
      // exact: γ Σ_a E[e^{(r + V')/α}] < 1 needs r below -α log(3 / γ); the others any reward.
      const Mdp mdp = method == ControlMethod::exact ? random_mdp(seed, 30, -4.0, -1.5) : random_mdp(seed, 30, -1.0, 1.0);
      const std::vector<double> fixed_point = long_value_iteration(mdp, method);
      for (const ControlSolver solver : kSolvers) {
        if (solver == ControlSolver::policy_iteration && method == ControlMethod::exact) continue;
        for (const double tolerance : {1e-4, 1e-6, 1e-8}) {
          const std::string where = to_string(method) + " " + to_string(solver) + " tol " + std::to_string(tolerance) +
                                    " seed " + std::to_string(seed);
          const ControlSolution solution =
              solve(mdp, SolveOptions{.method = method, .tolerance = tolerance, .solver = solver, .threads = 1});
          ASSERT_TRUE(solution.converged) << where;
          EXPECT_FALSE(solution.diverged) << where;
          const double distance = sup_distance(solution.value[0], fixed_point);
          EXPECT_LE(distance, tolerance) << where;
          EXPECT_LE(distance, solution.error_bound + 1e-11) << where;
        }
      }
    }
  }
}

// Policy iteration and Anderson reach 1e-8 at γ = 0.99 in far fewer backups than value
// iteration (which needs log(1e-8 (1 - γ) / γ ‖T0 - 0‖) / log γ, about 2300).
TEST(ControlSolvers, AcceleratedSolversNeedFewerBackups) {
  const Mdp mdp = random_mdp(7, 200, -1.0, 1.0);
  const auto backups = [&](ControlMethod method, ControlSolver solver) {
    const ControlSolution s = solve(mdp, SolveOptions{.method = method, .tolerance = 1e-8, .solver = solver, .threads = 1});
    EXPECT_TRUE(s.converged) << to_string(method) << " " << to_string(solver);
    return s.iterations;
  };
  const std::size_t vi = backups(ControlMethod::variational, ControlSolver::value_iteration);
  EXPECT_GT(vi, 1000u);
  EXPECT_LT(backups(ControlMethod::variational, ControlSolver::policy_iteration), vi / 20);
  EXPECT_LT(backups(ControlMethod::map, ControlSolver::policy_iteration), vi / 20);
  EXPECT_LT(backups(ControlMethod::variational, ControlSolver::anderson), vi / 3);
  // auto: policy iteration for variational and map, Anderson for exact.
  EXPECT_EQ(solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1}).solver,
            ControlSolver::policy_iteration);
  const Mdp low = random_mdp(7, 200, -4.0, -1.5);
  EXPECT_EQ(solve(low, SolveOptions{.method = ControlMethod::exact, .threads = 1}).solver, ControlSolver::anderson);
}

// Item 2: the objective of the returned policy, E_{p(s_1)}[W] with W from a dense LU of
// its evaluation, for every method and solver.
TEST(ControlSolvers, ObjectiveIsTheReturnedPolicysEvaluation) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map, ControlMethod::exact}) {
      const Mdp mdp = method == ControlMethod::exact ? random_mdp(seed, 30, -4.0, -1.5) : random_mdp(seed, 30, -1.0, 1.0);
      for (const ControlSolver solver : kSolvers) {
        if (solver == ControlSolver::policy_iteration && method == ControlMethod::exact) continue;
        const ControlSolution solution =
            solve(mdp, SolveOptions{.method = method, .tolerance = 1e-8, .solver = solver, .threads = 1});
        const std::vector<double> w = dense_evaluation(mdp, method, solution.policy[0]);
        double expected = 0.0;
        for (std::size_t s = 0; s < mdp.num_states; ++s) expected += mdp.initial[s] * w[s];
        EXPECT_NEAR(solution.objective, expected, 1e-9) << to_string(method) << " " << to_string(solver);
      }
    }
  }
}

// A slippery grid large enough that every parallel loop splits (66 x 66 = 4356 states:
// over twice the policy evaluation's 2048 states per task).
Mdp slippery_grid(std::size_t side, double discount) {
  Mdp mdp;
  mdp.num_states = side * side;
  mdp.num_actions = 4;
  const int dx[4] = {0, 0, -1, 1};
  const int dy[4] = {-1, 1, 0, 0};
  std::vector<Transition> transitions;
  const int n = static_cast<int>(side);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const auto s = static_cast<std::uint32_t>(y * n + x);
      for (std::uint32_t a = 0; a < 4; ++a) {
        for (std::uint32_t move = 0; move < 4; ++move) {
          const int nx = std::clamp(x + dx[move], 0, n - 1);
          const int ny = std::clamp(y + dy[move], 0, n - 1);
          transitions.push_back({s, a, static_cast<std::uint32_t>(ny * n + nx), move == a ? 0.85 : 0.05});
        }
      }
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), -0.04);
  for (std::size_t a = 0; a < 4; ++a) mdp.reward[(mdp.num_states - 1) * 4 + a] = 1.0;
  mdp.initial.assign(mdp.num_states, 0.0);
  mdp.initial[0] = 1.0;
  mdp.discount = discount;
  return mdp;
}

TEST(ControlSolvers, SameBitsForOneAndTwoThreads) {
  Mdp mdp = slippery_grid(66, 0.95);
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map, ControlMethod::exact}) {
    for (const ControlSolver solver : kSolvers) {
      if (solver == ControlSolver::policy_iteration && method == ControlMethod::exact) continue;
      if (solver == ControlSolver::value_iteration) continue;  // the plain backups: test_control_robustness
      const std::string where = to_string(method) + " " + to_string(solver);
      // exact converges when every reward is below -α log(4 γ): here -0.04 < -0.02 log 3.8.
      mdp.alpha = method == ControlMethod::exact ? 0.02 : 1.0;
      for (std::size_t a = 0; a < 4; ++a) mdp.reward[(mdp.num_states - 1) * 4 + a] = method == ControlMethod::exact ? -0.04 : 1.0;
      const SolveOptions options{.method = method, .tolerance = 1e-6, .solver = solver};
      SolveOptions two = options;
      two.threads = 2;
      SolveOptions one = options;
      one.threads = 1;
      const ControlSolution a = solve(mdp, one);
      const ControlSolution b = solve(mdp, two);
      EXPECT_TRUE(a.converged) << where;
      EXPECT_EQ(a.iterations, b.iterations) << where;
      EXPECT_EQ(a.evaluations, b.evaluations) << where;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a.objective), std::bit_cast<std::uint64_t>(b.objective)) << where;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(a.error_bound), std::bit_cast<std::uint64_t>(b.error_bound)) << where;
      ASSERT_EQ(a.value[0].size(), b.value[0].size());
      for (std::size_t s = 0; s < a.value[0].size(); ++s) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(a.value[0][s]), std::bit_cast<std::uint64_t>(b.value[0][s])) << where;
      }
      for (std::size_t r = 0; r < a.policy[0].size(); ++r) {
        ASSERT_EQ(std::bit_cast<std::uint64_t>(a.policy[0][r]), std::bit_cast<std::uint64_t>(b.policy[0][r])) << where;
      }
    }
  }
}

TEST(ControlSolvers, ExactDivergenceIsDetectedByEverySolver) {
  Mdp mdp = random_mdp(3, 10, 0.0, 1.0);
  mdp.discount = 0.9;
  mdp.alpha = 0.5;
  for (double& r : mdp.reward) r += -mdp.alpha * std::log(0.9) + 0.01;  // γ exp(min r/α) > 1
  for (const ControlSolver solver : {ControlSolver::automatic, ControlSolver::value_iteration, ControlSolver::anderson}) {
    const ControlSolution s = solve(mdp, SolveOptions{.method = ControlMethod::exact, .solver = solver, .threads = 1});
    EXPECT_TRUE(s.diverged) << to_string(solver);
    EXPECT_FALSE(s.converged) << to_string(solver);
    for (const double v : s.value[0]) EXPECT_TRUE(std::isfinite(v)) << to_string(solver);
  }
}

// Mdp::validate does not ask for sorted successors: a hand-built MDP with each row's
// successors reversed gives policy iteration the same answer.
TEST(ControlSolvers, PolicyIterationTakesUnsortedSuccessors) {
  const Mdp sorted = random_mdp(11, 40, -1.0, 1.0);
  Mdp reversed = sorted;
  for (std::size_t row = 0; row < reversed.rows(); ++row) {
    const auto begin = static_cast<std::ptrdiff_t>(reversed.row_begin[row]);
    const auto end = static_cast<std::ptrdiff_t>(reversed.row_begin[row + 1]);
    std::reverse(reversed.next_state.begin() + begin, reversed.next_state.begin() + end);
    std::reverse(reversed.probability.begin() + begin, reversed.probability.begin() + end);
  }
  const std::vector<double> fixed_point = long_value_iteration(sorted, ControlMethod::variational);
  const ControlSolution solution = solve(
      reversed, SolveOptions{.method = ControlMethod::variational, .tolerance = 1e-8, .solver = ControlSolver::policy_iteration, .threads = 1});
  ASSERT_TRUE(solution.converged);
  EXPECT_LE(sup_distance(solution.value[0], fixed_point), 1e-8);
}

TEST(ControlSolvers, SolverAndKeepOptionsAreChecked) {
  const SolveOptions pi = configure_control_method("variational", std::vector<OptionSetting>{{"solver", "pi"}, {"keep", "first"}});
  EXPECT_EQ(pi.solver, ControlSolver::policy_iteration);
  EXPECT_EQ(pi.keep, KeepSteps::first);
  EXPECT_EQ(configure_control_method("map").solver, ControlSolver::automatic);
  EXPECT_EQ(configure_control_method("map").keep, KeepSteps::all);
  const MethodCheck bad = check_control_method("variational", std::vector<OptionSetting>{{"solver", "newton"}, {"keep", "last"}});
  ASSERT_EQ(bad.problems.size(), 2u);
  EXPECT_EQ(bad.problems[0].message, "must be one of auto, vi, pi, or anderson");
  EXPECT_EQ(bad.problems[1].message, "must be one of all, first, or stream");
  const MethodCheck exact_pi = check_control_method("exact", std::vector<OptionSetting>{{"solver", "pi"}});
  ASSERT_EQ(exact_pi.problems.size(), 1u);
  EXPECT_FALSE(exact_pi.options.has_value());
  EXPECT_NE(exact_pi.problems[0].message.find("auto, vi or anderson for exact"), std::string::npos);
  EXPECT_THROW((void)solve(random_mdp(1, 4, -1.0, 0.0),
                           SolveOptions{.method = ControlMethod::exact, .solver = ControlSolver::policy_iteration}),
               InputError);
}

}  // namespace
}  // namespace copi::control
