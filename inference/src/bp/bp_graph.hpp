// Private. The factor graph as belief propagation sees it: evidence reduced away,
// compact edge arrays (CSR both ways), one message slot per edge and direction, and
// each factor's table both as log values and as a max-shifted linear copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::detail {

struct BpGraph {
  std::vector<std::uint32_t> card;          // per variable
  std::vector<std::uint32_t> var_begin;     // edges of v: var_edges[var_begin[v] .. var_begin[v+1])
  std::vector<std::uint32_t> var_edges;
  std::vector<std::uint32_t> factor_begin;  // edges of f, in scope order: [factor_begin[f], factor_begin[f+1])
  std::vector<std::uint32_t> edge_var;
  std::vector<std::uint32_t> edge_factor;
  std::vector<std::uint32_t> edge_offset;   // start of the edge's message (card(edge_var) entries)
  std::size_t message_size = 0;
  // The model under evidence (copi/graph/evidence.hpp): `factors` are its non-empty
  // factors, pointers into the input graph or into `reduced` (no copy of untouched tables).
  ReducedModel reduced;
  std::vector<const DiscreteFactor*> factors;
  std::vector<std::size_t> table_offset;    // into linear_tables
  std::vector<double> linear_tables;        // exp(log value - max) per factor
  double log_constant = 0.0;                // fully observed factors
  double widest_log_range = 0.0;            // largest (max - min finite) log value of a factor
  // Tree-reweighted BP only (inference/src/trw/): per factor, the power its
  // factor->variable messages carry in the beliefs of its variables (the edge appearance
  // probability). Empty for belief propagation, whose kernels ignore it.
  std::vector<double> weight;

  [[nodiscard]] std::size_t num_vars() const { return card.size(); }
  [[nodiscard]] std::size_t num_factors() const { return factors.size(); }
  [[nodiscard]] std::size_t num_edges() const { return edge_var.size(); }
  [[nodiscard]] std::uint32_t degree(std::size_t v) const { return var_begin[v + 1] - var_begin[v]; }
  [[nodiscard]] std::uint32_t arity(std::size_t f) const { return factor_begin[f + 1] - factor_begin[f]; }
};

// Throws InputError when a factor is zero everywhere after the evidence. The result
// refers to `graph`'s factors: keep the graph alive while using it.
// `threads`: inside with_threads, the count in effect (the linear tables are made in parallel).
BpGraph build_bp_graph(const FactorGraph& graph, const Evidence& evidence, std::size_t threads = 1);

// The values part of build_bp_graph: the reduced factors, their linear tables and the
// constant, from the graph's current values. A graph whose values changed (same
// scopes, same evidence) needs only this: the edge layout stays.
void load_bp_tables(BpGraph& g, const FactorGraph& graph, const Evidence& evidence, std::size_t threads = 1);

}  // namespace copi::detail
