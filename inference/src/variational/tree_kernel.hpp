// Private. Structured mean field's fast path for a cluster whose own factors are unary
// or pairwise and form a forest (rows or columns of a grid, chains, the automatic
// clusters): two-pass sum-product on flat arrays in the linear domain, with the
// cluster's node potentials θ (its unary factors plus the crossing factors' expected
// log-potentials) given per update. It returns the marginals, each edge's belief and
// log Z. When a sum would fall to kLinearFloor (or θ spans more than kLinearLogRange)
// it says so and the caller uses the cluster's junction tree instead (the shared
// linear/log policy, docs/algorithms.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "copi/graph/discrete_factor.hpp"

namespace copi::detail {

class TreeKernel {
 public:
  // `cards` per local variable; `edges` the cluster's pairwise factors as (local a,
  // local b, factor) with the factor's scope (a, b) in that order. Empty when they do
  // not form a forest or a table spans more than kLinearLogRange.
  struct PairFactor {
    std::uint32_t a = 0;
    std::uint32_t b = 0;
    const DiscreteFactor* factor = nullptr;
  };
  static std::optional<TreeKernel> build(const std::vector<std::size_t>& cards, const std::vector<PairFactor>& edges);

  [[nodiscard]] std::size_t size() const { return cards_.size(); }
  [[nodiscard]] std::size_t offset(std::size_t local) const { return offsets_[local]; }
  [[nodiscard]] std::size_t total_states() const { return offsets_.back(); }

  // Buffers of one run, kept by the caller so that runs allocate nothing.
  struct Scratch {
    std::vector<double> phi, up, message, down, exclusive;
  };

  // θ per local variable and state (at offset(l) + x; -inf allowed). On success fills
  // `marginals` (same layout), log Z and the edges' energy Σ_e E_{b_e}[log f_e] under
  // their beliefs b_e (mean field needs only that of the edge beliefs, so they are
  // never stored).
  bool run(std::span<const double> theta, std::span<double> marginals, double& log_z, double& edge_energy,
           Scratch& scratch) const;

 private:
  struct Edge {
    std::uint32_t parent = 0;
    std::uint32_t child = 0;
    bool parent_first = true;  // the factor's scope is (parent, child)
    std::size_t table = 0;     // ψ(x_p, x_c) = exp(l - shift) at table + x_p * |c| + x_c
    double shift = 0.0;
  };

  std::vector<std::size_t> cards_;
  std::vector<std::size_t> offsets_;    // prefix sums of cards_
  std::vector<std::uint32_t> order_;    // parents before children
  std::vector<std::uint32_t> up_edge_;  // per local variable: the edge to its parent, or kRoot
  std::vector<std::uint32_t> child_begin_;  // edges to the children of l: child_list_[child_begin_[l] ..]
  std::vector<std::uint32_t> child_list_;
  std::vector<std::size_t> message_at_;  // per local variable: its message to its parent in the flat buffer
  std::size_t message_size_ = 0;
  std::vector<Edge> edges_;             // in the order given to build
  std::vector<double> tables_;
  std::vector<double> logs_;  // log f_e in the layout of tables_ (-inf where ψ is 0)
  bool binary_ = false;       // every variable has two states: loops of fixed length

  // The run with every cardinality K (K = 0: as cards_ says).
  template <std::size_t K>
  bool run_with(std::span<const double> theta, std::span<double> marginals, double& log_z, double& edge_energy,
                Scratch& scratch) const;
};

}  // namespace copi::detail
