// TRW's default edge appearance probabilities: the uniform distribution over spanning
// trees. Exact on small components (checked against spanning trees counted by brute
// force), sampled by Wilson's algorithm on large ones (checked against effective
// resistances solved here, within sampling error); every edge gets ρ > 0, every
// component's ρ sums to |V| - 1, and the results do not depend on the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <algorithm>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "copi/inference/exact.hpp"
#include "copi/inference/tree_reweighted.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

using Edges = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

FactorGraph pairwise_model(std::size_t n, const Edges& edges, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 0.7);
  FactorGraph graph;
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(2);
  for (const auto& [a, b] : edges) {
    graph.add_factor(DiscreteFactor({VarId{a}, VarId{b}}, {2, 2}, {normal(rng), normal(rng), normal(rng), normal(rng)}));
  }
  for (std::uint32_t v = 0; v < n; ++v) graph.add_factor(DiscreteFactor({VarId{v}}, {2}, {normal(rng), normal(rng)}));
  return graph;
}

Edges grid_edges(std::uint32_t rows, std::uint32_t cols) {
  Edges edges;
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < cols; ++c) {
      if (c + 1 < cols) edges.emplace_back(r * cols + c, r * cols + c + 1);
      if (r + 1 < rows) edges.emplace_back(r * cols + c, (r + 1) * cols + c);
    }
  }
  return edges;
}

// The fraction of spanning forests containing each edge, by enumerating every edge subset
// of the right size and keeping those without a cycle.
std::vector<double> counted_tree_fractions(std::size_t n, const Edges& edges) {
  std::vector<std::size_t> parent(n);
  auto find = [&](std::size_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  std::size_t forest_size = 0;
  for (const auto& [a, b] : edges) {
    if (find(a) != find(b)) {
      parent[find(a)] = find(b);
      ++forest_size;
    }
  }
  std::vector<double> count(edges.size(), 0.0);
  double trees = 0;
  for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << edges.size()); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcountll(mask)) != forest_size) continue;
    std::iota(parent.begin(), parent.end(), std::size_t{0});
    bool acyclic = true;
    for (std::size_t e = 0; e < edges.size() && acyclic; ++e) {
      if (!(mask >> e & 1)) continue;
      const std::size_t ra = find(edges[e].first);
      const std::size_t rb = find(edges[e].second);
      acyclic = ra != rb;
      parent[ra] = rb;
    }
    if (!acyclic) continue;
    trees += 1;
    for (std::size_t e = 0; e < edges.size(); ++e) count[e] += static_cast<double>(mask >> e & 1);
  }
  for (double& c : count) c /= trees;
  return count;
}

// Effective resistances of a connected graph (unit resistors): the grounded Laplacian
// solved by Gauss-Jordan elimination in long double.
std::vector<double> solved_resistances(std::size_t n, const Edges& edges) {
  const std::size_t m = n - 1;  // vertex 0 grounded
  std::vector<long double> a(m * m, 0.0L);
  for (const auto& [u, v] : edges) {
    if (u > 0) a[(u - 1) * m + u - 1] += 1;
    if (v > 0) a[(v - 1) * m + v - 1] += 1;
    if (u > 0 && v > 0) {
      a[(u - 1) * m + v - 1] -= 1;
      a[(v - 1) * m + u - 1] -= 1;
    }
  }
  std::vector<long double> inverse(m * m, 0.0L);
  for (std::size_t i = 0; i < m; ++i) inverse[i * m + i] = 1;
  for (std::size_t col = 0; col < m; ++col) {  // symmetric positive definite: no pivoting needed
    const long double pivot = a[col * m + col];
    for (std::size_t j = 0; j < m; ++j) {
      a[col * m + j] /= pivot;
      inverse[col * m + j] /= pivot;
    }
    for (std::size_t row = 0; row < m; ++row) {
      const long double factor = a[row * m + col];
      if (row == col || factor == 0) continue;
      for (std::size_t j = 0; j < m; ++j) {
        a[row * m + j] -= factor * a[col * m + j];
        inverse[row * m + j] -= factor * inverse[col * m + j];
      }
    }
  }
  auto x = [&](std::size_t u, std::size_t v) { return u == 0 || v == 0 ? 0.0L : inverse[(u - 1) * m + v - 1]; };
  std::vector<double> r;
  for (const auto& [u, v] : edges) r.push_back(static_cast<double>(x(u, u) + x(v, v) - 2 * x(u, v)));
  return r;
}

// The weights TRW gives the pairwise factors (the first edges.size() factors).
std::vector<double> edge_weights(const FactorGraph& graph, std::size_t edges, const TrwOptions& options = {}) {
  std::vector<double> w = trw_factor_weights(graph, {}, options);
  w.resize(edges);
  return w;
}

void expect_exact_fractions(std::size_t n, const Edges& edges, const std::string& what) {
  const FactorGraph graph = pairwise_model(n, edges, 7);
  const std::vector<double> got = edge_weights(graph, edges.size());
  const std::vector<double> expected = counted_tree_fractions(n, edges);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    EXPECT_NEAR(got[e], expected[e], 1e-12) << what << " edge " << edges[e].first << "-" << edges[e].second;
  }
}

