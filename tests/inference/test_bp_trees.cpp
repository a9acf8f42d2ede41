// Belief propagation is exact on forests: on hundreds of seeded random factor-graph
// forests (cardinalities 2-4, unary, pairwise and 3-variable factors in shuffled scope
// order, hard zeros, tables too wide for linear messages, evidence) the two-pass
// schedule's marginals, log Z and max-product assignment equal brute-force enumeration,
// and so do the loopy schedules run to convergence. is_forest() on forests and cycles.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "inference/bp_test_models.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test::bp {
namespace {

constexpr std::uint64_t kNumSeeds = 200;
constexpr double kTolerance = 1e-9;
// Stop reporting after this many failing seeds: one bug shows up on most of them.
constexpr int kMaxReportedFailures = 5;

const std::vector<RandomProblem>& forest_problems() {
  static const std::vector<RandomProblem> problems = [] {
    std::vector<RandomProblem> all;
    for (std::uint64_t seed = 0; seed < kNumSeeds; ++seed) all.push_back(random_forest_problem(seed));
    return all;
  }();
  return problems;
}

bool uses_log_domain(const InferenceResult& result) {
  return result.report.algorithm.find("log domain") != std::string::npos;
}

TEST(BpRandomForests, AreForestsAndVaried) {
  std::size_t triples = 0, pairs = 0, unaries = 0, hard_zeros = 0, observed = 0, multi_tree = 0;
  bool card[5] = {};
  for (const RandomProblem& problem : forest_problems()) {
    EXPECT_TRUE(is_forest(problem.graph)) << describe(problem);
    const std::size_t n = problem.graph.num_variables();
    std::size_t tree_edges = 0, touched = 0;
    std::vector<bool> in_factor(n, false);
    for (const DiscreteFactor& factor : problem.graph.tables()) {
      triples += factor.arity() == 3;
      pairs += factor.arity() == 2;
      unaries += factor.arity() == 1;
      if (factor.arity() > 0) tree_edges += factor.arity() - 1;
      for (const VarId var : factor.scope()) in_factor[var.index] = true;
      for (const double entry : factor.log_values()) hard_zeros += entry == -std::numeric_limits<double>::infinity();
    }
    for (std::size_t v = 0; v < n; ++v) touched += in_factor[v];
    // A forest over the touched variables has fewer than `touched` variable-variable links.
    if (touched > 0 && tree_edges + 1 < touched) ++multi_tree;
    for (const Variable& var : problem.graph.variables()) card[var.cardinality] = true;
    observed += problem.evidence.size();
  }
  EXPECT_TRUE(card[2] && card[3] && card[4]);
  EXPECT_GT(triples, kNumSeeds / 2);
  EXPECT_GT(pairs, kNumSeeds);
  EXPECT_GT(unaries, kNumSeeds);
  EXPECT_GT(hard_zeros, kNumSeeds);
  EXPECT_GT(observed, kNumSeeds / 2);
  EXPECT_GT(multi_tree, kNumSeeds / 10);
}

TEST(BpRandomForests, TwoPassMarginalsAndLogZMatchBruteForce) {
  int failures = 0;
  std::size_t linear = 0, log_domain = 0;
  for (const RandomProblem& problem : forest_problems()) {
    for (const Task task : {Task::marginals, Task::partition}) {
      const InferenceResult result = belief_propagation(problem.graph, problem.evidence, task);
      EXPECT_EQ(result.report.termination, Termination::converged) << describe(problem);
      EXPECT_NE(result.report.algorithm.find("two-pass"), std::string::npos) << result.report.algorithm;
      const auto check = matches_oracle(result, problem, kTolerance);
      EXPECT_TRUE(check) << to_string(task) << ", " << describe(problem) << ", " << result.report.algorithm;
      if (!check && ++failures >= kMaxReportedFailures) return;
      (uses_log_domain(result) ? log_domain : linear) += task == Task::marginals;
    }
  }
  // Both message domains were exercised.
  EXPECT_GT(linear, kNumSeeds / 4);
  EXPECT_GT(log_domain, kNumSeeds / 20);
}

TEST(BpRandomForests, MaxProductAssignmentReachesBruteForceMaximum) {
  int failures = 0;
  for (const RandomProblem& problem : forest_problems()) {
    const InferenceResult result = belief_propagation(problem.graph, problem.evidence, Task::mpe);
    const auto check = mpe_matches_oracle(result, problem, kTolerance);
    EXPECT_TRUE(check) << describe(problem) << ", " << result.report.algorithm;
    if (!check && ++failures >= kMaxReportedFailures) return;
  }
}

// Flooding, sequential and residual updates also reach the exact messages on a forest
// (after at most diameter sweeps); the tolerance is far below the test's 1e-9 so the
// run stops only once the messages have stopped changing.
void expect_schedule_exact_on_forests(BpSchedule schedule, double tolerance) {
  BpOptions options;
  options.schedule = schedule;
  options.tolerance = tolerance;
  options.max_iterations = 200;
  int failures = 0;
  for (const RandomProblem& problem : forest_problems()) {
    const InferenceResult result = belief_propagation(problem.graph, problem.evidence, Task::marginals, options);
    EXPECT_TRUE(result.report.converged()) << to_string(schedule) << ", " << describe(problem);
    EXPECT_NE(result.report.algorithm.find(to_string(schedule)), std::string::npos) << result.report.algorithm;
    const auto check = matches_oracle(result, problem, kTolerance);
    EXPECT_TRUE(check) << to_string(schedule) << " (tolerance " << tolerance << "), " << describe(problem) << ", "
                       << result.report.algorithm;
    if (!check && ++failures >= kMaxReportedFailures) return;
  }
}

TEST(BpRandomForests, ParallelScheduleConvergesToExactAnswers) {
  expect_schedule_exact_on_forests(BpSchedule::parallel, 1e-14);
}

TEST(BpRandomForests, SequentialScheduleConvergesToExactAnswers) {
  expect_schedule_exact_on_forests(BpSchedule::sequential, 1e-14);
}

TEST(BpRandomForests, ResidualScheduleConvergesToExactAnswers) {
  expect_schedule_exact_on_forests(BpSchedule::residual, 1e-14);
}

// At the default tolerance (1e-9) too: a stopping rule may leave an error of about the
// tolerance in a message, not a wrong fixed point.
TEST(BpRandomForests, LoopySchedulesAtDefaultToleranceStayWithin1e6) {
  for (const BpSchedule schedule : {BpSchedule::parallel, BpSchedule::sequential, BpSchedule::residual}) {
    BpOptions options;
    options.schedule = schedule;
    int failures = 0;
    for (const RandomProblem& problem : forest_problems()) {
      const InferenceResult result = belief_propagation(problem.graph, problem.evidence, Task::marginals, options);
      const auto check = matches_oracle(result, problem, 1e-6);
      EXPECT_TRUE(check) << to_string(schedule) << ", " << describe(problem) << ", " << result.report.algorithm;
      if (!check && ++failures >= kMaxReportedFailures) break;
    }
  }
}

TEST(BpRandomForests, LoopySchedulesMaxProductReachesBruteForceMaximum) {
  int failures = 0;
  for (const BpSchedule schedule : {BpSchedule::parallel, BpSchedule::sequential, BpSchedule::residual}) {
    BpOptions options;
    options.schedule = schedule;
    options.tolerance = 1e-14;
    options.max_iterations = 200;
    for (const RandomProblem& problem : forest_problems()) {
      const InferenceResult result = belief_propagation(problem.graph, problem.evidence, Task::mpe, options);
      const auto check = mpe_matches_oracle(result, problem, kTolerance);
      EXPECT_TRUE(check) << to_string(schedule) << ", " << describe(problem) << ", " << result.report.algorithm;
      if (!check && ++failures >= kMaxReportedFailures) return;
    }
  }
}

// ---- is_forest -------------------------------------------------------------------------

FactorGraph variables(std::initializer_list<std::size_t> cards) {
  FactorGraph graph;
  for (const std::size_t card : cards) graph.add_variable(card);
  return graph;
}

DiscreteFactor ones(const FactorGraph& graph, std::vector<VarId> scope) {
  std::vector<std::size_t> cards;
  std::size_t size = 1;
  for (const VarId var : scope) {
    cards.push_back(graph.cardinality(var));
    size *= cards.back();
  }
  return DiscreteFactor(std::move(scope), std::move(cards), std::vector<double>(size, 0.0));
}

TEST(BpIsForest, SmallForestsAndCycles) {
  const VarId a{0}, b{1}, c{2}, d{3};
  {
    FactorGraph empty;
    EXPECT_TRUE(is_forest(empty));
  }
  {
    FactorGraph graph = variables({2, 3, 4, 2});  // isolated variables, unary and constant factors
    graph.add_factor(ones(graph, {a}));
    graph.add_factor(ones(graph, {a}));
    graph.add_factor(DiscreteFactor::constant(1.5));
    EXPECT_TRUE(is_forest(graph));
  }
  {
    FactorGraph graph = variables({2, 3, 4, 2});  // a chain and a 3-variable factor
    graph.add_factor(ones(graph, {b, a}));
    graph.add_factor(ones(graph, {c, d, b}));
    graph.add_factor(ones(graph, {d}));
    EXPECT_TRUE(is_forest(graph));
  }
  {
    FactorGraph graph = variables({2, 3, 4});  // triangle
    graph.add_factor(ones(graph, {a, b}));
    graph.add_factor(ones(graph, {b, c}));
    graph.add_factor(ones(graph, {c, a}));
    EXPECT_FALSE(is_forest(graph));
    // The automatic schedule falls back to flooding.
    const InferenceResult result = belief_propagation(graph, {}, Task::marginals);
    EXPECT_EQ(result.report.algorithm.find("two-pass"), std::string::npos) << result.report.algorithm;
    EXPECT_NE(result.report.algorithm.find("parallel"), std::string::npos) << result.report.algorithm;
  }
  {
    FactorGraph graph = variables({2, 3});  // two factors on the same pair: a 4-cycle
    graph.add_factor(ones(graph, {a, b}));
    graph.add_factor(ones(graph, {b, a}));
    EXPECT_FALSE(is_forest(graph));
  }
  {
    FactorGraph graph = variables({2, 3, 4});  // a 3-variable factor and a pair inside it
    graph.add_factor(ones(graph, {a, b, c}));
    graph.add_factor(ones(graph, {c, a}));
    EXPECT_FALSE(is_forest(graph));
  }
  {
    FactorGraph graph = variables({2, 2, 2, 2});  // a 4-ring hidden in the last tree
    graph.add_factor(ones(graph, {a, b}));
    graph.add_factor(ones(graph, {c, d}));
    graph.add_factor(ones(graph, {b, c}));
    EXPECT_TRUE(is_forest(graph));
    graph.add_factor(ones(graph, {d, a}));
    EXPECT_FALSE(is_forest(graph));
  }
}

// Closing any path of a random forest with one more factor makes it loopy.
TEST(BpIsForest, ClosingAPathInARandomForestMakesACycle) {
  std::size_t tested = 0;
  for (const RandomProblem& problem : forest_problems()) {
    const auto pairs = connected_pairs(problem.graph);
    if (pairs.empty()) continue;
    std::mt19937_64 rng(problem.seed);
    const auto [a, b] = pairs[std::uniform_int_distribution<std::size_t>(0, pairs.size() - 1)(rng)];
    FactorGraph loopy = problem.graph;
    loopy.add_factor(ones(loopy, {b, a}));
    EXPECT_FALSE(is_forest(loopy)) << describe(problem) << " plus {" << b.index << ' ' << a.index << '}';
    ++tested;
  }
  EXPECT_GT(tested, kNumSeeds / 2);
}

}  // namespace
}  // namespace copi::test::bp
