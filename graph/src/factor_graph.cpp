#include "copi/graph/factor_graph.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

// The dimension (real) or cardinality (discrete) a factor gives each scope variable,
// and the domain it expects.
struct ScopeEntry {
  VarId var;
  Domain domain;
  std::size_t size;
};

std::vector<ScopeEntry> scope_entries(const Factor& factor) {
  std::vector<ScopeEntry> out;
  const auto add_real = [&](const std::vector<VarId>& scope, const std::vector<std::size_t>& dims,
                            std::size_t first) {
    for (std::size_t i = first; i < scope.size(); ++i) out.push_back({scope[i], Domain::real, dims[i - first]});
  };
  std::visit(
      [&](const auto& f) {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, DiscreteFactor> || std::is_same_v<F, SparseConditionalFactor>) {
          for (std::size_t i = 0; i < f.scope().size(); ++i) {
            out.push_back({f.scope()[i], Domain::discrete, f.cardinalities()[i]});
          }
        } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
          out.push_back({f.selector(), Domain::discrete, f.components().size()});
          const LinearGaussianFactor& first = f.components().front();
          add_real(first.scope(), first.dimensions(), 0);
        } else {
          add_real(f.scope(), f.dimensions(), 0);
        }
      },
      factor);
  return out;
}

}  // namespace

VarId FactorGraph::add_variable(Variable variable) {
  if (variable.is_discrete()) {
    if (variable.cardinality == 0) throw InputError("variable '" + variable.name + "' has an empty domain");
    if (variable.dimension != 0) {
      throw InputError("discrete variable '" + variable.name + "' is given a real dimension");
    }
    if (!variable.labels.empty() && variable.labels.size() != variable.cardinality) {
      throw InputError("variable '" + variable.name + "' has " + std::to_string(variable.labels.size()) +
                       " labels for " + std::to_string(variable.cardinality) + " states");
    }
  } else {
    if (variable.dimension == 0) throw InputError("real variable '" + variable.name + "' has dimension 0");
    if (variable.cardinality != 0 || !variable.labels.empty()) {
      throw InputError("real variable '" + variable.name + "' is given discrete states");
    }
  }
  const VarId id{static_cast<std::uint32_t>(variables_.size())};
  if (!variable.name.empty() && !by_name_.try_emplace(variable.name, id).second) {  // one lookup
    throw InputError("variable '" + variable.name + "' is declared twice");
  }
  variables_.push_back(std::move(variable));
  neighbours_.emplace_back();
  return id;
}

VarId FactorGraph::add_variable(std::size_t cardinality) {
  Variable v;
  v.name = "x" + std::to_string(variables_.size());
  v.cardinality = cardinality;
  return add_variable(std::move(v));
}

FactorId FactorGraph::add_factor(Factor factor) {
  for (const ScopeEntry& entry : scope_entries(factor)) {
    if (entry.var.index >= variables_.size()) {
      throw InputError("factor refers to variable " + std::to_string(entry.var.index) + " but there are only " +
                       std::to_string(variables_.size()) + " variables");
    }
    const Variable& v = variables_[entry.var.index];
    if (v.domain != entry.domain) {
      throw InputError("a " + kind_name(factor) + " factor needs '" + v.name + "' to be " +
                       (entry.domain == Domain::real ? "real" : "discrete") + ", it is " +
                       (v.is_real() ? "real" : "discrete"));
    }
    const std::size_t has = v.is_real() ? v.dimension : v.cardinality;
    if (has != entry.size) {
      throw InputError("factor gives variable '" + v.name + "' " + std::to_string(entry.size) +
                       (v.is_real() ? " dimensions" : " states") + ", it has " + std::to_string(has));
    }
  }
  const FactorId id{static_cast<std::uint32_t>(factors_.size())};
  for (const VarId var : scope_of(factor)) neighbours_[var.index].push_back(id);
  factors_.push_back(std::move(factor));
  return id;
}

