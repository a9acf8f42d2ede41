#include "copi/inference/expectation_propagation.hpp"

#include <cmath>
#include <string>

#include "continuous/run_message_passing.hpp"
#include "copi/graph/error.hpp"

namespace copi {

std::string to_string(EpSchedule schedule) {
  return schedule == EpSchedule::sequential ? "sequential" : "parallel";
}

EpSchedule parse_ep_schedule(const std::string& text) {
  if (text == "sequential") return EpSchedule::sequential;
  if (text == "parallel") return EpSchedule::parallel;
  throw InputError("unknown EP schedule '" + text + "': expected sequential or parallel");
}

void EpOptions::validate() const {
  detail::validate_pass_options("ep", damping, tolerance, max_iterations, max_seconds);
  if (quadrature_points < 2 || quadrature_points > 1024) {
    throw InputError("ep: quadrature = " + std::to_string(quadrature_points) + " must be between 2 and 1024");
  }
}

InferenceResult expectation_propagation(const FactorGraph& graph, const Evidence& evidence,
                                        const RealEvidence& real_evidence, Task task, const EpOptions& options) {
  options.validate();
  if (task == Task::mpe) throw InputError("ep computes marginals and log Z, not the MPE");
  detail::PassSettings settings;
  settings.algorithm = "ep";
  settings.schedule =
      options.schedule == EpSchedule::sequential ? detail::PassSchedule::sequential : detail::PassSchedule::parallel;
  settings.damping = options.damping;
  settings.tolerance = options.tolerance;
  settings.max_iterations = options.max_iterations;
  settings.max_seconds = std::isfinite(options.max_seconds) ? options.max_seconds : 0.0;
  settings.quadrature_points = options.quadrature_points;
  settings.threads = options.threads;
  return detail::run_message_passing(graph, evidence, real_evidence, settings);
}

}  // namespace copi
