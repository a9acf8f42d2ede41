// Internal. log p(evidence) of a Gaussian model on a forest, in a form that stays
// accurate when the values are large. The Bethe sum of per-factor integrals is exact
// in theory, but each term carries ½hᵀJ⁻¹h ∝ y², and on a long drifting track those
// terms reach 1e14 and cancel. Instead, for x̂ the posterior means,
//   log p(y) = log p(x̂, y) − log p(x̂ | y),
// where log p(x̂, y) is a sum of every factor's log density at x̂ in residual form
// (y − A x̂ − b: small numbers), and log p(x̂ | y) = ½ log det J − (n/2) log 2π for the
// posterior precision J, whose log-determinant the two-pass schedule has already: its
// upward pass is variable elimination, each step's integrated block a pivot of the
// block Cholesky factorisation of J, and each tree's root belief the last pivot.
#pragma once

#include <cstdint>
#include <vector>

#include "continuous/message_engine.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi::detail {

// `marginals[v].mean`: the posterior mean of every unobserved real variable and the
// value of every observed one; `upward_pivots`: the sum of the upward pass's log
// pivots; `roots`: each tree's root variable. Nothing when a root's belief is improper.
[[nodiscard]] std::optional<double> gaussian_tree_log_z(const FactorGraph& graph, const Evidence& evidence,
                                                        const MessageEngine& engine,
                                                        const std::vector<GaussianMarginal>& marginals,
                                                        double upward_pivots, const std::vector<std::uint32_t>& roots);

}  // namespace copi::detail
