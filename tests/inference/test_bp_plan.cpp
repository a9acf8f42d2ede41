// Belief propagation planned once, run many: on random forests (where BP is exact) a
// rerun after new factor values equals brute force on the changed model, factor beliefs
// included; on a loopy grid a rerun equals a fresh run of the changed model (stale
// tables would not) and each factor's belief is consistent with its variables' beliefs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "copi/graph/error.hpp"
#include "copi/inference/bp_plan.hpp"
#include "inference/bp_test_models.hpp"
#include "inference/brute_force_oracle.hpp"

namespace copi::test::bp {
namespace {

FactorGraph revalued(const FactorGraph& graph, std::mt19937_64& rng, double zero_probability) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    FactorGraph changed = graph;
    for (std::size_t f = 0; f < changed.num_factors(); ++f) {
      for (double& v : changed.table(FactorId{static_cast<std::uint32_t>(f)}).log_values()) {
        v = std::uniform_real_distribution<double>(0, 1)(rng) < zero_probability
                ? -INFINITY
                : std::normal_distribution<double>(0, 1.0)(rng);
      }
    }
    if (zero_probability == 0.0 || has_positive_probability(changed)) return changed;
  }
  return graph;
}

TEST(BpPlan, RerunsOnForestsMatchBruteForceIncludingFactorBeliefs) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const RandomProblem problem = random_forest_problem(seed);
    BpPlan plan(problem.graph, problem.evidence);
    std::mt19937_64 rng(seed * 31);
    for (int round = 0; round < 2; ++round) {
      const FactorGraph changed = revalued(problem.graph, rng, 0.05);
      for (std::size_t f = 0; f < changed.num_factors(); ++f) {
        const FactorId id{static_cast<std::uint32_t>(f)};
        plan.set_factor(id, changed.table(id).log_values());
      }
      if (!has_positive_probability(changed, problem.evidence)) continue;
      const OracleAnswer oracle = brute_force(changed, problem.evidence);
      const auto joint = brute_force_factor_marginals(changed, problem.evidence);
      const InferenceResult r = plan.run(Task::marginals, true);
      EXPECT_NEAR(*r.log_z, static_cast<double>(oracle.log_z), 1e-9) << "seed " << seed;
      for (std::size_t v = 0; v < r.marginals.size(); ++v) {
        for (std::size_t x = 0; x < r.marginals[v].size(); ++x) {
          EXPECT_NEAR(r.marginals[v][x], oracle.marginals[v][x], 1e-9) << "seed " << seed;
        }
      }
      ASSERT_EQ(r.factor_beliefs.size(), joint.size());
      for (std::size_t f = 0; f < joint.size(); ++f) {
        for (std::size_t i = 0; i < joint[f].size(); ++i) {
          EXPECT_NEAR(r.factor_beliefs[f][i], joint[f][i], 1e-9) << "seed " << seed << " factor " << f;
        }
      }
    }
  }
}

TEST(BpPlan, LoopyRerunsSeeTheNewValuesAndFactorBeliefsAreConsistent) {
  const FactorGraph grid = random_ising_grid(6, 6, 0.6, 0.3, 9);
  BpOptions options;
  options.tolerance = 1e-12;
  BpPlan plan(grid, {}, options);
  (void)plan.run(Task::marginals);
  std::mt19937_64 rng(5);
  const FactorGraph changed = revalued(grid, rng, 0.0);
  for (std::size_t f = 0; f < changed.num_factors(); ++f) {
    const FactorId id{static_cast<std::uint32_t>(f)};
    plan.set_factor(id, changed.table(id).log_values());
  }
  const InferenceResult planned = plan.run(Task::marginals, true);
  const InferenceResult fresh = belief_propagation(changed, {}, Task::marginals, options);
  EXPECT_EQ(planned.marginals, fresh.marginals);
  EXPECT_EQ(*planned.log_z, *fresh.log_z);
  ASSERT_EQ(planned.report.termination, Termination::converged);
  // At a fixed point a factor's belief sums to its variables' beliefs.
  for (std::size_t f = 0; f < changed.num_factors(); ++f) {
    const DiscreteFactor& factor = changed.tables()[f];
    const std::vector<double>& b = planned.factor_beliefs[f];
    for (std::size_t k = 0; k < factor.arity(); ++k) {
      std::vector<double> sum(factor.cardinalities()[k], 0.0);
      std::size_t stride = 1;
      for (std::size_t j = 0; j < k; ++j) stride *= factor.cardinalities()[j];
      for (std::size_t i = 0; i < b.size(); ++i) sum[(i / stride) % factor.cardinalities()[k]] += b[i];
      for (std::size_t x = 0; x < sum.size(); ++x) {
        EXPECT_NEAR(sum[x], planned.marginals[factor.scope()[k].index][x], 1e-9) << "factor " << f;
      }
    }
  }
  EXPECT_THROW(plan.set_factor(FactorId{0}, std::vector<double>{0.0}), InputError);
}

}  // namespace
}  // namespace copi::test::bp
