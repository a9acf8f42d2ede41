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

// A site's likelihood(projectionᵀx + offset).
struct SiteTerm {
  Eigen::VectorXd projection;
  double offset = 0.0;
  const ScalarLikelihood* likelihood = nullptr;  // points into the graph
};

// A table's log values over the discrete variables, first fastest.
struct TableTerm {
  std::vector<double> log_values;
  std::vector<std::size_t> cards;  // per var
};

// The factors stay small (a model may have 10⁵ of them): the kind's own numbers live
// in the model's per-kind tables, at `payload`.
struct ContinuousFactor {
  enum class Kind {
    gaussian,  // potentials[payload] over the stacked real variables
    site,      // sites[payload]
    table,     // tables[payload]
    mixture,   // CLG with an unobserved selector: vars[0] the selector, mixtures[payload]
               // one potential per state, constants included
  };
  Kind kind = Kind::gaussian;
  FactorId id;
  // Small vectors: most factors have one to three variables, and a model may have 10⁵
  // factors, so these keep their entries inline rather than on the heap.
  boost::container::small_vector<std::uint32_t, 4> vars;    // unobserved variables, in the factor's order
  boost::container::small_vector<Eigen::Index, 4> offsets;  // per var: its block in the stacked real vector
  Eigen::Index real_size = 0;  // total dimension of the real vars
  std::size_t payload = 0;     // index in the table of its kind
};

struct ContinuousModel {
  std::vector<ContinuousFactor, LargeBlockAllocator<ContinuousFactor>> factors;
  CanonicalPool potentials;  // the Gaussian factors' potentials
  std::vector<SiteTerm> sites;
  std::vector<TableTerm> tables;
  std::vector<std::vector<Canonical>> mixtures;

  [[nodiscard]] CanonicalView potential(const ContinuousFactor& f) const { return potentials.view(f.payload); }
  [[nodiscard]] const SiteTerm& site(const ContinuousFactor& f) const { return sites[f.payload]; }
  [[nodiscard]] const TableTerm& table(const ContinuousFactor& f) const { return tables[f.payload]; }
  [[nodiscard]] const std::vector<Canonical>& mixture(const ContinuousFactor& f) const { return mixtures[f.payload]; }
  // Per variable: (factor, position in its vars) for every reduced factor mentioning it.
  using Edges = boost::container::small_vector<std::pair<std::uint32_t, std::uint32_t>, 3>;
  std::vector<Edges, LargeBlockAllocator<Edges>> edges;
  std::vector<bool> observed;
  std::vector<bool> real;
  std::vector<Eigen::Index> size;  // dimension of a real variable, cardinality of a discrete one
  double log_constant = 0.0;
};

// Validates both kinds of evidence and reduces every factor by them.
ContinuousModel reduce_continuous(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence);

}  // namespace copi::detail
