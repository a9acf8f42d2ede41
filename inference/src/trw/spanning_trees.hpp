// Private. Edge appearance probabilities for tree-reweighted BP: a point ρ of the
// spanning-tree polytope of an undirected simple graph (vertices 0..n-1, a list of
// edges), that is, ρ_e = P(e in T) for some distribution over spanning trees T (per
// connected component: spanning forests). Any such ρ makes the TRW value an upper bound
// on log Z (trw/forest_polytope.hpp checks a user's weights).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace copi::detail {

using GraphEdge = std::pair<std::uint32_t, std::uint32_t>;

// Connected components, numbered by their smallest vertex; isolated vertices too.
struct GraphComponents {
  std::vector<std::vector<std::uint32_t>> vertices;  // per component, increasing
  std::vector<std::vector<std::uint32_t>> edges;     // per component, edge indices, increasing
};

GraphComponents graph_components(std::size_t vertices, std::span<const GraphEdge> edges);

struct AppearanceProbabilities {
  std::vector<double> rho;             // per edge, in (0, 1]; 1 for bridges
  std::size_t exact_components = 0;    // components with edges solved exactly
  std::size_t sampled_components = 0;  // components averaged over sampled trees
  std::size_t cover_trees = 0;         // trees added so that every edge has rho > 0
};

// The uniform distribution over spanning trees. In a component of at most `exact_limit`
// vertices ρ_e is the effective resistance between e's ends with unit resistors
// (Kirchhoff: the fraction of spanning trees containing e), from a dense Cholesky
// factorisation of the grounded Laplacian. In larger components it is the average
// over `trees` uniform spanning trees drawn by Wilson's algorithm (loop-erased random
// walks), tree k of component c from its own random stream of (seed, c, k) so the
// result does not depend on `threads`; edges that no sampled tree contains are then
// covered by extra spanning trees (Kruskal, uncovered edges first), each counted like
// a sampled one. The result is an average of spanning trees, so a point of the polytope.
AppearanceProbabilities uniform_spanning_tree_probabilities(std::size_t vertices, std::span<const GraphEdge> edges,
                                                            std::size_t trees, std::uint64_t seed,
                                                            std::size_t exact_limit, std::size_t threads);

}  // namespace copi::detail
