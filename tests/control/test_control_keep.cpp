// Long horizons (issue 15 item 4): a finite-horizon solve keeps every step, only t = 1,
// or streams each step to a callback as it is computed. The kept steps are the same
// bits whichever is chosen, the stream sees every step of the all-steps solve in
// backward order, the objective does not depend on the choice, and the memory
// estimate counts one step instead of T.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "control_oracles.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/control/tasks.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

using namespace oracles;

void expect_same_bits(const std::vector<double>& a, std::span<const double> b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint64_t>(a[i]), std::bit_cast<std::uint64_t>(b[i])) << where << " entry " << i;
  }
}

TEST(ControlKeep, FirstAndStreamGiveTheStepsOfKeepAll) {
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    TinyShape shape = shape_for(seed);
    Mdp mdp = random_tiny_mdp(seed, shape);
    mdp.horizon = 2 + seed % 5;
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      SolveOptions options{.method = method, .threads = 1, .action_values = true};
      const ControlSolution all = solve(mdp, options);
      ASSERT_EQ(all.value.size(), *mdp.horizon) << where;
      options.keep = KeepSteps::first;
      const ControlSolution first = solve(mdp, options);
      ASSERT_EQ(first.value.size(), 1u) << where;
      ASSERT_EQ(first.policy.size(), 1u) << where;
      ASSERT_EQ(first.action_value.size(), 1u) << where;
      expect_same_bits(all.value[0], first.value[0], where + " V_1");
      expect_same_bits(all.policy[0], first.policy[0], where + " pi_1");
      expect_same_bits(all.action_value[0], first.action_value[0], where + " Q_1");
      EXPECT_EQ(std::bit_cast<std::uint64_t>(all.objective), std::bit_cast<std::uint64_t>(first.objective)) << where;
      EXPECT_EQ(std::bit_cast<std::uint64_t>(all.log_partition), std::bit_cast<std::uint64_t>(first.log_partition));
      EXPECT_EQ(first.keep, KeepSteps::first);
      // Stream: every step, t = T-1 first, each the all-steps solve's.
      std::vector<std::size_t> seen;
      options.keep = KeepSteps::stream;
      options.on_step = [&](const SolveStep& step) {
        seen.push_back(step.t);
        expect_same_bits(all.value[step.t], step.value, where + " streamed V t=" + std::to_string(step.t));
        expect_same_bits(all.policy[step.t], step.policy, where + " streamed pi");
        expect_same_bits(all.action_value[step.t], step.action_value, where + " streamed Q");
      };
      const ControlSolution streamed = solve(mdp, options);
      ASSERT_EQ(seen.size(), *mdp.horizon) << where;
      for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], *mdp.horizon - 1 - i) << where;
      ASSERT_EQ(streamed.value.size(), 1u);
      expect_same_bits(all.value[0], streamed.value[0], where + " streamed solution V_1");
      EXPECT_EQ(std::bit_cast<std::uint64_t>(all.objective), std::bit_cast<std::uint64_t>(streamed.objective)) << where;
    }
  }
}

// The objective of every keep mode against the enumerated score of the all-steps
// policy (an independent sum over every trajectory).
TEST(ControlKeep, ObjectiveOfKeepFirstMatchesEnumeration) {
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const ControlSolution all = solve(mdp, SolveOptions{.method = method, .threads = 1});
      const ControlSolution first = solve(mdp, SolveOptions{.method = method, .keep = KeepSteps::first, .threads = 1});
      const double expected = enumerated_policy_score(mdp, all.policy, method != ControlMethod::map).objective;
      EXPECT_NEAR(first.objective, expected, tolerance_for(expected, 1e-11)) << to_string(method) << " seed " << seed;
    }
  }
}

TEST(ControlKeep, MemoryEstimateCountsOneStepAndRolloutsNeedEveryStep) {
  Mdp mdp = random_tiny_mdp(3, TinyShape{});
  mdp.horizon = 100000;
  SolveOptions options{.threads = 1, .memory_limit_bytes = std::size_t{8} << 20};  // 8 MiB
  EXPECT_THROW((void)solve(mdp, options), ResourceError);
  options.keep = KeepSteps::first;
  EXPECT_LT(solve_memory_estimate(mdp, options) * 1000, solve_memory_estimate(mdp, SolveOptions{}));
  const ControlSolution first = solve(mdp, options);
  EXPECT_EQ(first.value.size(), 1u);
  EXPECT_EQ(first.iterations, 100000u);
  EXPECT_THROW((void)visitation(mdp, first, 1), InputError);
  EXPECT_THROW((void)sample_rollouts(mdp, first, 1, 7), InputError);
}

// The discounted occupancy is summed until the moving mass is negligible; at γ = 0.9999
// γ^100000 = e^-10 is still moving at the step cap, so visitation() refuses rather than
// truncate, while γ = 0.999 (γ^100000 = e^-100) finishes.
TEST(ControlVisitation, AnOccupancyThatWouldBeTruncatedIsRefused) {
  Mdp mdp = random_tiny_mdp(3, shape_for(3));
  mdp.horizon.reset();
  SolveOptions options{.method = ControlMethod::variational, .tolerance = 1e-6, .threads = 1};
  mdp.discount = 0.999;
  const Visitation done = visitation(mdp, solve(mdp, options), 1);
  double total = 0.0;
  for (const double v : done.state[0]) total += v;
  EXPECT_NEAR(total, 1.0 / (1.0 - 0.999), 1e-6);  // Σ_t γ^t with no absorbing state
  mdp.discount = 0.9999;
  const ControlSolution slow = solve(mdp, options);
  EXPECT_THROW((void)visitation(mdp, slow, 1), NumericError);
}

}  // namespace
}  // namespace copi::control
