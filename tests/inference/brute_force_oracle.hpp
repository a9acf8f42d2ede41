// An independent brute-force reference for exact inference. It enumerates every joint
// assignment of the unobserved variables and reads only the raw data of a FactorGraph
// (scopes, cardinalities, log tables); the table index is computed here from the
// documented convention (table_layout.hpp: first scope variable fastest), so it shares
// no code with copi's factor operations, evidence handling or enumerate().
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::test {

struct OracleAnswer {
  // Natural log of the sum over all assignments consistent with the evidence;
  // -inf when the evidence (or the model) has probability zero.
  long double log_z = -std::numeric_limits<long double>::infinity();
  // Per variable (graph order) a distribution over its states; observed variables are
  // point masses. Empty when log_z is -inf.
  std::vector<std::vector<double>> marginals;
  // Largest unnormalised log value over consistent assignments, and the first
  // assignment (in enumeration order) reaching it. argmax is empty when -inf.
  long double max_log_value = -std::numeric_limits<long double>::infinity();
  std::vector<std::size_t> argmax;
  std::size_t joint_states = 0;  // assignments enumerated
};

// The oracle refuses more assignments than this (it stores one log value per state).
inline constexpr std::size_t kOracleMaxJointStates = std::size_t{1} << 22;

namespace oracle_detail {

struct FactorView {
  std::vector<std::size_t> variables;  // graph indices, scope order
  std::vector<std::size_t> strides;    // stride of each scope position
  const std::vector<double>* log_values = nullptr;
};

inline std::vector<FactorView> factor_views(const FactorGraph& graph) {
  std::vector<FactorView> views;
  views.reserve(graph.num_factors());
  for (const DiscreteFactor& factor : graph.tables()) {
    FactorView view;
    std::size_t stride = 1;
    for (std::size_t i = 0; i < factor.scope().size(); ++i) {
      const std::size_t var = factor.scope()[i].index;
      const std::size_t card = factor.cardinalities().at(i);
      if (var >= graph.num_variables() || graph.variables()[var].cardinality != card) {
        throw std::logic_error("oracle: factor scope does not match the graph");
      }
      view.variables.push_back(var);
      view.strides.push_back(stride);
      stride *= card;
    }
    if (stride != factor.log_values().size()) {
      throw std::logic_error("oracle: table size is not the product of cardinalities");
    }
    view.log_values = &factor.log_values();
    views.push_back(std::move(view));
  }
  return views;
}

// Sum of the factors' log entries for a full assignment (long double accumulation).
inline long double log_value(const std::vector<FactorView>& views,
                             std::span<const std::size_t> assignment) {
  long double total = 0.0L;
  for (const FactorView& view : views) {
    std::size_t index = 0;
    for (std::size_t i = 0; i < view.variables.size(); ++i) {
      index += assignment[view.variables[i]] * view.strides[i];
    }
    total += static_cast<long double>((*view.log_values)[index]);
  }
  return total;
}

// Odometer over the free variables, the first free variable fastest. False at the end.
inline bool advance(std::vector<std::size_t>& assignment, const std::vector<std::size_t>& free,
                    const std::vector<std::size_t>& cards) {
  for (std::size_t var : free) {
    if (++assignment[var] < cards[var]) return true;
    assignment[var] = 0;
  }
  return false;
}

}  // namespace oracle_detail

// Log of the unnormalised probability of a full assignment (one state per variable).
inline long double oracle_log_value(const FactorGraph& graph,
                                    std::span<const std::size_t> assignment) {
  if (assignment.size() != graph.num_variables()) {
    throw std::logic_error("oracle: assignment has the wrong length");
  }
  for (std::size_t v = 0; v < assignment.size(); ++v) {
    if (assignment[v] >= graph.variables()[v].cardinality) {
      throw std::logic_error("oracle: state out of range for variable " + std::to_string(v));
    }
  }
  return oracle_detail::log_value(oracle_detail::factor_views(graph), assignment);
}

namespace oracle_detail {

// Calls visit(assignment, log value) for every assignment consistent with the evidence,
// the first unobserved variable fastest, until visit returns false. Returns the number
// of assignments visited.
template <typename Visit>
std::size_t for_each_assignment(const FactorGraph& graph, const Evidence& evidence, Visit visit) {
  const std::size_t n = graph.num_variables();
  std::vector<std::size_t> cards(n);
  for (std::size_t v = 0; v < n; ++v) cards[v] = graph.variables()[v].cardinality;
  std::vector<std::size_t> assignment(n, 0);
  std::vector<bool> observed(n, false);
  for (const auto& [var, state] : evidence) {
    if (var.index >= n || state >= cards[var.index]) {
      throw std::logic_error("oracle: evidence out of range");
    }
    observed[var.index] = true;
    assignment[var.index] = state;
  }
  std::vector<std::size_t> free;
  std::size_t joint_states = 1;
  for (std::size_t v = 0; v < n; ++v) {
    if (observed[v]) continue;
    free.push_back(v);
    if (joint_states > kOracleMaxJointStates / cards[v]) {
      throw std::logic_error("oracle: too many joint states");
    }
    joint_states *= cards[v];
  }
  const std::vector<FactorView> views = factor_views(graph);
  std::size_t visited = 0;
  do {
    ++visited;
    if (!visit(std::as_const(assignment), log_value(views, assignment))) break;
  } while (advance(assignment, free, cards));
  return visited;
}

}  // namespace oracle_detail

// Whether some assignment consistent with the evidence has a finite log value (stops at
// the first one: cheap for the rejection sampling of random models).
inline bool has_positive_probability(const FactorGraph& graph, const Evidence& evidence = {}) {
  bool found = false;
  oracle_detail::for_each_assignment(graph, evidence, [&](const auto&, long double value) {
    found = value > -std::numeric_limits<long double>::infinity();
    return !found;
  });
  return found;
}

inline OracleAnswer brute_force(const FactorGraph& graph, const Evidence& evidence = {}) {
  OracleAnswer answer;
  constexpr long double kMinusInf = -std::numeric_limits<long double>::infinity();

  // Pass 1: every log value, the maximum and its first argmax.
  std::vector<long double> log_values;
  answer.joint_states = oracle_detail::for_each_assignment(
      graph, evidence, [&](const std::vector<std::size_t>& assignment, long double value) {
        log_values.push_back(value);
        if (value > answer.max_log_value) {
          answer.max_log_value = value;
          answer.argmax = assignment;
        }
        return true;
      });
  if (answer.max_log_value == kMinusInf) return answer;

  // Pass 2: exp(value - max) summed in long double; every term is <= 1 and the sum >= 1,
  // so nothing overflows and terms that underflow are negligible. Observed variables
  // keep their state throughout, so they collect all the weight: point masses.
  const std::size_t n = graph.num_variables();
  std::vector<std::vector<long double>> weights(n);
  for (std::size_t v = 0; v < n; ++v) weights[v].assign(graph.variables()[v].cardinality, 0.0L);
  long double total = 0.0L;
  std::size_t k = 0;
  oracle_detail::for_each_assignment(
      graph, evidence, [&](const std::vector<std::size_t>& assignment, long double) {
        const long double w = std::exp(log_values[k++] - answer.max_log_value);
        total += w;
        for (std::size_t v = 0; v < n; ++v) weights[v][assignment[v]] += w;
        return true;
      });

  answer.log_z = answer.max_log_value + std::log(total);
  answer.marginals.resize(n);
  for (std::size_t v = 0; v < n; ++v) {
    for (long double weight : weights[v]) {
      answer.marginals[v].push_back(static_cast<double>(weight / total));
    }
  }
  return answer;
}

// Per factor (graph order): the joint distribution of its scope under the model and
// evidence, in its table layout; empty when the evidence has probability zero.
inline std::vector<std::vector<double>> brute_force_factor_marginals(const FactorGraph& graph,
                                                                     const Evidence& evidence = {}) {
  const OracleAnswer answer = brute_force(graph, evidence);
  if (answer.max_log_value == -std::numeric_limits<long double>::infinity()) return {};
  const std::vector<oracle_detail::FactorView> views = oracle_detail::factor_views(graph);
  std::vector<std::vector<long double>> weights(views.size());
  for (std::size_t f = 0; f < views.size(); ++f) weights[f].assign(views[f].log_values->size(), 0.0L);
  long double total = 0.0L;
  oracle_detail::for_each_assignment(graph, evidence, [&](const std::vector<std::size_t>& assignment, long double value) {
    const long double w = std::exp(value - answer.max_log_value);
    total += w;
    for (std::size_t f = 0; f < views.size(); ++f) {
      std::size_t index = 0;
      for (std::size_t i = 0; i < views[f].variables.size(); ++i) index += assignment[views[f].variables[i]] * views[f].strides[i];
      weights[f][index] += w;
    }
    return true;
  });
  std::vector<std::vector<double>> out(views.size());
  for (std::size_t f = 0; f < views.size(); ++f) {
    for (const long double w : weights[f]) out[f].push_back(static_cast<double>(w / total));
  }
  return out;
}

}  // namespace copi::test
