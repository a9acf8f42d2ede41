// Private. Rows of a sparse matrix eight at a time, for a vectorised gather: the
// SELL-8 layout. Entry i of a slice's lane j sits at start[slice] + 8 i + j, so one
// vector load brings entry i of eight rows, and one hardware gather their w[index].
// Lanes shorter than the slice's longest row are padded with weight 0 (masked out:
// they add nothing, whatever w holds). The control backups and forward visitation sum
// every row of their dynamics once per step; in CSR each entry is a scalar load of the
// index, of w and of the weight, which leaves the core waiting on loads (cache-resident
// dynamics ran at ~3 cycles per entry).
//
// Shared indices: when consecutive slices hold rows over the same successors (an MDP's
// actions from one state usually reach the same next states, with other
// probabilities), a group of `share` slices keeps one copy of its indices, and its sums
// gather each w[index] once for the whole group instead of once per slice.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "copi/inference/detail/parallel.hpp"
#include "copi/inference/detail/probability_codes.hpp"

namespace copi::control::detail {

// An allocator whose construction without a value leaves trivial values uninitialised:
// the slices' arrays are first written in parallel by the slices that own them, where a
// zero-filled std::vector would fault in and clear every page on the calling thread.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  UninitializedAllocator() noexcept = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}  // NOLINT: a rebind
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <typename T>
using SliceArray = std::vector<T, UninitializedAllocator<T>>;

struct SlicedRows {
  static constexpr std::size_t kWidth = 8;
  std::vector<std::uint64_t> start;  // slices + 1; a slice spans [start[q], start[q + 1]), a multiple of 8
  SliceArray<std::int32_t> index;    // w's index of each entry (padding: 0); empty with offsets
  // Offsets (compact slices, see slice_rows): index = base[slice] + offset, two bytes per entry.
  std::vector<std::int32_t> base;
  SliceArray<std::uint16_t> offset;
  SliceArray<double> weight;         // the entry's weight (padding: 0); empty when coded
  // Coded (compact slices): weight = table[code], one byte per entry instead of eight.
  std::vector<std::uint8_t> code;
  std::array<double, 256> table{};
  // Slices q with the same q / share (share consecutive slices, all of one length) keep
  // one copy of their indices (or offsets): the first slice's, at index_slot. 1: each
  // slice its own.
  std::size_t share = 1;

  // Where entry `at` of slice q finds its index (or offset).
  [[nodiscard]] std::uint64_t index_slot(std::size_t q, std::uint64_t at) const {
    if (share == 1) return at;
    const std::size_t first = q - q % share;
    return start[first] / share + (at - start[q]);  // a group's slices are equally long
  }

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

// Whether every group of `share` consecutive slices lists, lane by lane, the same
// indices in the same order (weight-0 entries left out); `count[q + 1]` is slice q's
// length (the slices of a group must then be equally long).
template <typename Index, typename Range>
bool same_indices_in_groups(std::size_t slices, std::size_t share, const Index* index, const double* weight,
                            Range& range, const std::vector<std::uint64_t>& count, std::size_t threads) {
  const std::size_t groups = slices / share;
  std::vector<std::uint8_t> differs(groups, 0);
  copi::detail::parallel_for_range(groups, 1024, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t g = first; g < last; ++g) {
      const std::size_t q0 = g * share;
      for (std::size_t q = q0 + 1; q < q0 + share && differs[g] == 0; ++q) {
        if (count[q + 1] != count[q0 + 1]) differs[g] = 1;
        for (std::size_t j = 0; j < SlicedRows::kWidth && differs[g] == 0; ++j) {
          auto [a, a_end] = range(q0, j);
          auto [b, b_end] = range(q, j);
          while (true) {
            while (a < a_end && weight[a] == 0.0) ++a;
            while (b < b_end && weight[b] == 0.0) ++b;
            if (a == a_end || b == b_end) break;
            if (index[a] != index[b]) break;
            ++a;
            ++b;
          }
          if (a != a_end || b != b_end) differs[g] = 1;
        }
      }
    }
  });
  return std::find(differs.begin(), differs.end(), 1) == differs.end();
}

