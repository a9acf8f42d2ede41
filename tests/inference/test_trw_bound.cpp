// Tree-reweighted BP against independent answers: the TRW value is an upper bound on
// the brute-force log Z on random models (binary and multi-state, pairwise and with
// 3-variable factors, hard zeros, evidence); it is exact on forests; and on symmetric
// Ising cycles and complete graphs it equals its closed form, which falls to the exact
// log Z as the coupling goes to 0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/tree_reweighted.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

TrwOptions converging_options() {
  TrwOptions options;
  options.schedule = TrwSchedule::sequential;
  options.damping = 0.3;
  options.tolerance = 1e-10;
  options.max_iterations = 5000;
  return options;
}

// Observed variables are point masses, the rest distributions.
void expect_evidence_respected(const RandomProblem& problem, const InferenceResult& result) {
  ASSERT_TRUE(marginals_are_distributions(problem.graph, result.marginals)) << describe(problem);
  for (const auto& [var, state] : problem.evidence) {
    EXPECT_EQ(result.marginals[var.index][state], 1.0) << describe(problem);
  }
}

// Runs TRW on `count` random problems; every converged run must bound the oracle's log Z.
void expect_bounds(const RandomModelOptions& model_options, std::uint64_t first_seed, std::size_t count) {
  std::size_t converged = 0;
  double seconds = 0;
  for (std::uint64_t seed = first_seed; seed < first_seed + count; ++seed) {
    const RandomProblem problem = random_problem(seed, model_options);
    const InferenceResult result = tree_reweighted_bp(problem.graph, problem.evidence, Task::marginals,
                                                      converging_options());
    seconds += result.report.seconds;
    ASSERT_TRUE(result.log_z) << describe(problem);
    expect_evidence_respected(problem, result);
    if (!result.report.converged()) continue;
    ++converged;
    const double exact = static_cast<double>(problem.oracle.log_z);
    EXPECT_GE(*result.log_z, exact - 1e-7 * std::max(1.0, std::abs(exact)))
        << describe(problem) << "\n" << result.report.full();
    EXPECT_TRUE(result.log_z_kind == LogZKind::upper_bound || result.log_z_kind == LogZKind::exact);
    if (result.log_z_kind == LogZKind::exact) {
      EXPECT_TRUE(matches_oracle(result, problem, 1e-7)) << describe(problem);
    }
  }
  // TRW's free energy is convex, so damped sequential updates converge nearly always.
  EXPECT_GE(converged, count * 9 / 10) << converged << " of " << count << " converged";
  std::cout << "[ info ] " << converged << " of " << count << " converged, TRW " << seconds << " s\n";
}

TEST(TrwRandom, PairwiseBinaryBoundsExactLogZ) {
  RandomModelOptions options;
  options.max_arity = 2;
  options.max_variables = 12;
  options.max_joint_states = 1 << 12;
  expect_bounds(options, 1000, 150);
}

TEST(TrwRandom, MultiStateWithTripletsHardZerosAndEvidenceBoundsExactLogZ) {
  RandomModelOptions options;  // cardinalities 2-4, factors of 1-3 variables, hard zeros, evidence
  expect_bounds(options, 2000, 100);
}

TEST(TrwRandom, ManyHardZerosStillBound) {
  RandomModelOptions options;
  options.hard_zero_probability = 0.3;
  expect_bounds(options, 3000, 60);
}

// On a forest every spanning-tree weight is 1, TRW is BP and the two-pass schedule is exact.
TEST(TrwTrees, ExactOnRandomForests) {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    const RandomProblem problem = random_forest_problem(seed);
    const InferenceResult result = tree_reweighted_bp(problem.graph, problem.evidence, Task::marginals);
    EXPECT_EQ(result.log_z_kind, LogZKind::exact) << describe(problem);
    EXPECT_TRUE(matches_oracle(result, problem, 1e-9)) << describe(problem) << "\n" << result.report.full();
    EXPECT_EQ(result.report.iterations, 1u);
  }
}

// The loopy schedules reach the same exact answer on a forest.
TEST(TrwTrees, LoopySchedulesAreExactOnForests) {
  for (std::uint64_t seed = 200; seed < 240; ++seed) {
    const RandomProblem problem = random_forest_problem(seed);
    for (const TrwSchedule schedule : {TrwSchedule::parallel, TrwSchedule::sequential}) {
      TrwOptions options;
      options.schedule = schedule;
      options.max_iterations = 5000;
      const InferenceResult result = tree_reweighted_bp(problem.graph, problem.evidence, Task::partition, options);
      ASSERT_TRUE(result.report.converged()) << describe(problem);
      EXPECT_EQ(result.log_z_kind, LogZKind::exact);
      EXPECT_TRUE(matches_oracle(result, problem, 1e-7)) << describe(problem) << ' ' << to_string(schedule);
    }
  }
}

// ---- closed forms -------------------------------------------------------------------------

// A zero-field Ising model exp(J Σ_edges s s') on a vertex- and edge-transitive graph
// with uniform weight ρ. By symmetry and concavity the TRW optimum has uniform single
// marginals and P(s = s') = q on every edge, and
//   max_q [ n log 2 + |E| ( J (2q - 1) + ρ (h(q) - log 2) ) ] = n log 2 + |E| ρ log cosh(J / ρ).
double symmetric_trw_bound(std::size_t n, std::size_t edges, double rho, double coupling) {
  return static_cast<double>(n) * std::log(2.0) + static_cast<double>(edges) * rho * std::log(std::cosh(coupling / rho));
}

