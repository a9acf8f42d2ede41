// Internal. log p(evidence) of a Gaussian model, in a form that stays accurate when the
// values are large. The Bethe sum of per-factor integrals is exact on trees in theory,
// but each term carries ½hᵀJ⁻¹h ∝ y², and on a long drifting track those terms reach
// 1e14 and cancel. Instead, for x̂ the posterior means,
//   log p(y) = log p(x̂, y) − log p(x̂ | y),
// where log p(x̂, y) is a sum of every factor's log density at x̂ in residual form
// (y − A x̂ − b: small numbers) and log p(x̂ | y) needs log-determinants only:
//   forest  ½ log det J − (n/2) log 2π for the posterior precision J, whose
//           log-determinant the two-pass schedule has already: its upward pass is
//           variable elimination, each step's integrated block a pivot of the block
//           Cholesky factorisation of J, and each tree's root belief the last pivot;
//   loopy   the Bethe approximation Σ_f log b_f(x̂_f) − Σ_v (deg_v − 1) log b_v(x̂_v)
//           with the normalised beliefs: the same value as the Bethe sum of integrals
//           at a fixed point (the cavities' terms cancel between factors and
//           variables), without its large terms.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "continuous/message_engine.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi::detail {

// What the two-pass schedule knows on a forest: the sum of the upward pass's log
// pivots and each tree's root variable.
struct ForestPivots {
  double upward = 0.0;
  std::span<const std::uint32_t> roots;
};

// `marginals[v].mean`: the posterior mean of every unobserved real variable and the
// value of every observed one; `forest`: null for a loopy model. Nothing when a belief
// is improper.
[[nodiscard]] std::optional<double> gaussian_log_z(const FactorGraph& graph, const Evidence& evidence,
                                                   const MessageEngine& engine,
                                                   const GaussianMarginals& marginals,
                                                   const ForestPivots* forest);

}  // namespace copi::detail
