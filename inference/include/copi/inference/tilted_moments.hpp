// The tilted moments EP needs for one site: for a Gaussian cavity N(s; m, v) and a
// likelihood f(s) of one scalar projection (copi/graph/site_factor.hpp),
//
//   Z = ∫ N(s; m, v) f(s) ds,  and the mean and variance of s under N(s; m, v) f(s) / Z.
//
// Closed forms for step, interval, probit and Gaussian-mixture sites; Gauss–Hermite
// quadrature for logistic, Poisson and quadrature sites; a custom site's own tilted().
// The formulas are in docs/algorithms.md (Expectation propagation: tilted moments).
#pragma once

#include <cstddef>

#include "copi/graph/site_factor.hpp"

namespace copi {

// Contract: for a finite cavity mean and a positive finite cavity variance the result
// has a finite log_z, a finite mean and a variance > 0, also far in the tails (a
// constraint 40 cavity sds away, a Poisson count of thousands): ratios Φ/φ come from
// a continued fraction, sums from log-sum-exp. It is never NaN.
//
// Throws InputError for a non-finite cavity mean, a non-positive or non-finite cavity
// variance, quadrature_points outside 2 … kMaxQuadraturePoints, or a likelihood its
// SiteFactor would reject (interval with lower ≥ upper, mixture with mismatched sizes
// or no mass, non-finite threshold). Throws NumericError when a quadrature or custom
// site's log-likelihood is NaN or +inf at a node, or is −inf at every node (no mass
// where the cavity lives), or when a custom site's tilted() breaks its contract.
//
// quadrature_points is the size of the Gauss–Hermite rule. The rule is first centred on
// the cavity, s = m + √v·x (x the probabilists' nodes; = m + √(2v)·x with the
// physicists'), then re-centred on the tilted mean and variance it found (importance
// weights N(s; m, v) / N(s; mean, var)) until the proposal agrees with the moments it
// produces (at most 12 rounds): a likelihood much narrower than the cavity is resolved
// instead of falling between two nodes. Quadrature accuracy still depends on how smooth
// f is on the scale of the tilted sd; see docs/algorithms.md.
[[nodiscard]] TiltedMoments tilted_moments(const ScalarLikelihood& likelihood, double cavity_mean,
                                           double cavity_variance, std::size_t quadrature_points = 64);

}  // namespace copi
