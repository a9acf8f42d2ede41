// Private. Index arithmetic for the junction tree's hot loops: walking a large table
// (a clique) while tracking the matching entries of smaller tables over subsets of
// its variables (factors, messages, separators). The first few dimensions of the
// large table form an inner block whose sub-table offsets are precomputed once, so
// the inner loop is a plain gather/scatter over a contiguous, cache-resident run; an
// odometer walks the outer dimensions. Convention: table_layout.hpp (first variable
// fastest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace copi::detail {

class BlockedIndexMap {
 public:
  // big_cards: cardinalities of the large table; sub_strides[t][d]: stride of large
  // dimension d in sub-table t (0 when the sub-table lacks it).
  BlockedIndexMap(const std::vector<std::size_t>& big_cards, std::vector<std::vector<std::size_t>> sub_strides)
      : cards_(big_cards), strides_(std::move(sub_strides)) {
    std::size_t d = 0;
    while (d < cards_.size() && block_ * cards_[d] <= kMaxBlock) block_ *= cards_[d++];
    inner_dims_ = d;
    inner_.resize(strides_.size());
    for (std::size_t t = 0; t < strides_.size(); ++t) inner_[t] = inner_offsets(strides_[t]);
  }

  [[nodiscard]] std::size_t block() const { return block_; }
  [[nodiscard]] std::size_t tables() const { return strides_.size(); }
  // Whether sub-table t depends on any inner (block) dimension / any outer dimension.
  [[nodiscard]] bool uses_inner(std::size_t t) const { return uses(t, 0, inner_dims_); }
  [[nodiscard]] bool uses_outer(std::size_t t) const { return uses(t, inner_dims_, cards_.size()); }
  [[nodiscard]] const std::uint32_t* inner(std::size_t t) const { return inner_[t].data(); }

  // f(start, bases): the block [start, start + block()) of the large table matches
  // entries bases[t] + inner(t)[j] of sub-table t.
  template <typename F>
  void for_each_block(F&& f) const {
    const std::size_t outer_dims = cards_.size() - inner_dims_;
    std::vector<std::size_t> states(outer_dims, 0);
    std::vector<std::size_t> bases(strides_.size(), 0);
    std::size_t start = 0;
    while (true) {
      f(start, bases.data());
      start += block_;
      std::size_t i = 0;
      for (; i < outer_dims; ++i) {
        const std::size_t dim = inner_dims_ + i;
        if (++states[i] < cards_[dim]) {
          for (std::size_t t = 0; t < bases.size(); ++t) bases[t] += strides_[t][dim];
          break;
        }
        for (std::size_t t = 0; t < bases.size(); ++t) bases[t] -= strides_[t][dim] * (cards_[dim] - 1);
        states[i] = 0;
      }
      if (i == outer_dims) return;
    }
  }

 private:
  static constexpr std::size_t kMaxBlock = 2048;

  [[nodiscard]] bool uses(std::size_t t, std::size_t from, std::size_t to) const {
    for (std::size_t d = from; d < to; ++d) {
      if (strides_[t][d] != 0 && cards_[d] > 1) return true;
    }
    return false;
  }

  std::vector<std::uint32_t> inner_offsets(const std::vector<std::size_t>& strides) const {
    std::vector<std::uint32_t> offsets(block_);
    std::vector<std::size_t> states(inner_dims_, 0);
    std::size_t offset = 0;
    for (std::size_t j = 0; j < block_; ++j) {
      offsets[j] = static_cast<std::uint32_t>(offset);
      for (std::size_t i = 0; i < inner_dims_; ++i) {
        if (++states[i] < cards_[i]) {
          offset += strides[i];
          break;
        }
        offset -= strides[i] * (cards_[i] - 1);
        states[i] = 0;
      }
    }
    return offsets;
  }

  std::vector<std::size_t> cards_;
  std::vector<std::vector<std::size_t>> strides_;
  std::size_t block_ = 1;
  std::size_t inner_dims_ = 0;
  std::vector<std::vector<std::uint32_t>> inner_;
};

}  // namespace copi::detail
