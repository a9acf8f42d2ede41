// Highway's pattern (see vector_math.cpp): compiled once per target, the dispatching
// entry point in the HWY_ONCE pass.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/sliced_sums.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>

#include "simd/sliced_rows.hpp"

HWY_BEFORE_NAMESPACE();
namespace copi::control::detail {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void SlicedSums(const std::uint64_t* HWY_RESTRICT start, const std::int32_t* HWY_RESTRICT index,
                const double* HWY_RESTRICT weight, std::size_t first, std::size_t count, const double* HWY_RESTRICT w,
                double* HWY_RESTRICT out) {
  constexpr std::size_t W = SlicedRows::kWidth;
  const hn::ScalableTag<double> d;
  const hn::RebindToSigned<decltype(d)> d64;
  const hn::Rebind<std::int32_t, decltype(d)> d32;
  const std::size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  for (std::size_t q = first; q < first + count; ++q) {
    const std::uint64_t end = start[q + 1];
    double* slice_out = out + (q - first) * W;
    // W is a multiple of every target's lane count for doubles up to 512 bits; a wider
    // vector (SVE/RVV, not dispatched here) would take the remainder loop's path.
    std::size_t j = 0;
    for (; j + lanes <= W; j += lanes) {
      auto acc = zero;
      for (std::uint64_t at = start[q] + j; at < end; at += W) {
        const auto p = hn::LoadU(d, weight + at);
        const auto v = hn::GatherIndex(d, w, hn::PromoteTo(d64, hn::LoadU(d32, index + at)));
        acc = hn::Add(acc, hn::IfThenElseZero(hn::Ne(p, zero), hn::Mul(p, v)));
      }
      hn::StoreU(acc, d, slice_out + j);
    }
    for (; j < W; ++j) {
      double acc = 0.0;
      for (std::uint64_t at = start[q] + j; at < end; at += W) {
        if (weight[at] != 0.0) acc += weight[at] * w[index[at]];
      }
      slice_out[j] = acc;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace copi::control::detail
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace copi::control::detail {

HWY_EXPORT(SlicedSums);

void sliced_sums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  HWY_DYNAMIC_DISPATCH(SlicedSums)(rows.start.data(), rows.index.data(), rows.weight.data(), first, count, w, out);
}

}  // namespace copi::control::detail
#endif  // HWY_ONCE
