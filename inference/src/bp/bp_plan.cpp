#include "copi/inference/bp_plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "bp/bp_graph.hpp"
#include "bp/bp_run.hpp"
#include "bp/forest_schedule.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi {
namespace detail {

struct BpPlanData {
  BpGraph graph;
  std::optional<ForestSchedule> forest;
};

}  // namespace detail

BpPlan::BpPlan(FactorGraph graph, Evidence evidence, const BpOptions& options)
    : graph_(std::move(graph)), evidence_(std::move(evidence)), options_(options) {
  graph_.require_discrete("bp");
  options_.validate();
  plan_ = std::make_unique<detail::BpPlanData>();
  plan_->graph = detail::build_bp_graph(graph_, evidence_);
  if (options_.schedule == BpSchedule::automatic) plan_->forest = detail::forest_schedule(plan_->graph);
}

BpPlan::BpPlan(BpPlan&&) noexcept = default;
BpPlan& BpPlan::operator=(BpPlan&&) noexcept = default;
BpPlan::~BpPlan() = default;

void BpPlan::set_factor(FactorId id, std::span<const double> log_values) {
  if (id.index >= graph_.num_factors()) {
    throw InputError("BpPlan::set_factor: factor " + std::to_string(id.index) + ", but the graph has " +
                     std::to_string(graph_.num_factors()) + " factors");
  }
  std::vector<double>& values = graph_.table(id).log_values();
  if (log_values.size() != values.size()) {
    throw InputError("BpPlan::set_factor: factor " + std::to_string(id.index) + " has " + std::to_string(values.size()) +
                     " entries, " + std::to_string(log_values.size()) + " given");
  }
  for (const double v : log_values) {
    if (std::isnan(v) || v == INFINITY) {
      throw InputError("BpPlan::set_factor: factor " + std::to_string(id.index) + ": log values must be finite or -inf");
    }
  }
  std::copy(log_values.begin(), log_values.end(), values.begin());
  stale_ = true;
}

InferenceResult BpPlan::run(Task task, bool factor_beliefs) {
  const auto start = std::chrono::steady_clock::now();
  InferenceResult result = detail::with_threads(options_.threads, [&](std::size_t threads) {
    if (stale_) {
      detail::load_bp_tables(plan_->graph, graph_, evidence_, threads);
      stale_ = false;
    }
    return detail::run_bp_in_arena(graph_, evidence_, plan_->graph, plan_->forest, task, options_, factor_beliefs,
                                   threads);
  });
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace copi
