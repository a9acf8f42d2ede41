// Private. One belief-propagation run on a prepared BpGraph, shared by the one-off
// entry point and the planned one (BpPlan): the forest schedule comes from the caller
// (found once per plan), the linear domain first and log space when the shared policy
// says so.
#pragma once

#include <optional>

#include "bp/bp_graph.hpp"
#include "bp/forest_schedule.hpp"
#include "copi/inference/belief_propagation.hpp"

namespace copi::detail {

// `forest`: forest_schedule(g) when options.schedule is automatic, else nullopt.
InferenceResult run_bp(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g,
                       const std::optional<ForestSchedule>& forest, Task task, const BpOptions& options,
                       bool factor_beliefs);

// The same inside with_threads: `threads` is the count in effect.
InferenceResult run_bp_in_arena(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g,
                                const std::optional<ForestSchedule>& forest, Task task, const BpOptions& options,
                                bool factor_beliefs, std::size_t threads);

}  // namespace copi::detail
