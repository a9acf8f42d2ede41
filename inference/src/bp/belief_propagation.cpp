#include "copi/inference/belief_propagation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "bp/bp_engine.hpp"
#include "bp/bp_graph.hpp"
#include "bp/bp_run.hpp"
#include "bp/factor_energy.hpp"
#include "bp/forest_schedule.hpp"
#include "factor_beliefs.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/numeric_domain.hpp"
#include "exact/model_evaluation.hpp"

namespace copi {
namespace {

using detail::BpEngine;
using detail::BpGraph;
using detail::parallel_for_range;
using detail::Rule;

// The Bethe approximation of log Z from converged messages:
//   sum_f [ E_{b_f} log f + H(b_f) ] - sum_v (d_v - 1) H(b_v)
// The factor terms are summed in fixed blocks, the blocks in order: the same bits for
// any thread count.
template <typename M>
double bethe_log_z(const BpGraph& g, const std::vector<double>& to_factor,
                   const std::vector<std::vector<double>>& marginals, std::size_t threads) {
  constexpr std::size_t kBlock = 1024;
  const std::size_t factor_blocks = (g.num_factors() + kBlock - 1) / kBlock;
  const std::size_t var_blocks = (g.num_vars() + kBlock - 1) / kBlock;
  std::vector<double> partial(factor_blocks + var_blocks, 0.0);
  parallel_for_range(partial.size(), 1, threads, [&](std::size_t begin, std::size_t end) {
    detail::FactorEnergyScratch scratch;
    for (std::size_t block = begin; block < end; ++block) {
      double total = 0.0;
      if (block >= factor_blocks) {
        const std::size_t first_var = (block - factor_blocks) * kBlock;
        for (std::size_t v = first_var; v < std::min(g.num_vars(), first_var + kBlock); ++v) {
          if (marginals[v].empty()) continue;  // observed
          double neg_entropy = 0.0;
          for (const double p : marginals[v]) {
            if (p > 0.0) neg_entropy += p * std::log(p);
          }
          total += (static_cast<double>(g.degree(v)) - 1.0) * neg_entropy;
        }
        partial[block] = total;
        continue;
      }
      for (std::size_t f = block * kBlock; f < std::min(g.num_factors(), (block + 1) * kBlock); ++f) {
        total += detail::factor_energy<M>(g, f, to_factor, scratch);
      }
      partial[block] = total;
    }
  });
  double total = g.log_constant;
  for (const double p : partial) total += p;
  return total;
}

// What a run needs besides the graph: the forest schedule when there is one (found once
// per plan) and whether to return each factor's belief.
struct RunRequest {
  const std::optional<detail::ForestSchedule>* forest = nullptr;
  bool factor_beliefs = false;
};

// b_f(x) ∝ f(x) Π_{v ∈ f} m_{v→f}(x_v) over the reduced factor's scope, normalised.
template <typename M>
std::vector<double> factor_belief(const BpGraph& g, std::size_t f, const std::vector<double>& to_factor) {
  const std::vector<double>& logs = g.factors[f]->log_values();
  const std::uint32_t first = g.factor_begin[f];
  const std::uint32_t arity = g.arity(f);
  std::vector<double> b(logs.size());
  std::vector<std::uint32_t> x(arity, 0);
  double hi = -INFINITY;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    double w = logs[i];
    for (std::uint32_t j = 0; j < arity; ++j) w += M::log_message_entry(to_factor.data() + g.edge_offset[first + j], x[j]);
    b[i] = w;
    hi = std::max(hi, w);
    for (std::uint32_t j = 0; j < arity; ++j) {
      if (++x[j] < g.card[g.edge_var[first + j]]) break;
      x[j] = 0;
    }
  }
  double sum = 0.0;
  for (double& w : b) sum += (w = hi == -INFINITY ? 0.0 : std::exp(w - hi));
  for (double& w : b) w = sum > 0.0 ? w / sum : w;
  return b;
}

template <typename M, Rule rule>
void run_engine(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g, Task task,
                const BpOptions& options, std::size_t threads, const RunRequest& request, InferenceResult& result) {
  BpEngine<M, rule> engine(g, options, threads);
  const std::optional<detail::ForestSchedule>& forest = *request.forest;
  BpSchedule used = options.schedule;
  if (forest) {
    engine.run_forest(forest->order, forest->parent_edge, forest->node_is_var);
    result.report.algorithm = "belief propagation (two-pass, forest)";
  } else {
    if (used == BpSchedule::automatic) used = BpSchedule::parallel;
    engine.run_loopy(used);
    result.report.algorithm = "belief propagation (" + to_string(used) + ")";
  }
  result.report.iterations = engine.iterations();
  result.report.residuals = engine.residuals();
  result.report.termination = engine.converged()  ? Termination::converged
                              : engine.timed_out() ? Termination::time_limit
                                                   : Termination::max_iterations;

  // Beliefs (max-marginals for max-product); observed variables carry point masses.
  std::vector<std::vector<double>> beliefs(graph.num_variables());
  parallel_for_range(graph.num_variables(), 1024, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t v = begin; v < end; ++v) {
      if (evidence.contains(VarId{static_cast<std::uint32_t>(v)})) continue;
      beliefs[v].resize(g.card[v]);
      M::belief(g, v, engine.to_var().data(), beliefs[v].data());
    }
  });
  if (task == Task::mpe) {
    // Decode variable by variable, each choosing its best state given the factor
    // messages recomputed with the already decided neighbours clamped.
    result.map.assign(graph.num_variables(), 0);
    for (const auto& [var, state] : evidence) result.map[var.index] = state;
    std::vector<double>& clamped = engine.to_factor();
    std::vector<std::uint32_t> order;
    if (forest) {
      for (const std::uint32_t node : forest->order) {
        if (forest->node_is_var[node]) order.push_back(node);
      }
    }
    std::vector<bool> decided(graph.num_variables(), false);
    for (const std::uint32_t v : order) decided[v] = true;
    for (std::uint32_t v = 0; v < graph.num_variables(); ++v) {
      if (!decided[v] && !beliefs[v].empty()) order.push_back(v);
    }
    std::vector<double> message;
    std::vector<double> score;
    for (const std::uint32_t v : order) {
      const std::uint32_t card = g.card[v];
      score.assign(card, 0.0);
      message.resize(card);
      for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
        const std::uint32_t e = g.var_edges[i];
        const std::size_t f = g.edge_factor[e];
        M::template factor_message<rule>(g, f, e - g.factor_begin[f], clamped.data(), message.data());
        for (std::uint32_t x = 0; x < card; ++x) score[x] += M::log_probability(message.data(), x, card);
      }
      const auto best = std::max_element(score.begin(), score.end()) - score.begin();
      result.map[v] = static_cast<std::size_t>(best);
      for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
        double* slot = clamped.data() + g.edge_offset[g.var_edges[i]];
        for (std::uint32_t x = 0; x < card; ++x) slot[x] = M::indicator(x == static_cast<std::uint32_t>(best));
      }
    }
    result.map_log_value = detail::log_value_of(graph, result.map);
    return;
  }
  result.log_z = bethe_log_z<M>(g, engine.to_factor(), beliefs, threads);
  result.log_z_kind = forest ? LogZKind::exact : LogZKind::bethe;  // the Bethe energy is exact on forests
  if (request.factor_beliefs && task == Task::marginals) {
    result.factor_beliefs = detail::embed_factor_beliefs(
        graph, evidence, [&](std::size_t f) { return factor_belief<M>(g, f, engine.to_factor()); });
  }
  for (const auto& [var, state] : evidence) {
    beliefs[var.index].assign(graph.cardinality(var), 0.0);
    beliefs[var.index][state] = 1.0;
  }
  result.marginals = std::move(beliefs);
}

