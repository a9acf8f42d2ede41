// Private. Each factor's belief over its whole scope, in its table layout, from the
// beliefs of the reduced factors (evidence applied) that exact inference and BP compute:
// observed variables sit at their state, unobserved ones carry the reduced belief.
#pragma once

#include <functional>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::detail {

// `reduced_belief(r)` gives the belief of the r-th reduced factor (the graph's factors
// with an unobserved variable, in graph order) over its unobserved variables, first
// fastest. Fully observed (or constant) factors get a point mass.
std::vector<std::vector<double>> embed_factor_beliefs(
    const FactorGraph& graph, const Evidence& evidence,
    const std::function<std::vector<double>(std::size_t reduced_index)>& reduced_belief);

}  // namespace copi::detail
