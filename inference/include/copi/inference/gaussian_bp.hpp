// Gaussian belief propagation on models whose factors are all Gaussian: canonical
// Gaussians, linear-Gaussian conditionals, and conditional linear Gaussians whose
// selector is observed. Messages stay in canonical form (h, J, log constant). On a
// forest a two-pass schedule is exact — the Kalman filter and RTS smoother are the
// chain case, linear in its length — and log Z is the exact log evidence; on a loopy
// graph the messages iterate in parallel (flooding, deterministic for any thread
// count) with damping, the means are exact at a fixed point (Weiss & Freeman 2001),
// the variances and log Z (Bethe) approximate.
#pragma once

#include <cstddef>
#include <limits>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi {

struct GaussianBpOptions {
  double damping = 0.0;      // loopy: new = (1 - damping) update + damping old, in [0, 1)
  double tolerance = 1e-10;  // loopy: stop when no message parameter moves more than this (relative)
  std::size_t max_iterations = 1000;
  double max_seconds = std::numeric_limits<double>::infinity();
  std::size_t threads = 0;  // 0: the process default

  // Throws InputError naming the field, its value and the rule it breaks.
  void validate() const;
};

// Task::marginals and Task::partition (both fill real_marginals and log_z). Discrete
// evidence may select the components of conditional linear Gaussians; a model with
// any other non-Gaussian factor, or with an unobserved discrete variable, is refused
// naming the first factor, as is an unobserved real variable in no factor (its
// distribution would be flat). Throws NumericError when a message or a marginal is
// improper (a flat direction nothing constrains). On a forest log Z is computed as
// log p(x̂, y) − log p(x̂ | y) at the posterior means, which stays accurate for
// values in the millions (the sum of per-factor integrals would cancel).
InferenceResult gaussian_bp(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence,
                            Task task, const GaussianBpOptions& options = {});

// Whether every factor is Gaussian once the discrete evidence is applied (the models
// gaussian_bp accepts).
[[nodiscard]] bool is_gaussian_model(const FactorGraph& graph, const Evidence& evidence);

}  // namespace copi
