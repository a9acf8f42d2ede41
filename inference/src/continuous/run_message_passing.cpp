#include "continuous/run_message_passing.hpp"

#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "continuous/continuous_model.hpp"
#include "continuous/message_engine.hpp"
#include "continuous/gaussian_log_z.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::detail {
namespace {

constexpr std::size_t kNoParent = static_cast<std::size_t>(-1);

// Factors in breadth-first order from a variable of each component, each with the
// position of its parent variable; empty when the factor graph has a cycle.
struct TreeOrder {
  std::vector<std::size_t> factors;
  std::vector<std::size_t> parent;  // per factor: position of the parent variable
  std::vector<std::uint32_t> roots;  // per component: the variable it starts from
};

std::optional<TreeOrder> tree_order(const ContinuousModel& model) {
  const std::size_t n = model.edges.size();
  TreeOrder order;
  order.parent.assign(model.factors.size(), kNoParent);
  std::vector<bool> var_seen(n, false);
  std::vector<bool> factor_seen(model.factors.size(), false);
  std::vector<std::size_t> came_from(n, kNoParent);  // per variable: the factor it was reached through
  std::deque<std::uint32_t> queue;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (var_seen[root] || model.edges[root].empty()) continue;
    var_seen[root] = true;
    order.roots.push_back(root);
    queue.push_back(root);
    while (!queue.empty()) {
      const std::uint32_t v = queue.front();
      queue.pop_front();
      for (const auto& [f, p] : model.edges[v]) {
        if (f == came_from[v]) continue;
        if (factor_seen[f]) return std::nullopt;  // f reached again through another variable: a cycle
        factor_seen[f] = true;
        order.parent[f] = p;
        order.factors.push_back(f);
        const auto& vars = model.factors[f].vars;
        for (std::size_t q = 0; q < vars.size(); ++q) {
          if (q == p) continue;
          if (var_seen[vars[q]]) return std::nullopt;
          var_seen[vars[q]] = true;
          came_from[vars[q]] = f;
          queue.push_back(vars[q]);
        }
      }
    }
  }
  return order;
}

std::string name_of(const FactorGraph& graph, std::uint32_t v) { return graph.variables()[v].name; }

void check_model(const FactorGraph& graph, const ContinuousModel& model, const PassSettings& settings) {
  if (model.log_constant == -std::numeric_limits<double>::infinity()) {
    throw ImpossibleEvidence(settings.algorithm + ": the evidence has probability zero under the model");
  }
  for (const ContinuousFactor& f : model.factors) {
    if (!settings.gaussian_only || f.kind == ContinuousFactor::Kind::gaussian) continue;
    std::string why = "is not Gaussian";
    if (f.kind == ContinuousFactor::Kind::mixture) why = "has an unobserved selector '" + name_of(graph, f.vars[0]) + "'";
    throw InputError(settings.algorithm + ": factor " + std::to_string(f.id.index) + " (" + graph.describe(f.id) + ") " +
                     why + "; use infer ep");
  }
  for (std::uint32_t v = 0; v < model.edges.size(); ++v) {
    if (model.real[v] && !model.observed[v] && model.edges[v].empty()) {
      throw InputError(settings.algorithm + ": real variable '" + name_of(graph, v) +
                       "' is in no factor, so its distribution is improper; give it a prior or observe it");
    }
  }
}

// The numbers whose movement decides convergence: every real variable's mean and
// standard deviations, every discrete variable's probabilities. Nothing while some
// approximation is improper.
std::optional<std::vector<double>> summary(const MessageEngine& engine, Workspace& ws) {
  const ContinuousModel& model = engine.model();
  std::vector<double> out;
  for (std::uint32_t v = 0; v < model.edges.size(); ++v) {
    if (model.observed[v] || model.edges[v].empty()) continue;
    if (model.real[v]) {
      const Eigen::Index d = model.size[v];
      Eigen::Map<Eigen::VectorXd> mean = ws.vector(3, d);
      Eigen::Map<Eigen::MatrixXd> covariance = ws.matrix(4, d, d);
      if (!moments_into(engine.gaussian_belief(v), ws, mean, covariance)) return std::nullopt;
      for (Eigen::Index i = 0; i < d; ++i) out.push_back(mean[i]);
      for (Eigen::Index i = 0; i < d; ++i) out.push_back(std::sqrt(covariance(i, i)));
    } else {
      const std::vector<double>& log = engine.log_belief(v);
      double hi = -std::numeric_limits<double>::infinity();
      for (const double x : log) hi = std::max(hi, x);
      double total = 0.0;
      for (const double x : log) total += std::exp(x - hi);
      for (const double x : log) out.push_back(std::exp(x - hi) / total);
    }
  }
  return out;
}

