// Belief propagation at the numeric edges: log-potentials of +-1e4 (far past what
// linear messages hold), hard zeros that leave a single state, fully observed models,
// and evidence of probability zero (an InputError, never NaN). Trees are compared with
// the brute-force oracle (long double) or closed forms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/enumerate.hpp"
#include "inference/bp_test_models.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test::bp {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr Task kSumTasks[] = {Task::marginals, Task::partition};
constexpr BpSchedule kSchedules[] = {BpSchedule::automatic, BpSchedule::parallel, BpSchedule::sequential,
                                     BpSchedule::residual};

VarId var(std::size_t index) { return VarId{static_cast<std::uint32_t>(index)}; }

// p is the point mass on `state`: other states exactly 0 (hard zeros stay zeros), the
// state itself 1 up to the rounding of one normalisation.
::testing::AssertionResult is_point_mass(const std::vector<double>& p, std::size_t state) {
  for (std::size_t s = 0; s < p.size(); ++s) {
    if (s == state ? !(std::abs(p[s] - 1.0) <= 1e-15) : p[s] != 0.0) {
      return ::testing::AssertionFailure() << "p(" << s << ") = " << p[s] << ", expected a point mass on " << state;
    }
  }
  if (state >= p.size()) return ::testing::AssertionFailure() << "only " << p.size() << " states";
  return ::testing::AssertionSuccess();
}

BpOptions with_schedule(BpSchedule schedule) {
  BpOptions options;
  options.schedule = schedule;
  options.tolerance = 1e-13;
  options.max_iterations = 500;
  return options;
}

// A chain x0 - x1 - ... of card-3 variables whose pairwise and unary log tables are
// +-1e4 plus N(0, 1) noise: Z spans ~1e5 nats, several assignments compete within a few
// nats, and every message must be kept in the log domain.
FactorGraph huge_potential_chain(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution plus(0.5);
  std::normal_distribution<double> noise(0.0, 1.0);
  auto entry = [&] { return (plus(rng) ? 1e4 : -1e4) + noise(rng); };
  FactorGraph graph;
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(3);
  for (std::size_t v = 0; v < n; ++v) {
    graph.add_factor(DiscreteFactor({var(v)}, {3}, {entry(), entry(), entry()}));
  }
  for (std::size_t v = 0; v + 1 < n; ++v) {
    std::vector<double> table(9);
    for (double& value : table) value = entry();
    // Alternate the scope order so both kernels (message to first / second) are used.
    graph.add_factor(v % 2 ? DiscreteFactor({var(v + 1), var(v)}, {3, 3}, table)
                           : DiscreteFactor({var(v), var(v + 1)}, {3, 3}, table));
  }
  return graph;
}

RandomProblem with_oracle(FactorGraph graph, Evidence evidence = {}) {
  RandomProblem problem;
  problem.oracle = brute_force(graph, evidence);
  problem.graph = std::move(graph);
  problem.evidence = std::move(evidence);
  return problem;
}

// Bethe log Z on a forest is exact in theory; in double it sums E_b[log message] terms
// of ~1e4 nats, so allow 1e-12 relative (~1e-7 here) besides 1e-9 absolute.
double huge_log_z_tolerance(const RandomProblem& problem) {
  return std::max(1e-9, 1e-12 * std::abs(static_cast<double>(problem.oracle.log_z)));
}

// Tolerance 1e-10, not 1e-13: log-domain variable messages are (sum of all incoming) -
// (own), whose rounding at |log m| ~ 1e4 keeps flooding on this chain oscillating at
// ~3e-13 (seed 3) instead of stopping dead as exact arithmetic would on a tree.
void expect_huge_chain_matches_oracle(BpSchedule schedule) {
  BpOptions options = with_schedule(schedule);
  options.tolerance = 1e-10;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RandomProblem problem = with_oracle(huge_potential_chain(9, seed), {{var(4), seed % 3}});
    ASSERT_GT(std::abs(static_cast<double>(problem.oracle.log_z)), 1e4);
    for (const Task task : kSumTasks) {
      const InferenceResult result = belief_propagation(problem.graph, problem.evidence, task, options);
      EXPECT_TRUE(result.report.converged()) << "seed " << seed << ' ' << to_string(schedule);
      EXPECT_NE(result.report.algorithm.find("log domain"), std::string::npos) << result.report.algorithm;
      EXPECT_TRUE(marginals_are_distributions(problem.graph, result.marginals));
      ASSERT_TRUE(result.log_z);
      EXPECT_TRUE(std::isfinite(*result.log_z));
      EXPECT_LE(max_abs_difference(result.marginals, problem.oracle.marginals), 1e-9)
          << "seed " << seed << ' ' << to_string(schedule);
      EXPECT_NEAR(*result.log_z, static_cast<double>(problem.oracle.log_z), huge_log_z_tolerance(problem))
          << "seed " << seed << ' ' << to_string(schedule);
    }
  }
}

