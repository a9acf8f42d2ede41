// Private. The junction tree of an elimination plan: cliques of consecutive
// eliminations are merged whenever one contains the next (so only maximal cliques
// remain), nodes are listed children-before-parents, and each factor is assigned to
// the node of its first-eliminated variable.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/inference/elimination_order.hpp"

namespace copi::detail {

inline constexpr std::size_t kNoNode = std::numeric_limits<std::size_t>::max();

struct JunctionTreeNode {
  std::vector<VarId> vars;
  std::vector<std::size_t> cards;
  std::size_t parent = kNoNode;
  std::vector<std::size_t> children;
  std::vector<VarId> separator;  // shared with the parent
  std::vector<std::size_t> separator_cards;
  std::vector<std::size_t> factors;  // indices into the factor list given to the build
};

struct JunctionTree {
  std::vector<JunctionTreeNode> nodes;  // children before parents
  std::vector<std::size_t> home;        // per variable: smallest node holding it, or kNoNode
  // Per variable: the node whose separator (with its parent) is the smallest table
  // holding the variable, when that is smaller than `home`; else kNoNode. After
  // calibration a separator's belief is as good a source for a marginal, and far
  // cheaper to sum than a clique.
  std::vector<std::size_t> home_separator;
  double table_entries = 0;             // clique and separator entries summed
  double largest_table = 0;
};

// `factors` must all have non-empty scopes over planned (unobserved) variables.
JunctionTree build_junction_tree(const EliminationPlan& plan, const std::vector<const DiscreteFactor*>& factors,
                                 const std::vector<std::size_t>& cardinalities);

}  // namespace copi::detail