double change(const std::optional<std::vector<double>>& before, const std::optional<std::vector<double>>& after) {
  if (!before || !after) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (std::size_t i = 0; i < before->size(); ++i) {
    worst = std::max(worst, std::abs((*after)[i] - (*before)[i]) / std::max(1.0, std::abs((*before)[i])));
  }
  return worst;
}

// Returns the sum of the upward pass's pivots (log det of each block integrated out):
// with the roots' beliefs, log det of the posterior precision (Gaussian factors only).
double two_pass(const FactorGraph& graph, MessageEngine& engine, const TreeOrder& order, const std::string& algorithm) {
  const auto fail = [&](std::size_t f) {
    const FactorId id = engine.model().factors[f].id;
    throw NumericError(algorithm + ": the integral over the other variables of factor " + std::to_string(id.index) +
                       " (" + graph.describe(id) + ") diverges: the model does not define a proper Gaussian");
  };
  // One message of factor f to position p, installed; Gaussian factors in place.
  const auto pass = [&](std::size_t f, std::size_t p, double* pivot) {
    if (engine.model().factors[f].kind == ContinuousFactor::Kind::gaussian) {
      if (!engine.pass_gaussian(f, p, pivot)) fail(f);
      return;
    }
    const FactorUpdate update = engine.compute(f, p);
    if (!update.updated[p]) fail(f);
    engine.apply(f, update, 0.0);
  };
  double pivots = 0.0;
  for (auto it = order.factors.rbegin(); it != order.factors.rend(); ++it) {
    double pivot = 0.0;
    pass(*it, order.parent[*it], &pivot);
    pivots += pivot;
  }
  for (const std::size_t f : order.factors) {
    for (std::size_t p = 0; p < engine.model().factors[f].vars.size(); ++p) {
      if (p != order.parent[f]) pass(f, p, nullptr);
    }
  }
  return pivots;
}

// After a site (or table, or mixture) moves its variables, the Gaussian factors next
// to them pass the news on at once, each to its other variables. In a sequential
// sweep this makes information flow one hop past the site within the sweep: in a
// TrueSkill season a game's result reaches the players' skills (through their
// performance factors) before their next game, as in TrueSkill's own online update.
// The fixed point is unchanged; only the order of updates is.
void push_one_hop(MessageEngine& engine, std::size_t f, double damping) {
  const ContinuousModel& model = engine.model();
  for (const std::uint32_t v : model.factors[f].vars) {
    for (const auto& [g, q] : model.edges[v]) {
      if (g == f || model.factors[g].kind != ContinuousFactor::Kind::gaussian) continue;
      for (std::size_t r = 0; r < model.factors[g].vars.size(); ++r) {
        if (r != q) engine.apply(g, engine.compute(g, r), damping);
      }
    }
  }
}

}  // namespace

void validate_pass_options(const std::string& algorithm, double damping, double tolerance, std::size_t max_iterations,
                           double max_seconds) {
  if (!(damping >= 0.0 && damping < 1.0)) {
    throw InputError(algorithm + ": damping = " + std::to_string(damping) + " must be in [0, 1)");
  }
  if (!(tolerance > 0.0)) throw InputError(algorithm + ": tol = " + std::to_string(tolerance) + " must be positive");
  if (max_iterations == 0) throw InputError(algorithm + ": max_iter must be at least 1");
  if (!(max_seconds > 0.0)) throw InputError(algorithm + ": time_limit must be positive");
}