TEST(BpNumerics, HugeLogPotentialsOnAChainMatchBruteForce) {
  for (const BpSchedule schedule : {BpSchedule::automatic, BpSchedule::parallel, BpSchedule::sequential}) {
    expect_huge_chain_matches_oracle(schedule);
  }
}

TEST(BpNumerics, HugeLogPotentialsOnAChainResidualMatchesBruteForce) {
  expect_huge_chain_matches_oracle(BpSchedule::residual);
}

TEST(BpNumerics, HugeLogPotentialsOnAChainMaxProductReachesBruteForceMaximum) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RandomProblem problem = with_oracle(huge_potential_chain(9, seed), {{var(4), seed % 3}});
    for (const BpSchedule schedule : kSchedules) {
      const InferenceResult mpe = belief_propagation(problem.graph, problem.evidence, Task::mpe, with_schedule(schedule));
      EXPECT_TRUE(mpe_matches_oracle(mpe, problem, 1e-9)) << "seed " << seed << ' ' << to_string(schedule);
    }
  }
}

// copi's own enumerate() agrees with the oracle on the same model (so either can be the
// reference for huge potentials).
TEST(BpNumerics, HugeLogPotentialsEnumerateAgrees) {
  const FactorGraph graph = huge_potential_chain(7, 11);
  const InferenceResult exact = enumerate(graph, {}, Task::marginals);
  const InferenceResult result = belief_propagation(graph, {}, Task::marginals);
  ASSERT_TRUE(exact.log_z && result.log_z);
  EXPECT_NEAR(*result.log_z, *exact.log_z, std::max(1e-9, 1e-12 * std::abs(*exact.log_z)));
  EXPECT_LE(max_abs_difference(result.marginals, exact.marginals), 1e-9);
}

// A 4x4 grid (loopy) with couplings of +-1e4: whatever fixed point BP finds, it must be
// finite: distributions, a finite Bethe log Z, and a valid MPE assignment.
TEST(BpNumerics, HugeLogPotentialsOnALoopyGridStayFinite) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution plus(0.5);
    std::normal_distribution<double> noise(0.0, 1.0);
    const FactorGraph graph = ising_grid(
        4, 4, [&] { return (plus(rng) ? 1e4 : -1e4) + noise(rng); }, [&] { return noise(rng); });
    for (const BpSchedule schedule : kSchedules) {
      BpOptions options = with_schedule(schedule);
      options.max_iterations = 200;
      const InferenceResult result = belief_propagation(graph, {}, Task::marginals, options);
      EXPECT_TRUE(marginals_are_distributions(graph, result.marginals)) << "seed " << seed << ' ' << to_string(schedule);
      ASSERT_TRUE(result.log_z);
      EXPECT_TRUE(std::isfinite(*result.log_z)) << "seed " << seed << ' ' << to_string(schedule);
      // log Z >= the best assignment's value, which is ~24 couplings of 1e4 (within noise).
      EXPECT_GT(*result.log_z, 1e4) << "seed " << seed << ' ' << to_string(schedule);
      const InferenceResult mpe = belief_propagation(graph, {}, Task::mpe, options);
      ASSERT_EQ(mpe.map.size(), graph.num_variables());
      ASSERT_TRUE(mpe.map_log_value);
      EXPECT_TRUE(std::isfinite(*mpe.map_log_value));
      EXPECT_NEAR(*mpe.map_log_value, static_cast<double>(oracle_log_value(graph, mpe.map)), 1e-6);
    }
  }
}

// x0 = x1 = ... = x_{n-1} enforced by hard zeros (pairwise equality factors), unary
// factors with distinct values: observing one variable leaves a single joint state.
FactorGraph equality_chain(std::size_t n, std::size_t card, bool close_ring) {
  FactorGraph graph;
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(card);
  for (std::size_t v = 0; v < n; ++v) {
    std::vector<double> unary(card);
    for (std::size_t s = 0; s < card; ++s) unary[s] = 0.25 * static_cast<double>(v + 1) * static_cast<double>(s) - 1.0;
    graph.add_factor(DiscreteFactor({var(v)}, {card}, unary));
  }
  auto equal = [&](std::size_t a, std::size_t b) {
    std::vector<double> table(card * card, -kInf);
    for (std::size_t s = 0; s < card; ++s) table[s + card * s] = 0.0;
    graph.add_factor(DiscreteFactor({var(a), var(b)}, {card, card}, table));
  };
  for (std::size_t v = 0; v + 1 < n; ++v) equal(v, v + 1);
  if (close_ring) equal(n - 1, 0);
  return graph;
}

