#include "copi/inference/exact.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "copi/graph/error.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/table_layout.hpp"
#include "exact/exact_core.hpp"
#include "factor_beliefs.hpp"
#include "exact/junction_tree.hpp"
#include "exact/junction_tree_solver.hpp"
#include "exact/model_evaluation.hpp"

namespace copi {
namespace {

using detail::JunctionTree;
using detail::JunctionTreeSolver;
using detail::Rule;

std::vector<std::size_t> cardinalities_of(const FactorGraph& graph) {
  std::vector<std::size_t> cards;
  cards.reserve(graph.num_variables());
  for (const Variable& v : graph.variables()) cards.push_back(v.cardinality);
  return cards;
}

std::string format_bytes(double bytes) {
  std::ostringstream out;
  out.precision(3);
  if (bytes >= 1024.0 * 1024 * 1024) {
    out << bytes / (1024.0 * 1024 * 1024) << " GiB";
  } else {
    out << bytes / (1024.0 * 1024) << " MiB";
  }
  return out.str();
}

[[noreturn]] void refuse(const EliminationPlan& plan, double bytes, const ExactOptions& options) {
  std::ostringstream out;
  out << "exact inference refused: the junction tree needs about " << format_bytes(bytes)
      << (plan.complete ? "" : " or more") << " (induced width " << plan.induced_width
      << ", largest clique table " << plan.largest_table << " entries), over the memory limit of "
      << format_bytes(static_cast<double>(options.memory_limit_bytes));
  throw ResourceError(out.str());
}

[[noreturn]] void impossible_evidence() {
  throw ImpossibleEvidence("the evidence has probability zero under the model");
}

template <typename Domain>
void run(const FactorGraph& graph, const Evidence& evidence, const ReducedModel& model,
         const detail::ExactPlanData& plan, Task task, bool factor_beliefs, InferenceResult& result) {
  JunctionTreeSolver<Domain> solver(plan.tree, model.factors());
  if (task == Task::mpe) {
    const double best = solver.template collect<Rule::max>(true) + model.log_constant();
    if (best == -INFINITY) impossible_evidence();
    result.map.assign(graph.num_variables(), 0);
    for (const auto& [var, state] : evidence) result.map[var.index] = state;
    solver.decode(result.map);
    result.map_log_value = detail::log_value_of(graph, result.map);
    return;
  }
  const bool marginals = task == Task::marginals;
  const double log_z = solver.template collect<Rule::sum>(marginals) + model.log_constant();
  if (log_z == -INFINITY) impossible_evidence();
  result.log_z = log_z;
  if (!marginals) return;
  solver.distribute();
  result.marginals.resize(graph.num_variables());
  for (std::size_t v = 0; v < graph.num_variables(); ++v) {
    const VarId var{static_cast<std::uint32_t>(v)};
    if (const auto it = evidence.find(var); it != evidence.end()) {
      result.marginals[v].assign(graph.cardinality(var), 0.0);
      result.marginals[v][it->second] = 1.0;
    } else {
      result.marginals[v] = solver.marginal(var, graph.cardinality(var));
    }
  }
  if (!factor_beliefs) return;
  // Each factor's belief over its whole scope: the joint of its unobserved variables
  // from the node that holds it, observed ones at their evidence.
  result.factor_beliefs = detail::embed_factor_beliefs(graph, evidence, [&](std::size_t r) {
    const DiscreteFactor& reduced = *model.factors()[r];
    return solver.belief(plan.factor_node[r], reduced.scope(), reduced.cardinalities());
  });
}

}  // namespace

namespace detail {

ExactPlanData make_exact_plan(const FactorGraph& graph, const ReducedModel& model,
                              const ExactOptions& options) {
  const double budget_entries = static_cast<double>(options.memory_limit_bytes) / sizeof(double);
  ExactPlanData plan;
  plan.elimination = plan_elimination(graph, model.observed(), options.heuristic, budget_entries);
  if (!plan.elimination.complete) refuse(plan.elimination, plan.elimination.largest_table * sizeof(double), options);
  plan.tree = build_junction_tree(plan.elimination, model.factors(), cardinalities_of(graph));
  const double bytes = plan.tree.table_entries * sizeof(double);
  if (bytes > static_cast<double>(options.memory_limit_bytes)) refuse(plan.elimination, bytes, options);
  plan.factor_node.assign(model.factors().size(), kNoNode);
  for (std::size_t node = 0; node < plan.tree.nodes.size(); ++node) {
    for (const std::size_t f : plan.tree.nodes[node].factors) plan.factor_node[f] = node;
  }
  return plan;
}

InferenceResult run_exact(const FactorGraph& graph, const Evidence& evidence, const ReducedModel& model,
                          const ExactPlanData& plan, Task task, bool factor_beliefs) {
  if (model.impossible()) impossible_evidence();
  InferenceResult result;
  bool log_domain = false;
  try {
    run<LinearDomain>(graph, evidence, model, plan, task, factor_beliefs, result);
  } catch (const UnderflowRisk&) {
    result = InferenceResult{};
    log_domain = true;
    run<LogDomain>(graph, evidence, model, plan, task, factor_beliefs, result);
  }
  InferenceReport& report = result.report;
  report.algorithm = task == Task::marginals ? "exact (junction tree"
                     : task == Task::partition ? "exact (variable elimination"
                                               : "exact (max-product elimination";
  // The log domain is slower; saying so explains a slow run on a peaked model.
  report.algorithm += log_domain ? ", log domain)" : ")";
  report.termination = Termination::exact;
  report.induced_width = plan.elimination.induced_width;
  report.largest_table = static_cast<std::size_t>(plan.tree.largest_table);
  return result;
}

}  // namespace detail

void ExactOptions::validate() const {
  if (memory_limit_bytes < 1024) {
    throw InputError("ExactOptions::memory_limit_bytes = " + std::to_string(memory_limit_bytes) +
                     ": must be at least 1024 bytes");
  }
}

double exact_memory_estimate(const FactorGraph& graph, const Evidence& evidence, const ExactOptions& options) {
  graph.require_discrete("exact");
  options.validate();
  const ReducedModel model = reduce_model(graph, evidence);
  const EliminationPlan plan = plan_elimination(graph, model.observed(), options.heuristic);
  return detail::build_junction_tree(plan, model.factors(), cardinalities_of(graph)).table_entries * sizeof(double);
}

InferenceResult solve_exact(const FactorGraph& graph, const Evidence& evidence, Task task,
                            const ExactOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  graph.require_discrete("exact", "use infer gbp (Gaussian) or infer ep");
  options.validate();
  const ReducedModel model = reduce_model(graph, evidence);
  if (model.impossible()) impossible_evidence();
  const detail::ExactPlanData plan = detail::make_exact_plan(graph, model, options);
  InferenceResult result = detail::run_exact(graph, evidence, model, plan, task, false);
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace copi
