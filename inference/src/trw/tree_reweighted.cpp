#include "copi/inference/tree_reweighted.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>

#include "bp/bp_engine.hpp"
#include "bp/bp_graph.hpp"
#include "bp/factor_energy.hpp"
#include "bp/forest_schedule.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/numeric_domain.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "trw/forest_polytope.hpp"
#include "trw/pairwise_model.hpp"
#include "trw/spanning_trees.hpp"
#include "trw/weighted_messages.hpp"

namespace copi {
namespace {

using detail::BpGraph;
using detail::PairwiseModel;

std::string number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::vector<detail::GraphEdge> model_edges(const PairwiseModel& model) {
  std::vector<detail::GraphEdge> edges;
  edges.reserve(model.edges.size());
  for (const detail::TrwEdge& edge : model.edges) edges.emplace_back(edge.a, edge.b);
  return edges;
}

std::string variable_name(const FactorGraph& graph, const PairwiseModel& model, std::uint32_t v) {
  return model.input_variable[v] != detail::kNotTrw
             ? graph.variables()[model.input_variable[v]].name
             : "(factor " + std::to_string(model.input_factor[v]) + ")";
}

// The user's factor weights on the model's edges, checked against the forest polytope.
std::vector<double> given_weights(const FactorGraph& graph, const PairwiseModel& model, const TrwOptions& options) {
  if (options.factor_weights.size() != graph.num_factors()) {
    throw InputError("TrwOptions::factor_weights has " + std::to_string(options.factor_weights.size()) +
                     " entries: it needs one per factor of the graph (" + std::to_string(graph.num_factors()) + ")");
  }
  std::vector<double> rho;
  for (const detail::TrwEdge& edge : model.edges) {
    const double w = options.factor_weights[edge.factors.front()];
    for (const std::uint32_t f : edge.factors) {
      if (options.factor_weights[f] != w) {
        throw InputError("TrwOptions::factor_weights: factors " + std::to_string(edge.factors.front()) + " and " +
                         std::to_string(f) + " both join " + variable_name(graph, model, edge.a) + " and " +
                         variable_name(graph, model, edge.b) + " (under the evidence) but have weights " + number(w) +
                         " and " + number(options.factor_weights[f]) + ": give them the same weight");
      }
    }
    rho.push_back(w);
  }
  const std::vector<detail::GraphEdge> edges = model_edges(model);
  if (const auto violation =
          detail::forest_polytope_violation(model.num_vars(), edges, rho, kTrwExactComponentLimit)) {
    std::string names;
    for (std::size_t i = 0; i < violation->vertices.size() && i < 12; ++i) {
      names += (i ? ", " : "") + variable_name(graph, model, violation->vertices[i]);
    }
    if (violation->vertices.size() > 12) names += ", ...";
    throw InputError("TrwOptions::factor_weights: the edges among the " + std::to_string(violation->vertices.size()) +
                     " variables {" + names + "} have weights summing to " + number(violation->inside_weight) +
                     ", more than " + std::to_string(violation->vertices.size() - 1) +
                     " (one less than the variables): not a mixture of spanning trees, so the result would not be "
                     "an upper bound");
  }
  return rho;
}

struct Appearance {
  std::vector<double> rho;  // per model edge
  std::string note;
};

Appearance appearance(const FactorGraph& graph, const PairwiseModel& model, const TrwOptions& options,
                      std::size_t threads) {
  if (!options.factor_weights.empty()) {
    return {given_weights(graph, model, options), "edge appearance probabilities: the given factor weights"};
  }
  const std::vector<detail::GraphEdge> edges = model_edges(model);
  detail::AppearanceProbabilities p = detail::uniform_spanning_tree_probabilities(
      model.num_vars(), edges, options.trees, options.seed, kTrwExactComponentLimit, threads);
  std::string note = "edge appearance probabilities: ";
  if (p.exact_components + p.sampled_components == 0) {
    note += "1 (the interaction graph is a forest: TRW is BP, exact)";
  } else {
    note += "uniform over spanning trees";
    if (p.exact_components > 0) note += ", exact in " + std::to_string(p.exact_components) + " component(s)";
    if (p.sampled_components > 0) {
      note += ", averaged over " + std::to_string(options.trees) + " sampled trees (seed " +
              std::to_string(options.seed) + ")";
      if (p.cover_trees > 0) note += " + " + std::to_string(p.cover_trees) + " covering";
      note += " in " + std::to_string(p.sampled_components) + " component(s)";
    }
  }
  return {std::move(p.rho), note};
}

// The pairwise model as a factor graph: one unary factor per variable (weight 1), then
// the edges with tables log f / ρ.
FactorGraph trw_factor_graph(const PairwiseModel& model, const std::vector<double>& rho) {
  FactorGraph graph;
  graph.reserve(model.num_vars(), model.num_vars() + model.edges.size());
  for (const std::uint32_t card : model.card) graph.add_variable(card);
  for (std::uint32_t v = 0; v < model.num_vars(); ++v) {
    graph.add_factor(DiscreteFactor({VarId{v}}, {model.card[v]}, model.unary[v]));
  }
  for (std::size_t e = 0; e < model.edges.size(); ++e) {
    const detail::TrwEdge& edge = model.edges[e];
    std::vector<double> table = edge.log_table;
    if (rho[e] != 1.0) {
      for (double& value : table) value /= rho[e];
    }
    graph.add_factor(DiscreteFactor({VarId{edge.a}, VarId{edge.b}}, {model.card[edge.a], model.card[edge.b]},
                                    std::move(table)));
  }
  return graph;
}

// The TRW value at the messages' fixed point (libDAI's TRWBP::logZ, Wainwright et al.
// 2005 eq. 31 in factor-graph form):
//   Σ_f ( E_{b_f}[log f] + ρ_f H(b_f) ) + Σ_v (1 − c_v) H(b_v),   c_v = Σ_{f ∋ v} ρ_f,
// with b_f ∝ f^(1/ρ_f) Π_v n_v. The stored table is log f / ρ_f, so
// E_b[log f] + ρ_f H(b_f) = ρ_f (log Σ b̃_f − E_{b_f}[Σ_v log n_v]).
template <typename M>
double trw_value(const BpGraph& g, const std::vector<double>& to_factor,
                 const std::vector<std::vector<double>>& beliefs) {
  double total = 0.0;
  detail::FactorEnergyScratch scratch;
  for (std::size_t f = 0; f < g.num_factors(); ++f) total += g.weight[f] * detail::factor_energy<M>(g, f, to_factor, scratch);
  for (std::size_t v = 0; v < g.num_vars(); ++v) {
    double c = 0.0;
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) c += g.weight[g.edge_factor[g.var_edges[i]]];
    double neg_entropy = 0.0;
    for (const double p : beliefs[v]) {
      if (p > 0.0) neg_entropy += p * std::log(p);
    }
    total += (c - 1.0) * neg_entropy;
  }
  return total;
}

struct TrwRun {
  std::vector<std::vector<double>> beliefs;  // per model variable
  double value = 0.0;
  bool forest = false;
  std::string algorithm;
  InferenceReport report;
};

template <typename Domain>
TrwRun run_domain(const BpGraph& g, const TrwOptions& options, std::size_t threads) {
  using M = detail::TrwMessages<Domain>;
  BpOptions bp;
  bp.damping = options.damping;
  bp.tolerance = options.tolerance;
  bp.max_iterations = options.max_iterations;
  bp.max_seconds = options.max_seconds;
  detail::BpEngine<M, detail::Rule::sum> engine(g, bp, threads);
  // Every weight 1 on a forest: TRW is BP, and its fixed point is exact.
  const bool all_one = std::all_of(g.weight.begin(), g.weight.end(), [](double w) { return w == 1.0; });
  const auto forest = all_one ? detail::forest_schedule(g) : std::nullopt;
  TrwRun run;
  run.forest = forest.has_value();
  if (forest && options.schedule == TrwSchedule::automatic) {
    engine.run_forest(forest->order, forest->parent_edge, forest->node_is_var);
    run.algorithm = "tree-reweighted BP (two-pass, forest)";
  } else {
    const TrwSchedule used = options.schedule == TrwSchedule::automatic ? TrwSchedule::parallel : options.schedule;
    engine.run_loopy(used == TrwSchedule::sequential ? BpSchedule::sequential : BpSchedule::parallel);
    run.algorithm = "tree-reweighted BP (" + to_string(used) + ")";
  }
  run.report.iterations = engine.iterations();
  run.report.residuals = engine.residuals();
  run.report.termination = engine.converged()  ? Termination::converged
                           : engine.timed_out() ? Termination::time_limit
                                                : Termination::max_iterations;
  run.beliefs.resize(g.num_vars());
  for (std::size_t v = 0; v < g.num_vars(); ++v) {
    run.beliefs[v].resize(g.card[v]);
    M::belief(g, v, engine.to_var().data(), run.beliefs[v].data());
  }
  run.value = trw_value<Domain>(g, engine.to_factor(), run.beliefs);
  return run;
}

// Linear domain unless a table is too wide for a linear copy or an entry falls to the
// floor (copi/inference/detail/numeric_domain.hpp); then the log domain.
TrwRun run_trw(const BpGraph& g, const TrwOptions& options, std::size_t threads) {
  if (g.widest_log_range <= detail::kLinearLogRange) {
    try {
      return run_domain<detail::LinearMessages>(g, options, threads);
    } catch (const detail::ZeroMessage&) {
    }
  }
  try {
    TrwRun run = run_domain<detail::LogMessages>(g, options, threads);
    run.algorithm += ", log domain";
    return run;
  } catch (const detail::ZeroMessage&) {
    throw NumericError("tree-reweighted BP: a message entry of a possible state became zero in the log domain");
  }
}

std::vector<std::vector<double>> input_marginals(const FactorGraph& graph, const PairwiseModel& model,
                                                 const std::vector<std::vector<double>>& beliefs) {
  std::vector<std::vector<double>> marginals(graph.num_variables());
  for (std::uint32_t v = 0; v < graph.num_variables(); ++v) {
    marginals[v].assign(graph.variables()[v].cardinality, 0.0);
    if (model.fixed_state[v] != detail::kNotTrw) {
      marginals[v][model.fixed_state[v]] = 1.0;
      continue;
    }
    const std::uint32_t t = model.trw_variable[v];
    for (std::size_t s = 0; s < model.states[t].size(); ++s) marginals[v][model.states[t][s]] = beliefs[t][s];
  }
  return marginals;
}

BpGraph weighted_bp_graph(const FactorGraph& pairwise, const PairwiseModel& model, const std::vector<double>& rho) {
  BpGraph g = detail::build_bp_graph(pairwise, {});
  g.weight.assign(model.num_vars(), 1.0);
  g.weight.insert(g.weight.end(), rho.begin(), rho.end());
  return g;
}

}  // namespace

