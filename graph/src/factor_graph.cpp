#include "copi/graph/factor_graph.hpp"

#include <cmath>
#include <string>

#include "copi/graph/error.hpp"

namespace copi {

VarId FactorGraph::add_variable(DiscreteVariable variable) {
  if (variable.cardinality == 0) {
    throw InputError("variable '" + variable.name + "' has an empty domain");
  }
  if (!variable.labels.empty() && variable.labels.size() != variable.cardinality) {
    throw InputError("variable '" + variable.name + "' has " + std::to_string(variable.labels.size()) +
                     " labels for " + std::to_string(variable.cardinality) + " states");
  }
  if (!variable.name.empty() && find_variable(variable.name)) {
    throw InputError("variable '" + variable.name + "' is declared twice");
  }
  const VarId id{static_cast<std::uint32_t>(variables_.size())};
  if (!variable.name.empty()) by_name_.emplace(variable.name, id);
  variables_.push_back(std::move(variable));
  neighbours_.emplace_back();
  return id;
}

VarId FactorGraph::add_variable(std::size_t cardinality) {
  return add_variable(DiscreteVariable{"x" + std::to_string(variables_.size()), cardinality, {}});
}

FactorId FactorGraph::add_factor(DiscreteFactor factor) {
  for (std::size_t i = 0; i < factor.arity(); ++i) {
    const VarId var = factor.scope()[i];
    if (var.index >= variables_.size()) {
      throw InputError("factor refers to variable " + std::to_string(var.index) + " but there are only " +
                       std::to_string(variables_.size()) + " variables");
    }
    if (variables_[var.index].cardinality != factor.cardinalities()[i]) {
      throw InputError("factor gives variable '" + variables_[var.index].name + "' " +
                       std::to_string(factor.cardinalities()[i]) + " states, it has " +
                       std::to_string(variables_[var.index].cardinality));
    }
  }
  const FactorId id{static_cast<std::uint32_t>(factors_.size())};
  for (const VarId var : factor.scope()) neighbours_[var.index].push_back(id);
  factors_.push_back(std::move(factor));
  return id;
}

void FactorGraph::reserve(std::size_t more_variables, std::size_t more_factors) {
  variables_.reserve(variables_.size() + more_variables);
  neighbours_.reserve(neighbours_.size() + more_variables);
  by_name_.reserve(by_name_.size() + more_variables);
  factors_.reserve(factors_.size() + more_factors);
}

std::optional<VarId> FactorGraph::find_variable(std::string_view name) const {
  const auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

double FactorGraph::log_joint_states() const {
  double total = 0.0;
  for (const DiscreteVariable& v : variables_) total += std::log(static_cast<double>(v.cardinality));
  return total;
}

}  // namespace copi
