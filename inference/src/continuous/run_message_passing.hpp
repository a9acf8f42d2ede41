// Internal. The schedules that drive a MessageEngine and the result they produce:
// two-pass (exact on forests), parallel flooding, and sequential sweeps.
#pragma once

#include <cstddef>
#include <string>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi::detail {

// automatic: two-pass when the reduced model is a forest, parallel otherwise.
enum class PassSchedule { automatic, parallel, sequential };

struct PassSettings {
  std::string algorithm;  // for messages and the report: "gbp", "ep"
  PassSchedule schedule = PassSchedule::parallel;
  bool gaussian_only = false;  // refuse factors other than Gaussian ones (gbp)
  double damping = 0.0;
  double tolerance = 1e-10;
  std::size_t max_iterations = 1000;
  double max_seconds = 0.0;
  std::size_t quadrature_points = 64;
  std::size_t threads = 0;
};

// The checks gbp's and ep's options share; InputError in the option names users type.
void validate_pass_options(const std::string& algorithm, double damping, double tolerance, std::size_t max_iterations,
                           double max_seconds);

InferenceResult run_message_passing(const FactorGraph& graph, const Evidence& evidence,
                                    const RealEvidence& real_evidence, const PassSettings& settings);

}  // namespace copi::detail
