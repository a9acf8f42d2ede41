// A two-state MDP solved three ways, against sums over every trajectory written out
// in the test (Levine 2018, eq. 7 and 15).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/control/tasks.hpp"

namespace copi::control {
namespace {

Mdp two_state_mdp(std::size_t horizon) {
  Mdp mdp;
  mdp.num_states = 2;
  mdp.num_actions = 2;
  set_transitions(mdp, {{0, 0, 0, 0.9}, {0, 0, 1, 0.1}, {0, 1, 1, 0.6}, {0, 1, 0, 0.4},
                        {1, 0, 1, 1.0}, {1, 1, 0, 0.5}, {1, 1, 1, 0.5}});
  mdp.reward = {0.0, -1.0, 1.0, 0.5};
  mdp.initial = {0.3, 0.7};
  mdp.horizon = horizon;
  mdp.alpha = 0.7;
  return mdp;
}

// log Σ over trajectories p(s_1) Π_t exp(r(s_t, a_t)/α) p(s_{t+1} | s_t, a_t).
double brute_force_log_partition(const Mdp& mdp) {
  const std::size_t T = *mdp.horizon;
  std::function<double(std::size_t, std::size_t)> weight = [&](std::size_t s, std::size_t t) {
    double total = 0.0;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const std::size_t row = s * mdp.num_actions + a;
      double future = 1.0;
      if (t + 1 < T) {
        future = 0.0;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          future += mdp.probability[k] * weight(mdp.next_state[k], t + 1);
        }
      }
      total += std::exp(mdp.reward[row] / mdp.alpha) * future;
    }
    return total;
  };
  double z = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) z += mdp.initial[s] * weight(s, 0);
  return std::log(z);
}

TEST(ControlSmall, ExactLogPartitionEqualsTrajectorySum) {
  for (std::size_t horizon : {1, 2, 3, 4}) {
    const Mdp mdp = two_state_mdp(horizon);
    const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::exact});
    EXPECT_NEAR(solution.log_partition, brute_force_log_partition(mdp), 1e-12) << "T = " << horizon;
  }
}

TEST(ControlSmall, VariationalObjectiveEqualsExpectedFirstValue) {
  const Mdp mdp = two_state_mdp(4);
  const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::variational});
  const double expected = mdp.initial[0] * solution.value[0][0] + mdp.initial[1] * solution.value[0][1];
  EXPECT_NEAR(solution.objective, expected, 1e-12);
}

}  // namespace
}  // namespace copi::control

namespace copi::control {
namespace {

TEST(ControlTasks, SweepOverAlphaEqualsSolvingEachAlone) {
  std::vector<Mdp> mdps;
  for (const double alpha : {0.1, 0.5, 1.0, 2.0, 5.0}) {
    Mdp mdp = two_state_mdp(4);
    mdp.alpha = alpha;
    mdps.push_back(mdp);
  }
  const std::vector<ControlSolution> together = solve_all(mdps, SolveOptions{.method = ControlMethod::exact, .threads = 2});
  ASSERT_EQ(together.size(), mdps.size());
  for (std::size_t i = 0; i < mdps.size(); ++i) {
    const ControlSolution alone = solve(mdps[i], SolveOptions{.method = ControlMethod::exact, .threads = 1});
    EXPECT_EQ(together[i].value, alone.value);
    EXPECT_EQ(together[i].policy, alone.policy);
    EXPECT_NEAR(together[i].log_partition, brute_force_log_partition(mdps[i]), 1e-12);
  }
}

TEST(ControlTasks, RolloutsAreReproducibleAndFollowThePolicyFrequencies) {
  const Mdp mdp = two_state_mdp(1);
  const ControlSolution solution = solve(mdp, SolveOptions{.method = ControlMethod::variational});
  const auto first = sample_rollouts(mdp, solution, 20000, 7);
  const auto again = sample_rollouts(mdp, solution, 20000, 7);
  ASSERT_EQ(first.size(), 20000u);
  std::size_t from_state0 = 0;
  std::size_t action0_in_state0 = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].states, again[i].states);
    EXPECT_EQ(first[i].actions, again[i].actions);
    if (first[i].states[0] == 0) {
      ++from_state0;
      action0_in_state0 += first[i].actions[0] == 0;
    }
  }
  // p(s_1 = 0) = 0.3 and π(a = 0 | s = 0): binomial tolerances of about 5 sigma.
  EXPECT_NEAR(static_cast<double>(from_state0) / 20000.0, 0.3, 0.02);
  EXPECT_NEAR(static_cast<double>(action0_in_state0) / static_cast<double>(from_state0), solution.policy[0][0], 0.03);
}

}  // namespace
}  // namespace copi::control