std::string to_string(TrwSchedule schedule) {
  switch (schedule) {
    case TrwSchedule::automatic: return "auto";
    case TrwSchedule::parallel: return "parallel";
    case TrwSchedule::sequential: return "sequential";
  }
  return "?";
}

TrwSchedule parse_trw_schedule(const std::string& text) {
  for (const TrwSchedule s : {TrwSchedule::automatic, TrwSchedule::parallel, TrwSchedule::sequential}) {
    if (text == to_string(s)) return s;
  }
  throw InputError("unknown TRW schedule '" + text + "': expected auto, parallel or sequential");
}

void TrwOptions::validate() const {
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw InputError("TrwOptions::damping = " + number(damping) + ": must be in [0, 1)");
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InputError("TrwOptions::tolerance = " + number(tolerance) + ": must be a finite number >= 0");
  }
  if (max_iterations == 0) throw InputError("TrwOptions::max_iterations = 0: must be at least 1");
  if (!(max_seconds > 0.0)) {
    throw InputError("TrwOptions::max_seconds = " + number(max_seconds) + ": must be positive");
  }
  if (trees == 0) throw InputError("TrwOptions::trees = 0: must be at least 1");
  for (std::size_t f = 0; f < factor_weights.size(); ++f) {
    if (!(factor_weights[f] > 0.0 && factor_weights[f] <= 1.0)) {
      throw InputError("TrwOptions::factor_weights[" + std::to_string(f) + "] = " + number(factor_weights[f]) +
                       ": must be in (0, 1] (an edge appearance probability; 0 would drop the factor)");
    }
  }
}

