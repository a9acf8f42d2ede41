#include "bp/bp_graph.hpp"

#include <algorithm>
#include <cmath>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::detail {
namespace {

// Each factor's max-shifted linear copy and the widest log range (a maximum: the same
// for any thread count).
void fill_tables(BpGraph& g, std::size_t threads) {
  g.table_offset.assign(g.factors.size(), 0);
  std::size_t size = 0;
  for (std::size_t f = 0; f < g.factors.size(); ++f) {
    g.table_offset[f] = size;
    size += g.factors[f]->log_values().size();
  }
  g.linear_tables.resize(size);
  g.widest_log_range = parallel_max(g.factors.size(), 1024, threads, [&](std::size_t begin, std::size_t end) {
    double widest = 0.0;
    for (std::size_t f = begin; f < end; ++f) {
      const std::vector<double>& logs = g.factors[f]->log_values();
      const double hi = *std::max_element(logs.begin(), logs.end());  // finite: the model is not impossible
      double lo = hi;
      double* linear = g.linear_tables.data() + g.table_offset[f];
      for (std::size_t i = 0; i < logs.size(); ++i) {
        linear[i] = std::exp(logs[i] - hi);
        if (logs[i] != -INFINITY) lo = std::min(lo, logs[i]);
      }
      widest = std::max(widest, hi - lo);
    }
    return widest;
  });
}

}  // namespace

BpGraph build_bp_graph(const FactorGraph& graph, const Evidence& evidence, std::size_t threads) {
  BpGraph g;
  g.reduced = reduce_model(graph, evidence);
  if (g.reduced.impossible()) throw ImpossibleEvidence("the evidence has probability zero under the model");
  g.factors = g.reduced.factors();
  g.log_constant = g.reduced.log_constant();
  const std::size_t n = graph.num_variables();
  for (const Variable& v : graph.variables()) g.card.push_back(static_cast<std::uint32_t>(v.cardinality));

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

  fill_tables(g, threads);
  return g;
}

void load_bp_tables(BpGraph& g, const FactorGraph& graph, const Evidence& evidence, std::size_t threads) {
  g.reduced = reduce_model(graph, evidence);
  if (g.reduced.impossible()) throw ImpossibleEvidence("the evidence has probability zero under the model");
  g.factors = g.reduced.factors();
  g.log_constant = g.reduced.log_constant();
  fill_tables(g, threads);
}

}  // namespace copi::detail
