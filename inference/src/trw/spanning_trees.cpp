#include "trw/spanning_trees.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>

#include "copi/inference/detail/parallel.hpp"

namespace copi::detail {
namespace {

std::uint32_t find_root(std::vector<std::uint32_t>& parent, std::uint32_t v) {
  while (parent[v] != v) v = parent[v] = parent[parent[v]];
  return v;
}

// SplitMix64 (Steele, Lea & Flood 2014): a small generator whose output is fixed by
// its seed on every platform (std::uniform_int_distribution is not).
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n): the modulo bias is below n / 2^64.
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
};

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t component, std::uint64_t tree) {
  SplitMix64 mix{seed};
  mix.state ^= mix.next() + component;
  mix.state ^= mix.next() + tree;
  return mix.next();
}

// Effective resistances of one component's edges (unit resistors), written to rho.
// Grounding the first vertex leaves the Laplacian L positive definite; with L = C C^T,
// R(u, v) = |C^-1 (e_u - e_v)|^2 = |W_u - W_v|^2 for the columns of W = C^-1.
void effective_resistances(const std::vector<std::uint32_t>& vertices, const std::vector<std::uint32_t>& component_edges,
                           std::span<const GraphEdge> edges, std::vector<std::uint32_t>& local, std::vector<double>& rho) {
  const std::size_t m = vertices.size() - 1;
  for (std::size_t i = 0; i < vertices.size(); ++i) local[vertices[i]] = static_cast<std::uint32_t>(i);
  std::vector<double> c(m * m, 0.0);  // row-major; becomes C (lower triangle)
  auto at = [&](std::size_t i, std::size_t j) -> double& { return c[i * m + j]; };
  for (const std::uint32_t e : component_edges) {
    const std::uint32_t u = local[edges[e].first];
    const std::uint32_t v = local[edges[e].second];
    if (u > 0) at(u - 1, u - 1) += 1.0;
    if (v > 0) at(v - 1, v - 1) += 1.0;
    if (u > 0 && v > 0) {
      at(u - 1, v - 1) -= 1.0;
      at(v - 1, u - 1) -= 1.0;
    }
  }
  for (std::size_t j = 0; j < m; ++j) {  // Cholesky, in place
    double d = at(j, j);
    for (std::size_t k = 0; k < j; ++k) d -= at(j, k) * at(j, k);
    at(j, j) = std::sqrt(d);
    for (std::size_t i = j + 1; i < m; ++i) {
      double s = at(i, j);
      for (std::size_t k = 0; k < j; ++k) s -= at(i, k) * at(j, k);
      at(i, j) = s / at(j, j);
    }
  }
  std::vector<double> w(m * m, 0.0);  // column-major W = C^-1 (lower triangular)
  for (std::size_t col = 0; col < m; ++col) {
    double* wc = w.data() + col * m;
    wc[col] = 1.0 / at(col, col);
    for (std::size_t i = col + 1; i < m; ++i) {
      double s = 0.0;
      for (std::size_t k = col; k < i; ++k) s += at(i, k) * wc[k];
      wc[i] = -s / at(i, i);
    }
  }
  for (const std::uint32_t e : component_edges) {
    const std::uint32_t u = local[edges[e].first];
    const std::uint32_t v = local[edges[e].second];
    double r = 0.0;
    for (std::size_t k = 0; k < m; ++k) {
      const double wu = u > 0 ? w[(u - 1) * m + k] : 0.0;
      const double wv = v > 0 ? w[(v - 1) * m + k] : 0.0;
      r += (wu - wv) * (wu - wv);
    }
    rho[e] = std::min(r, 1.0);  // R <= 1: the edge itself is a path of resistance 1
  }
}

// The graph's adjacency: neighbours of v are adjacent[begin[v] .. begin[v+1]) as (vertex, edge).
struct Adjacency {
  std::vector<std::uint32_t> begin;
  std::vector<GraphEdge> adjacent;
};

Adjacency adjacency(std::size_t vertices, std::span<const GraphEdge> edges) {
  Adjacency adj;
  adj.begin.assign(vertices + 1, 0);
  for (const GraphEdge& e : edges) {
    ++adj.begin[e.first + 1];
    ++adj.begin[e.second + 1];
  }
  std::partial_sum(adj.begin.begin(), adj.begin.end(), adj.begin.begin());
  adj.adjacent.resize(2 * edges.size());
  std::vector<std::uint32_t> fill(adj.begin.begin(), adj.begin.end() - 1);
  for (std::uint32_t i = 0; i < edges.size(); ++i) {
    adj.adjacent[fill[edges[i].first]++] = {edges[i].second, i};
    adj.adjacent[fill[edges[i].second]++] = {edges[i].first, i};
  }
  return adj;
}

