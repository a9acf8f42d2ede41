// Belief propagation planned once and run many times: the evidence-reduced edge layout
// and the forest schedule of a graph's structure are built once; the factors' values
// may then change between runs (same scopes). Each run returns the marginals (or MPE)
// and, when asked, each factor's belief — for loops that re-solve one structure with
// new parameters (EM, inverse RL, structured mean field).
//
//   copi::BpPlan plan(graph, evidence, options);
//   plan.set_factor(FactorId{3}, new_log_values);
//   const copi::InferenceResult r = plan.run(copi::Task::marginals, /*factor_beliefs=*/true);
#pragma once

#include <memory>
#include <span>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/result.hpp"

namespace copi {

namespace detail {
struct BpPlanData;
}

class BpPlan {
 public:
  // Copies the graph. Throws InputError for bad evidence or options.
  BpPlan(FactorGraph graph, Evidence evidence, const BpOptions& options = {});
  BpPlan(BpPlan&&) noexcept;
  BpPlan& operator=(BpPlan&&) noexcept;
  ~BpPlan();

  [[nodiscard]] const FactorGraph& graph() const { return graph_; }

  // New natural-log values for factor `id` (same size; -inf allowed, NaN and +inf not).
  void set_factor(FactorId id, std::span<const double> log_values);

  // One run with the current values (tables refreshed when values changed since the
  // last run; the layout and schedule are reused). Not reentrant: one plan per thread.
  [[nodiscard]] InferenceResult run(Task task, bool factor_beliefs = false);

 private:
  FactorGraph graph_;
  Evidence evidence_;
  BpOptions options_;
  std::unique_ptr<detail::BpPlanData> plan_;
  bool stale_ = false;  // values changed since the tables were made
};

}  // namespace copi