FactorGraph ising(std::size_t n, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges, double coupling) {
  FactorGraph graph;
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(2);
  for (const auto& [a, b] : edges) {
    graph.add_factor(DiscreteFactor({VarId{a}, VarId{b}}, {2, 2}, {coupling, -coupling, -coupling, coupling}));
  }
  return graph;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> cycle(std::uint32_t n) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (std::uint32_t v = 0; v < n; ++v) edges.emplace_back(v, (v + 1) % n);
  return edges;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> complete(std::uint32_t n) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  for (std::uint32_t a = 0; a < n; ++a) {
    for (std::uint32_t b = a + 1; b < n; ++b) edges.emplace_back(a, b);
  }
  return edges;
}

// Exact log Z: cycle 2^n (cosh^n J + sinh^n J) (transfer matrix); complete graph by the
// magnetisation M = 2k - n, Σ_{i<j} s_i s_j = (M^2 - n) / 2.
double cycle_log_z(std::size_t n, double j) {
  const double c = std::pow(std::cosh(j), static_cast<double>(n));
  const double s = std::pow(std::sinh(j), static_cast<double>(n));
  return static_cast<double>(n) * std::log(2.0) + std::log(c + s);
}

double complete_log_z(std::size_t n, double j) {
  double hi = -INFINITY;
  std::vector<double> terms;
  for (std::size_t k = 0; k <= n; ++k) {
    const double m = 2.0 * static_cast<double>(k) - static_cast<double>(n);
    const double log_binomial = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0);
    terms.push_back(log_binomial + j * (m * m - static_cast<double>(n)) / 2.0);
    hi = std::max(hi, terms.back());
  }
  double sum = 0.0;
  for (const double t : terms) sum += std::exp(t - hi);
  return hi + std::log(sum);
}

// Cycle C_n: each edge is in n-1 of the n spanning trees, ρ = (n-1)/n. The gap to log Z
// is 0 at J = 0 (independent spins) and grows with |J| at first; for large |J| it closes
// again (both sides tend to |E| |J| + log 2, as Σ ρ = n - 1).
TEST(TrwClosedForm, CycleMatchesClosedFormAndFallsToLogZAsCouplingVanishes) {
  for (const std::uint32_t n : {3u, 5u, 8u}) {
    const double rho = (n - 1.0) / n;
    for (const double j : {4.0, 1.2, 0.8, -0.5}) {
      const InferenceResult result = tree_reweighted_bp(ising(n, cycle(n), j), {}, Task::partition);
      ASSERT_TRUE(result.report.converged()) << n << ' ' << j;
      EXPECT_NEAR(*result.log_z, symmetric_trw_bound(n, n, rho, j), 1e-9) << "C_" << n << ", J = " << j;
      EXPECT_GE(*result.log_z, cycle_log_z(n, j)) << "C_" << n << ", J = " << j;
    }
    double previous_gap = INFINITY;
    for (const double j : {0.3, 0.2, 0.1, 0.05, 0.02, 0.0}) {
      const InferenceResult result = tree_reweighted_bp(ising(n, cycle(n), j), {}, Task::marginals);
      ASSERT_TRUE(result.report.converged()) << n << ' ' << j;
      EXPECT_EQ(result.log_z_kind, LogZKind::upper_bound);
      EXPECT_NEAR(*result.log_z, symmetric_trw_bound(n, n, rho, j), 1e-9) << "C_" << n << ", J = " << j;
      const double gap = *result.log_z - cycle_log_z(n, j);
      EXPECT_GE(gap, -1e-12) << "C_" << n << ", J = " << j;
      EXPECT_LT(gap, previous_gap) << "C_" << n << ", J = " << j;
      previous_gap = gap;
      for (const auto& marginal : result.marginals) EXPECT_NEAR(marginal[0], 0.5, 1e-9);
    }
    EXPECT_NEAR(previous_gap, 0.0, 1e-12);  // J = 0: the bound is tight
  }
}

// Complete graph K_n: ρ = 2/n on every edge. The gap peaks near the Curie-Weiss point
// J ~ 1/n and falls to 0 on both sides.
TEST(TrwClosedForm, CompleteGraphMatchesClosedFormAndFallsToLogZ) {
  for (const std::uint32_t n : {4u, 6u, 9u}) {
    const double rho = 2.0 / n;
    const std::size_t edges = n * (n - 1) / 2;
    TrwOptions options;
    options.damping = 0.5;  // strong couplings oscillate under undamped flooding
    for (const double j : {2.0, 0.6, 0.3, -0.2}) {
      const InferenceResult result = tree_reweighted_bp(ising(n, complete(n), j), {}, Task::marginals, options);
      ASSERT_TRUE(result.report.converged()) << n << ' ' << j;
      EXPECT_NEAR(*result.log_z, symmetric_trw_bound(n, edges, rho, j), 1e-8) << "K_" << n << ", J = " << j;
      EXPECT_GE(*result.log_z, complete_log_z(n, j)) << "K_" << n << ", J = " << j;
    }
    double previous_gap = INFINITY;
    for (const double j : {0.05, 0.03, 0.02, 0.01, 0.005, 0.0}) {
      const InferenceResult result = tree_reweighted_bp(ising(n, complete(n), j), {}, Task::marginals, options);
      ASSERT_TRUE(result.report.converged()) << n << ' ' << j;
      EXPECT_NEAR(*result.log_z, symmetric_trw_bound(n, edges, rho, j), 1e-8) << "K_" << n << ", J = " << j;
      const double gap = *result.log_z - complete_log_z(n, j);
      EXPECT_GE(gap, -1e-12) << "K_" << n << ", J = " << j;
      EXPECT_LT(gap, previous_gap) << "K_" << n << ", J = " << j;
      previous_gap = gap;
    }
    EXPECT_NEAR(previous_gap, 0.0, 1e-12);
  }
}

}  // namespace
}  // namespace copi::test::bp