// Wilson's algorithm: a uniform spanning tree of the component as loop-erased random
// walks into the growing tree; adds 1 to count[e] for each tree edge e.
void wilson_tree(const Adjacency& adj, const std::vector<std::uint32_t>& vertices, SplitMix64& rng,
                 std::vector<char>& in_tree, std::vector<GraphEdge>& next, std::vector<std::uint32_t>& count) {
  for (const std::uint32_t v : vertices) in_tree[v] = 0;
  in_tree[vertices.front()] = 1;
  for (const std::uint32_t start : vertices) {
    for (std::uint32_t u = start; !in_tree[u]; u = next[u].first) {  // a revisit overwrites next[u]: the loop is erased
      const std::uint32_t degree = adj.begin[u + 1] - adj.begin[u];
      next[u] = adj.adjacent[adj.begin[u] + rng.below(degree)];
    }
    for (std::uint32_t u = start; !in_tree[u]; u = next[u].first) {
      in_tree[u] = 1;
      ++count[next[u].second];
    }
  }
}

}  // namespace

GraphComponents graph_components(std::size_t vertices, std::span<const GraphEdge> edges) {
  std::vector<std::uint32_t> parent(vertices);
  std::iota(parent.begin(), parent.end(), 0u);
  for (const GraphEdge& e : edges) {
    const std::uint32_t a = find_root(parent, e.first);
    const std::uint32_t b = find_root(parent, e.second);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);  // the root is the smallest vertex
  }
  GraphComponents components;
  std::vector<std::uint32_t> index(vertices, 0);
  for (std::uint32_t v = 0; v < vertices; ++v) {
    const std::uint32_t root = find_root(parent, v);
    if (root == v) {
      index[v] = static_cast<std::uint32_t>(components.vertices.size());
      components.vertices.emplace_back();
      components.edges.emplace_back();
    }
    components.vertices[index[root]].push_back(v);
  }
  for (std::uint32_t e = 0; e < edges.size(); ++e) {
    components.edges[index[find_root(parent, edges[e].first)]].push_back(e);
  }
  return components;
}

AppearanceProbabilities uniform_spanning_tree_probabilities(std::size_t vertices, std::span<const GraphEdge> edges,
                                                            std::size_t trees, std::uint64_t seed,
                                                            std::size_t exact_limit, std::size_t threads) {
  AppearanceProbabilities result;
  result.rho.assign(edges.size(), 1.0);
  const GraphComponents components = graph_components(vertices, edges);
  std::vector<std::uint32_t> local(vertices, 0);
  Adjacency adj;
  for (std::size_t c = 0; c < components.vertices.size(); ++c) {
    const std::vector<std::uint32_t>& members = components.vertices[c];
    const std::vector<std::uint32_t>& component_edges = components.edges[c];
    if (component_edges.size() + 1 == members.size()) continue;  // a tree: every edge is in the one spanning tree
    if (members.size() <= exact_limit) {
      effective_resistances(members, component_edges, edges, local, result.rho);
      ++result.exact_components;
      continue;
    }
    if (adj.begin.empty()) adj = adjacency(vertices, edges);
    ++result.sampled_components;
    std::vector<std::uint32_t> count(edges.size(), 0);
    std::mutex merge;
    parallel_for_range(trees, 1, threads, [&](std::size_t begin, std::size_t end) {
      std::vector<char> in_tree(vertices, 0);
      std::vector<GraphEdge> next(vertices);
      std::vector<std::uint32_t> chunk(edges.size(), 0);
      for (std::size_t k = begin; k < end; ++k) {
        SplitMix64 rng{stream_seed(seed, c, k)};
        wilson_tree(adj, members, rng, in_tree, next, chunk);
      }
      const std::lock_guard<std::mutex> lock(merge);  // integer sums: the same in any order
      for (const std::uint32_t e : component_edges) count[e] += chunk[e];
    });
    // Cover trees: Kruskal taking the uncovered edges first, until every edge is in some tree.
    std::size_t total = trees;
    std::vector<std::uint32_t> order(component_edges);
    std::vector<std::uint32_t> parent(vertices);
    while (true) {
      std::stable_partition(order.begin(), order.end(), [&](std::uint32_t e) { return count[e] == 0; });
      if (count[order.front()] != 0) break;
      for (const std::uint32_t v : members) parent[v] = v;
      for (const std::uint32_t e : order) {
        const std::uint32_t a = find_root(parent, edges[e].first);
        const std::uint32_t b = find_root(parent, edges[e].second);
        if (a == b) continue;
        parent[a] = b;
        ++count[e];
      }
      ++total;
      ++result.cover_trees;
    }
    for (const std::uint32_t e : component_edges) result.rho[e] = static_cast<double>(count[e]) / static_cast<double>(total);
  }
  return result;
}

}  // namespace copi::detail
