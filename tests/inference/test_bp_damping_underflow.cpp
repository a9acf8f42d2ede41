// Damped belief propagation when a linear-domain message entry underflows. Such an
// entry is 0 in double although its true value is positive; geometric damping
// (update^(1-λ) · old^λ) used to keep it at 0 for ever, because old^λ = 0 whatever the
// later updates say. Only a zero of the model (a -inf log-potential, evidence) may be
// hard. The model below is a tree, so BP's fixed point is exact: the answers are
// compared with enumeration.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/enumerate.hpp"

namespace copi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

VarId var(std::size_t index) { return VarId{static_cast<std::uint32_t>(index)}; }

// Binary x, y, z1 .. z4 on a tree (a star around y, with x hanging off y):
//   g_i(y, z_i) = [[0, -570], [-570, -400]] (log; y row, z_i column), i = 1..4;
//   u(z_i) = [-570, 0];  f(x, y) = 0 except f(x=1, y=0) = -inf (a hard zero).
// Every table spans at most 570 nats, so BP runs in the linear domain. In the first
// sweeps the messages into the z_i are still uniform, so each g_i tells y that y = 1 is
// e^-400 less likely (e^-200 after damping 0.5 from the uniform start): y's message to f
// is (1, e^-800) or smaller, whose second entry underflows (e^-745 is the smallest
// double), and f's update for x is (1, 0). Once u's messages arrive, each g_i favours
// y = 1 by e^170: y = 1 wins by e^680, and x is uniform given y = 1. The true message
// f -> x ends at (1/2, 1/2).
constexpr std::size_t kSpokes = 4;

FactorGraph underflowing_tree() {
  FactorGraph graph;
  for (std::size_t i = 0; i < 2 + kSpokes; ++i) graph.add_variable(2);
  const VarId x = var(0);
  const VarId y = var(1);
  // Factor order matters for the sequential schedule: the g_i before f, so the
  // underflow happens in the first sweep.
  for (std::size_t i = 0; i < kSpokes; ++i) {
    graph.add_factor(DiscreteFactor({y, var(2 + i)}, {2, 2}, {0.0, -570.0, -570.0, -400.0}));
  }
  graph.add_factor(DiscreteFactor({x, y}, {2, 2}, {0.0, -kInf, 0.0, 0.0}));
  for (std::size_t i = 0; i < kSpokes; ++i) graph.add_factor(DiscreteFactor({var(2 + i)}, {2}, {-570.0, 0.0}));
  return graph;
}

double max_abs_difference(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  double worst = 0.0;
  for (std::size_t v = 0; v < a.size(); ++v) {
    for (std::size_t s = 0; s < a[v].size(); ++s) worst = std::max(worst, std::abs(a[v][s] - b[v][s]));
  }
  return worst;
}

TEST(BpDampingUnderflow, ReferenceAnswerIsWhatTheCommentSays) {
  const InferenceResult exact = enumerate(underflowing_tree(), {}, Task::marginals);
  EXPECT_NEAR(exact.marginals[0][1], 0.5, 1e-15);  // x uniform
  EXPECT_NEAR(exact.marginals[1][1], 1.0, 1e-15);  // y = 1 almost surely
}

TEST(BpDampingUnderflow, AnUnderflowedEntryIsNotAHardZero) {
  const FactorGraph graph = underflowing_tree();
  const InferenceResult exact = enumerate(graph, {}, Task::marginals);
  for (const BpSchedule schedule : {BpSchedule::parallel, BpSchedule::sequential, BpSchedule::residual}) {
    for (const double damping : {0.3, 0.5}) {
      BpOptions options;
      options.schedule = schedule;  // not auto: on a forest auto runs two passes, undamped
      options.damping = damping;
      options.tolerance = 1e-12;
      options.max_iterations = 5000;
      const InferenceResult result = belief_propagation(graph, {}, Task::marginals, options);
      const std::string label = to_string(schedule) + ", damping " + std::to_string(damping);
      // The linear domain is the one under test: the log domain cannot underflow.
      EXPECT_EQ(result.report.algorithm.find("log domain"), std::string::npos) << label;
      EXPECT_TRUE(result.report.converged()) << label << ": " << result.report.brief();
      EXPECT_NEAR(result.marginals[0][1], 0.5, 1e-9) << label;  // was 0: frozen at the underflow
      EXPECT_LE(max_abs_difference(result.marginals, exact.marginals), 1e-9) << label;
      ASSERT_TRUE(result.log_z);
      EXPECT_NEAR(*result.log_z, *exact.log_z, 1e-9) << label;
    }
  }
}

// The hard zero of f survives damping: with y observed 0, x = 1 is impossible.
TEST(BpDampingUnderflow, AZeroOfTheModelStaysHard) {
  const FactorGraph graph = underflowing_tree();
  for (const BpSchedule schedule : {BpSchedule::parallel, BpSchedule::sequential, BpSchedule::residual}) {
    BpOptions options;
    options.schedule = schedule;
    options.damping = 0.5;
    options.tolerance = 1e-12;
    options.max_iterations = 5000;
    const InferenceResult result = belief_propagation(graph, {{var(1), 0}}, Task::marginals, options);
    EXPECT_EQ(result.marginals[0][1], 0.0) << to_string(schedule);
    EXPECT_EQ(result.marginals[0][0], 1.0) << to_string(schedule);
  }
}

}  // namespace
}  // namespace copi
