#include <algorithm>
#include <cstdint>
#include <deque>
#include <numeric>

#include "copi/inference/mean_field.hpp"

namespace copi {
namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

struct UnionFind {
  std::vector<std::uint32_t> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::uint32_t a, std::uint32_t b) { parent[find(a)] = find(b); }
};

}  // namespace

std::vector<std::vector<VarId>> automatic_clusters(const FactorGraph& graph, const Evidence& evidence,
                                                   std::size_t max_cluster_size) {
  graph.require_discrete("mean field");
  const ReducedModel model = reduce_model(graph, evidence);
  const std::size_t n = graph.num_variables();
  // The reduced scopes (evidence removed) and each variable's factors.
  std::vector<std::vector<std::uint32_t>> scopes;
  std::vector<std::vector<std::uint32_t>> factors_of(n);
  for (const DiscreteFactor* f : model.factors()) {
    std::vector<std::uint32_t> scope;
    for (const VarId v : f->scope()) scope.push_back(v.index);
    for (const std::uint32_t v : scope) factors_of[v].push_back(static_cast<std::uint32_t>(scopes.size()));
    scopes.push_back(std::move(scope));
  }
  std::vector<std::uint32_t> cluster_of(n, kNone);
  UnionFind components(n);  // over the factors wholly inside a cluster
  std::vector<std::vector<VarId>> clusters;
  std::vector<std::uint32_t> roots;
  for (std::uint32_t seed = 0; seed < n; ++seed) {
    if (model.observed()[seed] || cluster_of[seed] != kNone) continue;
    const auto id = static_cast<std::uint32_t>(clusters.size());
    clusters.push_back({VarId{seed}});
    cluster_of[seed] = id;
    std::deque<std::uint32_t> frontier{seed};
    while (!frontier.empty()) {
      const std::uint32_t v = frontier.front();
      frontier.pop_front();
      for (const std::uint32_t f : factors_of[v]) {
        for (const std::uint32_t u : scopes[f]) {
          if (cluster_of[u] != kNone) continue;
          if (max_cluster_size != 0 && clusters[id].size() >= max_cluster_size) break;
          // The factors u would bring inside: those whose other variables are all in
          // the cluster. They stay a forest when no component is reached twice.
          roots.clear();
          for (const std::uint32_t g : factors_of[u]) {
            const bool inside = std::all_of(scopes[g].begin(), scopes[g].end(),
                                            [&](std::uint32_t w) { return w == u || cluster_of[w] == id; });
            if (!inside) continue;
            for (const std::uint32_t w : scopes[g]) {
              if (w != u) roots.push_back(components.find(w));
            }
          }
          std::sort(roots.begin(), roots.end());
          if (std::adjacent_find(roots.begin(), roots.end()) != roots.end()) continue;
          cluster_of[u] = id;
          clusters[id].push_back(VarId{u});
          for (const std::uint32_t r : roots) components.unite(r, u);
          frontier.push_back(u);
        }
      }
    }
  }
  return clusters;
}

}  // namespace copi
