// Evidence: observed states of some variables. Checked against a graph, applied by
// clamping (entries of other states become hard zeros) or by reduction (observed
// variables leave the scopes; the algorithms that can, use this — it shrinks tables).
#pragma once

#include <cstddef>
#include <map>

#include "copi/graph/factor_graph.hpp"

namespace copi {

using Evidence = std::map<VarId, std::size_t>;

// Throws InputError naming the variable when an id or a state is out of range.
void validate_evidence(const FactorGraph& graph, const Evidence& evidence);

// Same variables and factors; every entry inconsistent with the evidence is -inf.
// A variable observed but in no factor gets a unary indicator factor.
FactorGraph clamp_evidence(const FactorGraph& graph, const Evidence& evidence);

// Each factor reduced by the evidence on its scope (a fully observed factor becomes
// a constant). Variables keep their ids; observed ones simply appear in no factor.
FactorGraph reduce_evidence(const FactorGraph& graph, const Evidence& evidence);

}  // namespace copi
