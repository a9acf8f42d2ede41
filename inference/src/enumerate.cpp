#include "copi/inference/enumerate.hpp"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <limits>

#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Walks every assignment of the unobserved variables, keeping each factor's linear
// index current, and hands the total log weight to `visit`.
template <typename Visit>
void for_each_assignment(const FactorGraph& graph, const Evidence& evidence, Visit&& visit) {
  std::vector<VarId> free_vars;
  std::vector<std::size_t> free_cards;
  for (std::size_t v = 0; v < graph.num_variables(); ++v) {
    const VarId var{static_cast<std::uint32_t>(v)};
    if (!evidence.contains(var)) {
      free_vars.push_back(var);
      free_cards.push_back(graph.cardinality(var));
    }
  }
  const std::size_t num_factors = graph.num_factors();
  std::vector<std::vector<std::size_t>> strides(num_factors, std::vector<std::size_t>(free_vars.size(), 0));
  std::vector<std::size_t> base(num_factors, 0);
  for (std::size_t f = 0; f < num_factors; ++f) {
    const DiscreteFactor& factor = graph.table(FactorId{static_cast<std::uint32_t>(f)});
    const std::vector<std::size_t> own = table_strides(factor.cardinalities());
    for (std::size_t i = 0; i < factor.arity(); ++i) {
      const VarId var = factor.scope()[i];
      if (const auto it = evidence.find(var); it != evidence.end()) {
        base[f] += own[i] * it->second;
        continue;
      }
      const auto pos = std::find(free_vars.begin(), free_vars.end(), var) - free_vars.begin();
      strides[f][static_cast<std::size_t>(pos)] = own[i];
    }
  }
  MultiIndexWalker walk(free_cards, strides);
  do {
    double log_weight = 0.0;
    for (std::size_t f = 0; f < num_factors; ++f) {
      log_weight += graph.table(FactorId{static_cast<std::uint32_t>(f)}).log_values()[base[f] + walk.offsets()[f]];
    }
    visit(walk.states(), free_vars, log_weight);
  } while (walk.next());
}

}  // namespace

std::string format_state_count(double log2_count) {
  char buffer[96];
  if (log2_count <= 40) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", std::exp2(log2_count));
    return buffer;
  }
  // 2^100 (1.3e30): the power of two, rounded to a tenth, and two significant digits.
  const double log10_count = log2_count * std::log10(2.0);
  const double exponent = std::floor(log10_count);
  double mantissa = std::pow(10.0, log10_count - exponent);
  double shown_exponent = exponent;
  if (std::round(mantissa * 10) >= 100) {  // 9.96e29 rounds to 1.0e30
    mantissa /= 10;
    shown_exponent += 1;
  }
  const double tenths = std::round(log2_count * 10) / 10;
  if (tenths == std::floor(tenths)) {
    std::snprintf(buffer, sizeof(buffer), "2^%.0f (%.1fe%.0f)", tenths, mantissa, shown_exponent);
  } else {
    std::snprintf(buffer, sizeof(buffer), "2^%.1f (%.1fe%.0f)", tenths, mantissa, shown_exponent);
  }
  return buffer;
}

void EnumerateOptions::validate() const {
  if (max_joint_states == 0) throw InputError("EnumerateOptions::max_joint_states = 0: must be positive");
}

InferenceResult enumerate(const FactorGraph& graph, const Evidence& evidence, Task task,
                          const EnumerateOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  graph.require_discrete("enumerate");
  options.validate();
  validate_evidence(graph, evidence);
  // Counted as log2 so that no model overflows the count (4^80 states, 2^2000, ...).
  double log2_joint = 0.0;
  for (std::size_t v = 0; v < graph.num_variables(); ++v) {
    if (!evidence.contains(VarId{static_cast<std::uint32_t>(v)})) {
      log2_joint += std::log2(static_cast<double>(graph.variables()[v].cardinality));
    }
  }
  if (log2_joint > std::log2(static_cast<double>(options.max_joint_states)) + 1e-12) {
    throw ResourceError("enumeration refused: " + format_state_count(log2_joint) + " joint states, the limit is " +
                        format_state_count(std::log2(static_cast<double>(options.max_joint_states))));
  }

  // Pass 1: the largest log weight (the MPE) — also the shift for pass 2.
  InferenceResult result;
  double best = kNegInf;
  std::vector<std::size_t> best_assignment(graph.num_variables(), 0);
  for (const auto& [var, state] : evidence) best_assignment[var.index] = state;
  for_each_assignment(graph, evidence, [&](const auto& states, const auto& vars, double w) {
    if (w > best) {
      best = w;
      for (std::size_t i = 0; i < vars.size(); ++i) best_assignment[vars[i].index] = states[i];
    }
  });
  if (best == kNegInf) throw ImpossibleEvidence("the evidence has probability zero under the model");

  // Pass 2: Z and the marginals, every weight shifted by the maximum.
  std::vector<std::vector<double>> sums(graph.num_variables());
  for (std::size_t v = 0; v < graph.num_variables(); ++v) sums[v].assign(graph.variables()[v].cardinality, 0.0);
  double total = 0.0;
  for_each_assignment(graph, evidence, [&](const auto& states, const auto& vars, double w) {
    const double p = std::exp(w - best);
    total += p;
    for (std::size_t i = 0; i < vars.size(); ++i) sums[vars[i].index][states[i]] += p;
  });
  for (const auto& [var, state] : evidence) sums[var.index][state] = total;
  for (auto& row : sums) {
    for (double& p : row) p /= total;
  }
  result.marginals = std::move(sums);
  result.log_z = best + std::log(total);
  result.map = std::move(best_assignment);
  result.map_log_value = best;
  result.report.algorithm = "enumerate";
  result.report.termination = Termination::exact;
  result.report.iterations = static_cast<std::size_t>(std::llround(std::exp2(log2_joint)));
  (void)task;
  result.report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace copi
