#include "copi/graph/io/model_tables.hpp"

#include <cmath>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"
#include "text_scanner.hpp"

namespace copi {
namespace {

std::vector<std::size_t> scope_cardinalities(const ModelTables& tables, const TableFactor& factor) {
  std::vector<std::size_t> cards;
  cards.reserve(factor.scope.size());
  for (const std::size_t var : factor.scope) cards.push_back(tables.cardinalities[var]);
  return cards;
}

void validate_factor(const ModelTables& tables, std::size_t index) {
  const TableFactor& factor = tables.factors[index];
  const std::string name = "factor " + std::to_string(index);
  for (std::size_t i = 0; i < factor.scope.size(); ++i) {
    const std::size_t var = factor.scope[i];
    if (var >= tables.cardinalities.size()) {
      throw InputError(name + ": scope variable " + std::to_string(var) + " out of range (the model has " +
                       std::to_string(tables.cardinalities.size()) + " variables)");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (factor.scope[j] == var) {
        throw InputError("variable " + std::to_string(var) + " appears twice in the scope of " + name);
      }
    }
  }
  const std::size_t expected = table_size(scope_cardinalities(tables, factor));
  if (factor.values.size() != expected) {
    throw InputError("table of " + name + " has " + std::to_string(factor.values.size()) +
                     " entries, expected " + std::to_string(expected));
  }
  for (const double value : factor.values) {
    if (!(value >= 0.0) || std::isinf(value)) {
      throw InputError("table of " + name + " has the entry " + io_detail::format_double(value) +
                       " (entries must be finite and non-negative)");
    }
  }
}

}  // namespace

void validate_model_tables(const ModelTables& tables) {
  for (std::size_t var = 0; var < tables.cardinalities.size(); ++var) {
    if (tables.cardinalities[var] == 0) {
      throw InputError("variable " + std::to_string(var) + " has cardinality 0");
    }
  }
  if (!tables.names.empty() && tables.names.size() != tables.cardinalities.size()) {
    throw InputError("the model has " + std::to_string(tables.cardinalities.size()) + " variables but " +
                     std::to_string(tables.names.size()) + " names");
  }
  for (std::size_t index = 0; index < tables.factors.size(); ++index) validate_factor(tables, index);
}

FactorGraph to_factor_graph(const ModelTables& tables) {
  validate_model_tables(tables);
  FactorGraph graph;
  for (std::size_t var = 0; var < tables.cardinalities.size(); ++var) {
    std::string name = tables.names.empty() ? "x" + std::to_string(var) : tables.names[var];
    graph.add_variable(Variable{std::move(name), tables.cardinalities[var], {}});
  }
  for (const TableFactor& factor : tables.factors) {
    std::vector<VarId> scope;
    scope.reserve(factor.scope.size());
    for (const std::size_t var : factor.scope) scope.push_back(VarId{static_cast<std::uint32_t>(var)});
    std::vector<double> log_values(factor.values.size());
    for (std::size_t i = 0; i < log_values.size(); ++i) log_values[i] = std::log(factor.values[i]);
    graph.add_factor(DiscreteFactor(std::move(scope), scope_cardinalities(tables, factor), std::move(log_values)));
  }
  return graph;
}

ModelTables to_model_tables(const FactorGraph& graph) {
  ModelTables tables;
  tables.kind = ModelKind::markov;
  for (const Variable& variable : graph.variables()) {
    tables.cardinalities.push_back(variable.cardinality);
    tables.names.push_back(variable.name);
  }
  // The file formats hold dense tables: sparse conditionals are written densely.
  const FactorGraph dense = graph.has_sparse_factors() ? graph.densified() : FactorGraph();
  for (const DiscreteFactor& factor : (graph.has_sparse_factors() ? dense : graph).tables()) {
    TableFactor table;
    for (const VarId var : factor.scope()) table.scope.push_back(var.index);
    table.values.reserve(factor.size());
    for (const double log_value : factor.log_values()) table.values.push_back(std::exp(log_value));
    tables.factors.push_back(std::move(table));
  }
  return tables;
}

}  // namespace copi
