// A dense table factor over discrete variables, stored as natural-log potentials
// (-inf is a hard zero). Entries follow the convention of table_layout.hpp: the first
// scope variable varies fastest. A value type: copy, compare, move freely.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "copi/graph/ids.hpp"

namespace copi {

class DiscreteFactor {
 public:
  DiscreteFactor() = default;  // the constant factor 1 (empty scope, log value 0)
  // Throws InputError on duplicate scope variables, zero cardinalities, a size
  // mismatch, or NaN / +inf log values.
  DiscreteFactor(std::vector<VarId> scope, std::vector<std::size_t> cardinalities,
                 std::vector<double> log_values);

  // A constant factor with the given log value.
  static DiscreteFactor constant(double log_value);

  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] const std::vector<std::size_t>& cardinalities() const { return cards_; }
  [[nodiscard]] const std::vector<double>& log_values() const { return log_values_; }
  [[nodiscard]] std::vector<double>& log_values() { return log_values_; }
  [[nodiscard]] std::size_t size() const { return log_values_.size(); }
  [[nodiscard]] std::size_t arity() const { return scope_.size(); }

  // Position of a variable in the scope, or arity() when absent.
  [[nodiscard]] std::size_t position(VarId var) const;
  [[nodiscard]] bool contains(VarId var) const { return position(var) < arity(); }

  // Log value of a full assignment given per scope variable.
  [[nodiscard]] double log_value(std::span<const std::size_t> states) const;

  friend bool operator==(const DiscreteFactor&, const DiscreteFactor&) = default;

 private:
  std::vector<VarId> scope_;
  std::vector<std::size_t> cards_;
  std::vector<double> log_values_{0.0};
};

}  // namespace copi
