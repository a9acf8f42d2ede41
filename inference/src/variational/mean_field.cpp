#include "copi/inference/mean_field.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "variational/mean_field_state.hpp"

namespace copi {
namespace {

constexpr double kDecreaseTolerance = 1e-9;

// One sweep: every cluster once, in order (sequential) or colour class by colour class
// (parallel). Returns the largest change of any q_i.
double sweep(detail::MeanFieldState& state, const MeanFieldOptions& options, std::size_t threads) {
  double change = 0.0;
  if (options.schedule == MeanFieldSchedule::sequential) {
    for (std::size_t c = 0; c < state.num_clusters(); ++c) change = std::max(change, state.update(c, options.damping));
    return change;
  }
  std::vector<double> changes;
  for (const std::vector<std::uint32_t>& colour : state.colour_classes()) {
    // Clusters of one colour share no factor: updating them at once is updating them
    // one after another, in any order.
    // Chunks of about 64 variables: 64 singletons, or one row of a grid.
    std::size_t variables = 0;
    for (const std::uint32_t c : colour) variables += state.cluster(c).vars.size();
    const std::size_t grain = std::max<std::size_t>(1, 64 * colour.size() / std::max<std::size_t>(1, variables));
    changes.assign(colour.size(), 0.0);
    detail::parallel_for_range(colour.size(), grain, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) changes[i] = state.update(colour[i], options.damping);
    });
    for (const double c : changes) change = std::max(change, c);
  }
  return change;
}

std::string describe(const MeanFieldOptions& options, std::size_t clusters, std::size_t variables) {
  const bool naive = clusters == variables;
  std::string text = naive ? "mean field (naive, " : "structured mean field (" + std::to_string(clusters) + " clusters, ";
  text += to_string(options.schedule) + ")";
  return text;
}

}  // namespace

std::string to_string(MeanFieldSchedule schedule) {
  return schedule == MeanFieldSchedule::sequential ? "sequential" : "parallel";
}

std::string to_string(MeanFieldInit init) { return init == MeanFieldInit::uniform ? "uniform" : "random"; }

void MeanFieldOptions::validate() const {
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw InputError("MeanFieldOptions::damping = " + std::to_string(damping) + ": must be in [0, 1)");
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InputError("MeanFieldOptions::tolerance = " + std::to_string(tolerance) + ": must be a finite number >= 0");
  }
  if (max_iterations == 0) throw InputError("MeanFieldOptions::max_iterations = 0: must be at least 1");
  if (!(max_seconds > 0.0)) {
    throw InputError("MeanFieldOptions::max_seconds = " + std::to_string(max_seconds) + ": must be positive");
  }
  cluster_exact.validate();
}

InferenceResult mean_field(const FactorGraph& graph, const Evidence& evidence, Task task,
                           const MeanFieldOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  graph.require_discrete("mean field");
  options.validate();
  if (task == Task::mpe) {
    throw InputError("mean field computes marginals and a lower bound on log Z, not the MPE (use exact or bp)");
  }
  return detail::with_threads(options.threads, [&](std::size_t threads) {
    detail::MeanFieldState state(graph, evidence, options);
    InferenceResult result;
    InferenceReport& report = result.report;
    std::size_t unobserved = 0;
    for (std::size_t v = 0; v < graph.num_variables(); ++v) unobserved += evidence.contains(VarId{static_cast<std::uint32_t>(v)}) ? 0 : 1;
    report.algorithm = describe(options, state.num_clusters(), unobserved);
    report.termination = Termination::max_iterations;
    double bound = state.elbo(threads);
    for (std::size_t it = 0; it < options.max_iterations; ++it) {
      const double change = sweep(state, options, threads);
      const double next = state.elbo(threads);
      if (std::isfinite(bound) && next < bound - kDecreaseTolerance * std::max(1.0, std::abs(bound))) {
        throw NumericError("mean field: the ELBO decreased over sweep " + std::to_string(it + 1) + " (from " +
                           std::to_string(bound) + " to " + std::to_string(next) + "; a bug: please report it)");
      }
      bound = next;
      report.residuals.push_back(change);
      report.bounds.push_back(bound);
      report.iterations = it + 1;
      if (change <= options.tolerance) {
        report.termination = Termination::converged;
        break;
      }
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > options.max_seconds) {
        report.termination = Termination::time_limit;
        break;
      }
    }
    result.marginals = state.marginals();
    result.log_z = bound;
    result.log_z_kind = LogZKind::lower_bound;
    report.threads = threads;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  });
}

}  // namespace copi
