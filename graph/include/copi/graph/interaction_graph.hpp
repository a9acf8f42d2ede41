// The interaction (Markov / moral) graph of a factor graph as a Boost.Graph: one
// vertex per variable, an edge between two variables that share a factor. Used for
// elimination orders and structure queries (trees, connected components).
#pragma once

#include <boost/graph/adjacency_list.hpp>

#include "copi/graph/factor_graph.hpp"

namespace copi {

using InteractionGraph = boost::adjacency_list<boost::setS, boost::vecS, boost::undirectedS>;

// Vertex i is VarId{i}. Variables in `excluded` (indexed by VarId, may be empty) get
// no edges, e.g. observed variables that evidence removes from every scope.
InteractionGraph interaction_graph(const FactorGraph& graph,
                                   const std::vector<bool>& excluded = {});

}  // namespace copi
