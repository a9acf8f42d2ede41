// Highway's pattern: this file is compiled once per target by foreach_target.h, each
// time inside hwy::HWY_NAMESPACE; HWY_ONCE marks the single pass that holds the
// dispatching entry points.
// AVX3_DL (Ice Lake and later) among the dispatched targets. Highway 1.0.3 (Debian 12)
// also needs it for -march=native builds on such CPUs: its check of the baseline reads
// an undefined macro, so the static target would be missing from the dynamic ones.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/vector_math.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <cstddef>
#include <limits>
#include <string>

#include "simd/vector_math.hpp"

HWY_BEFORE_NAMESPACE();
namespace copi::control::detail {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Exp's valid range is [-DBL_MAX, 706]: -inf (and anything below -800) is clamped to
// -800, whose exp is 0 after the flush below, as it should be; NaN lanes are restored
// at the end.
template <class D>
HWY_INLINE hn::Vec<D> exp_of(D d, hn::Vec<D> x) {
  const auto low = hn::Set(d, -800.0);
  const auto clamped = hn::Max(x, low);
  auto e = hn::Exp(d, clamped);
  // Subnormal results (x below about -708) become 0: the sums they enter are at least
  // 1e-250 and the callers' policy is "exactly 0 below the smallest normal".
  e = hn::IfThenZeroElse(hn::Lt(e, hn::Set(d, std::numeric_limits<double>::min())), e);
  return hn::IfThenElse(hn::IsNaN(x), x, e);
}

// Log's valid range is (0, DBL_MAX]: other lanes get std::log's answers (0 → -inf,
// +inf → +inf, negative or NaN → NaN) and the kernel sees 1 there.
template <class D>
HWY_INLINE hn::Vec<D> log_of(D d, hn::Vec<D> x) {
  const auto zero = hn::Zero(d);
  const auto inf = hn::Set(d, std::numeric_limits<double>::infinity());
  const auto valid = hn::And(hn::Gt(x, zero), hn::Lt(x, inf));
  const auto l = hn::Log(d, hn::IfThenElse(valid, x, hn::Set(d, 1.0)));
  const auto special = hn::IfThenElse(hn::Eq(x, zero), hn::Neg(inf),
                                      hn::IfThenElse(hn::Eq(x, inf), inf, hn::Set(d, std::numeric_limits<double>::quiet_NaN())));
  return hn::IfThenElse(valid, l, special);
}

enum class Function { exp, log };

// x[i] = f(x[i]) a vector at a time; the last partial vector through a buffer padded
// with 1 (a value both functions take).
template <Function kFunction>
void in_place(double* HWY_RESTRICT x, std::size_t n) {
  const hn::ScalableTag<double> d;
  const auto apply = [&](hn::Vec<decltype(d)> v) { return kFunction == Function::exp ? exp_of(d, v) : log_of(d, v); };
  const std::size_t lanes = hn::Lanes(d);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(apply(hn::LoadU(d, x + i)), d, x + i);
  if (i == n) return;
  HWY_ALIGN double tail[hn::MaxLanes(d)];
  for (std::size_t k = 0; k < hn::MaxLanes(d); ++k) tail[k] = i + k < n ? x[i + k] : 1.0;
  hn::Store(apply(hn::Load(d, tail)), d, tail);
  for (std::size_t k = 0; i + k < n; ++k) x[i + k] = tail[k];
}

// packets[a W] /= sum for every action a (as a product with 1 / sum).
template <class D>
HWY_INLINE void divide_packets(D d, double* HWY_RESTRICT packets, std::size_t actions, hn::Vec<D> sum) {
  const auto inverse = hn::Div(hn::Set(d, 1.0), sum);
  for (std::size_t a = 0; a < actions; ++a) {
    hn::StoreU(hn::Mul(hn::LoadU(d, packets + a * kPacketLanes), inverse), d, packets + a * kPacketLanes);
  }
}

// The soft maximum of packets of eight lanes (see vector_math.hpp): one pass per vector
// of lanes, every action's packet read and written once more for the normalisation.
void SoftMaxPackets(double* HWY_RESTRICT q, std::size_t groups, std::size_t actions, double* HWY_RESTRICT hi_out,
                    double* HWY_RESTRICT sum_out, bool normalise) {
  constexpr std::size_t W = kPacketLanes;
  const hn::ScalableTag<double> d;
  const std::size_t lanes = hn::Lanes(d);
  // The dispatched x86 targets hold 2, 4 or 8 doubles: a packet is whole vectors.
  for (std::size_t g = 0; g < groups; ++g) {
    double* packets = q + g * actions * W;
    for (std::size_t j = 0; j < W; j += lanes) {
      auto hi = hn::LoadU(d, packets + j);
      for (std::size_t a = 1; a < actions; ++a) hi = hn::Max(hi, hn::LoadU(d, packets + a * W + j));
      auto sum = hn::Zero(d);
      for (std::size_t a = 0; a < actions; ++a) {
        const auto e = exp_of(d, hn::Sub(hn::LoadU(d, packets + a * W + j), hi));
        hn::StoreU(e, d, packets + a * W + j);
        sum = hn::Add(sum, e);
      }
      hn::StoreU(hi, d, hi_out + g * W + j);
      hn::StoreU(sum, d, sum_out + g * W + j);
      if (normalise) divide_packets(d, packets + j, actions, sum);
    }
  }
}

// The exact method's weights over packets (see vector_math.hpp).
void ExactPackets(double* HWY_RESTRICT q, const double* HWY_RESTRICT weight, std::size_t groups, std::size_t actions,
                  double end_weight, double* HWY_RESTRICT lowest_out, double* HWY_RESTRICT sum_out, bool normalise) {
  constexpr std::size_t W = kPacketLanes;
  const hn::ScalableTag<double> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto end = hn::Set(d, end_weight);
  for (std::size_t g = 0; g < groups; ++g) {
    double* packets = q + g * actions * W;
    const double* weights = weight + g * actions * W;
    for (std::size_t j = 0; j < W; j += lanes) {
      auto lowest = hn::LoadU(d, packets + j);
      auto sum = hn::Zero(d);
      for (std::size_t a = 0; a < actions; ++a) {
        const auto e = hn::LoadU(d, packets + a * W + j);
        lowest = hn::Min(lowest, e);
        const auto w = hn::Mul(hn::Add(e, end), hn::LoadU(d, weights + a * W + j));
        hn::StoreU(w, d, packets + a * W + j);
        sum = hn::Add(sum, w);
      }
      hn::StoreU(lowest, d, lowest_out + g * W + j);
      hn::StoreU(sum, d, sum_out + g * W + j);
      if (normalise) divide_packets(d, packets + j, actions, sum);
    }
  }
}

void ExpInPlace(double* HWY_RESTRICT x, std::size_t n) { in_place<Function::exp>(x, n); }
void LogInPlace(double* HWY_RESTRICT x, std::size_t n) { in_place<Function::log>(x, n); }

std::int64_t CompiledTarget() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace copi::control::detail
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace copi::control::detail {

HWY_EXPORT(ExpInPlace);
HWY_EXPORT(SoftMaxPackets);
HWY_EXPORT(ExactPackets);
HWY_EXPORT(LogInPlace);
HWY_EXPORT(CompiledTarget);

void exp_in_place(double* x, std::size_t n) { HWY_DYNAMIC_DISPATCH(ExpInPlace)(x, n); }

void log_in_place(double* x, std::size_t n) { HWY_DYNAMIC_DISPATCH(LogInPlace)(x, n); }

void soft_max_packets(double* q, std::size_t groups, std::size_t actions, double* hi, double* sum, bool normalise) {
  HWY_DYNAMIC_DISPATCH(SoftMaxPackets)(q, groups, actions, hi, sum, normalise);
}

void exact_packets(double* q, const double* weight, std::size_t groups, std::size_t actions, double end_weight,
                   double* lowest, double* sum, bool normalise) {
  HWY_DYNAMIC_DISPATCH(ExactPackets)(q, weight, groups, actions, end_weight, lowest, sum, normalise);
}

std::string vector_math_target() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)()); }

}  // namespace copi::control::detail
#endif  // HWY_ONCE
