#include "trw/forest_polytope.hpp"

#include <algorithm>
#include <limits>
#include <queue>

namespace copi::detail {
namespace {

// Dinic's maximum flow on a small network with real capacities.
class MaxFlow {
 public:
  explicit MaxFlow(std::size_t nodes) : first_(nodes, kNone) {}

  void add_arc(std::uint32_t from, std::uint32_t to, double capacity) {
    arcs_.push_back({to, first_[from], capacity});
    first_[from] = static_cast<std::uint32_t>(arcs_.size() - 1);
    arcs_.push_back({from, first_[to], 0.0});
    first_[to] = static_cast<std::uint32_t>(arcs_.size() - 1);
  }

  double run(std::uint32_t source, std::uint32_t sink) {
    double flow = 0.0;
    while (levels(source, sink)) {
      cursor_ = first_;
      while (true) {
        const double pushed = push(source, sink, std::numeric_limits<double>::infinity());
        if (pushed <= 0.0) break;
        flow += pushed;
      }
    }
    return flow;
  }

  // After run(): whether the node is on the source side of a minimum cut.
  [[nodiscard]] bool source_side(std::uint32_t node) const { return level_[node] >= 0; }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr double kResidual = 1e-12;  // capacities below this count as saturated

  struct Arc {
    std::uint32_t to;
    std::uint32_t next;
    double capacity;
  };

  bool levels(std::uint32_t source, std::uint32_t sink) {
    level_.assign(first_.size(), -1);
    std::queue<std::uint32_t> queue;
    level_[source] = 0;
    queue.push(source);
    while (!queue.empty()) {
      const std::uint32_t u = queue.front();
      queue.pop();
      for (std::uint32_t a = first_[u]; a != kNone; a = arcs_[a].next) {
        if (arcs_[a].capacity > kResidual && level_[arcs_[a].to] < 0) {
          level_[arcs_[a].to] = level_[u] + 1;
          queue.push(arcs_[a].to);
        }
      }
    }
    return level_[sink] >= 0;
  }

  double push(std::uint32_t u, std::uint32_t sink, double limit) {
    if (u == sink) return limit;
    for (std::uint32_t& a = cursor_[u]; a != kNone; a = arcs_[a].next) {
      Arc& arc = arcs_[a];
      if (arc.capacity <= kResidual || level_[arc.to] != level_[u] + 1) continue;
      const double pushed = push(arc.to, sink, std::min(limit, arc.capacity));
      if (pushed > 0.0) {
        arc.capacity -= pushed;
        arcs_[a ^ 1u].capacity += pushed;
        return pushed;
      }
    }
    return 0.0;
  }

  std::vector<std::uint32_t> first_;
  std::vector<std::uint32_t> cursor_;
  std::vector<Arc> arcs_;
  std::vector<int> level_;
};

double inside_weight(const std::vector<std::uint32_t>& set, std::span<const GraphEdge> edges,
                     const std::vector<std::uint32_t>& component_edges, std::span<const double> rho,
                     std::vector<char>& member) {
  for (const std::uint32_t v : set) member[v] = 1;
  double sum = 0.0;
  for (const std::uint32_t e : component_edges) {
    if (member[edges[e].first] && member[edges[e].second]) sum += rho[e];
  }
  for (const std::uint32_t v : set) member[v] = 0;
  return sum;
}

// Cunningham's test on one component: nodes 0..k-1 its vertices, k the source, k+1 the sink.
std::optional<std::vector<std::uint32_t>> violated_set(const std::vector<std::uint32_t>& vertices,
                                                       const std::vector<std::uint32_t>& component_edges,
                                                       std::span<const GraphEdge> edges, std::span<const double> rho,
                                                       std::vector<std::uint32_t>& local) {
  const std::uint32_t k = static_cast<std::uint32_t>(vertices.size());
  for (std::uint32_t i = 0; i < k; ++i) local[vertices[i]] = i;
  std::vector<double> degree(k, 0.0);
  double total = 0.0;
  for (const std::uint32_t e : component_edges) {
    degree[local[edges[e].first]] += rho[e];
    degree[local[edges[e].second]] += rho[e];
    total += rho[e];
  }
  const double infinite = 2.0 * (total + k) + 1.0;  // above any cut that does not cross it
  const double slack = 1e-9 * k;
  const std::uint32_t source = k;
  const std::uint32_t sink = k + 1;
  for (std::uint32_t r = 0; r < k; ++r) {
    MaxFlow flow(k + 2);
    double constant = 0.0;
    for (std::uint32_t v = 0; v < k; ++v) {
      const double cost = 1.0 - degree[v] / 2.0;  // paid when v is in S
      if (cost > 0.0) {
        flow.add_arc(v, sink, cost);
      } else if (cost < 0.0) {
        flow.add_arc(source, v, -cost);
        constant += cost;
      }
    }
    for (const std::uint32_t e : component_edges) {
      const std::uint32_t u = local[edges[e].first];
      const std::uint32_t v = local[edges[e].second];
      flow.add_arc(u, v, rho[e] / 2.0);
      flow.add_arc(v, u, rho[e] / 2.0);
    }
    flow.add_arc(source, r, infinite);                           // r in S
    for (std::uint32_t q = 0; q < r; ++q) flow.add_arc(q, sink, infinite);  // sets with q were tried
    const double smallest = flow.run(source, sink) + constant;  // min over S of |S| - ρ(E[S])
    if (smallest < 1.0 - slack) {
      std::vector<std::uint32_t> set;
      for (std::uint32_t v = 0; v < k; ++v) {
        if (flow.source_side(v)) set.push_back(vertices[v]);
      }
      return set;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ForestViolation> forest_polytope_violation(std::size_t vertices, std::span<const GraphEdge> edges,
                                                         std::span<const double> rho, std::size_t exact_limit) {
  const GraphComponents components = graph_components(vertices, edges);
  std::vector<std::uint32_t> local(vertices, 0);
  std::vector<char> member(vertices, 0);
  for (std::size_t c = 0; c < components.vertices.size(); ++c) {
    const std::vector<std::uint32_t>& members = components.vertices[c];
    const std::vector<std::uint32_t>& component_edges = components.edges[c];
    if (component_edges.empty()) continue;
    ForestViolation violation;
    if (members.size() <= exact_limit) {
      std::optional<std::vector<std::uint32_t>> set = violated_set(members, component_edges, edges, rho, local);
      if (!set) continue;
      violation.vertices = std::move(*set);
    } else {
      const double sum = inside_weight(members, edges, component_edges, rho, member);
      if (sum <= static_cast<double>(members.size()) - 1.0 + 1e-9 * static_cast<double>(members.size())) continue;
      violation.vertices = members;
      violation.whole_component = true;
    }
    violation.inside_weight = inside_weight(violation.vertices, edges, component_edges, rho, member);
    return violation;
  }
  return std::nullopt;
}

}  // namespace copi::detail
