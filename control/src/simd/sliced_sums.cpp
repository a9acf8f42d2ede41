// Highway's pattern (see vector_math.cpp): compiled once per target, the dispatching
// entry points in the HWY_ONCE pass.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/sliced_sums.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "simd/sliced_rows.hpp"

HWY_BEFORE_NAMESPACE();
namespace copi::control::detail {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <bool kCoded, bool kOffsets>
void sums(const SlicedRows& slices, std::size_t first, std::size_t count, const double* HWY_RESTRICT w,
          double* HWY_RESTRICT out) {
  constexpr std::size_t W = SlicedRows::kWidth;
  const struct {
    const std::uint64_t* HWY_RESTRICT start;
    const std::int32_t* HWY_RESTRICT index;
    const std::int32_t* HWY_RESTRICT base;
    const std::uint16_t* HWY_RESTRICT offset;
    const double* HWY_RESTRICT weight;
    const std::uint8_t* HWY_RESTRICT code;
    const double* HWY_RESTRICT table;
  } rows{slices.start.data(), slices.index.data(), slices.base.data(), slices.offset.data(),
         slices.weight.data(), slices.code.data(), slices.table.data()};
  const hn::ScalableTag<double> d;
  const hn::RebindToSigned<decltype(d)> d64;
  const hn::Rebind<std::int32_t, decltype(d)> d32;
  const hn::Rebind<std::uint16_t, decltype(d)> d16;
  const hn::Rebind<std::uint8_t, decltype(d)> d8;
  const std::size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  const auto weight_at = [&](std::uint64_t at) {
    if constexpr (kCoded) {
      return hn::GatherIndex(d, rows.table, hn::PromoteTo(d64, hn::PromoteTo(d32, hn::LoadU(d8, rows.code + at))));
    } else {
      return hn::LoadU(d, rows.weight + at);
    }
  };
  const auto index_at = [&](std::uint64_t at, std::size_t q) {
    if constexpr (kOffsets) {
      return hn::PromoteTo(d64, hn::Add(hn::Set(d32, rows.base[q]), hn::BitCast(d32, hn::PromoteTo(d32, hn::LoadU(d16, rows.offset + at)))));
    } else {
      return hn::PromoteTo(d64, hn::LoadU(d32, rows.index + at));
    }
  };
  const auto scalar_weight = [&](std::uint64_t at) { return kCoded ? rows.table[rows.code[at]] : rows.weight[at]; };
  const auto scalar_index = [&](std::uint64_t at, std::size_t q) {
    return kOffsets ? std::int64_t{rows.base[q]} + rows.offset[at] : std::int64_t{rows.index[at]};
  };
  // One slice: its entry i (from the slice's start) finds its index at islot + i (shared
  // indices: in the group's copy).
  const auto slice_sums = [&](std::size_t q, double* HWY_RESTRICT slice_out) {
    const std::uint64_t begin = rows.start[q];
    const std::uint64_t length = rows.start[q + 1] - begin;
    const std::uint64_t islot = slices.index_slot(q, begin);
    // W is a multiple of every dispatched target's lane count for doubles; a wider
    // vector (SVE/RVV, not dispatched here) would take the remainder loop's path.
    const std::size_t vector_end = W / lanes * lanes;
    std::size_t j = 0;
    for (; j < vector_end; j += lanes) {
      auto acc = zero;
      for (std::uint64_t i = j; i < length; i += W) {
        const auto p = weight_at(begin + i);
        const auto v = hn::GatherIndex(d, w, index_at(islot + i, q));
        acc = hn::Add(acc, hn::IfThenElseZero(hn::Ne(p, zero), hn::Mul(p, v)));
      }
      hn::StoreU(acc, d, slice_out + j);
    }
    for (j = vector_end; j < W; ++j) {
      double acc = 0.0;
      for (std::uint64_t n = 0; n < length / W; ++n) {  // lengths are multiples of W
        const double p = scalar_weight(begin + n * W + j);
        if (p != 0.0) acc += p * w[scalar_index(islot + n * W + j, q)];
      }
      slice_out[j] = acc;
    }
  };
  // A group of slices sharing their indices: each w[index] gathered once, then every
  // slice's weights applied to it, in the same order and with the same operations per
  // entry as slice_sums (the same bits). kChunk entries per lane at a time: the
  // gathered values wait in a small buffer, each slice's sum in its output between chunks.
  constexpr std::size_t kChunk = 16;
  const auto group_sums = [&](std::size_t q0, double* HWY_RESTRICT group_out) {
    const std::size_t share = slices.share;
    const std::uint64_t length = rows.start[q0 + 1] - rows.start[q0];
    const std::uint64_t islot = slices.index_slot(q0, rows.start[q0]);
    HWY_ALIGN double gathered[kChunk * W];
    const std::size_t vector_end = W / lanes * lanes;
    for (std::size_t j = 0; j < vector_end; j += lanes) {
      for (std::uint64_t from = 0; from == 0 || from < length; from += kChunk * W) {
        const std::uint64_t to = std::min<std::uint64_t>(length, from + kChunk * W);
        for (std::uint64_t at = from + j; at < to; at += W) {
          hn::Store(hn::GatherIndex(d, w, index_at(islot + at, q0)), d, gathered + (at - from - j) / W * lanes);
        }
        for (std::size_t a = 0; a < share; ++a) {
          const std::uint64_t base = rows.start[q0 + a];
          double* HWY_RESTRICT slice_out = group_out + a * W + j;
          auto acc = from == 0 ? zero : hn::LoadU(d, slice_out);
          for (std::uint64_t at = from + j; at < to; at += W) {
            const auto p = weight_at(base + at);
            const auto v = hn::Load(d, gathered + (at - from - j) / W * lanes);
            acc = hn::Add(acc, hn::IfThenElseZero(hn::Ne(p, zero), hn::Mul(p, v)));
          }
          hn::StoreU(acc, d, slice_out);
        }
      }
    }
    for (std::size_t a = 0; a < share; ++a) {
      for (std::size_t jj = vector_end; jj < W; ++jj) {  // the remainder lanes (not on x86 targets)
        double acc = 0.0;
        for (std::uint64_t n = 0; n < length / W; ++n) {
          const double p = scalar_weight(rows.start[q0 + a] + n * W + jj);
          if (p != 0.0) acc += p * w[scalar_index(islot + n * W + jj, q0)];
        }
        group_out[a * W + jj] = acc;
      }
    }
  };
  std::size_t q = first;
  const std::size_t share = slices.share;
  for (; q < first + count && (share == 1 || q % share != 0); ++q) slice_sums(q, out + (q - first) * W);
  for (; share > 1 && q + share <= first + count; q += share) group_sums(q, out + (q - first) * W);
  for (; q < first + count; ++q) slice_sums(q, out + (q - first) * W);
}

void SlicedSums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  sums<false, false>(rows, first, count, w, out);
}
void SlicedSumsCoded(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  sums<true, false>(rows, first, count, w, out);
}
void SlicedSumsOffsets(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  sums<false, true>(rows, first, count, w, out);
}
void SlicedSumsCodedOffsets(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  sums<true, true>(rows, first, count, w, out);
}

std::int64_t SlicedTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace copi::control::detail
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace copi::control::detail {

HWY_EXPORT(SlicedSums);
HWY_EXPORT(SlicedSumsCoded);
HWY_EXPORT(SlicedSumsOffsets);
HWY_EXPORT(SlicedSumsCodedOffsets);
HWY_EXPORT(SlicedTarget);

std::string sliced_sums_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(SlicedTarget)()); }

void sliced_sums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  const bool coded = !rows.code.empty();
  const bool offsets = !rows.offset.empty();
  if (coded && offsets) {
    HWY_DYNAMIC_DISPATCH(SlicedSumsCodedOffsets)(rows, first, count, w, out);
  } else if (coded) {
    HWY_DYNAMIC_DISPATCH(SlicedSumsCoded)(rows, first, count, w, out);
  } else if (offsets) {
    HWY_DYNAMIC_DISPATCH(SlicedSumsOffsets)(rows, first, count, w, out);
  } else {
    HWY_DYNAMIC_DISPATCH(SlicedSums)(rows, first, count, w, out);
  }
}

}  // namespace copi::control::detail
#endif  // HWY_ONCE
