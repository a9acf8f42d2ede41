// A conditional distribution p(child | parents) stored sparsely: one CSR row per
// configuration of the parents, listing the child states of positive probability.
// The graph's form of MDP dynamics and of large, mostly-zero CPTs, which must never
// be densified by accident (a 10⁶-state MDP's p(s' | s, a) has 10¹² dense entries).
//
// Rows follow the dense-table convention of table_layout.hpp: the scope is the child
// then the parents, the first parent varies fastest among the rows, and the dense
// equivalent (densify()) has the child fastest. The message kernel over these arrays
// (sum, expect and max rules) is inference's SparseConditional.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/ids.hpp"

namespace copi {

class SparseConditionalFactor {
 public:
  SparseConditionalFactor() = default;
  // Row r holds child states child_state[row_begin[r] .. row_begin[r + 1]) with the
  // given probabilities. Throws InputError, naming the row, unless: row_begin has one
  // entry per parent configuration plus one, starts at 0, never decreases and ends at
  // the number of entries; child states are in range and strictly increasing within
  // a row; probabilities are in [0, 1] (an explicit zero is kept: it rules the
  // state out); and each row sums to one within 1e-9.
  SparseConditionalFactor(VarId child, std::size_t child_cardinality, std::vector<VarId> parents,
                          std::vector<std::size_t> parent_cardinalities, std::vector<std::uint64_t> row_begin,
                          std::vector<std::uint32_t> child_state, std::vector<double> probability);

  // The child, then the parents.
  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] const std::vector<std::size_t>& cardinalities() const { return cards_; }
  [[nodiscard]] std::size_t rows() const { return row_begin_.size() - 1; }
  [[nodiscard]] std::size_t entries() const { return child_state_.size(); }
  [[nodiscard]] std::span<const std::uint64_t> row_begin() const { return row_begin_; }
  [[nodiscard]] std::span<const std::uint32_t> child_states() const { return child_state_; }
  [[nodiscard]] std::span<const double> probabilities() const { return probability_; }

  // log p(child | parents) of a full assignment given per scope variable (−inf for a
  // child state the row does not list).
  [[nodiscard]] double log_value(std::span<const std::size_t> states) const;

  // The number of entries of the dense table (saturating at SIZE_MAX).
  [[nodiscard]] std::size_t dense_size() const;
  // The dense table over scope(), child fastest. The caller checks dense_size() first.
  [[nodiscard]] DiscreteFactor densify() const;

  friend bool operator==(const SparseConditionalFactor&, const SparseConditionalFactor&) = default;

 private:
  std::vector<VarId> scope_;
  std::vector<std::size_t> cards_;
  std::vector<std::uint64_t> row_begin_{0};
  std::vector<std::uint32_t> child_state_;
  std::vector<double> probability_;
};

}  // namespace copi
