// Expectation propagation (Minka 2001) on models with real and discrete variables.
// The approximation keeps a Gaussian per real variable and a categorical per discrete
// one. Gaussian factors (canonical, linear-Gaussian) are kept exactly when the model
// allows (their messages are Gaussian BP's); every other factor is a site: the cavity
// (the approximation without the site), the tilted distribution (cavity × factor)
// matched by its moments — closed forms, or Gauss–Hermite quadrature
// (copi/inference/tilted_moments.hpp) — and the site updated to the ratio. Sites
// whose cavity is improper are skipped for that sweep (never NaN) and counted in the
// report's note; non-convergence is reported, never thrown. Results are identical
// for any thread count.
#pragma once

#include <cstddef>
#include <limits>
#include <string>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi {

enum class EpSchedule {
  sequential,  // factors in order, each using the latest approximation; after a
               // non-Gaussian factor, its Gaussian neighbours pass its effect on at once
  parallel,    // every site from the same approximation, then all updated (TBB)
};

[[nodiscard]] std::string to_string(EpSchedule schedule);
// "sequential", "parallel"; throws InputError otherwise.
[[nodiscard]] EpSchedule parse_ep_schedule(const std::string& text);

struct EpOptions {
  EpSchedule schedule = EpSchedule::sequential;
  double damping = 0.0;     // site update: new = (1 - damping) update + damping old (natural parameters)
  double tolerance = 1e-8;  // stop when no marginal mean or sd moves more than this (relative)
  std::size_t max_iterations = 200;
  double max_seconds = std::numeric_limits<double>::infinity();
  std::size_t quadrature_points = 64;
  std::size_t threads = 0;  // 0: the process default

  void validate() const;
};

// Task::marginals and Task::partition: real_marginals (Gaussian per real variable),
// marginals (categorical per discrete variable), and EP's estimate of log Z
// (log_z_kind ep_estimate; exact when every factor is Gaussian and the graph a tree).
InferenceResult expectation_propagation(const FactorGraph& graph, const Evidence& evidence,
                                        const RealEvidence& real_evidence, Task task, const EpOptions& options = {});

}  // namespace copi
