// Exact inference (junction tree / variable elimination) and enumerate() against the
// independent brute-force oracle of brute_force_oracle.hpp, on hundreds of seeded random
// models, plus the edge cases: isolated variables, constant factors, hard zeros
// everywhere, impossible evidence and the resource limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/enumerate.hpp"
#include "copi/inference/exact.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test {
namespace {

constexpr std::uint64_t kNumSeeds = 240;
constexpr double kTolerance = 1e-9;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr EliminationHeuristic kHeuristics[] = {EliminationHeuristic::min_fill,
                                                EliminationHeuristic::weighted_min_fill,
                                                EliminationHeuristic::min_degree};
constexpr Task kTasks[] = {Task::marginals, Task::partition, Task::mpe};
// Stop reporting after this many failing seeds: one bug shows up on most of them.
constexpr int kMaxReportedFailures = 5;

std::string heuristic_name(EliminationHeuristic heuristic) {
  switch (heuristic) {
    case EliminationHeuristic::min_fill: return "min_fill";
    case EliminationHeuristic::weighted_min_fill: return "weighted_min_fill";
    case EliminationHeuristic::min_degree: return "min_degree";
  }
  return "?";
}

std::string describe(const RandomProblem& problem) {
  std::ostringstream out;
  out << "seed " << problem.seed << ": " << problem.graph.num_variables() << " variables (cards";
  for (const Variable& var : problem.graph.variables()) out << ' ' << var.cardinality;
  out << "), " << problem.graph.num_factors() << " factors, evidence {";
  for (const auto& [var, state] : problem.evidence) out << ' ' << var.index << '=' << state;
  out << " }";
  return out.str();
}

const std::vector<RandomProblem>& random_problems() {
  static const std::vector<RandomProblem> problems = [] {
    std::vector<RandomProblem> all;
    for (std::uint64_t seed = 0; seed < kNumSeeds; ++seed) all.push_back(random_problem(seed));
    return all;
  }();
  return problems;
}

::testing::AssertionResult marginals_match(const std::vector<std::vector<double>>& got,
                                           const OracleAnswer& oracle, const Evidence& evidence,
                                           double tolerance) {
  if (got.size() != oracle.marginals.size()) {
    return ::testing::AssertionFailure() << "marginals for " << got.size() << " variables, expected "
                                         << oracle.marginals.size();
  }
  for (std::size_t v = 0; v < got.size(); ++v) {
    if (got[v].size() != oracle.marginals[v].size()) {
      return ::testing::AssertionFailure() << "variable " << v << " has " << got[v].size()
                                           << " states, expected " << oracle.marginals[v].size();
    }
    const auto observed = evidence.find(VarId{static_cast<std::uint32_t>(v)});
    for (std::size_t s = 0; s < got[v].size(); ++s) {
      if (observed != evidence.end()) {
        const double point_mass = s == observed->second ? 1.0 : 0.0;
        if (got[v][s] != point_mass) {
          return ::testing::AssertionFailure()
                 << "observed variable " << v << " (= " << observed->second
                 << ") is not a point mass: p(" << s << ") = " << got[v][s];
        }
      }
      const double error = std::abs(got[v][s] - oracle.marginals[v][s]);
      if (!(error <= tolerance)) {
        return ::testing::AssertionFailure()
               << "p(x" << v << " = " << s << ") = " << got[v][s] << ", oracle "
               << oracle.marginals[v][s] << " (|diff| " << error << ")";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult log_z_matches(const std::optional<double>& got,
                                         const OracleAnswer& oracle, double tolerance) {
  if (!got) return ::testing::AssertionFailure() << "no log Z in the result";
  const double expected = static_cast<double>(oracle.log_z);
  if (!(std::abs(*got - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "log Z " << *got << ", oracle " << expected
                                         << " (|diff| " << std::abs(*got - expected) << ")";
  }
  return ::testing::AssertionSuccess();
}

// Ties may pick different assignments: compare the value of the returned assignment,
// computed by the oracle, with the oracle's maximum.
::testing::AssertionResult mpe_matches(const InferenceResult& result, const FactorGraph& graph,
                                       const Evidence& evidence, const OracleAnswer& oracle,
                                       double tolerance) {
  if (result.map.size() != graph.num_variables()) {
    return ::testing::AssertionFailure() << "MPE assignment of length " << result.map.size()
                                         << ", expected " << graph.num_variables();
  }
  for (std::size_t v = 0; v < result.map.size(); ++v) {
    if (result.map[v] >= graph.variables()[v].cardinality) {
      return ::testing::AssertionFailure() << "MPE state " << result.map[v] << " of variable " << v
                                           << " is out of range";
    }
  }
  for (const auto& [var, state] : evidence) {
    if (result.map[var.index] != state) {
      return ::testing::AssertionFailure() << "MPE sets observed variable " << var.index << " to "
                                           << result.map[var.index] << ", evidence says " << state;
    }
  }
  const double expected = static_cast<double>(oracle.max_log_value);
  const double value = static_cast<double>(oracle_log_value(graph, result.map));
  if (!(std::abs(value - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "MPE assignment has log value " << value
                                         << ", the oracle's maximum is " << expected;
  }
  if (!result.map_log_value) return ::testing::AssertionFailure() << "no map_log_value";
  if (!(std::abs(*result.map_log_value - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "map_log_value " << *result.map_log_value
                                         << ", the oracle's maximum is " << expected;
  }
  return ::testing::AssertionSuccess();
}

// Checks whatever the result holds for the task asked: the junction tree's answers are
// task-specific, enumerate() fills everything.
::testing::AssertionResult result_matches(const InferenceResult& result, Task task,
                                          const RandomProblem& problem) {
  if (task == Task::marginals || !result.marginals.empty()) {
    auto check = marginals_match(result.marginals, problem.oracle, problem.evidence, kTolerance);
    if (!check) return check;
  }
  if (task == Task::partition || result.log_z) {
    auto check = log_z_matches(result.log_z, problem.oracle, kTolerance);
    if (!check) return check;
  }
  if (task == Task::mpe || !result.map.empty()) {
    auto check = mpe_matches(result, problem.graph, problem.evidence, problem.oracle, kTolerance);
    if (!check) return check;
  }
  return ::testing::AssertionSuccess();
}

void expect_exact_matches_oracle(Task task) {
  int failures = 0;
  for (const RandomProblem& problem : random_problems()) {
    for (EliminationHeuristic heuristic : kHeuristics) {
      const InferenceResult result =
          solve_exact(problem.graph, problem.evidence, task, ExactOptions{.heuristic = heuristic});
      const auto check = result_matches(result, task, problem);
      EXPECT_TRUE(check) << to_string(task) << " with " << heuristic_name(heuristic) << ", "
                         << describe(problem);
      if (!check && ++failures >= kMaxReportedFailures) return;
    }
  }
}

// ---- the oracle itself, on closed forms -------------------------------------------------

TEST(OracleSelfTest, IndependentUnariesGiveProductOfSums) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  const VarId b = graph.add_variable(3);
  graph.add_factor(DiscreteFactor({a}, {2}, {std::log(1.0), std::log(3.0)}));
  graph.add_factor(DiscreteFactor({b}, {3}, {std::log(2.0), -kInf, std::log(6.0)}));
  const OracleAnswer answer = brute_force(graph);
  EXPECT_NEAR(static_cast<double>(answer.log_z), std::log(4.0 * 8.0), 1e-15);
  EXPECT_NEAR(answer.marginals[0][1], 0.75, 1e-15);
  EXPECT_NEAR(answer.marginals[1][0], 0.25, 1e-15);
  EXPECT_EQ(answer.marginals[1][1], 0.0);
  EXPECT_NEAR(static_cast<double>(answer.max_log_value), std::log(18.0), 1e-15);
  EXPECT_EQ(answer.argmax, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(answer.joint_states, 6u);
}

TEST(OracleSelfTest, FirstScopeVariableVariesFastest) {
  // f(x1, x0) over scope (x1, x0), cardinalities (3, 2): entry x1 + 3 * x0. Only
  // (x1 = 2, x0 = 1), index 5, is allowed.
  FactorGraph graph;
  const VarId x0 = graph.add_variable(2);
  const VarId x1 = graph.add_variable(3);
  std::vector<double> table(6, -kInf);
  table[5] = 0.0;
  graph.add_factor(DiscreteFactor({x1, x0}, {3, 2}, table));
  const OracleAnswer answer = brute_force(graph);
  EXPECT_EQ(static_cast<double>(answer.log_z), 0.0);
  EXPECT_EQ(answer.argmax, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(answer.marginals[0], (std::vector<double>{0.0, 1.0}));
  EXPECT_EQ(answer.marginals[1], (std::vector<double>{0.0, 0.0, 1.0}));
}

TEST(OracleSelfTest, EvidenceClampsAndIsolatedVariablesCount) {
  // A chain x0 - x1 with an isolated x2 of cardinality 4.
  FactorGraph graph;
  const VarId x0 = graph.add_variable(2);
  const VarId x1 = graph.add_variable(2);
  graph.add_variable(4);
  graph.add_factor(DiscreteFactor({x0, x1}, {2, 2}, {0.0, 1.0, 2.0, 3.0}));
  graph.add_factor(DiscreteFactor::constant(0.5));
  const OracleAnswer all = brute_force(graph);
  const double z = std::exp(0.0) + std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(static_cast<double>(all.log_z), 0.5 + std::log(4.0 * z), 1e-14);
  EXPECT_NEAR(all.marginals[2][3], 0.25, 1e-15);

  // x1 = 1 keeps entries 2 (x0 = 0) and 3 (x0 = 1).
  const OracleAnswer clamped = brute_force(graph, {{x1, 1}});
  EXPECT_NEAR(static_cast<double>(clamped.log_z),
              0.5 + std::log(4.0 * (std::exp(2.0) + std::exp(3.0))), 1e-14);
  EXPECT_EQ(clamped.marginals[1], (std::vector<double>{0.0, 1.0}));
  EXPECT_NEAR(clamped.marginals[0][1], std::exp(3.0) / (std::exp(2.0) + std::exp(3.0)), 1e-15);
  EXPECT_EQ(clamped.joint_states, 8u);
}

TEST(OracleSelfTest, HugeLogValuesDoNotOverflow) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  graph.add_factor(DiscreteFactor({a}, {2}, {1e5, 1e5 + 1.0}));
  const OracleAnswer answer = brute_force(graph);
  EXPECT_NEAR(static_cast<double>(answer.log_z), 1e5 + std::log1p(std::exp(1.0)), 1e-10);
  EXPECT_NEAR(answer.marginals[0][1], std::exp(1.0) / (1.0 + std::exp(1.0)), 1e-15);
}

TEST(OracleSelfTest, ZeroProbabilityEvidenceGivesMinusInfinity) {
  const RandomProblem problem = impossible_evidence_problem(7);
  EXPECT_EQ(problem.oracle.log_z, -std::numeric_limits<long double>::infinity());
  EXPECT_TRUE(problem.oracle.marginals.empty());
  EXPECT_TRUE(problem.oracle.argmax.empty());
}

TEST(RandomModels, AreReproducibleAndVaried) {
  const RandomProblem first = random_problem(42);
  const RandomProblem again = random_problem(42);
  EXPECT_TRUE(first.graph == again.graph);
  EXPECT_EQ(first.evidence, again.evidence);
  std::size_t unsorted_scopes = 0, hard_zeros = 0, constants = 0, isolated = 0, observed = 0;
  for (const RandomProblem& problem : random_problems()) {
    EXPECT_LE(problem.graph.num_variables(), 14u);
    EXPECT_GT(problem.oracle.log_z, -std::numeric_limits<long double>::infinity());
    observed += problem.evidence.size();
    for (const DiscreteFactor& factor : problem.graph.tables()) {
      EXPECT_LE(factor.arity(), 3u);
      if (factor.arity() == 0) ++constants;
      if (!std::is_sorted(factor.scope().begin(), factor.scope().end())) ++unsorted_scopes;
      for (double value : factor.log_values()) hard_zeros += value == -kInf;
    }
    for (std::uint32_t v = 0; v < problem.graph.num_variables(); ++v) {
      isolated += problem.graph.factors_of(VarId{v}).empty();
    }
  }
  EXPECT_GT(unsorted_scopes, 100u);
  EXPECT_GT(hard_zeros, 100u);
  EXPECT_GT(constants, 20u);
  EXPECT_GT(isolated, 20u);
  EXPECT_GT(observed, 100u);
}

// ---- solve_exact and enumerate against the oracle ----------------------------------------

TEST(ExactRandom, MarginalsMatchBruteForceAndObservedArePointMasses) {
  expect_exact_matches_oracle(Task::marginals);
}

TEST(ExactRandom, LogZMatchesBruteForce) { expect_exact_matches_oracle(Task::partition); }

TEST(ExactRandom, MpeValueMatchesBruteForceMaximum) { expect_exact_matches_oracle(Task::mpe); }

TEST(ExactRandom, EnumerateMatchesBruteForce) {
  int failures = 0;
  for (const RandomProblem& problem : random_problems()) {
    for (Task task : kTasks) {
      const InferenceResult result = enumerate(problem.graph, problem.evidence, task);
      const auto check = result_matches(result, task, problem);
      EXPECT_TRUE(check) << "enumerate " << to_string(task) << ", " << describe(problem);
      if (!check && ++failures >= kMaxReportedFailures) return;
    }
  }
}

// Evidence (or hard zeros) of probability zero is bad input (exact.hpp, enumerate.hpp:
// InputError, exit status 2 at the CLI), with a message that says so.
template <typename Solve>
::testing::AssertionResult throws_zero_probability_error(Solve solve) {
  try {
    solve();
    return ::testing::AssertionFailure() << "no exception";
  } catch (const InputError& error) {
    if (std::string(error.what()).find("probability zero") == std::string::npos) {
      return ::testing::AssertionFailure() << "InputError without 'probability zero': " << error.what();
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& error) {
    return ::testing::AssertionFailure() << "threw " << typeid(error).name() << " (" << error.what()
                                         << ") instead of copi::InputError";
  }
}

TEST(ExactRandom, ImpossibleEvidenceIsAnInputError) {
  int failures = 0;
  for (std::uint64_t seed = 1000; seed < 1020 && failures < kMaxReportedFailures; ++seed) {
    const RandomProblem problem = impossible_evidence_problem(seed);
    for (Task task : kTasks) {
      for (EliminationHeuristic heuristic : kHeuristics) {
        const auto check = throws_zero_probability_error([&] {
          solve_exact(problem.graph, problem.evidence, task, ExactOptions{.heuristic = heuristic});
        });
        EXPECT_TRUE(check) << to_string(task) << " with " << heuristic_name(heuristic) << ", "
                           << describe(problem);
        failures += !check;
      }
      const auto check =
          throws_zero_probability_error([&] { enumerate(problem.graph, problem.evidence, task); });
      EXPECT_TRUE(check) << "enumerate " << to_string(task) << ", " << describe(problem);
      failures += !check;
    }
  }
}

TEST(ExactRandom, EvidenceOutOfRangeThrowsInputError) {
  const RandomProblem problem = random_problem(3);
  const auto n = static_cast<std::uint32_t>(problem.graph.num_variables());
  const Evidence unknown_variable{{VarId{n}, 0}};
  const Evidence unknown_state{{VarId{0}, problem.graph.cardinality(VarId{0})}};
  for (Task task : kTasks) {
    EXPECT_THROW(solve_exact(problem.graph, unknown_variable, task), InputError);
    EXPECT_THROW(solve_exact(problem.graph, unknown_state, task), InputError);
    EXPECT_THROW(enumerate(problem.graph, unknown_variable, task), InputError);
    EXPECT_THROW(enumerate(problem.graph, unknown_state, task), InputError);
  }
}

// ---- edge cases with closed forms --------------------------------------------------------

// Every task of solve_exact (three heuristics) and enumerate on one problem.
void expect_all_match(const RandomProblem& problem) {
  for (Task task : kTasks) {
    for (EliminationHeuristic heuristic : kHeuristics) {
      EXPECT_TRUE(result_matches(solve_exact(problem.graph, problem.evidence, task,
                                             ExactOptions{.heuristic = heuristic}),
                                 task, problem))
          << to_string(task) << " with " << heuristic_name(heuristic) << ", " << describe(problem);
    }
    EXPECT_TRUE(result_matches(enumerate(problem.graph, problem.evidence, task), task, problem))
        << "enumerate " << to_string(task) << ", " << describe(problem);
  }
}

RandomProblem with_oracle(FactorGraph graph, Evidence evidence = {}) {
  RandomProblem problem;
  problem.seed = 0;
  problem.oracle = brute_force(graph, evidence);
  problem.graph = std::move(graph);
  problem.evidence = std::move(evidence);
  return problem;
}

TEST(ExactEdgeCases, VariableInNoFactorMultipliesZByItsCardinality) {
  for (std::uint64_t seed = 2000; seed < 2010; ++seed) {
    const RandomProblem base = random_problem(seed);
    FactorGraph graph = base.graph;
    const VarId isolated = graph.add_variable(3);
    const RandomProblem problem = with_oracle(graph, base.evidence);
    // The closed form first, so that the oracle is checked too.
    EXPECT_NEAR(static_cast<double>(problem.oracle.log_z),
                static_cast<double>(base.oracle.log_z) + std::log(3.0), kTolerance);
    const InferenceResult pr = solve_exact(problem.graph, problem.evidence, Task::partition);
    ASSERT_TRUE(pr.log_z);
    EXPECT_NEAR(*pr.log_z, static_cast<double>(base.oracle.log_z) + std::log(3.0), kTolerance)
        << describe(problem);
    const InferenceResult mar = solve_exact(problem.graph, problem.evidence, Task::marginals);
    ASSERT_EQ(mar.marginals.size(), problem.graph.num_variables());
    for (double p : mar.marginals[isolated.index]) EXPECT_NEAR(p, 1.0 / 3.0, kTolerance);
    expect_all_match(problem);
  }
}

TEST(ExactEdgeCases, ObservedVariableInNoFactorLeavesZUnchanged) {
  const RandomProblem base = random_problem(2100);
  FactorGraph graph = base.graph;
  const VarId isolated = graph.add_variable(4);
  Evidence evidence = base.evidence;
  evidence[isolated] = 2;
  const RandomProblem problem = with_oracle(graph, evidence);
  const InferenceResult pr = solve_exact(problem.graph, problem.evidence, Task::partition);
  ASSERT_TRUE(pr.log_z);
  EXPECT_NEAR(*pr.log_z, static_cast<double>(base.oracle.log_z), kTolerance);
  const InferenceResult mpe = solve_exact(problem.graph, problem.evidence, Task::mpe);
  ASSERT_EQ(mpe.map.size(), problem.graph.num_variables());
  EXPECT_EQ(mpe.map[isolated.index], 2u);
  expect_all_match(problem);
}

TEST(ExactEdgeCases, ConstantFactorsShiftLogZOnly) {
  for (std::uint64_t seed = 2200; seed < 2210; ++seed) {
    const RandomProblem base = random_problem(seed);
    FactorGraph graph = base.graph;
    graph.add_factor(DiscreteFactor::constant(2.5));
    graph.add_factor(DiscreteFactor::constant(-7.25));
    graph.add_factor(DiscreteFactor());  // log 1
    const RandomProblem problem = with_oracle(graph, base.evidence);
    const InferenceResult pr = solve_exact(problem.graph, problem.evidence, Task::partition);
    ASSERT_TRUE(pr.log_z);
    EXPECT_NEAR(*pr.log_z, static_cast<double>(base.oracle.log_z) - 4.75, kTolerance)
        << describe(problem);
    const InferenceResult mar = solve_exact(problem.graph, problem.evidence, Task::marginals);
    EXPECT_TRUE(marginals_match(mar.marginals, base.oracle, base.evidence, kTolerance));
    expect_all_match(problem);
  }
}

TEST(ExactEdgeCases, GraphWithOnlyConstantFactors) {
  FactorGraph graph;
  graph.add_factor(DiscreteFactor::constant(1.5));
  graph.add_factor(DiscreteFactor::constant(-0.25));
  for (Task task : kTasks) {
    const InferenceResult exact = solve_exact(graph, {}, task);
    const InferenceResult enumerated = enumerate(graph, {}, task);
    for (const InferenceResult* result : {&exact, &enumerated}) {
      EXPECT_TRUE(result->marginals.empty());
      EXPECT_TRUE(result->map.empty());
      if (task == Task::partition) {
        ASSERT_TRUE(result->log_z);
        EXPECT_NEAR(*result->log_z, 1.25, 1e-15);
      }
      if (task == Task::mpe) {
        ASSERT_TRUE(result->map_log_value);
        EXPECT_NEAR(*result->map_log_value, 1.25, 1e-15);
      }
    }
  }
}

TEST(ExactEdgeCases, GraphWithOnlyIsolatedVariables) {
  FactorGraph graph;
  graph.add_variable(2);
  graph.add_variable(3);
  graph.add_variable(4);
  const RandomProblem problem = with_oracle(graph, {{VarId{1}, 2}});
  EXPECT_NEAR(static_cast<double>(problem.oracle.log_z), std::log(8.0), 1e-15);
  expect_all_match(problem);
}

TEST(ExactEdgeCases, AllHardZeroFactorHasProbabilityZero) {
  const RandomProblem base = random_problem(2300);
  FactorGraph graph = base.graph;
  const std::size_t n = graph.num_variables();
  std::vector<VarId> scope{VarId{static_cast<std::uint32_t>(n - 1)}};
  if (n > 1) scope.push_back(VarId{0});
  std::vector<std::size_t> cards;
  std::size_t size = 1;
  for (VarId var : scope) {
    cards.push_back(graph.cardinality(var));
    size *= cards.back();
  }
  graph.add_factor(DiscreteFactor(scope, cards, std::vector<double>(size, -kInf)));
  ASSERT_EQ(brute_force(graph).log_z, -std::numeric_limits<long double>::infinity());
  // A constant hard zero says the same.
  FactorGraph constant_zero = base.graph;
  constant_zero.add_factor(DiscreteFactor::constant(-kInf));
  for (const FactorGraph* model : {&graph, &constant_zero}) {
    const std::string which = model == &graph ? "all -inf table" : "constant -inf";
    for (Task task : kTasks) {
      for (EliminationHeuristic heuristic : kHeuristics) {
        EXPECT_TRUE(throws_zero_probability_error(
            [&] { solve_exact(*model, {}, task, ExactOptions{.heuristic = heuristic}); }))
            << which << ", " << to_string(task) << " with " << heuristic_name(heuristic);
      }
      EXPECT_TRUE(throws_zero_probability_error([&] { enumerate(*model, {}, task); }))
          << which << ", enumerate " << to_string(task);
    }
  }
}

TEST(ExactEdgeCases, FullyObservedModelGivesTheAssignmentsValue) {
  for (std::uint64_t seed = 2400; seed < 2410; ++seed) {
    const RandomProblem base = random_problem(seed);
    Evidence evidence;
    for (std::uint32_t v = 0; v < base.graph.num_variables(); ++v) {
      evidence[VarId{v}] = base.oracle.argmax[v];  // the mode has positive probability
    }
    const RandomProblem problem = with_oracle(base.graph, evidence);
    EXPECT_EQ(problem.oracle.log_z, base.oracle.max_log_value);
    expect_all_match(problem);
  }
}

TEST(ExactEdgeCases, HugeLogPotentialsShiftLogZExactly) {
  // Adding c_f to every entry of factor f multiplies Z by exp(sum c_f); with |c_f| ~ 1e5
  // anything that exponentiates raw entries overflows or underflows.
  for (std::uint64_t seed = 2500; seed < 2510; ++seed) {
    const RandomProblem base = random_problem(seed);
    FactorGraph graph;
    for (const Variable& var : base.graph.variables()) graph.add_variable(var);
    std::mt19937_64 rng(seed);
    double shift = 0;
    for (DiscreteFactor factor : base.graph.tables()) {
      const double offset = std::uniform_real_distribution<double>(-1e5, 1e5)(rng);
      for (double& value : factor.log_values()) value += offset;
      shift += offset;
      graph.add_factor(factor);
    }
    const RandomProblem problem = with_oracle(graph, base.evidence);
    const double expected = static_cast<double>(base.oracle.log_z) + shift;
    const double tolerance = kTolerance + 1e-13 * std::abs(expected);
    EXPECT_NEAR(static_cast<double>(problem.oracle.log_z), expected, tolerance);
    for (EliminationHeuristic heuristic : kHeuristics) {
      const ExactOptions options{.heuristic = heuristic};
      const InferenceResult pr = solve_exact(graph, base.evidence, Task::partition, options);
      ASSERT_TRUE(pr.log_z);
      EXPECT_NEAR(*pr.log_z, expected, tolerance) << describe(problem);
      const InferenceResult mar = solve_exact(graph, base.evidence, Task::marginals, options);
      EXPECT_TRUE(marginals_match(mar.marginals, base.oracle, base.evidence, kTolerance))
          << describe(problem);
      const InferenceResult mpe = solve_exact(graph, base.evidence, Task::mpe, options);
      EXPECT_TRUE(mpe_matches(mpe, graph, base.evidence, problem.oracle, tolerance))
          << describe(problem);
    }
  }
}

// ---- resource limits ---------------------------------------------------------------------

// Pairwise factors between all pairs of n variables: every elimination order has a clique
// of all n variables.
FactorGraph complete_pairwise_model(std::size_t n, std::size_t card, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  FactorGraph graph;
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(card);
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t j = i + 1; j < n; ++j) {
      std::vector<double> table(card * card);
      for (double& value : table) value = normal(rng);
      graph.add_factor(DiscreteFactor({VarId{j}, VarId{i}}, {card, card}, table));
    }
  }
  return graph;
}

TEST(ExactLimits, MemoryBudgetRefusesDenseModel) {
  // One clique of 14 binary variables: 2^14 entries, 128 KiB per table.
  const FactorGraph graph = complete_pairwise_model(14, 2, 1);
  const RandomProblem problem = with_oracle(graph);
  for (EliminationHeuristic heuristic : kHeuristics) {
    const ExactOptions small{.heuristic = heuristic, .memory_limit_bytes = 64 * 1024};
    EXPECT_GT(exact_memory_estimate(graph, {}, small), 64.0 * 1024.0);
    for (Task task : kTasks) {
      EXPECT_THROW(solve_exact(graph, {}, task, small), ResourceError)
          << to_string(task) << " with " << heuristic_name(heuristic);
      // The default budget solves it.
      EXPECT_TRUE(result_matches(solve_exact(graph, {}, task, ExactOptions{.heuristic = heuristic}),
                                 task, problem))
          << to_string(task) << " with " << heuristic_name(heuristic);
    }
  }
}

TEST(ExactLimits, BudgetAtTheEstimateIsEnough) {
  const FactorGraph graph = complete_pairwise_model(10, 3, 2);
  const RandomProblem problem = with_oracle(graph);
  const double estimate = exact_memory_estimate(graph, {});
  ASSERT_GT(estimate, 8.0 * 59049);  // at least one table over all 10 ternary variables
  const ExactOptions enough{.memory_limit_bytes = static_cast<std::size_t>(std::ceil(estimate))};
  for (Task task : kTasks) {
    EXPECT_TRUE(result_matches(solve_exact(graph, {}, task, enough), task, problem))
        << to_string(task);
  }
}

TEST(ExactLimits, EvidenceShrinksTheTables) {
  // Observing 6 of 14 fully connected binary variables leaves a clique of 8 (2 KiB).
  const FactorGraph graph = complete_pairwise_model(14, 2, 3);
  Evidence evidence;
  for (std::uint32_t v = 0; v < 6; ++v) evidence[VarId{v}] = v % 2;
  const RandomProblem problem = with_oracle(graph, evidence);
  const ExactOptions small{.memory_limit_bytes = 64 * 1024};
  EXPECT_THROW(solve_exact(graph, {}, Task::partition, small), ResourceError);
  for (Task task : kTasks) {
    EXPECT_TRUE(result_matches(solve_exact(graph, evidence, task, small), task, problem))
        << to_string(task);
  }
}

TEST(ExactLimits, EnumerateRefusesMoreThanTwoToThe24JointStates) {
  FactorGraph graph;
  for (int v = 0; v < 25; ++v) graph.add_variable(2);  // 2^25 joint states
  graph.add_factor(DiscreteFactor({VarId{3}, VarId{0}}, {2, 2}, {0.0, 1.0, 2.0, 3.0}));
  for (Task task : kTasks) EXPECT_THROW(enumerate(graph, {}, task), ResourceError);
  // Far more states than a size_t can count must be refused too, not overflow.
  FactorGraph huge;
  for (int v = 0; v < 80; ++v) huge.add_variable(4);
  EXPECT_THROW(enumerate(huge, {}, Task::partition), ResourceError);
  // The refusal says how many, readably: 2^100 and 3^1000 (far past a double's range).
  FactorGraph binary;
  for (int v = 0; v < 100; ++v) binary.add_variable(2);
  try {
    (void)enumerate(binary, {}, Task::partition);
    ADD_FAILURE() << "2^100 states enumerated";
  } catch (const ResourceError& error) {
    EXPECT_EQ(std::string(error.what()), "enumeration refused: 2^100 (1.3e30) joint states, the limit is 16777216");
  }
  FactorGraph ternary;
  for (int v = 0; v < 1000; ++v) ternary.add_variable(3);
  try {
    (void)enumerate(ternary, {}, Task::partition);
    ADD_FAILURE() << "3^1000 states enumerated";
  } catch (const ResourceError& error) {
    // 3^1000 = 2^1585.0 = 1.3e477.
    EXPECT_EQ(std::string(error.what()), "enumeration refused: 2^1585 (1.3e477) joint states, the limit is 16777216");
  }
  EXPECT_EQ(format_state_count(std::log2(1000.0)), "1000");
  EXPECT_EQ(format_state_count(std::log2(3.0) * 50), "2^79.2 (7.2e23)");  // 3^50 = 7.18e23
}

TEST(ExactLimits, EnumerateHonoursMaxJointStates) {
  const RandomProblem problem = with_oracle(complete_pairwise_model(10, 2, 4));  // 1024 states
  EXPECT_THROW(enumerate(problem.graph, {}, Task::partition, {.max_joint_states = 1023}),
               ResourceError);
  EXPECT_TRUE(result_matches(enumerate(problem.graph, {}, Task::partition,
                                       {.max_joint_states = 1024}),
                             Task::partition, problem));
}

}  // namespace
}  // namespace copi::test
