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
#include <utility>
#include <vector>

#include "copi/inference/detail/probability_codes.hpp"
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

// As SlicedSums, each weight read as table[code].
void SlicedSumsCoded(const std::uint64_t* HWY_RESTRICT start, const std::int32_t* HWY_RESTRICT index,
                     const std::uint8_t* HWY_RESTRICT code, const double* HWY_RESTRICT table, std::size_t first,
                     std::size_t count, const double* HWY_RESTRICT w, double* HWY_RESTRICT out) {
  constexpr std::size_t W = SlicedRows::kWidth;
  const hn::ScalableTag<double> d;
  const hn::RebindToSigned<decltype(d)> d64;
  const hn::Rebind<std::int32_t, decltype(d)> d32;
  const hn::Rebind<std::uint8_t, decltype(d)> d8;
  const std::size_t lanes = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  for (std::size_t q = first; q < first + count; ++q) {
    const std::uint64_t end = start[q + 1];
    double* slice_out = out + (q - first) * W;
    std::size_t j = 0;
    for (; j + lanes <= W; j += lanes) {
      auto acc = zero;
      for (std::uint64_t at = start[q] + j; at < end; at += W) {
        const auto p = hn::GatherIndex(d, table, hn::PromoteTo(d64, hn::PromoteTo(d32, hn::LoadU(d8, code + at))));
        const auto v = hn::GatherIndex(d, w, hn::PromoteTo(d64, hn::LoadU(d32, index + at)));
        acc = hn::Add(acc, hn::IfThenElseZero(hn::Ne(p, zero), hn::Mul(p, v)));
      }
      hn::StoreU(acc, d, slice_out + j);
    }
    for (; j < W; ++j) {
      double acc = 0.0;
      for (std::uint64_t at = start[q] + j; at < end; at += W) {
        const double p = table[code[at]];
        if (p != 0.0) acc += p * w[index[at]];
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
HWY_EXPORT(SlicedSumsCoded);

void sliced_sums(const SlicedRows& rows, std::size_t first, std::size_t count, const double* w, double* out) {
  if (!rows.code.empty()) {
    HWY_DYNAMIC_DISPATCH(SlicedSumsCoded)(rows.start.data(), rows.index.data(), rows.code.data(), rows.table.data(),
                                          first, count, w, out);
    return;
  }
  HWY_DYNAMIC_DISPATCH(SlicedSums)(rows.start.data(), rows.index.data(), rows.weight.data(), first, count, w, out);
}

void code_weights(SlicedRows& rows, std::size_t min_bytes) {
  if (rows.weight.size() * (sizeof(double) + sizeof(std::int32_t)) < min_bytes) return;
  copi::detail::ProbabilityCodes codes = copi::detail::encode_probabilities(rows.weight);
  if (codes.empty()) return;
  rows.code = std::move(codes.code);
  rows.table = codes.table;
  std::vector<double>().swap(rows.weight);
}

}  // namespace copi::control::detail
#endif  // HWY_ONCE
