// Private. The unnormalised log probability of a full assignment: the sum of every
// factor's log value there.
#pragma once

#include <cstddef>
#include <vector>

#include "copi/graph/factor_graph.hpp"

namespace copi::detail {

inline double log_value_of(const FactorGraph& graph, const std::vector<std::size_t>& assignment) {
  double total = 0.0;
  std::vector<std::size_t> states;
  for (const DiscreteFactor& factor : graph.tables()) {
    states.clear();
    for (const VarId v : factor.scope()) states.push_back(assignment[v.index]);
    total += factor.log_value(states);
  }
  return total;
}

}  // namespace copi::detail
