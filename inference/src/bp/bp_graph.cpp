#include "bp/bp_graph.hpp"

#include <algorithm>
#include <cmath>

#include "copi/graph/error.hpp"
#include "copi/graph/factor_operations.hpp"

namespace copi::detail {

BpGraph build_bp_graph(const FactorGraph& graph, const Evidence& evidence) {
  validate_evidence(graph, evidence);
  BpGraph g;
  const std::size_t n = graph.num_variables();
  for (const DiscreteVariable& v : graph.variables()) g.card.push_back(static_cast<std::uint32_t>(v.cardinality));
  std::vector<std::size_t> touched;  // indices of factors that point into reduced_storage
  for (const DiscreteFactor& factor : graph.factors()) {
    bool observed = false;
    for (const VarId var : factor.scope()) observed = observed || evidence.contains(var);
    if (!observed) {
      if (factor.arity() == 0) {
        g.log_constant += factor.log_values()[0];
      } else {
        g.factors.push_back(&factor);
      }
      continue;
    }
    DiscreteFactor reduced = factor;
    for (const VarId var : factor.scope()) {
      if (const auto it = evidence.find(var); it != evidence.end()) reduced = reduce(reduced, var, it->second);
    }
    if (reduced.arity() == 0) {
      g.log_constant += reduced.log_values()[0];
    } else {
      touched.push_back(g.factors.size());
      g.factors.push_back(nullptr);
      g.reduced_storage.push_back(std::move(reduced));
    }
  }
  // Pointers into reduced_storage only once it stops growing.
  for (std::size_t i = 0; i < touched.size(); ++i) g.factors[touched[i]] = &g.reduced_storage[i];
  if (g.log_constant == -INFINITY) throw ImpossibleEvidence("the evidence has probability zero under the model");

  std::vector<std::uint32_t> degree(n, 0);
  g.factor_begin.push_back(0);
  for (const DiscreteFactor* factor : g.factors) {
    for (const VarId v : factor->scope()) {
      g.edge_var.push_back(v.index);
      g.edge_factor.push_back(static_cast<std::uint32_t>(g.factor_begin.size() - 1));
      g.edge_offset.push_back(static_cast<std::uint32_t>(g.message_size));
      g.message_size += g.card[v.index];
      ++degree[v.index];
    }
    g.factor_begin.push_back(static_cast<std::uint32_t>(g.edge_var.size()));
  }
  g.var_begin.assign(n + 1, 0);
  for (std::size_t v = 0; v < n; ++v) g.var_begin[v + 1] = g.var_begin[v] + degree[v];
  g.var_edges.resize(g.edge_var.size());
  std::vector<std::uint32_t> fill(g.var_begin.begin(), g.var_begin.end() - 1);
  for (std::uint32_t e = 0; e < g.edge_var.size(); ++e) g.var_edges[fill[g.edge_var[e]]++] = e;

  for (std::size_t f = 0; f < g.factors.size(); ++f) {
    const std::vector<double>& logs = g.factors[f]->log_values();
    const double hi = *std::max_element(logs.begin(), logs.end());
    if (hi == -INFINITY) throw ImpossibleEvidence("the evidence has probability zero under the model");
    double lo = hi;
    g.table_offset.push_back(g.linear_tables.size());
    g.table_log_shift.push_back(hi);
    for (const double l : logs) {
      g.linear_tables.push_back(std::exp(l - hi));
      if (l != -INFINITY) lo = std::min(lo, l);
    }
    g.widest_log_range = std::max(g.widest_log_range, hi - lo);
  }
  return g;
}

}  // namespace copi::detail
