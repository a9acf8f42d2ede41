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
  for (std::size_t q = first; q < first + count; ++q) {
    const std::uint64_t end = rows.start[q + 1];
    double* slice_out = out + (q - first) * W;
    // W is a multiple of every dispatched target's lane count for doubles; a wider
    // vector (SVE/RVV, not dispatched here) would take the remainder loop's path.
    std::size_t j = 0;
    for (; j + lanes <= W; j += lanes) {
      auto acc = zero;
      for (std::uint64_t at = rows.start[q] + j; at < end; at += W) {
        const auto p = weight_at(at);
        const auto v = hn::GatherIndex(d, w, index_at(at, q));
        acc = hn::Add(acc, hn::IfThenElseZero(hn::Ne(p, zero), hn::Mul(p, v)));
      }
      hn::StoreU(acc, d, slice_out + j);
    }
    for (; j < W; ++j) {
      double acc = 0.0;
      for (std::uint64_t at = rows.start[q] + j; at < end; at += W) {
        const double p = scalar_weight(at);
        if (p != 0.0) acc += p * w[scalar_index(at, q)];
      }
      slice_out[j] = acc;
    }
  }
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
