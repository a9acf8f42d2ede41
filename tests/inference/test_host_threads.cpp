// copi is a guest in its host's process: a call never changes the process-wide TBB
// parallelism (no tbb::global_control), and host threads calling copi at once, each
// with its own thread count, get exactly the bits they get alone.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "copi/inference/belief_propagation.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

BpOptions flooding(std::size_t threads) {
  BpOptions options;
  options.schedule = BpSchedule::parallel;
  options.max_iterations = 40;  // a fixed amount of work, converged or not
  options.threads = threads;
  return options;
}

TEST(HostThreads, CallsNeverChangeTheProcessParallelism) {
  const FactorGraph grid = random_ising_grid(40, 40, 1.0, 0.5, 3);
  const std::size_t before =
      oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::max_allowed_parallelism);
  std::atomic<bool> done{false};
  std::atomic<std::size_t> changed{0};
  std::thread watcher([&] {
    while (!done.load()) {
      const std::size_t now =
          oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::max_allowed_parallelism);
      if (now != before) changed.fetch_add(1);
    }
  });
  for (int i = 0; i < 20; ++i) {
    (void)belief_propagation(grid, {}, Task::marginals, flooding(1 + i % 2));
  }
  done = true;
  watcher.join();
  EXPECT_EQ(changed.load(), 0u) << "a copi call changed tbb::global_control::max_allowed_parallelism";
}

TEST(HostThreads, ConcurrentCallersWithDifferentThreadCountsGetTheirAloneBits) {
  const FactorGraph grid = random_ising_grid(60, 60, 1.0, 0.5, 11);
  const InferenceResult alone_one = belief_propagation(grid, {}, Task::marginals, flooding(1));
  const InferenceResult alone_two = belief_propagation(grid, {}, Task::marginals, flooding(2));
  ASSERT_EQ(alone_one.report.threads, 1u);
  ASSERT_EQ(alone_two.report.threads, 2u);
  std::vector<InferenceResult> together(4);
  std::vector<std::thread> hosts;
  for (std::size_t k = 0; k < together.size(); ++k) {
    hosts.emplace_back([&, k] { together[k] = belief_propagation(grid, {}, Task::marginals, flooding(1 + k % 2)); });
  }
  for (std::thread& t : hosts) t.join();
  for (std::size_t k = 0; k < together.size(); ++k) {
    EXPECT_EQ(together[k].marginals, alone_one.marginals) << "caller " << k;  // bit equality
    EXPECT_EQ(*together[k].log_z, *alone_one.log_z) << "caller " << k;
    EXPECT_EQ(together[k].report.threads, 1 + k % 2) << "caller " << k;
  }
  EXPECT_EQ(alone_two.marginals, alone_one.marginals);
}

}  // namespace
}  // namespace copi::test::bp