void FactorGraph::reserve(std::size_t more_variables, std::size_t more_factors) {
  variables_.reserve(variables_.size() + more_variables);
  neighbours_.reserve(neighbours_.size() + more_variables);
  by_name_.reserve(by_name_.size() + more_variables);
  factors_.reserve(factors_.size() + more_factors);
}

const DiscreteFactor& FactorGraph::as_table(const Factor& factor) {
  const auto* table = std::get_if<DiscreteFactor>(&factor);
  if (table == nullptr) throw InputError("a " + kind_name(factor) + " factor is not a discrete table");
  return *table;
}

const DiscreteFactor& FactorGraph::table(FactorId id) const {
  const auto* table = std::get_if<DiscreteFactor>(&factors_.at(id.index));
  if (table == nullptr) throw InputError("factor " + std::to_string(id.index) + " (" + describe(id) + ") is not discrete");
  return *table;
}

DiscreteFactor& FactorGraph::table(FactorId id) {
  return const_cast<DiscreteFactor&>(std::as_const(*this).table(id));
}

bool FactorGraph::is_discrete() const {
  for (const Variable& v : variables_) {
    if (!v.is_discrete()) return false;
  }
  for (const Factor& f : factors_) {
    if (!copi::is_discrete(f)) return false;
  }
  return true;
}

bool FactorGraph::has_sparse_factors() const {
  return std::any_of(factors_.begin(), factors_.end(),
                     [](const Factor& f) { return std::holds_alternative<SparseConditionalFactor>(f); });
}

FactorGraph FactorGraph::densified(std::size_t max_table_entries) const {
  FactorGraph out;
  out.reserve(variables_.size(), factors_.size());
  for (const Variable& v : variables_) out.add_variable(v);
  for (std::size_t i = 0; i < factors_.size(); ++i) {
    const auto* sparse = std::get_if<SparseConditionalFactor>(&factors_[i]);
    if (sparse == nullptr) {
      out.add_factor(factors_[i]);
      continue;
    }
    if (sparse->dense_size() > max_table_entries) {
      throw ResourceError("factor " + std::to_string(i) + " (" + describe(FactorId{static_cast<std::uint32_t>(i)}) +
                          ") would have " + std::to_string(sparse->dense_size()) +
                          " entries as a dense table, more than the limit of " + std::to_string(max_table_entries) +
                          "; the discrete algorithms use dense tables");
    }
    out.add_factor(sparse->densify());
  }
  return out;
}

void FactorGraph::require_discrete(std::string_view algorithm, std::string_view advice) const {
  for (std::size_t i = 0; i < factors_.size(); ++i) {
    if (copi::is_discrete(factors_[i])) continue;
    if (std::holds_alternative<SparseConditionalFactor>(factors_[i])) {
      throw InputError(std::string(algorithm) + ": factor " + std::to_string(i) + " (" +
                       describe(FactorId{static_cast<std::uint32_t>(i)}) +
                       ") is sparse; run it through InferenceAlgorithm, or densify the graph first (densified())");
    }
    throw InputError(std::string(algorithm) + ": factor " + std::to_string(i) + " (" +
                     describe(FactorId{static_cast<std::uint32_t>(i)}) + ") is not discrete; " + std::string(advice));
  }
  for (const Variable& v : variables_) {
    if (v.is_real()) {
      throw InputError(std::string(algorithm) + ": variable '" + v.name + "' is real; " + std::string(advice));
    }
  }
}

std::string FactorGraph::describe(FactorId id) const {
  const Factor& f = factors_.at(id.index);
  std::string out = kind_name(f) + " on ";
  const std::vector<VarId>& scope = scope_of(f);
  for (std::size_t i = 0; i < scope.size(); ++i) {
    if (i > 0) out += ", ";
    out += variables_.at(scope[i].index).name;
  }
  if (scope.empty()) out += "nothing";
  return out;
}

std::optional<VarId> FactorGraph::find_variable(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

double FactorGraph::log_joint_states() const {
  double total = 0.0;
  for (const Variable& v : variables_) {
    if (v.is_discrete()) total += std::log(static_cast<double>(v.cardinality));
  }
  return total;
}

}  // namespace copi
