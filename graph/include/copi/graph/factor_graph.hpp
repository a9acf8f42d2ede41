// The factor graph: variables (discrete or real) and factors of every kind in
// contiguous storage, plus each variable's neighbourhood (the factors that mention
// it). Built by the file readers, the modelling language and C++ users alike.
//
// The discrete algorithms see the dense tables through table() / tables(); they call
// require_discrete() first, which refuses a model with any other kind of factor or a
// real variable, naming the first one.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/factor.hpp"
#include "copi/graph/ids.hpp"
#include "copi/graph/variable.hpp"

namespace copi {

class FactorGraph {
 public:
  // Names must be unique when non-empty; throws InputError otherwise, and for a
  // discrete variable without states or a real one of dimension 0.
  VarId add_variable(Variable variable);
  // Convenience: a discrete variable named "x<index>" with the given cardinality.
  VarId add_variable(std::size_t cardinality);
  // The scope must name existing variables of the factor's domains with matching
  // cardinalities / dimensions (a conditional linear Gaussian's selector discrete).
  FactorId add_factor(Factor factor);
  // A dense table (keeps `add_factor({scope, cardinalities, log_values})` working).
  FactorId add_factor(DiscreteFactor factor) { return add_factor(Factor(std::move(factor))); }
  // Room for this many more variables and factors (large generated models).
  void reserve(std::size_t more_variables, std::size_t more_factors);

  [[nodiscard]] std::size_t num_variables() const { return variables_.size(); }
  [[nodiscard]] std::size_t num_factors() const { return factors_.size(); }
  [[nodiscard]] const Variable& variable(VarId id) const { return variables_.at(id.index); }
  [[nodiscard]] std::span<const Variable> variables() const { return variables_; }
  [[nodiscard]] const Factor& factor(FactorId id) const { return factors_.at(id.index); }
  [[nodiscard]] std::span<const Factor> factors() const { return factors_; }
  [[nodiscard]] std::size_t cardinality(VarId id) const { return variable(id).cardinality; }

  // The dense table of a discrete factor; throws InputError naming the factor when it
  // is of another kind.
  [[nodiscard]] const DiscreteFactor& table(FactorId id) const;
  [[nodiscard]] DiscreteFactor& table(FactorId id);
  // Every factor as a dense table, in FactorId order; only for a graph that passed
  // require_discrete() (a factor of another kind throws when reached).
  [[nodiscard]] auto tables() const {
    return std::views::transform(std::span<const Factor>(factors_),
                                 [](const Factor& f) -> const DiscreteFactor& { return as_table(f); });
  }

  // Whether every variable is discrete and every factor a dense table.
  [[nodiscard]] bool is_discrete() const;
  // Whether some factor is a sparse conditional, and the graph with each of them as a
  // dense table (ResourceError, naming the factor, for one above the limit; the
  // default is 2^26 entries, 512 MiB).
  [[nodiscard]] bool has_sparse_factors() const;
  static constexpr std::size_t kDenseTableLimit = std::size_t{1} << 26;
  [[nodiscard]] FactorGraph densified(std::size_t max_table_entries = kDenseTableLimit) const;
  // Throws InputError unless is_discrete(): "<algorithm>: factor 12 (probit on w) is
  // not discrete; <advice>" (or the first real variable when it is in no factor).
  void require_discrete(std::string_view algorithm, std::string_view advice = "use infer ep") const;
  // "probit on w, b": a factor's kind and the names of its variables, for messages.
  [[nodiscard]] std::string describe(FactorId id) const;

  // Factors whose scope contains the variable, in increasing FactorId order.
  [[nodiscard]] const std::vector<FactorId>& factors_of(VarId id) const {
    return neighbours_.at(id.index);
  }
  [[nodiscard]] std::optional<VarId> find_variable(std::string_view name) const;

  // Sum over the discrete variables of the log number of states: log of the joint
  // state count.
  [[nodiscard]] double log_joint_states() const;

  friend bool operator==(const FactorGraph& a, const FactorGraph& b) {
    return a.variables_ == b.variables_ && a.factors_ == b.factors_;
  }

 private:
  static const DiscreteFactor& as_table(const Factor& factor);

  std::vector<Variable> variables_;
  // Looked up by string_view without building a std::string (a transparent hash).
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, VarId, NameHash, std::equal_to<>> by_name_;
  std::vector<Factor> factors_;
  std::vector<std::vector<FactorId>> neighbours_;
};

}  // namespace copi