template <typename M>
void run_domain(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g, Task task,
                const BpOptions& options, std::size_t threads, const RunRequest& request, InferenceResult& result) {
  if (task == Task::mpe) {
    run_engine<M, Rule::max>(graph, evidence, g, task, options, threads, request, result);
  } else {
    run_engine<M, Rule::sum>(graph, evidence, g, task, options, threads, request, result);
  }
}

}  // namespace

std::string to_string(BpSchedule schedule) {
  switch (schedule) {
    case BpSchedule::automatic: return "auto";
    case BpSchedule::parallel: return "parallel";
    case BpSchedule::sequential: return "sequential";
    case BpSchedule::residual: return "residual";
  }
  return "?";
}

BpSchedule parse_bp_schedule(const std::string& text) {
  for (const BpSchedule s : {BpSchedule::automatic, BpSchedule::parallel, BpSchedule::sequential, BpSchedule::residual}) {
    if (text == to_string(s)) return s;
  }
  throw InputError("unknown schedule '" + text + "': expected auto, parallel, sequential or residual");
}

void BpOptions::validate() const {
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw InputError("BpOptions::damping = " + std::to_string(damping) + ": must be in [0, 1)");
  }
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InputError("BpOptions::tolerance = " + std::to_string(tolerance) + ": must be a finite number >= 0");
  }
  if (max_iterations == 0) throw InputError("BpOptions::max_iterations = 0: must be at least 1");
  if (!(max_seconds > 0.0)) {
    throw InputError("BpOptions::max_seconds = " + std::to_string(max_seconds) + ": must be positive");
  }
}

