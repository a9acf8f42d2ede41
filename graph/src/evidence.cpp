#include "copi/graph/evidence.hpp"

#include <limits>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/factor_operations.hpp"

namespace copi {

void validate_evidence(const FactorGraph& graph, const Evidence& evidence) {
  for (const auto& [var, state] : evidence) {
    if (var.index >= graph.num_variables()) {
      throw InputError("evidence on variable " + std::to_string(var.index) + ", but the model has " +
                       std::to_string(graph.num_variables()) + " variables");
    }
    const std::size_t card = graph.cardinality(var);
    if (state >= card) {
      throw InputError("evidence sets variable " + std::to_string(var.index) + " ('" +
                       graph.variable(var).name + "') to state " + std::to_string(state) + ", but it has " +
                       std::to_string(card) + " states");
    }
  }
}

FactorGraph clamp_evidence(const FactorGraph& graph, const Evidence& evidence) {
  validate_evidence(graph, evidence);
  FactorGraph result = graph;
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  for (const auto& [var, state] : evidence) {
    if (graph.factors_of(var).empty()) {
      std::vector<double> indicator(graph.cardinality(var), kNegInf);
      indicator[state] = 0.0;
      result.add_factor(DiscreteFactor({var}, {graph.cardinality(var)}, std::move(indicator)));
      continue;
    }
    for (const FactorId fid : graph.factors_of(var)) {
      DiscreteFactor& factor = result.factor(fid);
      const std::size_t pos = factor.position(var);
      std::size_t stride = 1;
      for (std::size_t i = 0; i < pos; ++i) stride *= factor.cardinalities()[i];
      const std::size_t card = factor.cardinalities()[pos];
      std::vector<double>& values = factor.log_values();
      for (std::size_t i = 0; i < values.size(); ++i) {
        if ((i / stride) % card != state) values[i] = kNegInf;
      }
    }
  }
  return result;
}

FactorGraph reduce_evidence(const FactorGraph& graph, const Evidence& evidence) {
  validate_evidence(graph, evidence);
  FactorGraph result;
  for (const DiscreteVariable& v : graph.variables()) result.add_variable(v);
  for (const DiscreteFactor& factor : graph.factors()) {
    DiscreteFactor reduced = factor;
    for (const VarId var : factor.scope()) {
      if (const auto it = evidence.find(var); it != evidence.end()) reduced = reduce(reduced, var, it->second);
    }
    result.add_factor(std::move(reduced));
  }
  return result;
}

}  // namespace copi
