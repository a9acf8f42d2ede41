// The automatic partition of structured mean field: it partitions the unobserved
// variables, each cluster's own factors form a forest (checked with an independent
// union-find over the factor graph), the size cap holds, and it is deterministic.
#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "copi/inference/exact.hpp"
#include "copi/inference/mean_field.hpp"
#include "inference/bp_test_models.hpp"
#include "inference/random_models.hpp"

namespace copi::test {
namespace {

// Whether the factors wholly inside `cluster` (scopes minus observed variables) form
// a forest: bipartite variable-factor graph without a cycle.
bool factors_form_a_forest(const FactorGraph& graph, const Evidence& evidence, const std::vector<VarId>& cluster) {
  const std::set<VarId> inside(cluster.begin(), cluster.end());
  std::vector<std::size_t> parent(graph.num_variables() + graph.num_factors());
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x];
    return x;
  };
  for (std::size_t f = 0; f < graph.num_factors(); ++f) {
    std::vector<VarId> scope;
    for (const VarId v : scope_of(graph.factors()[f])) {
      if (!evidence.contains(v)) scope.push_back(v);
    }
    if (scope.empty() || !std::all_of(scope.begin(), scope.end(), [&](VarId v) { return inside.contains(v); })) continue;
    const std::size_t node = graph.num_variables() + f;
    for (const VarId v : scope) {
      const std::size_t a = find(node);
      const std::size_t b = find(v.index);
      if (a == b) return false;  // an edge inside one tree: a cycle
      parent[a] = b;
    }
  }
  return true;
}

void expect_valid_partition(const FactorGraph& graph, const Evidence& evidence,
                            const std::vector<std::vector<VarId>>& clusters, std::size_t cap) {
  std::set<VarId> seen;
  for (const std::vector<VarId>& cluster : clusters) {
    EXPECT_FALSE(cluster.empty());
    if (cap != 0) {
      EXPECT_LE(cluster.size(), cap);
    }
    for (const VarId v : cluster) {
      EXPECT_FALSE(evidence.contains(v));
      EXPECT_TRUE(seen.insert(v).second) << "variable " << v.index << " twice";
    }
    EXPECT_TRUE(factors_form_a_forest(graph, evidence, cluster));
  }
  EXPECT_EQ(seen.size() + evidence.size(), graph.num_variables());
}

TEST(AutomaticClusters, RandomModelsArePartitionedIntoForests) {
  for (std::uint64_t seed = 1; seed <= 80; ++seed) {
    const RandomProblem problem = random_problem(seed);
    const std::size_t cap = seed % 3 == 0 ? 3 : 0;
    const auto clusters = automatic_clusters(problem.graph, problem.evidence, cap);
    expect_valid_partition(problem.graph, problem.evidence, clusters, cap);
    EXPECT_EQ(clusters, automatic_clusters(problem.graph, problem.evidence, cap));
  }
}

TEST(AutomaticClusters, AGridBecomesSpanningTreesAndStructuredBeatsNaive) {
  const FactorGraph grid = bp::random_ising_grid(8, 8, 0.7, 0.3, 5);
  const auto clusters = automatic_clusters(grid, {});
  expect_valid_partition(grid, {}, clusters, 0);
  EXPECT_LT(clusters.size(), 32u);  // trees of several variables each, not singletons
  MeanFieldOptions structured;
  structured.clusters = clusters;
  structured.tolerance = 1e-12;
  MeanFieldOptions naive;
  naive.tolerance = 1e-12;
  const double exact = *solve_exact(grid, {}, Task::partition).log_z;
  const double tree = *mean_field(grid, {}, Task::partition, structured).log_z;
  const double product = *mean_field(grid, {}, Task::partition, naive).log_z;
  EXPECT_LT(tree, exact);
  EXPECT_GT(tree, product);
}

}  // namespace
}  // namespace copi::test
