#include "copi/inference/exact_plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "copi/graph/error.hpp"
#include "exact/exact_core.hpp"

namespace copi {

ExactPlan::ExactPlan(FactorGraph graph, Evidence evidence, const ExactOptions& options)
    : graph_(std::move(graph)), evidence_(std::move(evidence)) {
  graph_.require_discrete("exact");
  options.validate();
  // The plan depends on scopes and evidence only; the values of this first reduction
  // are not kept.
  const ReducedModel model = reduce_model(graph_, evidence_);
  plan_ = std::make_unique<detail::ExactPlanData>(detail::make_exact_plan(graph_, model, options));
}

ExactPlan::ExactPlan(ExactPlan&&) noexcept = default;
ExactPlan& ExactPlan::operator=(ExactPlan&&) noexcept = default;
ExactPlan::~ExactPlan() = default;

void ExactPlan::set_factor(FactorId id, std::span<const double> log_values) {
  if (id.index >= graph_.num_factors()) {
    throw InputError("ExactPlan::set_factor: factor " + std::to_string(id.index) + ", but the graph has " +
                     std::to_string(graph_.num_factors()) + " factors");
  }
  std::vector<double>& values = graph_.table(id).log_values();
  if (log_values.size() != values.size()) {
    throw InputError("ExactPlan::set_factor: factor " + std::to_string(id.index) + " has " +
                     std::to_string(values.size()) + " entries, " + std::to_string(log_values.size()) + " given");
  }
  for (const double v : log_values) {
    if (std::isnan(v) || v == INFINITY) {
      throw InputError("ExactPlan::set_factor: factor " + std::to_string(id.index) +
                       ": log values must be finite or -inf");
    }
  }
  std::copy(log_values.begin(), log_values.end(), values.begin());
}

InferenceResult ExactPlan::run(Task task, bool factor_beliefs) const {
  const auto start = std::chrono::steady_clock::now();
  const ReducedModel model = reduce_model(graph_, evidence_);
  InferenceResult result = detail::run_exact(graph_, evidence_, model, *plan_, task, factor_beliefs);
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace copi
