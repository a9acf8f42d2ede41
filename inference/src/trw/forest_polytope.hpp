// Private. Whether edge weights ρ of an undirected simple graph lie in its forest
// polytope — the convex hull of its forests, i.e. the points at or below some point
// of the spanning-tree polytope. Tree-reweighted BP's value is an upper bound on log Z
// for any such ρ (a smaller ρ_e only adds the mutual information ρ_e I_e >= 0 back to
// the entropy bound), so this is the test a user's weights must pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "trw/spanning_trees.hpp"

namespace copi::detail {

// A set S of vertices whose inside edges have weights summing to more than |S| - 1.
struct ForestViolation {
  std::vector<std::uint32_t> vertices;  // S, increasing
  double inside_weight = 0.0;           // sum of ρ over the edges with both ends in S
  bool whole_component = false;         // S is a whole component too large for the exact test
};

// Checks ρ(E[S]) <= |S| - 1 (with a slack of 1e-9 |S| for rounding) for every S (the
// forest polytope of a graph is exactly this; Edmonds). In a component of at most
// `exact_limit` vertices exactly, by Cunningham's test: for each vertex r, the minimum
// over S containing r (and none of the vertices tried before r) of
//   |S| - ρ(E[S]) = Σ_{v in S} (1 - d(v)/2) + ρ(δ(S))/2,   d(v) = Σ_{e at v} ρ_e,
// is a minimum s-t cut. In larger components only S = the component is checked.
// nullopt when nothing is violated.
std::optional<ForestViolation> forest_polytope_violation(std::size_t vertices, std::span<const GraphEdge> edges,
                                                         std::span<const double> rho, std::size_t exact_limit);

}  // namespace copi::detail
