// Tree-reweighted BP's options and interfaces: bad options are refused naming the field,
// user weights are checked against the spanning-tree (forest) polytope, MPE and
// impossible evidence are refused cleanly, results are bit-identical on 1 and 2 threads,
// and the registry's `trw` reaches the algorithm with its options.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/algorithms.hpp"
#include "copi/inference/tree_reweighted.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

// Runs `call` and returns the InputError's message ("" when nothing is thrown).
std::string input_error(const std::function<void()>& call) {
  try {
    call();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

FactorGraph square_cycle() {
  FactorGraph graph;
  for (int v = 0; v < 4; ++v) graph.add_variable(2);
  for (std::uint32_t v = 0; v < 4; ++v) {
    graph.add_factor(DiscreteFactor({VarId{v}, VarId{(v + 1) % 4}}, {2, 2}, {0.5, -0.5, -0.2, 0.7}));
  }
  graph.add_factor(DiscreteFactor({VarId{0}}, {2}, {0.3, -0.1}));
  return graph;
}

TEST(TrwOptionsCheck, BadOptionsNameTheField) {
  const FactorGraph graph = square_cycle();
  const auto refused = [&](const std::function<void(TrwOptions&)>& set, const std::string& field) {
    TrwOptions options;
    set(options);
    const std::string message = input_error([&] { (void)tree_reweighted_bp(graph, {}, Task::marginals, options); });
    EXPECT_NE(message.find(field), std::string::npos) << "expected an error naming " << field << ", got: " << message;
  };
  refused([](TrwOptions& o) { o.damping = 1.0; }, "TrwOptions::damping = 1");
  refused([](TrwOptions& o) { o.damping = -0.1; }, "TrwOptions::damping");
  refused([](TrwOptions& o) { o.tolerance = -1; }, "TrwOptions::tolerance");
  refused([](TrwOptions& o) { o.tolerance = INFINITY; }, "TrwOptions::tolerance");
  refused([](TrwOptions& o) { o.max_iterations = 0; }, "TrwOptions::max_iterations");
  refused([](TrwOptions& o) { o.max_seconds = 0; }, "TrwOptions::max_seconds");
  refused([](TrwOptions& o) { o.trees = 0; }, "TrwOptions::trees");
  refused([](TrwOptions& o) { o.factor_weights = {0.75, 0.75, 0.75, 0.75, 1.5}; }, "TrwOptions::factor_weights[4] = 1.5");
  refused([](TrwOptions& o) { o.factor_weights = {0.75, 0.0, 0.75, 0.75, 1}; }, "TrwOptions::factor_weights[1] = 0");
  refused([](TrwOptions& o) { o.factor_weights = {0.75, 0.75}; }, "TrwOptions::factor_weights has 2 entries");
  // Weight 1 on every edge of a cycle is BP, whose Bethe value is no bound: the four
  // edges among the four variables would sum to 4 > 3.
  refused([](TrwOptions& o) { o.factor_weights = {1, 1, 1, 1, 1}; }, "summing to 4, more than 3");
}

TEST(TrwOptionsCheck, UserWeightsInThePolytopeAreUsed) {
  const FactorGraph graph = square_cycle();
  TrwOptions given;
  given.factor_weights = {0.75, 0.75, 0.75, 0.75, 1.0};  // the uniform spanning-tree weights of C4
  const InferenceResult a = tree_reweighted_bp(graph, {}, Task::marginals, given);
  const InferenceResult b = tree_reweighted_bp(graph, {}, Task::marginals);
  ASSERT_TRUE(a.log_z && b.log_z);
  EXPECT_NEAR(*a.log_z, *b.log_z, 1e-12);
  EXPECT_NE(a.report.note.find("given"), std::string::npos) << a.report.note;
  // Below the polytope (a forest-polytope point): still a bound, and a looser one.
  given.factor_weights = {0.5, 0.5, 0.5, 0.5, 1.0};
  const InferenceResult loose = tree_reweighted_bp(graph, {}, Task::partition, given);
  EXPECT_GT(*loose.log_z, *b.log_z);
  EXPECT_GE(*loose.log_z, static_cast<double>(brute_force(graph).log_z));
}

TEST(TrwOptionsCheck, FactorsOnTheSameEdgeMustAgree) {
  FactorGraph graph = square_cycle();
  graph.add_factor(DiscreteFactor({VarId{1}, VarId{0}}, {2, 2}, {0.1, 0.2, 0.3, 0.4}));  // again on x0-x1
  TrwOptions options;
  options.factor_weights = {0.75, 0.75, 0.75, 0.75, 1.0, 0.5};
  const std::string message = input_error([&] { (void)tree_reweighted_bp(graph, {}, Task::marginals, options); });
  EXPECT_NE(message.find("factors 0 and 5 both join x0 and x1"), std::string::npos) << message;
  options.factor_weights.back() = 0.75;
  EXPECT_NO_THROW((void)tree_reweighted_bp(graph, {}, Task::marginals, options));
}

TEST(TrwOptionsCheck, MpeAndImpossibleEvidenceAreRefused) {
  const FactorGraph graph = square_cycle();
  EXPECT_NE(input_error([&] { (void)tree_reweighted_bp(graph, {}, Task::mpe); }).find("not MPE"), std::string::npos);
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RandomProblem problem = impossible_evidence_problem(seed);
    EXPECT_THROW((void)tree_reweighted_bp(problem.graph, problem.evidence, Task::marginals), ImpossibleEvidence)
        << describe(problem);
  }
  // No evidence, but the hard zeros contradict: x0 = x1 is forced while x0 = 0 and x1 = 1.
  FactorGraph contradiction;
  contradiction.add_variable(2);
  contradiction.add_variable(2);
  contradiction.add_factor(DiscreteFactor({VarId{0}, VarId{1}}, {2, 2}, {0, -INFINITY, -INFINITY, 0}));
  contradiction.add_factor(DiscreteFactor({VarId{0}}, {2}, {0, -INFINITY}));
  contradiction.add_factor(DiscreteFactor({VarId{1}}, {2}, {-INFINITY, 0}));
  const std::string message = input_error([&] { (void)tree_reweighted_bp(contradiction, {}, Task::partition); });
  EXPECT_NE(message.find("no possible state (Z = 0)"), std::string::npos) << message;
}

// Arc consistency removes states: here x2 = 2 has no partner, and x0 is forced to 1.
TEST(TrwOptionsCheck, PrunedStatesGetProbabilityZero) {
  FactorGraph graph;
  for (int v = 0; v < 3; ++v) graph.add_variable(3);
  const double z = -INFINITY;
  graph.add_factor(DiscreteFactor({VarId{0}, VarId{1}}, {3, 3}, {z, 0.2, z, z, 0.4, z, z, 0.1, z}));
  graph.add_factor(DiscreteFactor({VarId{1}, VarId{2}}, {3, 3}, {0.3, 0.1, 0.5, -0.2, 0.6, 0.0, z, z, z}));
  graph.add_factor(DiscreteFactor({VarId{2}, VarId{0}}, {3, 3}, {0.7, 0.1, 0.2, -0.3, 0.4, 0.8, 0.5, 0.5, 0.5}));
  const OracleAnswer oracle = brute_force(graph);
  const InferenceResult result = tree_reweighted_bp(graph, {}, Task::marginals);
  ASSERT_TRUE(result.report.converged());
  EXPECT_EQ(result.marginals[0], (std::vector<double>{0.0, 1.0, 0.0}));
  EXPECT_EQ(result.marginals[2][2], 0.0);
  EXPECT_EQ(oracle.marginals[2][2], 0.0);
  // x0 fixed leaves the path x1 - x2: a tree, exact.
  EXPECT_EQ(result.log_z_kind, LogZKind::exact);
  EXPECT_NEAR(*result.log_z, static_cast<double>(oracle.log_z), 1e-12);
  for (std::size_t v = 0; v < 3; ++v) {
    for (std::size_t s = 0; s < 3; ++s) EXPECT_NEAR(result.marginals[v][s], oracle.marginals[v][s], 1e-12);
  }
}

// Parallel flooding on a 24x24 grid (sampled weights, 576 variables): identical bits.
TEST(TrwThreads, OneAndTwoThreadsAreBitIdentical) {
  const FactorGraph grid = random_ising_grid(24, 24, 0.6, 0.3, 11);
  for (const TrwSchedule schedule : {TrwSchedule::parallel, TrwSchedule::sequential}) {
    TrwOptions options;
    options.schedule = schedule;
    options.threads = 1;
    const InferenceResult one = tree_reweighted_bp(grid, {{VarId{5}, 1}}, Task::marginals, options);
    options.threads = 2;
    const InferenceResult two = tree_reweighted_bp(grid, {{VarId{5}, 1}}, Task::marginals, options);
    EXPECT_EQ(two.report.threads, 2u);
    ASSERT_TRUE(one.report.converged());
    EXPECT_EQ(one.marginals, two.marginals) << to_string(schedule);
    EXPECT_EQ(*one.log_z, *two.log_z) << to_string(schedule);
    EXPECT_EQ(one.report.residuals, two.report.residuals) << to_string(schedule);
  }
}

TEST(TrwTermination, NonConvergenceIsAValueWithANote) {
  const FactorGraph grid = random_ising_grid(6, 6, 1.0, 0.3, 3);
  TrwOptions options;
  options.max_iterations = 2;
  const InferenceResult result = tree_reweighted_bp(grid, {}, Task::marginals, options);
  EXPECT_EQ(result.report.termination, Termination::max_iterations);
  EXPECT_EQ(result.report.iterations, 2u);
  EXPECT_EQ(result.report.residuals.size(), 2u);
  EXPECT_NE(result.report.note.find("not converged"), std::string::npos) << result.report.note;
  EXPECT_TRUE(marginals_are_distributions(grid, result.marginals));
}

TEST(TrwRegistry, TrwIsInTheTableWithItsOptions) {
  const AlgorithmSpec* spec = find_inference_algorithm("trw");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->tasks, (std::vector<Task>{Task::marginals, Task::partition}));
  const FactorGraph grid = random_ising_grid(5, 5, 0.8, 0.3, 2);
  const std::vector<OptionSetting> settings{{"max_iter", "3"}, {"schedule", "sequential"}, {"damping", "0.2"},
                                            {"threads", "2"}};
  const InferenceResult result = configure_inference_algorithm("trw", settings).run(grid, {}, Task::marginals);
  EXPECT_EQ(result.report.iterations, 3u);
  EXPECT_NE(result.report.algorithm.find("tree-reweighted BP (sequential)"), std::string::npos);
  EXPECT_EQ(result.report.threads, 2u);
  EXPECT_EQ(result.log_z_kind, LogZKind::upper_bound);
  // trees and seed reach the sampler (a 17x17 grid is sampled): a different seed, other weights.
  const FactorGraph big = random_ising_grid(17, 17, 0.3, 0.3, 2);
  const auto bound = [&](const std::string& seed) {
    const std::vector<OptionSetting> s{{"trees", "3"}, {"seed", seed}};
    return *configure_inference_algorithm("trw", s).run(big, {}, Task::partition).log_z;
  };
  EXPECT_NE(bound("1"), bound("2"));
  EXPECT_EQ(bound("1"), bound("1"));
  // MPE is refused by the registry, in the user's words.
  const std::string message =
      input_error([&] { (void)configure_inference_algorithm("trw").run(grid, {}, Task::mpe); });
  EXPECT_NE(message.find("trw cannot compute MPE"), std::string::npos) << message;
  const AlgorithmCheck check = check_inference_algorithm("trw", std::vector<OptionSetting>{{"schedule", "residual"}});
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].message, "must be one of auto, parallel, or sequential");
}

}  // namespace
}  // namespace copi::test::bp
