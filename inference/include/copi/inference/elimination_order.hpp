// Greedy elimination orders on the interaction graph (Boost.Graph) and what they cost:
// the clique each elimination creates, the induced width, the size of the largest
// table. The exact algorithms plan with this before allocating anything.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include "copi/graph/factor_graph.hpp"

namespace copi {

enum class EliminationHeuristic {
  min_fill,           // fewest fill-in edges
  weighted_min_fill,  // fill-in edges weighted by the product of the endpoints' cardinalities
  min_degree,
};

struct EliminationPlan {
  std::vector<VarId> order;                  // every unobserved variable, once
  std::vector<std::vector<VarId>> cliques;   // cliques[k]: order[k] and its neighbours then
  std::size_t induced_width = 0;             // largest clique size minus one
  double largest_table = 0;                  // entries of the largest clique table
  double total_entries = 0;                  // entries summed over all cliques
  bool complete = true;                      // false when planning gave up (too large)
};

// Variables with observed[v] true are left out (evidence reduces them away).
// Planning stops early (complete = false) once a clique exceeds give_up_above entries,
// so that refusing a hopeless model is cheap.
EliminationPlan plan_elimination(const FactorGraph& graph, const std::vector<bool>& observed,
                                 EliminationHeuristic heuristic,
                                 double give_up_above = std::numeric_limits<double>::infinity());

}  // namespace copi
