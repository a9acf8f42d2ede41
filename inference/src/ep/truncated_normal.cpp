#include "ep/truncated_normal.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>

#include "copi/inference/gauss_quadrature.hpp"

namespace copi::detail {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

// Where the continued fraction takes over from erfc: at z = −4, 60 terms already agree
// with erfc to 1e-15, and 1 − λ(λ + z) ≈ 0.047 loses under 1e-14 to cancellation.
constexpr double kTailStart = -4.0;
constexpr int kFractionTerms = 80;

// Laplace's continued fraction for the Mills ratio at a = −z > 0:
//   Φ(−a)/φ(a) = 1/(a + d),  d = 1/(a + e),  e = 2/(a + 3/(a + …)).
// Then λ = a + d, λ − a = d, and 1 − λ(λ − a) = (e − d)/(a + e) without cancellation.
struct FractionTails {
  double d = 0.0;
  double e = 0.0;
};
FractionTails mills_fraction(double a) {
  double t = 0.0;
  double e = 0.0;
  for (int k = kFractionTerms; k >= 1; --k) {
    t = k / (a + t);
    if (k == 2) e = t;
  }
  return {t, e};
}

// Σ weight·value over the 32-point Gauss–Legendre rule, built once (read-only after).
const GaussRule& legendre32() {
  static const GaussRule rule = gauss_legendre_rule(32);
  return rule;
}

// The interval by Gauss–Legendre when the density varies by at most e^16 across it and
// it is at most 4 wide: the integrand exp(−x²/2) is then resolved to rounding, and
// this is the regime (narrow, or narrow and far out) where differences of Φ cancel.
TruncatedMoments between_by_quadrature(double lower, double upper) {
  const GaussRule& rule = legendre32();
  const double centre = 0.5 * (lower + upper);
  const double half = 0.5 * (upper - lower);
  const double peak = std::clamp(0.0, lower, upper);
  const double log_peak = -0.5 * peak * peak;
  double mass = 0.0;
  double first = 0.0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double x = centre + half * rule.nodes[i];
    const double g = rule.weights[i] * std::exp(-0.5 * x * x - log_peak);
    mass += g;
    first += g * rule.nodes[i];
  }
  const double t_mean = first / mass;
  double second = 0.0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double x = centre + half * rule.nodes[i];
    const double d = rule.nodes[i] - t_mean;
    second += rule.weights[i] * std::exp(-0.5 * x * x - log_peak) * d * d;
  }
  return {log_peak - kHalfLogTwoPi + std::log(half * mass), centre + half * t_mean, half * half * second / mass};
}

}  // namespace

double log_normal_cdf(double z) {
  if (z >= 0.0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z >= kTailStart) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  const double a = -z;
  return -0.5 * a * a - kHalfLogTwoPi - std::log(a + mills_fraction(a).d);
}

TruncatedMoments below(double z) {
  if (z == std::numeric_limits<double>::infinity()) return {0.0, 0.0, 1.0};
  if (z >= kTailStart) {
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    const double lambda = std::exp(-0.5 * z * z - kHalfLogTwoPi) / cdf;
    return {log_normal_cdf(z), -lambda, 1.0 - lambda * (lambda + z)};
  }
  const double a = -z;
  const auto [d, e] = mills_fraction(a);
  return {-0.5 * a * a - kHalfLogTwoPi - std::log(a + d), -(a + d), (e - d) / (a + e)};
}

TruncatedMoments between(double lower, double upper) {
  // Reflect so that the interval's midpoint is at or below 0: then upper is the end
  // nearer the mode whenever the interval lies on one side of it.
  if (lower + upper > 0.0) {
    TruncatedMoments r = between(-upper, -lower);
    r.mean = -r.mean;
    return r;
  }
  const double width = upper - lower;
  if (width <= 4.0 && width * std::abs(lower) <= 16.0) return between_by_quadrature(lower, upper);
  if (upper >= 0.0) {
    // Contains the mode and is wider than 4: the mass is at least Φ(0) − Φ(−2), so the
    // textbook differences are accurate.
    const double mass = 1.0 - 0.5 * std::erfc(upper / std::numbers::sqrt2) - 0.5 * std::erfc(-lower / std::numbers::sqrt2);
    const double pdf_lower = std::exp(-0.5 * lower * lower - kHalfLogTwoPi);
    const double pdf_upper = std::exp(-0.5 * upper * upper - kHalfLogTwoPi);
    const double mean = (pdf_lower - pdf_upper) / mass;
    const double second = 1.0 + (lower * pdf_lower - upper * pdf_upper) / mass;
    return {std::log(mass), mean, second - mean * mean};
  }
  // Entirely below the mode, and wide or far out: the far end holds a fraction r ≤ e^−8
  // of the one-sided mass. With A = {x ≤ upper} = I ∪ B, B = {x ≤ lower}:
  // A's law is (1 − r)·I + r·B, which solves for I's moments without cancellation.
  const TruncatedMoments a = below(upper);
  const TruncatedMoments b = below(lower);
  const double r = std::exp(b.log_mass - a.log_mass);
  const double mean = (a.mean - r * b.mean) / (1.0 - r);
  const double gap = mean - b.mean;
  const double variance = (a.variance - r * b.variance - r * (1.0 - r) * gap * gap) / (1.0 - r);
  return {a.log_mass + std::log1p(-r), mean, variance};
}

}  // namespace copi::detail