bool is_forest(const FactorGraph& graph) {
  return detail::forest_schedule(detail::build_bp_graph(graph, {})).has_value();
}

namespace detail {

InferenceResult run_bp(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g,
                       const std::optional<ForestSchedule>& forest, Task task, const BpOptions& options,
                       bool factor_beliefs) {
  return with_threads(options.threads, [&](std::size_t threads) {
    return run_bp_in_arena(graph, evidence, g, forest, task, options, factor_beliefs, threads);
  });
}

InferenceResult run_bp_in_arena(const FactorGraph& graph, const Evidence& evidence, const BpGraph& g,
                                const std::optional<ForestSchedule>& forest, Task task, const BpOptions& options,
                                bool factor_beliefs, std::size_t threads) {
  const RunRequest request{&forest, factor_beliefs};
  {
    InferenceResult run;
    // The policy of copi/inference/detail/numeric_domain.hpp: a table too wide for a
    // linear copy, or a linear normaliser below the floor, sends the run to log space.
    bool log_domain = g.widest_log_range > kLinearLogRange;
    if (!log_domain) {
      try {
        run_domain<LinearMessages>(graph, evidence, g, task, options, threads, request, run);
      } catch (const ZeroMessage&) {
        log_domain = true;  // a normaliser fell below the floor: redo where nothing underflows
      }
    }
    if (log_domain) {
      run = InferenceResult{};
      try {
        run_domain<LogMessages>(graph, evidence, g, task, options, threads, request, run);
      } catch (const ZeroMessage&) {
        throw ImpossibleEvidence(
            "belief propagation: a message is zero everywhere — the evidence or the hard zeros of the model "
            "contradict each other under BP's beliefs");
      }
      run.report.algorithm += ", log domain";
    }
    run.report.threads = threads;
    return run;
  }
}

}  // namespace detail

InferenceResult belief_propagation(const FactorGraph& graph, const Evidence& evidence, Task task,
                                   const BpOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  graph.require_discrete("bp", "use infer gbp (Gaussian) or infer ep");
  options.validate();
  InferenceResult result = detail::with_threads(options.threads, [&](std::size_t threads) {
    const BpGraph g = detail::build_bp_graph(graph, evidence, threads);
    const auto forest = options.schedule == BpSchedule::automatic ? detail::forest_schedule(g) : std::nullopt;
    return detail::run_bp_in_arena(graph, evidence, g, forest, task, options, false, threads);
  });
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace copi
