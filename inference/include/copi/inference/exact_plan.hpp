// Exact inference planned once and run many times: the elimination order and the
// junction tree of a graph's structure (and evidence) are built and costed once; the
// factors' values may then change between runs, scopes may not. Structured mean field
// runs one plan per cluster per sweep; EM and inverse RL rerun a fixed structure with
// new parameters.
//
//   copi::ExactPlan plan(graph, evidence);
//   plan.set_factor(FactorId{3}, new_log_values);
//   const copi::InferenceResult r = plan.run(copi::Task::marginals, /*factor_beliefs=*/true);
#pragma once

#include <memory>
#include <span>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/result.hpp"

namespace copi {

namespace detail {
struct ExactPlanData;
}

class ExactPlan {
 public:
  // Copies the graph (its values change through set_factor). Throws InputError for
  // bad evidence or options, ResourceError when the tables would exceed the memory
  // limit — before allocating them.
  ExactPlan(FactorGraph graph, Evidence evidence, const ExactOptions& options = {});
  ExactPlan(ExactPlan&&) noexcept;
  ExactPlan& operator=(ExactPlan&&) noexcept;
  ~ExactPlan();

  [[nodiscard]] const FactorGraph& graph() const { return graph_; }
  [[nodiscard]] const Evidence& evidence() const { return evidence_; }

  // New natural-log values for factor `id` (same size; -inf allowed, NaN and +inf
  // not): InputError otherwise.
  void set_factor(FactorId id, std::span<const double> log_values);

  // One exact run with the current values: marginals and log Z (Task::marginals, and
  // each factor's belief in `factor_beliefs` when asked), log Z (partition) or the MPE.
  // Const and reentrant: several threads may run one plan at once.
  [[nodiscard]] InferenceResult run(Task task, bool factor_beliefs = false) const;

 private:
  FactorGraph graph_;
  Evidence evidence_;
  std::unique_ptr<detail::ExactPlanData> plan_;
};

}  // namespace copi
