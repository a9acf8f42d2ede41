#include "copi/graph/discrete_factor.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"

namespace copi {

DiscreteFactor::DiscreteFactor(std::vector<VarId> scope, std::vector<std::size_t> cardinalities,
                               std::vector<double> log_values)
    : scope_(std::move(scope)), cards_(std::move(cardinalities)), log_values_(std::move(log_values)) {
  if (scope_.size() != cards_.size()) {
    throw InputError("factor has " + std::to_string(scope_.size()) + " variables but " +
                     std::to_string(cards_.size()) + " cardinalities");
  }
  for (std::size_t i = 0; i < scope_.size(); ++i) {
    if (cards_[i] == 0) throw InputError("factor variable " + std::to_string(scope_[i].index) + " has cardinality 0");
    for (std::size_t j = 0; j < i; ++j) {
      if (scope_[i] == scope_[j]) {
        throw InputError("variable " + std::to_string(scope_[i].index) + " appears twice in a factor scope");
      }
    }
  }
  const std::size_t expected = table_size(cards_);
  if (log_values_.size() != expected) {
    throw InputError("factor table has " + std::to_string(log_values_.size()) + " entries, expected " +
                     std::to_string(expected));
  }
  for (const double value : log_values_) {
    if (std::isnan(value) || value == INFINITY) {
      throw InputError("factor log value is NaN or +inf");
    }
  }
}

DiscreteFactor DiscreteFactor::constant(double log_value) {
  return DiscreteFactor({}, {}, {log_value});
}

std::size_t DiscreteFactor::position(VarId var) const {
  return static_cast<std::size_t>(std::find(scope_.begin(), scope_.end(), var) - scope_.begin());
}

double DiscreteFactor::log_value(std::span<const std::size_t> states) const {
  if (states.size() != scope_.size()) {
    throw InputError("discrete factor: " + std::to_string(states.size()) + " states given for a scope of " +
                     std::to_string(scope_.size()) + " variables");
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i] >= cards_[i]) {
      throw InputError("discrete factor: state " + std::to_string(states[i]) + " of a variable with " +
                       std::to_string(cards_[i]) + " states");
    }
  }
  return log_values_[table_index(cards_, states)];
}

}  // namespace copi
