#include "copi/inference/gaussian_bp.hpp"

#include <string>

#include "continuous/run_message_passing.hpp"
#include "copi/graph/error.hpp"

namespace copi {

void GaussianBpOptions::validate() const {
  detail::validate_pass_options("gbp", damping, tolerance, max_iterations, max_seconds);
}

bool is_gaussian_model(const FactorGraph& graph, const Evidence& evidence) {
  for (const Factor& factor : graph.factors()) {
    const bool gaussian = std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, GaussianFactor> || std::is_same_v<F, LinearGaussianFactor>) {
            return true;
          } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
            return evidence.contains(f.selector());
          } else if constexpr (std::is_same_v<F, DiscreteFactor> || std::is_same_v<F, SparseConditionalFactor>) {
            for (const VarId v : f.scope()) {
              if (!evidence.contains(v)) return false;
            }
            return true;
          } else {
            return false;
          }
        },
        factor);
    if (!gaussian) return false;
  }
  return true;
}

InferenceResult gaussian_bp(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence,
                            Task task, const GaussianBpOptions& options) {
  options.validate();
  if (task == Task::mpe) {
    throw InputError("gbp computes marginals and log Z; the MPE of a Gaussian model is its mean");
  }
  detail::PassSettings settings;
  settings.algorithm = "gbp";
  settings.gaussian_only = true;
  settings.schedule = detail::PassSchedule::automatic;
  settings.damping = options.damping;
  settings.tolerance = options.tolerance;
  settings.max_iterations = options.max_iterations;
  settings.max_seconds = std::isfinite(options.max_seconds) ? options.max_seconds : 0.0;
  settings.threads = options.threads;
  return detail::run_message_passing(graph, evidence, real_evidence, settings);
}

}  // namespace copi