InferenceResult run_message_passing(const FactorGraph& graph, const Evidence& evidence,
                                    const RealEvidence& real_evidence, const PassSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  const ContinuousModel model = reduce_continuous(graph, evidence, real_evidence);
  check_model(graph, model, settings);
  MessageEngine engine(model, settings.quadrature_points);
  InferenceResult result;
  result.report.algorithm = settings.algorithm;
  std::optional<TreeOrder> order;
  if (settings.schedule == PassSchedule::automatic) order = tree_order(model);
  std::size_t skipped = 0;
  double upward_pivots = 0.0;
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  detail::with_threads(settings.threads, [&](std::size_t threads) {
    result.report.threads = threads;
    if (order) {
      upward_pivots = two_pass(graph, engine, *order, settings.algorithm);
      result.report.termination = Termination::exact;
      result.report.iterations = 1;
      return;
    }
    Workspace ws;
    std::optional<std::vector<double>> before = summary(engine, ws);
    std::vector<FactorUpdate> updates(model.factors.size());
    result.report.termination = Termination::max_iterations;
    for (std::size_t sweep = 0; sweep < settings.max_iterations; ++sweep) {
      if (settings.schedule == PassSchedule::sequential) {
        for (std::size_t f = 0; f < model.factors.size(); ++f) {
          const FactorUpdate update = engine.compute(f);
          skipped += update.skipped ? 1 : 0;
          engine.apply(f, update, settings.damping);
          if (model.factors[f].kind != ContinuousFactor::Kind::gaussian) push_one_hop(engine, f, settings.damping);
        }
      } else {
        parallel_for_range(model.factors.size(), 64, threads, [&](std::size_t begin, std::size_t end) {
          for (std::size_t f = begin; f < end; ++f) updates[f] = engine.compute(f);
        });
        for (std::size_t f = 0; f < model.factors.size(); ++f) {
          skipped += updates[f].skipped ? 1 : 0;
          engine.apply(f, updates[f], settings.damping);
        }
        engine.recompute_beliefs();
      }
      std::optional<std::vector<double>> after = summary(engine, ws);
      const double moved = change(before, after);
      before = std::move(after);
      result.report.iterations = sweep + 1;
      result.report.residuals.push_back(moved);
      if (moved <= settings.tolerance) {
        result.report.termination = Termination::converged;
        break;
      }
      if (settings.max_seconds > 0.0 && elapsed() > settings.max_seconds) {
        result.report.termination = Termination::time_limit;
        break;
      }
    }
  });

  const std::size_t n = graph.num_variables();
  Workspace ws;
  {
    std::vector<std::size_t> dimensions(n, 0);
    for (std::uint32_t v = 0; v < n; ++v) {
      const Variable& var = graph.variables()[v];
      dimensions[v] = var.is_real() ? var.dimension : 0;
    }
    result.real_marginals = GaussianMarginals(dimensions);
  }
  result.marginals.resize(n);
  // Observed variables first, walking the evidence maps once (a lookup per variable
  // in a map of 10⁵ entries costs more than the moments). Their covariance stays zero.
  for (const auto& [var, value] : real_evidence) result.real_marginals.mean(var.index) = value;
  for (const auto& [var, state] : evidence) {
    std::vector<double>& p = result.marginals[var.index];
    p.assign(graph.variables()[var.index].cardinality, 0.0);
    p[state] = 1.0;
  }
  for (std::uint32_t v = 0; v < n; ++v) {
    if (model.observed[v]) continue;
    const Variable& var = graph.variables()[v];
    if (var.is_real()) {
      if (!moments_into(engine.gaussian_belief(v), ws, result.real_marginals.mean(v),
                        result.real_marginals.covariance(v))) {
        throw NumericError(settings.algorithm + ": the approximation of '" + var.name + "' is improper after " +
                           std::to_string(result.report.iterations) + " sweeps" +
                           (settings.gaussian_only ? "" : " (try damping)"));
      }
    } else {
      std::vector<double>& p = result.marginals[v];
      p.assign(var.cardinality, 0.0);
      const std::vector<double>& log = engine.log_belief(v);
      double hi = -std::numeric_limits<double>::infinity();
      for (const double x : log) hi = std::max(hi, x);
      double total = 0.0;
      for (std::size_t s = 0; s < log.size(); ++s) total += (p[s] = std::exp(log[s] - hi));
      for (double& x : p) x /= total;
    }
  }
  if (settings.gaussian_only) {
    const ForestPivots forest{upward_pivots, order ? std::span<const std::uint32_t>(order->roots)
                                                   : std::span<const std::uint32_t>()};
    result.log_z = gaussian_log_z(graph, evidence, engine, result.real_marginals, order ? &forest : nullptr);
  } else {
    result.log_z = engine.log_z();
  }
  if (settings.gaussian_only) {
    result.log_z_kind = order ? LogZKind::exact : LogZKind::bethe;
  } else {
    result.log_z_kind = LogZKind::ep_estimate;
  }
  if (skipped > 0) {
    result.report.note = std::to_string(skipped) + " site update(s) skipped for an improper cavity";
  }
  result.report.seconds = elapsed();
  return result;
}

}  // namespace copi::detail
