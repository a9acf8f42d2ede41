// Private. Index arithmetic for the junction tree's hot loops: walking a large table
// (a clique) while tracking the matching entry of a smaller table over a subset of its
// variables (a factor or a separator). The first few dimensions of the large table
// form an inner block whose sub-table offsets are precomputed once, so the inner loop
// is a plain gather/scatter over a contiguous run; an odometer walks the outer
// dimensions. Convention: table_layout.hpp (first variable fastest).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace copi::detail {

class BlockedIndexMap {
 public:
  // big_cards: cardinalities of the large table; sub_strides: for each large-table
  // dimension, its stride in the sub-table (0 when the sub-table lacks it).
  BlockedIndexMap(const std::vector<std::size_t>& big_cards, const std::vector<std::size_t>& sub_strides)
      : cards_(big_cards), strides_(sub_strides) {
    std::size_t d = 0;
    block_ = 1;
    while (d < cards_.size() && block_ * cards_[d] <= kMaxBlock) block_ *= cards_[d++];
    inner_dims_ = d;
    inner_.resize(block_);
    // Offsets of the inner block, by the same odometer rule restricted to d dims.
    std::vector<std::size_t> states(d, 0);
    std::size_t offset = 0;
    for (std::size_t j = 0; j < block_; ++j) {
      inner_[j] = static_cast<std::uint32_t>(offset);
      for (std::size_t i = 0; i < d; ++i) {
        if (++states[i] < cards_[i]) {
          offset += strides_[i];
          break;
        }
        offset -= strides_[i] * (cards_[i] - 1);
        states[i] = 0;
      }
    }
  }

  [[nodiscard]] std::size_t block() const { return block_; }
  [[nodiscard]] const std::uint32_t* inner() const { return inner_.data(); }

  // f(start, sub_base): the block of the large table at [start, start + block())
  // corresponds to sub-table entries sub_base + inner()[j].
  template <typename F>
  void for_each_block(F&& f) const {
    const std::size_t outer_dims = cards_.size() - inner_dims_;
    std::vector<std::size_t> states(outer_dims, 0);
    std::size_t sub_base = 0;
    std::size_t start = 0;
    while (true) {
      f(start, sub_base);
      start += block_;
      std::size_t i = 0;
      for (; i < outer_dims; ++i) {
        const std::size_t dim = inner_dims_ + i;
        if (++states[i] < cards_[dim]) {
          sub_base += strides_[dim];
          break;
        }
        sub_base -= strides_[dim] * (cards_[dim] - 1);
        states[i] = 0;
      }
      if (i == outer_dims) return;
    }
  }

 private:
  static constexpr std::size_t kMaxBlock = 4096;
  std::vector<std::size_t> cards_;
  std::vector<std::size_t> strides_;
  std::size_t block_ = 1;
  std::size_t inner_dims_ = 0;
  std::vector<std::uint32_t> inner_;
};

}  // namespace copi::detail
