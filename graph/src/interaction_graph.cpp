#include "copi/graph/interaction_graph.hpp"

#include <string>

#include "copi/graph/error.hpp"

namespace copi {

InteractionGraph interaction_graph(const FactorGraph& graph, const std::vector<bool>& excluded) {
  if (!excluded.empty() && excluded.size() != graph.num_variables()) {
    throw InputError("interaction_graph: the exclusion mask has " + std::to_string(excluded.size()) +
                     " entries for " + std::to_string(graph.num_variables()) + " variables");
  }
  InteractionGraph result(graph.num_variables());
  auto is_excluded = [&](VarId v) { return !excluded.empty() && excluded[v.index]; };
  for (const Factor& factor : graph.factors()) {
    const auto& scope = scope_of(factor);
    for (std::size_t i = 0; i < scope.size(); ++i) {
      if (is_excluded(scope[i])) continue;
      for (std::size_t j = i + 1; j < scope.size(); ++j) {
        if (!is_excluded(scope[j])) boost::add_edge(scope[i].index, scope[j].index, result);
      }
    }
  }
  return result;
}

}  // namespace copi
