// The format-neutral, lossless form of a discrete model file: linear table values
// exactly as read (no log/exp round trip), scopes in file order, entries already in
// copi's convention (table_layout.hpp: first scope variable fastest). Readers produce
// it, writers consume it, so `copi convert` reproduces every table bit for bit.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "copi/graph/factor_graph.hpp"

namespace copi {

enum class ModelKind { markov, bayes };

struct TableFactor {
  std::vector<std::size_t> scope;  // variable indices, in file order
  std::vector<double> values;      // linear, non-negative, first scope variable fastest
  friend bool operator==(const TableFactor&, const TableFactor&) = default;
};

struct ModelTables {
  ModelKind kind = ModelKind::markov;
  std::vector<std::size_t> cardinalities;
  // Optional variable names (libDAI labels as text); empty means "x0", "x1", ...
  std::vector<std::string> names;
  std::vector<TableFactor> factors;
  friend bool operator==(const ModelTables&, const ModelTables&) = default;
};

// Throws InputError when a cardinality is 0, the names are neither empty nor one per
// variable, a scope index is out of range or repeated, or a table has the wrong size
// or a negative / non-finite entry. Writers and to_factor_graph call it.
void validate_model_tables(const ModelTables& tables);

// log of every value (0 becomes -inf). Variable names from `names` or "x<i>".
FactorGraph to_factor_graph(const ModelTables& tables);
// exp of every log value; names copied from the variables.
ModelTables to_model_tables(const FactorGraph& graph);

}  // namespace copi
