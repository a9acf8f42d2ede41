#include "factor_beliefs.hpp"

#include "copi/graph/table_layout.hpp"

namespace copi::detail {

std::vector<std::vector<double>> embed_factor_beliefs(
    const FactorGraph& graph, const Evidence& evidence,
    const std::function<std::vector<double>(std::size_t reduced_index)>& reduced_belief) {
  std::vector<std::vector<double>> beliefs(graph.num_factors());
  std::size_t reduced = 0;
  for (std::size_t f = 0; f < graph.num_factors(); ++f) {
    const DiscreteFactor& factor = graph.tables()[f];
    std::vector<std::size_t> free_cards;
    std::vector<std::size_t> free_strides;
    std::size_t base = 0;
    std::size_t stride = 1;
    for (std::size_t k = 0; k < factor.arity(); ++k) {
      if (const auto it = evidence.find(factor.scope()[k]); it != evidence.end()) {
        base += stride * it->second;
      } else {
        free_cards.push_back(factor.cardinalities()[k]);
        free_strides.push_back(stride);
      }
      stride *= factor.cardinalities()[k];
    }
    std::vector<double>& out = beliefs[f];
    out.assign(factor.size(), 0.0);
    if (free_cards.empty()) {
      out[base] = 1.0;
      continue;
    }
    const std::vector<double> joint = reduced_belief(reduced++);
    MultiIndexWalker walk(free_cards, {free_strides});
    std::size_t i = 0;
    do {
      out[base + walk.offsets()[0]] = joint[i++];
    } while (walk.next());
  }
  return beliefs;
}

}  // namespace copi::detail
