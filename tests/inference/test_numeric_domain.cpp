// The one linear/log-domain policy (copi/inference/detail/numeric_domain.hpp, stated in
// docs/algorithms.md): its constants agree with each other, and exact inference switches
// at the documented boundary with exact answers on both sides (brute-force oracle).
// Belief propagation's side is in test_bp_numerics.cpp, the sparse kernel's in
// test_sparse_conditional.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "copi/inference/detail/numeric_domain.hpp"
#include "copi/inference/exact.hpp"
#include "inference/brute_force_oracle.hpp"

namespace copi::test {
namespace {

TEST(NumericDomain, ConstantsAgreeWithTheDocumentedRule) {
  using namespace copi::detail;
  // Far above the smallest normal double: 1e40 losses, each below it, stay below one
  // rounding (1e-16) of a result above the floor.
  EXPECT_GT(kLinearFloor * 1e-16, std::numeric_limits<double>::min() * 1e40);
  // A table spanning kLinearLogRange keeps every positive linear entry above the floor.
  EXPECT_GT(std::exp(-kLinearLogRange), kLinearFloor);
  EXPECT_LT(std::exp(-kLinearLogRange - 1.0), kLinearFloor) << "the range could be wider";
  // Two running products just above the rescaling threshold multiply to the floor or more.
  EXPECT_GE(kRescaleBelow * kRescaleBelow, kLinearFloor);
}

// x, y with 3 states: f(x, y) spans `range` nats (nine evenly spaced log values from 0
// down to -range), u(x) = (0, 0.5, 1).
FactorGraph spread_pair(double range) {
  FactorGraph graph;
  graph.add_variable(3);
  graph.add_variable(3);
  std::vector<double> values(9);
  for (std::size_t i = 0; i < 9; ++i) values[i] = -range * static_cast<double>((i * 5) % 9) / 8.0;
  graph.add_factor(DiscreteFactor({VarId{0}, VarId{1}}, {3, 3}, values));
  graph.add_factor(DiscreteFactor({VarId{0}}, {3}, {0.0, 0.5, 1.0}));
  return graph;
}

// Exact inference multiplies tables, so a table may use only half the linear range:
// up to 287.5 nats it stays linear, beyond it the solve runs in the log domain.
TEST(NumericDomain, ExactSwitchesToTheLogDomainPastHalfTheLinearRange) {
  for (const double range : {100.0, 280.0, 295.0, 320.0, 2000.0}) {
    const FactorGraph graph = spread_pair(range);
    const OracleAnswer oracle = brute_force(graph, {});
    const InferenceResult result = solve_exact(graph, {}, Task::marginals);
    const std::string label = "range " + std::to_string(range) + ": " + result.report.algorithm;
    const bool log_domain = result.report.algorithm.find("log domain") != std::string::npos;
    EXPECT_EQ(log_domain, range > copi::detail::kLinearLogRange / 2) << label;
    ASSERT_TRUE(result.log_z);
    EXPECT_NEAR(*result.log_z, static_cast<double>(oracle.log_z), 1e-12) << label;
    for (std::size_t v = 0; v < 2; ++v) {
      for (std::size_t s = 0; s < 3; ++s) {
        EXPECT_NEAR(result.marginals[v][s], oracle.marginals[v][s], 1e-14) << label << ", x" << v << " = " << s;
      }
    }
  }
}

}  // namespace
}  // namespace copi::test