TEST(TrwWeights, ExactOnSmallGraphsAreTreeCounts) {
  expect_exact_fractions(12, grid_edges(3, 4), "3x4 grid");
  Edges k5;
  for (std::uint32_t a = 0; a < 5; ++a) {
    for (std::uint32_t b = a + 1; b < 5; ++b) k5.emplace_back(a, b);
  }
  expect_exact_fractions(5, k5, "K5");
  // Two components: a triangle with a pendant edge (a bridge, in every tree) and a square with a chord.
  expect_exact_fractions(9, {{0, 1}, {1, 2}, {2, 0}, {2, 3}, {4, 5}, {5, 6}, {6, 7}, {7, 4}, {4, 6}, {7, 8}},
                         "two components");
  // A random graph: 8 vertices, 13 edges.
  std::mt19937_64 rng(3);
  Edges random{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}};
  while (random.size() < 13) {
    std::uint32_t a = static_cast<std::uint32_t>(rng() % 8);
    std::uint32_t b = static_cast<std::uint32_t>(rng() % 8);
    if (a > b) std::swap(a, b);
    if (a != b && std::find(random.begin(), random.end(), std::make_pair(a, b)) == random.end()) random.emplace_back(a, b);
  }
  expect_exact_fractions(8, random, "random graph");
}

// A factor over three variables becomes an auxiliary variable with three edges; with the
// pairwise factors among the same variables the interaction graph has cycles.
TEST(TrwWeights, TripletFactorsGiveTheirAuxiliaryEdgesWeights) {
  FactorGraph graph;
  for (int v = 0; v < 3; ++v) graph.add_variable(2);
  graph.add_factor(DiscreteFactor({VarId{0}, VarId{1}, VarId{2}}, {2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
  graph.add_factor(DiscreteFactor({VarId{0}, VarId{1}}, {2, 2}, {0, 1, 1, 0}));
  // Vertices: x0 x1 x2 and the auxiliary a; edges a-x0, a-x1, a-x2, x0-x1.
  const std::vector<double> expected = counted_tree_fractions(4, {{3, 0}, {3, 1}, {3, 2}, {0, 1}});
  const std::vector<double> w = trw_factor_weights(graph, {});
  EXPECT_NEAR(w[0], std::min({expected[0], expected[1], expected[2]}), 1e-12);
  EXPECT_NEAR(w[1], expected[3], 1e-12);
}

TEST(TrwWeights, ForestsGetWeightOne) {
  const FactorGraph chain = pairwise_model(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}, 1);
  for (const double w : trw_factor_weights(chain, {})) EXPECT_EQ(w, 1.0);
  // Evidence on the cycle's vertex 0 leaves a path: weight 1 again (factors at 0 reduce to unaries).
  const FactorGraph cycle = pairwise_model(4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, 2);
  for (const double w : trw_factor_weights(cycle, {{VarId{0}, 1}})) EXPECT_EQ(w, 1.0);
  const std::vector<double> loopy = trw_factor_weights(cycle, {});
  for (std::size_t e = 0; e < 4; ++e) EXPECT_NEAR(loopy[e], 0.75, 1e-12);
}

// A 20x20 grid (400 vertices, above the exact limit): the average of Wilson trees is within
// sampling error of the effective resistances, and sums to |V| - 1 exactly.
TEST(TrwWeights, SampledTreesApproachEffectiveResistances) {
  const Edges edges = grid_edges(20, 20);
  const FactorGraph graph = pairwise_model(400, edges, 5);
  TrwOptions options;
  options.trees = 4000;
  const std::vector<double> got = edge_weights(graph, edges.size(), options);
  const std::vector<double> resistance = solved_resistances(400, edges);
  double sum = 0;
  double mean_error = 0;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    EXPECT_GT(got[e], 0.0);
    EXPECT_LE(got[e], 1.0);
    const double sigma = std::sqrt(resistance[e] * (1 - resistance[e]) / 4000.0);
    EXPECT_NEAR(got[e], resistance[e], 5 * sigma + 1e-12) << "edge " << edges[e].first << "-" << edges[e].second;
    sum += got[e];
    mean_error += std::abs(got[e] - resistance[e]) / static_cast<double>(edges.size());
  }
  EXPECT_NEAR(sum, 399.0, 1e-9);
  EXPECT_LT(mean_error, 0.008) << "mean error";  // about 0.8 sigma ~ 0.006 for a uniform sampler
  std::cout << "[ info ] mean abs error " << mean_error << "\n";
}

// One sampled tree leaves most edges out; covering trees give every edge ρ > 0, the
// weights are still an average of spanning trees, and the bound still holds (exact
// inference on the 2 x 150 ladder is the oracle).
TEST(TrwWeights, CoveringTreesGiveEveryEdgeWeight) {
  const Edges edges = grid_edges(2, 150);
  const FactorGraph graph = pairwise_model(300, edges, 9);
  TrwOptions options;
  options.trees = 1;
  const std::vector<double> got = edge_weights(graph, edges.size(), options);
  double sum = 0;
  for (const double w : got) {
    EXPECT_GT(w, 0.0);
    sum += w;
  }
  EXPECT_NEAR(sum, 299.0, 1e-9);
  options.damping = 0.3;
  const InferenceResult trw = tree_reweighted_bp(graph, {}, Task::partition, options);
  ASSERT_TRUE(trw.report.converged());
  const InferenceResult exact = solve_exact(graph, {}, Task::partition);
  EXPECT_GE(*trw.log_z, *exact.log_z);
  EXPECT_NE(trw.report.note.find("covering"), std::string::npos) << trw.report.note;
}

TEST(TrwWeights, SeedChoosesTheSampleAndThreadsDoNot) {
  const Edges edges = grid_edges(17, 17);
  const FactorGraph graph = pairwise_model(289, edges, 4);
  TrwOptions options;
  options.threads = 1;
  const std::vector<double> one = trw_factor_weights(graph, {}, options);
  options.threads = 2;
  EXPECT_EQ(trw_factor_weights(graph, {}, options), one);
  options.seed = 2;
  EXPECT_NE(trw_factor_weights(graph, {}, options), one);
}

}  // namespace
}  // namespace copi::test::bp
