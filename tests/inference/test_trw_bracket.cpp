// Mean field and TRW bracket log Z: on random models (multi-state, 3-variable factors,
// hard zeros, evidence) the ELBO of naive and structured mean field is at most the
// brute-force log Z and the converged TRW value at least; through the registry by name,
// as `infer meanfield` and `infer trw` run them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "copi/inference/algorithms.hpp"
#include "copi/inference/mean_field.hpp"
#include "copi/inference/tree_reweighted.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

TEST(TrwBracket, MeanFieldAndTrwBracketExactLogZ) {
  RandomModelOptions model_options;
  model_options.hard_zero_probability = 0.03;
  std::size_t bracketed = 0;
  for (std::uint64_t seed = 5000; seed < 5080; ++seed) {
    const RandomProblem problem = random_problem(seed, model_options);
    const double exact = static_cast<double>(problem.oracle.log_z);
    const double slack = 1e-7 * std::max(1.0, std::abs(exact));
    TrwOptions trw_options;
    trw_options.schedule = TrwSchedule::sequential;
    trw_options.damping = 0.3;
    trw_options.max_iterations = 5000;
    const InferenceResult upper = tree_reweighted_bp(problem.graph, problem.evidence, Task::partition, trw_options);
    const InferenceResult naive = mean_field(problem.graph, problem.evidence, Task::partition);
    MeanFieldOptions structured_options;
    structured_options.clusters = automatic_clusters(problem.graph, problem.evidence);
    const InferenceResult structured = mean_field(problem.graph, problem.evidence, Task::partition, structured_options);
    ASSERT_TRUE(upper.log_z && naive.log_z && structured.log_z) << describe(problem);
    EXPECT_EQ(naive.log_z_kind, LogZKind::lower_bound);
    EXPECT_LE(*naive.log_z, exact + slack) << describe(problem);
    EXPECT_LE(*structured.log_z, exact + slack) << describe(problem);
    if (!upper.report.converged()) continue;
    EXPECT_GE(*upper.log_z, exact - slack) << describe(problem);
    ++bracketed;
  }
  EXPECT_GE(bracketed, 72u);
}

// The registry's names, as `infer meanfield` / `infer trw` and `copi infer --algo` use them.
TEST(TrwBracket, RegistryAlgorithmsBracketAnIsingGrid) {
  const FactorGraph grid = random_ising_grid(4, 5, 0.7, 0.4, 21);
  const Evidence evidence{{VarId{7}, 0}};
  const double exact = static_cast<double>(brute_force(grid, evidence).log_z);
  const InferenceResult lower = configure_inference_algorithm("meanfield").run(grid, evidence, Task::partition);
  const InferenceResult cluster = configure_inference_algorithm("structured").run(grid, evidence, Task::partition);
  const InferenceResult upper = configure_inference_algorithm("trw").run(grid, evidence, Task::partition);
  ASSERT_TRUE(upper.report.converged());
  EXPECT_EQ(upper.log_z_kind, LogZKind::upper_bound);
  EXPECT_LT(*lower.log_z, exact);
  EXPECT_LE(*lower.log_z, *cluster.log_z + 1e-9);  // forest clusters hold more than singletons
  EXPECT_LT(*cluster.log_z, exact);
  EXPECT_GT(*upper.log_z, exact);
}

}  // namespace
}  // namespace copi::test::bp
