// Internal. A model with real variables as message passing sees it: every factor
// reduced by the evidence (observed real coordinates conditioned out of Gaussians and
// folded into sites' offsets, observed discrete states selecting table entries and
// CLG components), fully observed factors folded into one log constant, and each
// factor's unobserved variables with their block offsets.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "continuous/canonical.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::detail {

struct ContinuousFactor {
  enum class Kind {
    gaussian,  // `potential` over the stacked real variables
    site,      // likelihood(projectionᵀx + offset)
    table,     // log_values over the discrete variables, first fastest
    mixture,   // CLG with an unobserved selector: vars[0] the selector, one component per state
  };
  Kind kind = Kind::gaussian;
  FactorId id;
  // Small vectors: most factors have one to three variables, and a model may have 10⁵
  // factors, so these keep their entries inline rather than on the heap.
  boost::container::small_vector<std::uint32_t, 4> vars;    // unobserved variables, in the factor's order
  boost::container::small_vector<Eigen::Index, 4> offsets;  // per var: its block in the stacked real vector
  Eigen::Index real_size = 0;          // total dimension of the real vars
  std::size_t potential = 0;           // gaussian: its index in ContinuousModel::potentials
  std::vector<Canonical> components;   // mixture: per selector state, constants included
  Eigen::VectorXd projection;          // site
  double offset = 0.0;                 // site
  const ScalarLikelihood* likelihood = nullptr;  // site (points into the graph)
  std::vector<double> log_values;      // table
  std::vector<std::size_t> cards;      // table: per var
};

struct ContinuousModel {
  std::vector<ContinuousFactor> factors;
  CanonicalPool potentials;  // the Gaussian factors' potentials
  // Per variable: (factor, position in its vars) for every reduced factor mentioning it.
  std::vector<boost::container::small_vector<std::pair<std::uint32_t, std::uint32_t>, 3>> edges;
  std::vector<bool> observed;
  std::vector<bool> real;
  std::vector<Eigen::Index> size;  // dimension of a real variable, cardinality of a discrete one
  double log_constant = 0.0;
};

// Validates both kinds of evidence and reduces every factor by them.
ContinuousModel reduce_continuous(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence);

}  // namespace copi::detail
