// Moments of a standard normal restricted to a half-line or an interval, accurate far
// into the tails: the building blocks of the step, interval and probit tilted moments.
#pragma once

namespace copi::detail {

// x ~ N(0, 1) conditioned on lying in a set A: log P(A), E[x | A], Var[x | A].
struct TruncatedMoments {
  double log_mass = 0.0;
  double mean = 0.0;
  double variance = 1.0;
};

// log Φ(z) for any z (no underflow: the Laplace continued fraction below z = −4).
[[nodiscard]] double log_normal_cdf(double z);

// x ≤ z. mean = −λ(z) with λ = φ/Φ the inverse Mills ratio, variance = 1 − λ(λ + z);
// below z = −4 both come from the continued fraction so that the variance (≈ 1/z²)
// does not suffer the cancellation in 1 − λ(λ + z).
[[nodiscard]] TruncatedMoments below(double z);

// lower ≤ x ≤ upper (lower ≤ upper, both finite; lower < upper for a positive variance).
[[nodiscard]] TruncatedMoments between(double lower, double upper);

}  // namespace copi::detail
