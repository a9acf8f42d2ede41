// Private. Belief propagation schedules over a BpGraph, for one message domain and
// one rule: two-pass on forests, parallel flooding, sequential, residual. Messages
// live in two flat arrays indexed by edge: factor->variable (`to_var_`) and
// variable->factor (`to_factor_`).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <queue>
#include <vector>

#include "bp/bp_graph.hpp"
#include "bp/message_kernels.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::detail {

inline constexpr std::uint32_t kNoEdge = 0xFFFFFFFFu;

template <typename M, Rule rule>
  requires(rule != Rule::expect)
class BpEngine {
 public:
  BpEngine(const BpGraph& g, const BpOptions& options, std::size_t threads)
      : g_(g), options_(options), threads_(threads),
        to_var_(g.message_size), to_factor_(g.message_size), scratch_(64) {
    parallel_for_range(g.num_edges(), 4096, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t e = begin; e < end; ++e) {
        const std::uint32_t card = g.card[g.edge_var[e]];
        std::fill_n(to_var_.data() + g.edge_offset[e], card, M::uniform(card));
        std::fill_n(to_factor_.data() + g.edge_offset[e], card, M::uniform(card));
      }
    });
  }

  // Two passes over each tree of a forest: leaves to root, root to leaves. Exact.
  void run_forest(const std::vector<std::uint32_t>& order, const std::vector<std::uint32_t>& parent_edge,
                  const std::vector<bool>& node_is_var) {
    // Collect: every node (in reverse BFS order) sends along its parent edge.
    for (std::size_t i = order.size(); i-- > 0;) send(order[i], parent_edge[order[i]], node_is_var[order[i]]);
    // Distribute: every node (in BFS order) sends along its other edges.
    for (const std::uint32_t node : order) {
      const bool is_var = node_is_var[node];
      const std::size_t index = is_var ? node : node - g_.num_vars();
      const std::uint32_t begin = is_var ? g_.var_begin[index] : g_.factor_begin[index];
      const std::uint32_t end = is_var ? g_.var_begin[index + 1] : g_.factor_begin[index + 1];
      for (std::uint32_t i = begin; i < end; ++i) {
        const std::uint32_t e = is_var ? g_.var_edges[i] : i;
        if (e != parent_edge[node]) send(node, e, is_var);
      }
    }
    iterations_ = 1;
    residuals_.push_back(0.0);
    converged_ = true;
    refresh_variable_messages();
  }

  // Loopy schedules until the largest message change is below the tolerance.
  void run_loopy(BpSchedule schedule) {
    const auto start = std::chrono::steady_clock::now();
    if (schedule == BpSchedule::residual) {
      run_residual(start);
    } else {
      for (iterations_ = 0; iterations_ < options_.max_iterations;) {
        const double change = schedule == BpSchedule::sequential ? sequential_sweep() : parallel_sweep();
        ++iterations_;
        residuals_.push_back(change);
        if (change < options_.tolerance) {
          converged_ = true;
          break;
        }
        if (elapsed(start) > options_.max_seconds) {
          timed_out_ = true;
          break;
        }
      }
    }
    refresh_variable_messages();
  }

  [[nodiscard]] std::size_t iterations() const { return iterations_; }
  [[nodiscard]] bool converged() const { return converged_; }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  [[nodiscard]] const std::vector<double>& residuals() const { return residuals_; }
  [[nodiscard]] const std::vector<double>& to_var() const { return to_var_; }
  [[nodiscard]] const std::vector<double>& to_factor() const { return to_factor_; }
  [[nodiscard]] std::vector<double>& to_factor() { return to_factor_; }

 private:
  static double elapsed(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  void refresh_variable_messages() {
    parallel_for_range(g_.num_vars(), 512, threads_, [&](std::size_t begin, std::size_t end) {
      for (std::size_t v = begin; v < end; ++v) M::variable_messages(g_, v, to_var_.data(), to_factor_.data());
    });
  }

  // Node ids: variables 0..n-1, factors n..n+m-1.
  void send(std::uint32_t node, std::uint32_t edge, bool is_var) {
    if (edge == kNoEdge) return;
    if (is_var) {
      M::variable_message(g_, node, edge, to_var_.data(), to_factor_.data() + g_.edge_offset[edge]);
    } else {
      const std::size_t f = node - g_.num_vars();
      M::template factor_message<rule>(g_, f, edge - g_.factor_begin[f], to_factor_.data(),
                                       to_var_.data() + g_.edge_offset[edge]);
    }
  }

  // Writes the damped update of edge e from `update` and returns its change.
  double commit(std::uint32_t e, double* update) {
    const std::uint32_t card = g_.card[g_.edge_var[e]];
    double* current = to_var_.data() + g_.edge_offset[e];
    if (options_.damping > 0.0) M::damp(update, current, card, options_.damping);
    double change = 0.0;
    for (std::uint32_t x = 0; x < card; ++x) {
      change = std::max(change, std::abs(M::probability(update, x, card) - M::probability(current, x, card)));
    }
    std::copy(update, update + card, current);
    return change;
  }

  // Both messages of a binary pairwise factor, undamped, linear domain: the hot case
  // of Ising-type models, with everything in registers.
  double binary_pair(std::size_t f) {
    const std::uint32_t e0 = g_.factor_begin[f];
    const std::uint32_t o0 = g_.edge_offset[e0];
    const std::uint32_t o1 = g_.edge_offset[e0 + 1];
    const double* t = g_.linear_tables.data() + g_.table_offset[f];
    const double* n = to_factor_.data();
    double* m = to_var_.data();
    double x0;
    double x1;
    double y0;
    double y1;
    if constexpr (rule == Rule::sum) {
      x0 = t[0] * n[o1] + t[2] * n[o1 + 1];
      x1 = t[1] * n[o1] + t[3] * n[o1 + 1];
      y0 = t[0] * n[o0] + t[1] * n[o0 + 1];
      y1 = t[2] * n[o0] + t[3] * n[o0 + 1];
    } else {
      x0 = std::max(t[0] * n[o1], t[2] * n[o1 + 1]);
      x1 = std::max(t[1] * n[o1], t[3] * n[o1 + 1]);
      y0 = std::max(t[0] * n[o0], t[1] * n[o0 + 1]);
      y1 = std::max(t[2] * n[o0], t[3] * n[o0 + 1]);
    }
    const double sx = x0 + x1;
    const double sy = y0 + y1;
    if (!(sx > kLinearFloor && sx < INFINITY && sy > kLinearFloor && sy < INFINITY)) [[unlikely]] {
      throw_zero_message();
    }
    x0 /= sx;
    y0 /= sy;
    const double change = std::max(std::abs(x0 - m[o0]), std::abs(y0 - m[o1]));
    m[o0] = x0;
    m[o0 + 1] = 1.0 - x0;
    m[o1] = y0;
    m[o1 + 1] = 1.0 - y0;
    return change;
  }

  [[nodiscard]] bool is_binary_pair(std::size_t f) const {
    const std::uint32_t e0 = g_.factor_begin[f];
    return g_.factor_begin[f + 1] - e0 == 2 && g_.card[g_.edge_var[e0]] == 2 && g_.card[g_.edge_var[e0 + 1]] == 2;
  }

  double parallel_sweep() {
    refresh_variable_messages();
    const bool fast = !M::kLog && options_.damping == 0.0;
    return parallel_max(g_.num_factors(), 512, threads_, [&](std::size_t begin, std::size_t end) {
      double update[64];
      std::vector<double> heap;
      double change = 0.0;
      for (std::size_t f = begin; f < end; ++f) {
        if (fast && is_binary_pair(f)) {
          change = std::max(change, binary_pair(f));
          continue;
        }
        for (std::uint32_t e = g_.factor_begin[f]; e < g_.factor_begin[f + 1]; ++e) {
          const std::uint32_t card = g_.card[g_.edge_var[e]];
          double* out = update;
          if (card > 64) {
            heap.resize(card);
            out = heap.data();
          }
          M::template factor_message<rule>(g_, f, e - g_.factor_begin[f], to_factor_.data(), out);
          change = std::max(change, commit(e, out));
        }
      }
      return change;
    });
  }

  // The message f -> edge e computed from the current factor->variable messages,
  // with the variable->factor messages of f's other variables made on the fly.
  void fresh_factor_message(std::uint32_t e, double* out) {
    const std::size_t f = g_.edge_factor[e];
    for (std::uint32_t j = g_.factor_begin[f]; j < g_.factor_begin[f + 1]; ++j) {
      if (j != e) {
        M::variable_message(g_, g_.edge_var[j], j, to_var_.data(), to_factor_.data() + g_.edge_offset[j]);
      }
    }
    M::template factor_message<rule>(g_, f, e - g_.factor_begin[f], to_factor_.data(), out);
  }

  double* scratch(std::uint32_t card) {
    if (scratch_.size() < card) scratch_.resize(card);
    return scratch_.data();
  }

  // Factors in order; within a factor its variables in increasing index (libDAI's
  // SEQFIX order); each update is used at once.
  double sequential_sweep() {
    double change = 0.0;
    std::vector<std::uint32_t> edges;
    for (std::size_t f = 0; f < g_.num_factors(); ++f) {
      edges.clear();
      for (std::uint32_t e = g_.factor_begin[f]; e < g_.factor_begin[f + 1]; ++e) edges.push_back(e);
      std::sort(edges.begin(), edges.end(), [&](std::uint32_t a, std::uint32_t b) { return g_.edge_var[a] < g_.edge_var[b]; });
      for (const std::uint32_t e : edges) {
        double* out = scratch(g_.card[g_.edge_var[e]]);
        fresh_factor_message(e, out);
        change = std::max(change, commit(e, out));
      }
    }
    return change;
  }

  struct Candidate {
    double residual;
    std::uint32_t edge;
    std::uint64_t version;
    bool operator<(const Candidate& other) const {
      return residual != other.residual ? residual < other.residual : edge > other.edge;
    }
  };

  double candidate_residual(std::uint32_t e, std::vector<double>& pending) {
    const std::uint32_t card = g_.card[g_.edge_var[e]];
    double* out = pending.data() + g_.edge_offset[e];
    fresh_factor_message(e, out);
    const double* current = to_var_.data() + g_.edge_offset[e];
    if (options_.damping > 0.0) M::damp(out, current, card, options_.damping);
    return M::log_change(out, current, card);
  }

  // Residual BP: always apply the pending update with the largest change; after it,
  // refresh the candidates it invalidated (messages out of the factors around its
  // variable). One "iteration" is as many updates as there are edges.
  void run_residual(std::chrono::steady_clock::time_point start) {
    const std::size_t edges = g_.num_edges();
    std::vector<double> pending(g_.message_size);
    std::vector<std::uint64_t> version(edges, 0);
    std::priority_queue<Candidate> queue;
    for (std::uint32_t e = 0; e < edges; ++e) queue.push({candidate_residual(e, pending), e, 0});
    const std::size_t budget = options_.max_iterations * std::max<std::size_t>(edges, 1);
    std::size_t updates = 0;
    double sweep_max = 0.0;
    while (true) {
      while (!queue.empty() && queue.top().version != version[queue.top().edge]) queue.pop();
      if (queue.empty() || queue.top().residual < options_.tolerance) {
        converged_ = true;
        residuals_.push_back(queue.empty() ? 0.0 : queue.top().residual);
        break;
      }
      if (updates >= budget || elapsed(start) > options_.max_seconds) {
        timed_out_ = updates < budget;
        residuals_.push_back(queue.top().residual);
        break;
      }
      const Candidate best = queue.top();
      queue.pop();
      const std::uint32_t e = best.edge;
      const std::uint32_t card = g_.card[g_.edge_var[e]];
      std::copy_n(pending.data() + g_.edge_offset[e], card, to_var_.data() + g_.edge_offset[e]);
      ++version[e];
      // Undamped, the edge now holds its update and has nothing pending until a
      // neighbour changes. Damped, it went only part of the way: its next step is pending.
      queue.push({options_.damping > 0.0 ? candidate_residual(e, pending) : 0.0, e, version[e]});
      sweep_max = std::max(sweep_max, best.residual);
      if (++updates % std::max<std::size_t>(edges, 1) == 0) {
        residuals_.push_back(sweep_max);
        sweep_max = 0.0;
      }
      const std::uint32_t v = g_.edge_var[e];
      for (std::uint32_t i = g_.var_begin[v]; i < g_.var_begin[v + 1]; ++i) {
        const std::uint32_t other = g_.var_edges[i];
        if (other == e) continue;
        const std::size_t f = g_.edge_factor[other];
        for (std::uint32_t j = g_.factor_begin[f]; j < g_.factor_begin[f + 1]; ++j) {
          if (j == other) continue;  // the message back into v is unchanged by v's own update
          ++version[j];
          queue.push({candidate_residual(j, pending), j, version[j]});
        }
      }
    }
    iterations_ = (updates + edges - 1) / std::max<std::size_t>(edges, 1);
  }



  const BpGraph& g_;
  const BpOptions& options_;
  std::size_t threads_;
  std::vector<double> to_var_;
  std::vector<double> to_factor_;
  std::vector<double> scratch_;
  std::vector<double> residuals_;
  std::size_t iterations_ = 0;
  bool converged_ = false;
  bool timed_out_ = false;
};

}  // namespace copi::detail