// sum over v of the unary log value at state s.
double equality_log_value(std::size_t n, std::size_t s) {
  double total = 0;
  for (std::size_t v = 0; v < n; ++v) total += 0.25 * static_cast<double>(v + 1) * static_cast<double>(s) - 1.0;
  return total;
}

TEST(BpNumerics, EvidenceLeavingOneStateGivesPointMassesOnATree) {
  const std::size_t n = 7, card = 3;
  const FactorGraph graph = equality_chain(n, card, false);
  ASSERT_TRUE(is_forest(graph));
  const Evidence evidence{{var(3), 2}};
  for (const BpSchedule schedule : kSchedules) {
    const InferenceResult result = belief_propagation(graph, evidence, Task::marginals, with_schedule(schedule));
    ASSERT_EQ(result.marginals.size(), n);
    for (std::size_t v = 0; v < n; ++v) {
      EXPECT_TRUE(is_point_mass(result.marginals[v], 2)) << "x" << v << ' ' << to_string(schedule);
    }
    ASSERT_TRUE(result.log_z);
    EXPECT_NEAR(*result.log_z, equality_log_value(n, 2), 1e-12) << to_string(schedule);
    const InferenceResult mpe = belief_propagation(graph, evidence, Task::mpe, with_schedule(schedule));
    EXPECT_EQ(mpe.map, std::vector<std::size_t>(n, 2)) << to_string(schedule);
    ASSERT_TRUE(mpe.map_log_value);
    EXPECT_NEAR(*mpe.map_log_value, equality_log_value(n, 2), 1e-12);
  }
  // Without evidence the chain is a 3-way mixture: Z = sum_s exp(value(s)).
  const RandomProblem free = with_oracle(graph);
  EXPECT_TRUE(matches_oracle(belief_propagation(graph, {}, Task::marginals), free, 1e-12));
}

// The same on a ring (loopy): the single consistent state is a fixed point every
// schedule reaches, and its Bethe log Z is exact (zero entropy).
TEST(BpNumerics, EvidenceLeavingOneStateGivesPointMassesOnARing) {
  const std::size_t n = 6, card = 4;
  const FactorGraph graph = equality_chain(n, card, true);
  ASSERT_FALSE(is_forest(graph));
  const Evidence evidence{{var(0), 1}};
  for (const BpSchedule schedule : kSchedules) {
    const InferenceResult result = belief_propagation(graph, evidence, Task::marginals, with_schedule(schedule));
    EXPECT_TRUE(result.report.converged()) << to_string(schedule);
    ASSERT_EQ(result.marginals.size(), n);
    for (std::size_t v = 0; v < n; ++v) {
      EXPECT_TRUE(is_point_mass(result.marginals[v], 1)) << "x" << v << ' ' << to_string(schedule);
    }
    ASSERT_TRUE(result.log_z);
    EXPECT_NEAR(*result.log_z, equality_log_value(n, 1), 1e-12) << to_string(schedule);
  }
}

TEST(BpNumerics, FullyObservedModelGivesTheAssignmentsValue) {
  std::mt19937_64 rng(5);
  const FactorGraph graph = random_forest(rng);
  Evidence evidence;
  // Pick the oracle's maximiser so the evidence is possible.
  const OracleAnswer oracle = brute_force(graph);
  for (std::size_t v = 0; v < graph.num_variables(); ++v) evidence[var(v)] = oracle.argmax[v];
  const InferenceResult result = belief_propagation(graph, evidence, Task::partition);
  ASSERT_TRUE(result.log_z);
  EXPECT_NEAR(*result.log_z, static_cast<double>(oracle.max_log_value), 1e-9);
  ASSERT_EQ(result.marginals.size(), graph.num_variables());
  for (std::size_t v = 0; v < graph.num_variables(); ++v) {
    EXPECT_TRUE(is_point_mass(result.marginals[v], oracle.argmax[v]));
  }
  const InferenceResult mpe = belief_propagation(graph, evidence, Task::mpe);
  EXPECT_EQ(mpe.map, oracle.argmax);
}

