#include "copi/inference/elimination_order.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "copi/graph/interaction_graph.hpp"

namespace copi {
namespace {

// Greedy cost of eliminating v now: lower is better. Ties are broken by the clique
// weight and then by the variable index, so the order is deterministic.
struct Cost {
  double primary = 0;
  double clique_weight = 0;
  std::uint32_t var = 0;
  friend auto operator<=>(const Cost&, const Cost&) = default;
};

class GreedyEliminator {
 public:
  GreedyEliminator(const FactorGraph& graph, const std::vector<bool>& observed,
                   EliminationHeuristic heuristic)
      : graph_(interaction_graph(graph, observed)), heuristic_(heuristic) {
    const std::size_t n = graph.num_variables();
    weight_.resize(n);
    costs_.resize(n);
    alive_.assign(n, false);
    queued_.assign(n, false);
    for (std::size_t v = 0; v < n; ++v) {
      weight_[v] = static_cast<double>(graph.cardinality(VarId{static_cast<std::uint32_t>(v)}));
      alive_[v] = observed.empty() || !observed[v];
    }
    for (std::size_t v = 0; v < n; ++v) {
      if (alive_[v]) update(v);
    }
  }

  EliminationPlan run(double give_up_above) {
    EliminationPlan plan;
    while (!queue_.empty()) {
      const std::size_t v = queue_.begin()->var;
      queue_.erase(queue_.begin());
      queued_[v] = false;
      eliminate(v, plan);
      if (plan.largest_table > give_up_above) {
        plan.complete = false;
        break;
      }
    }
    return plan;
  }

 private:
  Cost cost_of(std::size_t v) const {
    Cost cost;
    cost.var = static_cast<std::uint32_t>(v);
    cost.clique_weight = weight_[v];
    std::vector<std::size_t> nbrs;
    for (auto [it, end] = boost::adjacent_vertices(v, graph_); it != end; ++it) {
      nbrs.push_back(*it);
      cost.clique_weight *= weight_[*it];
    }
    if (heuristic_ == EliminationHeuristic::min_degree) {
      cost.primary = static_cast<double>(nbrs.size());
      return cost;
    }
    for (std::size_t i = 0; i < nbrs.size(); ++i) {
      for (std::size_t j = i + 1; j < nbrs.size(); ++j) {
        if (!boost::edge(nbrs[i], nbrs[j], graph_).second) {
          cost.primary += heuristic_ == EliminationHeuristic::weighted_min_fill
                              ? weight_[nbrs[i]] * weight_[nbrs[j]]
                              : 1.0;
        }
      }
    }
    return cost;
  }

  void update(std::size_t v) {
    if (queued_[v]) queue_.erase(costs_[v]);
    costs_[v] = cost_of(v);
    queue_.insert(costs_[v]);
    queued_[v] = true;
  }

  void eliminate(std::size_t v, EliminationPlan& plan) {
    std::vector<std::size_t> nbrs;
    for (auto [it, end] = boost::adjacent_vertices(v, graph_); it != end; ++it) nbrs.push_back(*it);
    std::vector<VarId> clique{VarId{static_cast<std::uint32_t>(v)}};
    double entries = weight_[v];
    for (const std::size_t u : nbrs) {
      clique.push_back(VarId{static_cast<std::uint32_t>(u)});
      entries *= weight_[u];
    }
    for (std::size_t i = 0; i < nbrs.size(); ++i) {
      for (std::size_t j = i + 1; j < nbrs.size(); ++j) boost::add_edge(nbrs[i], nbrs[j], graph_);
    }
    boost::clear_vertex(v, graph_);
    alive_[v] = false;
    plan.order.push_back(clique.front());
    plan.induced_width = std::max(plan.induced_width, clique.size() - 1);
    plan.largest_table = std::max(plan.largest_table, entries);
    plan.total_entries += entries;
    plan.cliques.push_back(std::move(clique));
    // Fill-in changed only for the former neighbours and their neighbours.
    std::set<std::size_t> touched(nbrs.begin(), nbrs.end());
    for (const std::size_t u : nbrs) {
      for (auto [it, end] = boost::adjacent_vertices(u, graph_); it != end; ++it) touched.insert(*it);
    }
    for (const std::size_t u : touched) {
      if (alive_[u]) update(u);
    }
  }

  InteractionGraph graph_;
  EliminationHeuristic heuristic_;
  std::vector<double> weight_;
  std::vector<Cost> costs_;
  std::vector<bool> alive_;
  std::vector<bool> queued_;
  std::set<Cost> queue_;
};

}  // namespace

EliminationPlan plan_elimination(const FactorGraph& graph, const std::vector<bool>& observed,
                                 EliminationHeuristic heuristic, double give_up_above) {
  return GreedyEliminator(graph, observed, heuristic).run(give_up_above);
}

}  // namespace copi
