// Private. Recognises forests and orders them for the two-pass schedule: a breadth
// first order of the bipartite graph (variables 0..n-1, factors n..n+m-1) from one
// root variable per tree, with each node's edge towards its parent.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bp/bp_graph.hpp"

namespace copi::detail {

struct ForestSchedule {
  std::vector<std::uint32_t> order;        // BFS order, roots first within each tree
  std::vector<std::uint32_t> parent_edge;  // per node; kNoEdge for roots
  std::vector<bool> node_is_var;
};

// nullopt when the graph has a cycle.
std::optional<ForestSchedule> forest_schedule(const BpGraph& g);

}  // namespace copi::detail