// The linear/log policy (copi/inference/detail/numeric_domain.hpp): a linear normaliser
// at or below 1e-250 sends the run to the log domain; above it the run stays linear,
// and both are exact. y's two unaries multiply to (1, e^-2a, e^-(2a+1)); f forbids
// y = 0, so f's message to x is (e^-2a, e^-(2a+1)), its normaliser ~e^-2a, and the
// true p(x = 0) is e / (1 + e) whatever a is.
FactorGraph forbidden_likely_state(double a) {
  FactorGraph graph;
  graph.add_variable(2);  // x
  graph.add_variable(3);  // y
  // f(x, y): y = 0 impossible; y = 1 goes with x = 0, y = 2 with x = 1.
  graph.add_factor(DiscreteFactor({var(0), var(1)}, {2, 3}, {-kInf, -kInf, 0.0, -kInf, -kInf, 0.0}));
  graph.add_factor(DiscreteFactor({var(1)}, {3}, {0.0, -a, -a - 0.5}));
  graph.add_factor(DiscreteFactor({var(1)}, {3}, {0.0, -a, -a - 0.5}));
  return graph;
}

TEST(BpNumerics, LinearNormaliserAtOrBelowTheFloorIsRedoneInTheLogDomain) {
  const double e = std::exp(1.0);
  // e^-560 = 5e-244 stays linear; e^-600 = 3e-261 and e^-736 (subnormal) do not.
  for (const double a : {280.0, 300.0, 368.0}) {
    const FactorGraph graph = forbidden_likely_state(a);
    const RandomProblem problem = with_oracle(graph);
    ASSERT_NEAR(problem.oracle.marginals[0][0], e / (1.0 + e), 1e-15);
    for (const BpSchedule schedule : kSchedules) {
      const std::string label = "a = " + std::to_string(a) + ", " + to_string(schedule);
      const InferenceResult result = belief_propagation(graph, {}, Task::marginals, with_schedule(schedule));
      const bool log_domain = result.report.algorithm.find("log domain") != std::string::npos;
      EXPECT_EQ(log_domain, a > 287.5) << label << ": " << result.report.algorithm;
      EXPECT_NEAR(result.marginals[0][0], e / (1.0 + e), 1e-13) << label;
      // log Z ~ -2a: 1e-10 absolute is ~1e-13 relative.
      EXPECT_TRUE(matches_oracle(result, problem, 1e-10)) << label;
    }
  }
}

// ---- impossible evidence ------------------------------------------------------------------

void expect_input_error_for_every_task(const FactorGraph& graph, const Evidence& evidence, const std::string& what) {
  for (const BpSchedule schedule : kSchedules) {
    for (const Task task : {Task::marginals, Task::partition, Task::mpe}) {
      EXPECT_THROW((void)belief_propagation(graph, evidence, task, with_schedule(schedule)), InputError)
          << what << ", " << to_string(task) << ", " << to_string(schedule);
    }
  }
}

// Two observations each possible, jointly forbidden by one pairwise factor (random
// models of random_models.hpp).
TEST(BpImpossibleEvidence, DirectlyForbiddenPairThrowsInputError) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const RandomProblem problem = impossible_evidence_problem(seed);
    expect_input_error_for_every_task(problem.graph, problem.evidence, "seed " + std::to_string(seed));
  }
}

// Contradiction visible only through propagation: x0 = 0 and x6 = 1 at the ends of an
// equality chain (a tree) and of an equality ring.
TEST(BpImpossibleEvidence, ContradictionThroughAChainOrRingThrowsInputError) {
  const Evidence evidence{{var(0), 0}, {var(4), 1}};
  const FactorGraph chain = equality_chain(7, 3, false);
  ASSERT_EQ(brute_force(chain, evidence).log_z, -std::numeric_limits<long double>::infinity());
  expect_input_error_for_every_task(chain, evidence, "chain");
  const FactorGraph ring = equality_chain(7, 3, true);
  expect_input_error_for_every_task(ring, evidence, "ring");
}

TEST(BpImpossibleEvidence, FactorZeroEverywhereAfterEvidenceThrowsInputError) {
  FactorGraph graph;
  graph.add_variable(2);
  graph.add_variable(3);
  // x1 = 2 is impossible whatever x0 is.
  graph.add_factor(DiscreteFactor({var(0), var(1)}, {2, 3}, {0.0, 1.0, 0.5, -0.5, -kInf, -kInf}));
  expect_input_error_for_every_task(graph, {{var(1), 2}}, "column of hard zeros");
  // A constant factor of probability zero makes every evidence impossible.
  FactorGraph zero = graph;
  zero.add_factor(DiscreteFactor::constant(-kInf));
  expect_input_error_for_every_task(zero, {}, "constant -inf factor");
}

TEST(BpImpossibleEvidence, EvidenceOutOfRangeThrowsInputError) {
  const FactorGraph graph = equality_chain(3, 2, false);
  EXPECT_THROW((void)belief_propagation(graph, {{var(1), 2}}, Task::marginals), InputError);
  EXPECT_THROW((void)belief_propagation(graph, {{var(3), 0}}, Task::marginals), InputError);
}

}  // namespace
}  // namespace copi::test::bp
