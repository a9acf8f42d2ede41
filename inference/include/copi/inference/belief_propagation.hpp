// Belief propagation on discrete factor graphs: sum-product (marginals, Bethe log Z)
// and max-product (MPE). Forests are detected and solved exactly by a two-pass
// schedule; loopy graphs iterate with a flooding (parallel, TBB), sequential or
// residual schedule, damping, tolerance, iteration and time caps.
#pragma once

#include <cstddef>
#include <limits>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi {

enum class BpSchedule {
  automatic,   // two-pass on forests, parallel flooding otherwise
  parallel,    // flooding: every message from the previous sweep (TBB, deterministic)
  sequential,  // factors in order, each factor's messages in scope order, in place
  residual,    // largest message change first (Elidan, McGraw & Koller 2006)
};

[[nodiscard]] std::string to_string(BpSchedule schedule);
// "auto", "parallel", "sequential", "residual"; throws InputError otherwise.
[[nodiscard]] BpSchedule parse_bp_schedule(const std::string& text);

struct BpOptions {
  BpSchedule schedule = BpSchedule::automatic;
  double damping = 0.0;        // new = (1 - damping) * update + damping * old, in [0, 1)
  double tolerance = 1e-9;     // stop when the largest message change is below this
  std::size_t max_iterations = 1000;
  double max_seconds = std::numeric_limits<double>::infinity();
  std::size_t threads = 0;     // 0: the process default (COPI_THREADS or all cores)

  // Throws InputError naming the field, its value and the rule it breaks.
  void validate() const;
};

// Task::marginals and Task::partition run sum-product (marginals and the Bethe
// estimate of log Z); Task::mpe runs max-product and decodes an assignment.
// Throws InputError when the evidence is impossible under the factors.
InferenceResult belief_propagation(const FactorGraph& graph, const Evidence& evidence, Task task,
                                   const BpOptions& options = {});

// Whether the factor graph (variables and factors with a non-empty scope) is a forest.
[[nodiscard]] bool is_forest(const FactorGraph& graph);

}  // namespace copi
