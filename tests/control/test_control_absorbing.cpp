// Absorbing states (one available action looping with probability 1 and reward 0, as
// the language lowers `absorbing`): V is exactly 0 there — not a few ulps off — for
// every method, finite and infinite horizon, with and without a discount, a prior or
// forbidden moves; the policy puts exactly 1 on the action and Q of it is exactly 0.
// (Issue 10 item 7: the exact backup's scaled sums gave 6e-17 on the gridworld.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {
namespace {

enum class Marking { allowed_flags, prior, single_action };

// States 0..2 ordinary (random successors among all five states, rewards below
// -α log A so that the exact backup converges without a horizon), states 3 and 4
// absorbing. Every ordinary row reaches an absorbing state with probability >= 0.2,
// so γ = 1 without a horizon is a stochastic shortest path.
Mdp with_absorbing_states(std::uint64_t seed, Marking marking) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Mdp mdp;
  mdp.num_states = 5;
  mdp.num_actions = marking == Marking::single_action ? 1 : 3;
  const std::size_t A = mdp.num_actions;
  mdp.alpha = 0.4 + u(rng);
  std::vector<Transition> transitions;
  mdp.reward.assign(mdp.rows(), 0.0);
  for (std::uint32_t s = 0; s < 5; ++s) {
    for (std::uint32_t a = 0; a < A; ++a) {
      if (s >= 3) {
        transitions.push_back({s, a, s, 1.0});  // every row of an absorbing state loops
        continue;
      }
      const std::uint32_t exit = 3 + static_cast<std::uint32_t>(rng() % 2);
      const double to_exit = 0.2 + 0.3 * u(rng);
      transitions.push_back({s, a, exit, to_exit});
      const std::uint32_t other = static_cast<std::uint32_t>(rng() % 3);
      transitions.push_back({s, a, other, 1.0 - to_exit});
      mdp.reward[s * A + a] = -mdp.alpha * std::log(3.0) - 0.5 - 2.0 * u(rng);
    }
  }
  set_transitions(mdp, transitions);
  mdp.initial = {0.5, 0.3, 0.2, 0.0, 0.0};
  // The absorbing states' one action: 0 in state 3, the last in state 4.
  const auto marked = [&](std::size_t s, std::size_t a) { return s < 3 || a == (s == 3 ? 0 : A - 1); };
  if (marking == Marking::allowed_flags) {
    mdp.allowed.assign(mdp.rows(), 1);
    for (std::size_t s = 3; s < 5; ++s) {
      for (std::size_t a = 0; a < A; ++a) mdp.allowed[s * A + a] = marked(s, a) ? 1 : 0;
    }
  } else if (marking == Marking::prior) {
    mdp.action_prior.assign(mdp.rows(), 0.0);
    for (std::size_t s = 0; s < 5; ++s) {
      for (std::size_t a = 0; a < A; ++a) mdp.action_prior[s * A + a] = s < 3 ? 1.0 / 3.0 : (marked(s, a) ? 1.0 : 0.0);
    }
  }
  return mdp;
}

std::size_t the_action(const Mdp& mdp, std::size_t s) { return s == 3 ? 0 : mdp.num_actions - 1; }

void expect_exact_zeros(const Mdp& mdp, const ControlSolution& solution, const std::string& where) {
  ASSERT_TRUE(is_absorbing(mdp, 3) && is_absorbing(mdp, 4)) << where;
  ASSERT_FALSE(is_absorbing(mdp, 0)) << where;
  ASSERT_EQ(solution.action_value.size(), solution.value.size()) << where;
  for (std::size_t t = 0; t < solution.value.size(); ++t) {
    for (std::size_t s = 3; s < 5; ++s) {
      EXPECT_EQ(solution.value[t][s], 0.0) << where << " t " << t << " s " << s;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        EXPECT_EQ(solution.policy[t][row], a == the_action(mdp, s) ? 1.0 : 0.0) << where << " t " << t << " s " << s;
        if (a == the_action(mdp, s)) {
          EXPECT_EQ(solution.action_value[t][row], 0.0) << where << " Q t " << t << " s " << s;
        }
      }
    }
    // The ordinary states have values well away from 0 (so the backups' shifts are not 0).
    EXPECT_LT(solution.value[t][0], -0.1) << where;
  }
}

TEST(ControlAbsorbing, ValueIsExactlyZeroForEveryMethodAndHorizon) {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    for (const Marking marking : {Marking::allowed_flags, Marking::prior, Marking::single_action}) {
      for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
        Mdp mdp = with_absorbing_states(seed, marking);
        const std::string where = to_string(method) + " seed " + std::to_string(seed) + " marking " +
                                  std::to_string(static_cast<int>(marking));
        const SolveOptions options{.method = method, .threads = 1, .action_values = true};
        mdp.horizon = 4;
        expect_exact_zeros(mdp, solve(mdp, options), where + " finite");
        mdp.discount = 0.9;
        expect_exact_zeros(mdp, solve(mdp, options), where + " finite discounted");
        mdp.horizon.reset();
        const ControlSolution infinite = solve(mdp, options);
        EXPECT_TRUE(infinite.converged) << where;
        expect_exact_zeros(mdp, infinite, where + " infinite");
        mdp.discount = 1.0;  // a stochastic shortest path
        const ControlSolution shortest_path = solve(mdp, options);
        EXPECT_TRUE(shortest_path.converged) << where;
        expect_exact_zeros(mdp, shortest_path, where + " shortest path");
      }
    }
  }
}

// The same with many states and two threads: the absorbing states fall in different
// blocks and packets of the backup (256 states per block, 8 per packet).
TEST(ControlAbsorbing, ExactZerosInEveryBlockWithTwoThreads) {
  Mdp mdp;
  mdp.num_states = 1000;
  mdp.num_actions = 2;
  std::vector<Transition> transitions;
  std::vector<std::uint32_t> absorbing;
  for (std::uint32_t s = 0; s < 1000; ++s) {
    const bool stops = s % 97 == 5 || s == 999;
    if (stops) absorbing.push_back(s);
    for (std::uint32_t a = 0; a < 2; ++a) {
      if (stops) {
        transitions.push_back({s, a, s, 1.0});
      } else {
        transitions.push_back({s, a, (s + 1 + a) % 1000, 0.7});
        transitions.push_back({s, a, (s * 7 + 3) % 1000, 0.3});
      }
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), -1.0);
  mdp.allowed.assign(mdp.rows(), 1);
  for (const std::uint32_t s : absorbing) {
    mdp.reward[s * 2] = mdp.reward[s * 2 + 1] = 0.0;
    mdp.allowed[s * 2 + 1] = 0;
  }
  mdp.initial.assign(1000, 0.001);
  mdp.alpha = 0.5;
  mdp.discount = 0.95;
  ASSERT_EQ(absorbing_states(mdp), absorbing);
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (const bool finite : {true, false}) {
      if (finite) {
        mdp.horizon = 6;
      } else {
        mdp.horizon.reset();
      }
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 2});
      for (const auto& v : solution.value) {
        for (const std::uint32_t s : absorbing) EXPECT_EQ(v[s], 0.0) << to_string(method) << " state " << s;
      }
    }
  }
}

}  // namespace
}  // namespace copi::control
