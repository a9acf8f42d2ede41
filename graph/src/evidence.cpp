#include "copi/graph/evidence.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();


bool zero_everywhere(const DiscreteFactor& factor) {
  const std::vector<double>& values = factor.log_values();
  return std::all_of(values.begin(), values.end(), [](double v) { return v == kNegInf; });
}

}  // namespace

std::optional<DiscreteFactor> reduce_by(const DiscreteFactor& factor, const Evidence& evidence) {
  // Most factors meet no evidence: nothing to allocate for them.
  if (std::none_of(factor.scope().begin(), factor.scope().end(), [&](VarId v) { return evidence.contains(v); })) {
    return std::nullopt;
  }
  const std::vector<std::size_t> own = table_strides(factor.cardinalities());
  std::vector<VarId> scope;
  std::vector<std::size_t> cards;
  std::vector<std::size_t> strides;  // of the remaining variables, in the original table
  std::size_t base = 0;              // offset of the observed states
  for (std::size_t i = 0; i < factor.arity(); ++i) {
    const VarId var = factor.scope()[i];
    if (const auto it = evidence.find(var); it != evidence.end()) {
      base += own[i] * it->second;
    } else {
      scope.push_back(var);
      cards.push_back(factor.cardinalities()[i]);
      strides.push_back(own[i]);
    }
  }
  if (scope.size() == factor.arity()) return std::nullopt;
  std::vector<double> values(table_size(cards));
  MultiIndexWalker walk(cards, {strides});
  std::size_t i = 0;
  do {
    values[i++] = factor.log_values()[base + walk.offsets()[0]];
  } while (walk.next());
  return DiscreteFactor(std::move(scope), std::move(cards), std::move(values));
}

void validate_evidence(const FactorGraph& graph, const Evidence& evidence) {
  for (const auto& [var, state] : evidence) {
    if (var.index >= graph.num_variables()) {
      throw InputError("evidence on variable " + std::to_string(var.index) + ", but the model has " +
                       std::to_string(graph.num_variables()) + " variables");
    }
    if (graph.variable(var).is_real()) {
      throw InputError("evidence gives a state to variable '" + graph.variable(var).name +
                       "', which is real: observe it with a value");
    }
    const std::size_t card = graph.cardinality(var);
    if (state >= card) {
      throw InputError("evidence sets variable " + std::to_string(var.index) + " ('" +
                       graph.variable(var).name + "') to state " + std::to_string(state) + ", but it has " +
                       std::to_string(card) + " states");
    }
  }
}

void validate_real_value(const FactorGraph& graph, VarId var, const Eigen::VectorXd& value) {
  if (var.index >= graph.num_variables()) {
    throw InputError("evidence on variable " + std::to_string(var.index) + ", but the model has " +
                     std::to_string(graph.num_variables()) + " variables");
  }
  const Variable& v = graph.variable(var);
  if (!v.is_real()) throw InputError("evidence gives a real value to discrete variable '" + v.name + "'");
  if (static_cast<std::size_t>(value.size()) != v.dimension) {
    throw InputError("evidence gives '" + v.name + "' " + std::to_string(value.size()) + " values, it has dimension " +
                     std::to_string(v.dimension));
  }
  if (!value.allFinite()) throw InputError("evidence gives '" + v.name + "' a non-finite value");
}

void validate_real_evidence(const FactorGraph& graph, const RealEvidence& evidence) {
  for (const auto& [var, value] : evidence) validate_real_value(graph, var, value);
}

FactorGraph clamp_evidence(const FactorGraph& graph, const Evidence& evidence) {
  validate_evidence(graph, evidence);
  FactorGraph result = graph;
  for (const auto& [var, state] : evidence) {
    if (graph.factors_of(var).empty()) {
      std::vector<double> indicator(graph.cardinality(var), kNegInf);
      indicator[state] = 0.0;
      result.add_factor(DiscreteFactor({var}, {graph.cardinality(var)}, std::move(indicator)));
      continue;
    }
    for (const FactorId fid : graph.factors_of(var)) {
      DiscreteFactor& factor = result.table(fid);
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
  result.reserve(graph.num_variables(), graph.num_factors());
  for (const Variable& v : graph.variables()) result.add_variable(v);
  for (const DiscreteFactor& factor : graph.tables()) {
    std::optional<DiscreteFactor> reduced = reduce_by(factor, evidence);
    result.add_factor(reduced ? std::move(*reduced) : factor);
  }
  return result;
}

ReducedModel reduce_model(const FactorGraph& graph, const Evidence& evidence) {
  validate_evidence(graph, evidence);
  ReducedModel model;
  model.observed_.assign(graph.num_variables(), false);
  for (const auto& [var, state] : evidence) model.observed_[var.index] = true;
  std::vector<std::size_t> touched;  // positions in factors_ that refer to reduced_
  for (const DiscreteFactor& factor : graph.tables()) {
    std::optional<DiscreteFactor> reduced = reduce_by(factor, evidence);
    const DiscreteFactor& kept = reduced ? *reduced : factor;
    if (kept.arity() == 0) {
      model.log_constant_ += kept.log_values()[0];
      continue;
    }
    model.impossible_ = model.impossible_ || zero_everywhere(kept);
    if (reduced) {
      touched.push_back(model.factors_.size());
      model.factors_.push_back(nullptr);
      model.reduced_.push_back(std::move(*reduced));
    } else {
      model.factors_.push_back(&factor);
    }
  }
  // Pointers into reduced_ only once it has stopped growing.
  for (std::size_t i = 0; i < touched.size(); ++i) model.factors_[touched[i]] = &model.reduced_[i];
  model.impossible_ = model.impossible_ || model.log_constant_ == kNegInf;
  return model;
}

}  // namespace copi
