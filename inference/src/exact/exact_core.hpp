// Private. The pieces of exact inference that a one-off solve (solve_exact) and a
// planned, rerunnable one (ExactPlan) share: the plan (elimination order and junction
// tree, costed against the memory limit before anything is allocated) and one run on
// the reduced model in a numeric domain.
#pragma once

#include <cstddef>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/elimination_order.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/result.hpp"
#include "exact/junction_tree.hpp"

namespace copi::detail {

struct ExactPlanData {
  EliminationPlan elimination;
  JunctionTree tree;
  // Per factor of the reduced model (ReducedModel::factors order): its junction-tree node.
  std::vector<std::size_t> factor_node;
};

// Throws ResourceError when the tables would exceed options.memory_limit_bytes.
ExactPlanData make_exact_plan(const FactorGraph& graph, const ReducedModel& model,
                              const ExactOptions& options);

// One exact run over a plan made for this graph's structure and evidence: MAR (with
// each factor's belief when `factor_beliefs`), PR or MPE. Linear domain first, the
// log domain when it would underflow. Throws ImpossibleEvidence.
InferenceResult run_exact(const FactorGraph& graph, const Evidence& evidence, const ReducedModel& model,
                          const ExactPlanData& plan, Task task, bool factor_beliefs);

}  // namespace copi::detail
