#include "bp/forest_schedule.hpp"

#include "bp/bp_engine.hpp"

namespace copi::detail {

std::optional<ForestSchedule> forest_schedule(const BpGraph& g) {
  const std::size_t n = g.num_vars();
  const std::size_t nodes = n + g.num_factors();
  ForestSchedule s;
  s.parent_edge.assign(nodes, kNoEdge);
  s.node_is_var.assign(nodes, false);
  for (std::size_t v = 0; v < n; ++v) s.node_is_var[v] = true;
  std::vector<bool> seen(nodes, false);
  for (std::uint32_t root = 0; root < n; ++root) {
    if (seen[root] || g.degree(root) == 0) continue;
    seen[root] = true;
    std::size_t head = s.order.size();
    s.order.push_back(root);
    while (head < s.order.size()) {
      const std::uint32_t node = s.order[head++];
      const bool is_var = node < n;
      const std::uint32_t begin = is_var ? g.var_begin[node] : g.factor_begin[node - n];
      const std::uint32_t end = is_var ? g.var_begin[node + 1] : g.factor_begin[node - n + 1];
      for (std::uint32_t i = begin; i < end; ++i) {
        const std::uint32_t e = is_var ? g.var_edges[i] : i;
        if (e == s.parent_edge[node]) continue;
        const std::uint32_t next = is_var ? static_cast<std::uint32_t>(n + g.edge_factor[e]) : g.edge_var[e];
        if (seen[next]) return std::nullopt;  // reached twice: a cycle
        seen[next] = true;
        s.parent_edge[next] = e;
        s.order.push_back(next);
      }
    }
  }
  return s;
}

}  // namespace copi::detail
