// Private. Rows of a sparse matrix eight at a time, for a vectorised gather: the
// SELL-8 layout. Entry i of a slice's lane j sits at start[slice] + 8 i + j, so one
// vector load brings entry i of eight rows, and one hardware gather their w[index].
// Lanes shorter than the slice's longest row are padded with weight 0 (masked out:
// they add nothing, whatever w holds). The control backups and forward visitation sum
// every row of their dynamics once per step; in CSR each entry is a scalar load of the
// index, of w and of the weight, which leaves the core waiting on loads (cache-resident
// dynamics ran at ~3 cycles per entry).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace copi::control::detail {

struct SlicedRows {
  static constexpr std::size_t kWidth = 8;
  std::vector<std::uint64_t> start;  // slices + 1; a slice spans [start[q], start[q + 1]), a multiple of 8
  std::vector<std::int32_t> index;   // w's index of each entry (padding: 0); empty with offsets
  // Offsets (see compact_slices): index = base[slice] + offset, two bytes per entry.
  std::vector<std::int32_t> base;
  std::vector<std::uint16_t> offset;
  std::vector<double> weight;        // the entry's weight (padding: 0); empty when coded
  // Coded (see code_weights): weight = table[code], one byte per entry instead of eight.
  std::vector<std::uint8_t> code;
  std::array<double, 256> table{};

  [[nodiscard]] bool empty() const { return start.empty(); }
  [[nodiscard]] std::size_t slices() const { return start.empty() ? 0 : start.size() - 1; }
  [[nodiscard]] std::size_t bytes() const {
    return start.size() * sizeof(std::uint64_t) + index.size() * sizeof(std::int32_t) +
           base.size() * sizeof(std::int32_t) + offset.size() * sizeof(std::uint16_t) + weight.size() * sizeof(double) +
           code.size();
  }
};

// Slices this large are far from any cache: their gather waits on memory, and fewer
// bytes per entry are worth the table lookup and the addition they cost. Smaller
// slices keep their doubles and int32 indices (one gather fewer).
inline constexpr std::size_t kCompactSlicesBytes = std::size_t{32} << 20;

// When the slices take `min_bytes` or more: the indices become uint16 offsets from
// each slice's smallest index if every slice spans less than 2^16, and the weights
// one-byte codes into a table of their distinct values if there are at most 256 of
// them. From 12 bytes per entry to 3 (a grid's dynamics).
void compact_slices(SlicedRows& rows, std::size_t min_bytes = kCompactSlicesBytes);

// Slices from rows given as index ranges into (`index`, `weight`) arrays: lane j of
// slice q is the range `range(q, j)` ({begin, end}; begin == end: an empty lane).
// Entries of weight 0 are left out. Empty (no slices) when an index does not fit an
// int32 (the gather's index type); the callers then keep their scalar loop.
template <typename Index, typename Range>
SlicedRows slice_rows(std::size_t slices, const Index* index, const double* weight, Range&& range) {
  constexpr std::size_t W = SlicedRows::kWidth;
  SlicedRows rows;
  rows.start.resize(slices + 1, 0);
  for (std::size_t q = 0; q < slices; ++q) {
    std::uint64_t longest = 0;
    for (std::size_t j = 0; j < W; ++j) {
      const auto [begin, end] = range(q, j);
      std::uint64_t used = 0;
      for (auto k = begin; k < end; ++k) used += weight[k] != 0.0 ? 1 : 0;
      longest = std::max(longest, used);
    }
    rows.start[q + 1] = rows.start[q] + W * longest;
  }
  rows.index.assign(rows.start.back(), 0);
  rows.weight.assign(rows.start.back(), 0.0);
  for (std::size_t q = 0; q < slices; ++q) {
    for (std::size_t j = 0; j < W; ++j) {
      const auto [begin, end] = range(q, j);
      std::uint64_t at = rows.start[q] + j;
      for (auto k = begin; k < end; ++k) {
        if (weight[k] == 0.0) continue;
        if (static_cast<std::uint64_t>(index[k]) > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
          return {};
        }
        rows.index[at] = static_cast<std::int32_t>(index[k]);
        rows.weight[at] = weight[k];
        at += W;
      }
    }
  }
  compact_slices(rows);
  return rows;
}


// out[8 i + j] = Σ over lane j of slice first + i, in entry order, of weight · w[index],
// for i < count (out holds 8 count values). Vectorised for the CPU found at run time
// (Google Highway, as vector_math.hpp).
void sliced_sums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out);

}  // namespace copi::control::detail
