// A factor of the graph: one closed set of kinds, known to every algorithm. An
// algorithm visits each factor once per sweep (std::visit), never a virtual call per
// entry; one that handles only some kinds refuses the rest up front, naming the first
// factor it cannot handle (see FactorGraph::require_discrete).
#pragma once

#include <span>
#include <string>
#include <variant>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/gaussian_factor.hpp"
#include "copi/graph/ids.hpp"
#include "copi/graph/site_factor.hpp"
#include "copi/graph/sparse_conditional_factor.hpp"

namespace copi {

using Factor = std::variant<DiscreteFactor, SparseConditionalFactor, GaussianFactor, LinearGaussianFactor,
                            ConditionalLinearGaussianFactor, SiteFactor>;

// The variables a factor mentions, in its own order.
[[nodiscard]] const std::vector<VarId>& scope_of(const Factor& factor);

// The kind as users read it in messages: "table", "sparse conditional", "gaussian", "linear-gaussian",
// "conditional linear-gaussian", or the site's likelihood ("probit", "step", ...).
[[nodiscard]] std::string kind_name(const Factor& factor);

// A dense table: what the discrete algorithms read (FactorGraph::tables()).
[[nodiscard]] inline bool is_discrete(const Factor& factor) {
  return std::holds_alternative<DiscreteFactor>(factor);
}

}  // namespace copi