// Slices from rows given as index ranges into (`index`, `weight`) arrays: lane j of
// slice q is the range `range(q, j)` ({begin, end}; begin == end: an empty lane).
// Entries of weight 0 are left out. Empty (no slices) when an index does not fit an
// int32 (the gather's index type); the callers then keep their scalar loop.
// Slices of `compact_bytes` or more (at 12 bytes per entry) are built compact: indices
// as uint16 offsets from each slice's smallest index if every slice spans less than
// 2^16 (dynamics with locality: a grid's successors lie within a row or two), weights
// as one-byte codes into a table of their distinct values if there are at most 256.
// From 12 bytes per entry to 3 for a grid's dynamics, without building the 12 first.
// `threads`: the count in effect (inside with_threads); every pass but the codes' table
// runs in parallel over slices, each slice writing its own entries.
// `share` > 1 (dividing `slices`): when, in every group of `share` consecutive slices,
// each lane's rows list the same indices in the same order (weight-0 entries aside),
// the group keeps one copy of them (SlicedRows::share); otherwise each slice its own.
template <typename Index, typename Range>
SlicedRows slice_rows(std::size_t slices, const Index* index, const double* weight, Range&& range,
                      std::size_t compact_bytes = kCompactSlicesBytes, std::size_t threads = 1,
                      std::size_t share = 1) {
  constexpr std::size_t W = SlicedRows::kWidth;
  constexpr std::size_t kSlicesPerTask = 1024;
  constexpr auto kLargestIndex = static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max());
  constexpr std::uint64_t kLargestOffset = std::numeric_limits<std::uint16_t>::max();
  SlicedRows rows;
  rows.start.resize(slices + 1, 0);
  std::vector<std::int32_t> lowest(slices, 0);  // each slice's smallest index
  std::vector<std::uint8_t> wide(slices, 0);    // 1: spans 2^16 or more; 2: an index past int32
  copi::detail::parallel_for_range(slices, kSlicesPerTask, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t q = first; q < last; ++q) {
      std::uint64_t longest = 0;
      std::uint64_t lo = std::numeric_limits<std::uint64_t>::max();
      std::uint64_t hi = 0;
      for (std::size_t j = 0; j < W; ++j) {
        const auto [begin, end] = range(q, j);
        std::uint64_t used = 0;
        for (auto k = begin; k < end; ++k) {
          if (weight[k] == 0.0) continue;
          const auto x = static_cast<std::uint64_t>(index[k]);
          lo = std::min(lo, x);
          hi = std::max(hi, x);
          ++used;
        }
        longest = std::max(longest, used);
      }
      rows.start[q + 1] = W * longest;  // a count here, offsets after the scan below
      if (lo <= hi) {
        wide[q] = hi > kLargestIndex ? 2 : hi - lo > kLargestOffset ? 1 : 0;
        lowest[q] = static_cast<std::int32_t>(std::min(lo, kLargestIndex));
      }
    }
  });
  bool offsets_fit = true;
  for (std::size_t q = 0; q < slices; ++q) {
    if (wide[q] == 2) return {};
    offsets_fit = offsets_fit && wide[q] == 0;
  }
  if (share > 1 && slices % share == 0 && same_indices_in_groups(slices, share, index, weight, range, rows.start, threads)) {
    rows.share = share;
  }
  for (std::size_t q = 0; q < slices; ++q) rows.start[q + 1] += rows.start[q];
  const std::uint64_t entries = rows.start.back();
  const bool compact = entries * (sizeof(double) + sizeof(std::int32_t)) >= compact_bytes;
  // Every entry's place: entry k of a lane sits W after the one before.
  const auto place_slice = [&](std::size_t q, auto&& place) {
    for (std::size_t j = 0; j < W; ++j) {
      const auto [begin, end] = range(q, j);
      std::uint64_t at = rows.start[q] + j;
      for (auto k = begin; k < end; ++k) {
        if (weight[k] == 0.0) continue;
        place(q, at, k);
        at += W;
      }
    }
  };
  // Writes an array (allocated uninitialised) slice by slice in parallel: every `step`-th
  // slice its padding, then its entries' value_of(q, k), each at slot(q, at).
  const auto fill_slices = [&](auto* out, auto padding, std::size_t step, auto&& slot, auto&& value_of) {
    copi::detail::parallel_for_range(slices / step, kSlicesPerTask, threads, [&](std::size_t first, std::size_t last) {
      for (std::size_t q = first * step; q < last * step; q += step) {
        const std::uint64_t from = slot(q, rows.start[q]);
        std::fill(out + from, out + from + (rows.start[q + 1] - rows.start[q]), padding);
        place_slice(q, [&](std::size_t, std::uint64_t at, auto k) { out[slot(q, at)] = value_of(q, k); });
      }
    });
  };
  const auto index_slot = [&](std::size_t q, std::uint64_t at) { return rows.index_slot(q, at); };
  const std::uint64_t index_entries = entries / rows.share;
  if (compact && offsets_fit) {
    rows.base = std::move(lowest);
    rows.offset.resize(index_entries);  // padding 0: the slice's smallest index, a valid one
    fill_slices(rows.offset.data(), std::uint16_t{0}, rows.share, index_slot, [&](std::size_t q, auto k) {
      return static_cast<std::uint16_t>(static_cast<std::uint64_t>(index[k]) - rows.base[q]);
    });
  } else {
    rows.index.resize(index_entries);
    fill_slices(rows.index.data(), std::int32_t{0}, rows.share, index_slot,
                [&](std::size_t, auto k) { return static_cast<std::int32_t>(index[k]); });
  }
  if (compact) {
    // The table's codes in first-seen order: one slice after another.
    copi::detail::ProbabilityEncoder encoder;
    std::uint8_t padding = 0;
    (void)encoder.encode(0.0, padding);  // the first value: code 0 is the padding's weight 0
    rows.code.assign(entries, padding);
    bool coded = true;
    for (std::size_t q = 0; q < slices && coded; ++q) {
      place_slice(q, [&](std::size_t, std::uint64_t at, auto k) { coded = coded && encoder.encode(weight[k], rows.code[at]); });
    }
    if (coded) {
      rows.table = encoder.table();
      return rows;
    }
    std::vector<std::uint8_t>().swap(rows.code);  // more than 256 distinct weights: doubles
  }
  rows.weight.resize(entries);
  fill_slices(rows.weight.data(), 0.0, 1, [](std::size_t, std::uint64_t at) { return at; },
              [&](std::size_t, auto k) { return weight[k]; });
  return rows;
}

// out[8 i + j] = Σ over lane j of slice first + i, in entry order, of weight · w[index],
// for i < count (out holds 8 count values). Vectorised for the CPU found at run time
// (Google Highway, as vector_math.hpp).
void sliced_sums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out);

// The instruction set sliced_sums runs with on this CPU (as vector_math_target()).
std::string sliced_sums_target();

}  // namespace copi::control::detail
