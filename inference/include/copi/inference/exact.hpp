// Exact inference: variable elimination / junction tree over a greedy elimination
// order. MAR calibrates the junction tree once (all single-variable marginals), PR
// runs the collect pass alone, MPE runs max-product elimination and decodes the
// assignment backwards. The plan is costed before any table is allocated; a plan
// over the memory budget is refused with a ResourceError.
#pragma once

#include <cstddef>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/elimination_order.hpp"
#include "copi/inference/result.hpp"

namespace copi {

struct ExactOptions {
  EliminationHeuristic heuristic = EliminationHeuristic::weighted_min_fill;
  std::size_t memory_limit_bytes = std::size_t{2} << 30;  // 2 GiB

  // Throws InputError naming the field when an option is out of range.
  void validate() const;
};

// Throws InputError for bad evidence, including evidence of probability zero (the
// user's input contradicts the model), ResourceError when the tables would not fit
// the memory budget.
InferenceResult solve_exact(const FactorGraph& graph, const Evidence& evidence, Task task,
                            const ExactOptions& options = {});

// Bytes the junction tree for this graph and evidence would allocate (an estimate
// made from the plan, before allocating).
double exact_memory_estimate(const FactorGraph& graph, const Evidence& evidence,
                             const ExactOptions& options = {});

}  // namespace copi
