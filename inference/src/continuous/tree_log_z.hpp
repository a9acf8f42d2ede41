// Internal. log p(evidence) of a Gaussian model on a forest, in a form that stays
// accurate when the values are large. The Bethe sum of per-factor integrals is exact
// in theory, but each term carries ½hᵀJ⁻¹h ∝ y², and on a long drifting track those
// terms reach 1e14 and cancel. Instead, for x̂ the posterior means,
//   log p(y) = log p(x̂, y) − log p(x̂ | y),
// where log p(x̂, y) is a sum of every factor's log density at x̂ in residual form
// (y − A x̂ − b: small numbers), and on a tree
//   log p(x̂ | y) = Σ_f log b_f(x̂_f) − Σ_v (deg_v − 1) log b_v(x̂_v)
// with the beliefs evaluated at their own means: log-determinants only.
#pragma once

#include <vector>

#include "continuous/message_engine.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi::detail {

// `marginals[v].mean`: the posterior mean of every unobserved real variable and the
// value of every observed one. Nothing when a belief is improper.
[[nodiscard]] std::optional<double> gaussian_tree_log_z(const FactorGraph& graph, const Evidence& evidence,
                                                        const MessageEngine& engine,
                                                        const std::vector<GaussianMarginal>& marginals);

}  // namespace copi::detail
