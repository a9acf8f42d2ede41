// Exact inference planned once, run many times: after new factor values, a rerun
// equals brute force on the changed model (marginals, log Z, MPE value) and each
// factor's belief equals the brute-force joint of its scope; evidence, bad values and
// concurrent runs of one plan.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "copi/graph/error.hpp"
#include "copi/inference/exact_plan.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test {
namespace {

// New random log values for every factor (same sizes, a few hard zeros kept feasible
// by retrying).
FactorGraph revalued(const FactorGraph& graph, std::mt19937_64& rng) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    FactorGraph changed = graph;
    for (std::size_t f = 0; f < changed.num_factors(); ++f) {
      for (double& v : changed.table(FactorId{static_cast<std::uint32_t>(f)}).log_values()) {
        v = std::uniform_real_distribution<double>(0, 1)(rng) < 0.05 ? -INFINITY
                                                                     : std::normal_distribution<double>(0, 1.5)(rng);
      }
    }
    if (has_positive_probability(changed)) return changed;
  }
  return graph;
}

TEST(ExactPlan, RerunsWithNewValuesMatchBruteForceIncludingFactorBeliefs) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    RandomProblem problem = random_problem(seed);
    ExactPlan plan(problem.graph, problem.evidence);
    std::mt19937_64 rng(seed * 7919);
    for (int round = 0; round < 3; ++round) {
      const FactorGraph changed = revalued(problem.graph, rng);
      for (std::size_t f = 0; f < changed.num_factors(); ++f) {
        const FactorId id{static_cast<std::uint32_t>(f)};
        plan.set_factor(id, changed.table(id).log_values());
      }
      if (!has_positive_probability(changed, problem.evidence)) {
        EXPECT_THROW((void)plan.run(Task::partition), ImpossibleEvidence) << "seed " << seed;
        continue;
      }
      const OracleAnswer oracle = brute_force(changed, problem.evidence);
      const std::vector<std::vector<double>> joint = brute_force_factor_marginals(changed, problem.evidence);
      const InferenceResult r = plan.run(Task::marginals, true);
      ASSERT_TRUE(r.log_z.has_value());
      EXPECT_NEAR(*r.log_z, static_cast<double>(oracle.log_z), 1e-9) << "seed " << seed << " round " << round;
      ASSERT_EQ(r.marginals.size(), oracle.marginals.size());
      for (std::size_t v = 0; v < r.marginals.size(); ++v) {
        for (std::size_t x = 0; x < r.marginals[v].size(); ++x) {
          EXPECT_NEAR(r.marginals[v][x], oracle.marginals[v][x], 1e-9) << "seed " << seed << " var " << v;
        }
      }
      ASSERT_EQ(r.factor_beliefs.size(), changed.num_factors());
      for (std::size_t f = 0; f < joint.size(); ++f) {
        ASSERT_EQ(r.factor_beliefs[f].size(), joint[f].size()) << "factor " << f;
        for (std::size_t i = 0; i < joint[f].size(); ++i) {
          EXPECT_NEAR(r.factor_beliefs[f][i], joint[f][i], 1e-9) << "seed " << seed << " factor " << f << " entry " << i;
        }
      }
      const InferenceResult mpe = plan.run(Task::mpe);
      EXPECT_NEAR(*mpe.map_log_value, static_cast<double>(oracle.max_log_value), 1e-9) << "seed " << seed;
    }
  }
}

TEST(ExactPlan, BadValuesAreRefusedNamingTheFactor) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  graph.add_factor(DiscreteFactor({a}, {2}, {0.0, 1.0}));
  ExactPlan plan(graph, {});
  const std::vector<double> three{0.0, 1.0, 2.0};
  const std::vector<double> nan{0.0, std::nan("")};
  const std::vector<double> plus_inf{0.0, INFINITY};
  EXPECT_THROW(plan.set_factor(FactorId{0}, three), InputError);
  EXPECT_THROW(plan.set_factor(FactorId{0}, nan), InputError);
  EXPECT_THROW(plan.set_factor(FactorId{0}, plus_inf), InputError);
  EXPECT_THROW(plan.set_factor(FactorId{1}, std::vector<double>{0.0, 0.0}), InputError);
  plan.set_factor(FactorId{0}, std::vector<double>{-INFINITY, 0.0});
  const InferenceResult r = plan.run(Task::marginals, true);
  EXPECT_EQ(r.marginals[0], (std::vector<double>{0.0, 1.0}));
  EXPECT_EQ(r.factor_beliefs[0], (std::vector<double>{0.0, 1.0}));
}

TEST(ExactPlan, OnePlanRunFromTwoThreadsGivesTheSameBits) {
  const RandomProblem problem = random_problem(4242);
  const ExactPlan plan(problem.graph, problem.evidence);
  const InferenceResult alone = plan.run(Task::marginals, true);
  InferenceResult a;
  InferenceResult b;
  std::thread first([&] { a = plan.run(Task::marginals, true); });
  std::thread second([&] { b = plan.run(Task::marginals, true); });
  first.join();
  second.join();
  EXPECT_EQ(a.marginals, alone.marginals);
  EXPECT_EQ(b.factor_beliefs, alone.factor_beliefs);
  EXPECT_EQ(*a.log_z, *alone.log_z);
}

}  // namespace
}  // namespace copi::test
