// Private. Mean field's view of a model: the reduced factors (evidence applied), the
// clusters, and for every factor the "parts" it splits into — one per cluster its scope
// touches — each carrying that cluster's current joint belief over its share of the
// scope. Every quantity mean field needs is a walk over a factor's table weighted by
// its parts' beliefs:
//
//   E_q[log f]                = Σ_x Π_parts b_part(x_part) log f(x)
//   message of f to part p    = Σ_{x outside p} Π_{parts ≠ p} b_part(x_part) log f(x)
//                               (the expected log-potential E_{q_other}[log f] on p)
//
// so naive and structured mean field share one representation (a singleton cluster's
// belief is its q_i). 0 · log 0 is 0: an entry of weight 0 contributes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/exact_plan.hpp"
#include "copi/inference/mean_field.hpp"

namespace copi::detail {

// A factor's share in one cluster: the positions of its (reduced) scope that the
// cluster holds, and the cluster's joint belief over them (first position fastest).
struct FactorPart {
  std::uint32_t cluster = 0;
  std::vector<std::uint32_t> positions;  // into the factor's scope
  std::vector<std::size_t> strides;      // per factor scope position: stride in `belief` (0 if not ours)
  std::vector<double> belief;            // size = product of the held cardinalities
  std::uint32_t slot = 0;                // crossing factors: the slot factor in the cluster's plan
};

struct MfFactor {
  const DiscreteFactor* factor = nullptr;  // reduced by the evidence
  std::vector<std::uint32_t> vars;         // scope as graph variable indices
  std::vector<FactorPart> parts;           // one per touched cluster, in scope order of first touch
  bool crossing() const { return parts.size() > 1; }
};

struct MfCluster {
  std::vector<std::uint32_t> vars;  // graph variable indices
  // (factor, part) pairs of the factors touching this cluster.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> parts;
  // Multi-variable clusters: the planned exact solver over the cluster's own factors
  // plus one slot factor per crossing factor (its expected log-potential, set per update).
  std::optional<ExactPlan> plan;
  std::vector<std::uint32_t> internal;  // factors wholly inside: their index in the plan's graph
  double log_z = 0.0;                   // log Z of its last exact update
  double entropy = 0.0;                 // H[q_c]
  bool updated = false;                 // has had an exact update (else: the product init)
};

class MeanFieldState {
 public:
  MeanFieldState(const FactorGraph& graph, const Evidence& evidence, const MeanFieldOptions& options);

  [[nodiscard]] std::size_t num_clusters() const { return clusters_.size(); }
  [[nodiscard]] const MfCluster& cluster(std::size_t c) const { return clusters_[c]; }
  [[nodiscard]] const std::vector<std::vector<std::uint32_t>>& colour_classes() const { return colours_; }

  // Coordinate ascent on cluster c: every other cluster held fixed. Returns the
  // largest change of any of its q_i. Throws NumericError when the local ELBO
  // decreases (beyond 1e-9 relative) or no configuration keeps a positive weight.
  double update(std::size_t c, double damping);

  // The ELBO of the current q (log of the evidence constant included).
  [[nodiscard]] double elbo(std::size_t threads) const;

  // Marginals per graph variable (observed: point masses).
  [[nodiscard]] std::vector<std::vector<double>> marginals() const;

 private:
  void build_clusters(const MeanFieldOptions& options);
  void build_parts();
  void build_plans(const MeanFieldOptions& options);
  void initialise(const MeanFieldOptions& options);
  void colour();
  double update_singleton(std::size_t c, double damping);
  double update_cluster(std::size_t c);
  // The message of factor f to its part p (size of that part's belief), with the
  // weight of -inf entries in `zero_mass` when given.
  void message(const MfFactor& f, std::size_t p, std::vector<double>& out, std::vector<double>* zero_mass) const;
  [[nodiscard]] double expected_log(const MfFactor& f) const;
  void refresh_part_beliefs(std::size_t c, const InferenceResult* run);

  const FactorGraph& graph_;
  const Evidence& evidence_;
  ReducedModel model_;
  std::vector<MfFactor> factors_;
  std::vector<MfCluster> clusters_;
  std::vector<std::uint32_t> cluster_of_;  // per graph variable; kNone when observed
  std::vector<std::vector<double>> q_;     // per graph variable (empty when observed)
  std::vector<std::vector<std::uint32_t>> colours_;
};

}  // namespace copi::detail
