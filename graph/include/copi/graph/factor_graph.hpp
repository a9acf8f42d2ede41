// The factor graph: discrete variables and factors in contiguous storage, plus each
// variable's neighbourhood (the factors that mention it). Built by the file readers,
// the modelling language and C++ users alike.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/ids.hpp"
#include "copi/graph/variable.hpp"

namespace copi {

class FactorGraph {
 public:
  // Names must be unique when non-empty; throws InputError otherwise.
  VarId add_variable(DiscreteVariable variable);
  // Convenience: a variable named "x<index>" with the given cardinality.
  VarId add_variable(std::size_t cardinality);
  // The scope must name existing variables with matching cardinalities.
  FactorId add_factor(DiscreteFactor factor);
  // Room for this many more variables and factors (large generated models).
  void reserve(std::size_t more_variables, std::size_t more_factors);

  [[nodiscard]] std::size_t num_variables() const { return variables_.size(); }
  [[nodiscard]] std::size_t num_factors() const { return factors_.size(); }
  [[nodiscard]] const DiscreteVariable& variable(VarId id) const { return variables_.at(id.index); }
  [[nodiscard]] const DiscreteFactor& factor(FactorId id) const { return factors_.at(id.index); }
  [[nodiscard]] DiscreteFactor& factor(FactorId id) { return factors_.at(id.index); }
  [[nodiscard]] std::span<const DiscreteVariable> variables() const { return variables_; }
  [[nodiscard]] std::span<const DiscreteFactor> factors() const { return factors_; }
  [[nodiscard]] std::size_t cardinality(VarId id) const { return variable(id).cardinality; }
  // Factors whose scope contains the variable, in increasing FactorId order.
  [[nodiscard]] const std::vector<FactorId>& factors_of(VarId id) const {
    return neighbours_.at(id.index);
  }
  [[nodiscard]] std::optional<VarId> find_variable(std::string_view name) const;

  // Sum over all assignments of the number of states: log of the joint state count.
  [[nodiscard]] double log_joint_states() const;

  friend bool operator==(const FactorGraph& a, const FactorGraph& b) {
    return a.variables_ == b.variables_ && a.factors_ == b.factors_;
  }

 private:
  std::vector<DiscreteVariable> variables_;
  std::unordered_map<std::string, VarId> by_name_;
  std::vector<DiscreteFactor> factors_;
  std::vector<std::vector<FactorId>> neighbours_;
};

}  // namespace copi