InferenceResult tree_reweighted_bp(const FactorGraph& graph, const Evidence& evidence, Task task,
                                   const TrwOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  graph.require_discrete("trw");
  options.validate();
  if (task == Task::mpe) {
    throw InputError("tree-reweighted BP computes marginals (MAR) and an upper bound on log Z (PR), not MPE: "
                     "use bp or exact");
  }
  const PairwiseModel model = detail::build_pairwise_model(graph, evidence);
  InferenceResult result = detail::with_threads(options.threads, [&](std::size_t threads) {
    const Appearance weights = appearance(graph, model, options, threads);
    const FactorGraph pairwise = trw_factor_graph(model, weights.rho);
    const BpGraph g = weighted_bp_graph(pairwise, model, weights.rho);
    TrwRun run = run_trw(g, options, threads);
    InferenceResult out;
    out.report = std::move(run.report);
    out.report.algorithm = run.algorithm;
    out.report.threads = threads;
    out.report.note = weights.note;
    if (!out.report.converged()) {
      out.report.note += "; not converged: the TRW value is an upper bound on log Z only at a fixed point";
    }
    out.marginals = input_marginals(graph, model, run.beliefs);
    out.log_z = model.log_constant + run.value;
    out.log_z_kind = run.forest && out.report.converged() ? LogZKind::exact : LogZKind::upper_bound;
    return out;
  });
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::vector<double> trw_factor_weights(const FactorGraph& graph, const Evidence& evidence, const TrwOptions& options) {
  graph.require_discrete("trw");
  options.validate();
  const PairwiseModel model = detail::build_pairwise_model(graph, evidence);
  const Appearance weights = detail::with_threads(
      options.threads, [&](std::size_t threads) { return appearance(graph, model, options, threads); });
  std::vector<double> per_factor(graph.num_factors(), 1.0);
  for (std::size_t e = 0; e < model.edges.size(); ++e) {
    for (const std::uint32_t f : model.edges[e].factors) per_factor[f] = std::min(per_factor[f], weights.rho[e]);
  }
  return per_factor;
}

}  // namespace copi
