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
#include "variational/tree_kernel.hpp"

namespace copi::detail {

// A factor's share in one cluster: the positions of its (reduced) scope that the
// cluster holds, and the cluster's joint belief over them (first position fastest).
struct FactorPart {
  std::uint32_t cluster = 0;
  std::vector<std::uint32_t> positions;  // into the factor's scope
  std::vector<std::size_t> strides;      // per factor scope position: stride in `belief` (0 if not ours)
  std::vector<double> belief;            // size = product of the held cardinalities
  std::uint32_t slot = 0;                // the factor (own or slot) in the cluster's plan
  std::uint32_t local = 0;               // one position: its variable's index in the cluster
};

struct MfFactor {
  // Mean field spends its time on unary factors and on pairwise factors whose two
  // variables are in different clusters (a part of one position each: its belief is
  // that variable's q_i): those get kernels of their own that read the q_i directly.
  // A factor wholly inside one cluster, scope positions in order, has its part's belief
  // in its own table layout: `whole`.
  enum class Shape { unary, single_pair, whole, general };

  const DiscreteFactor* factor = nullptr;  // reduced by the evidence
  std::vector<std::uint32_t> vars;         // scope as graph variable indices
  std::vector<FactorPart> parts;           // one per touched cluster, in scope order of first touch
  Shape shape = Shape::general;
  bool has_hard_zero = false;              // some log value is -inf
  bool crossing() const { return parts.size() > 1; }
};

struct MfCluster {
  std::vector<std::uint32_t> vars;  // graph variable indices
  // (factor, part) pairs of the factors touching this cluster.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> parts;
  // Multi-variable clusters are solved exactly: by the tree kernel when their own
  // factors are unary or pairwise forests and each crossing factor touches one of their
  // variables, else (or when the kernel's linear domain would not be exact) by a planned
  // junction tree over their own factors plus one slot factor per crossing factor (its
  // expected log-potential, set per update), built on first use.
  std::optional<TreeKernel> tree;
  // The tree path's crossing factors, flattened so that an update reads arrays instead
  // of walking factors and parts: each touches one variable of the cluster, and its
  // message lives at slot_at in tree_slots (this update) / tree_last_slots (the last).
  struct Crossing {
    std::uint32_t k = 0;           // its entry of `parts`
    std::uint32_t factor = 0;      // index into the state's factors
    std::uint32_t part = 0;        // its part of that factor
    std::uint32_t var = 0;         // the cluster's variable it touches
    std::uint32_t other = 0;       // single pairs: the other variable
    std::uint32_t theta_at = 0;    // offset of `var` in the kernel's θ
    std::uint32_t slot_at = 0;
    std::uint32_t position = 0;    // of `var` in the factor's scope
    std::uint32_t log_at = 0;      // single pairs: the factor's log table at pair_logs[log_at ..]
    std::uint32_t ca = 0, cb = 0;  // single pairs: its cardinalities
    bool single_pair = false;
  };
  std::vector<Crossing> crossings;
  std::vector<double> pair_logs;  // the single pairs' log tables, copied next to each other
  std::vector<double> tree_slots, tree_last_slots;
  bool last_by_tree = false;  // the last update's messages are in tree_last_slots, not last_slot
  std::optional<ExactPlan> plan;
  std::vector<std::vector<double>> last_slot;  // per entry of `parts`: the message of its last update
  // Buffers reused by every update of this cluster (updates of one cluster never overlap).
  std::vector<std::vector<double>> next_slot;
  std::vector<double> theta, marginals, message;
  TreeKernel::Scratch scratch;
  double log_z = 0.0;                          // log Z of its last exact update
  double entropy = 0.0;                        // H[q_c]
  double own_energy = 0.0;                     // Σ_{f wholly inside} E_{q_c}[log f]
  std::vector<double> base_theta;              // tree kernel: the cluster's unary factors summed, per local state
  bool updated = false;                        // has had an exact update (else: the product init)
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
  void build_trees();
  void build_plan(std::size_t c);
  void initialise(const MeanFieldOptions& options);
  void colour();
  double update_singleton(std::size_t c, double damping);
  double update_cluster(std::size_t c);
  // Solves cluster c exactly with the slot messages `slots` (per entry of its parts):
  // sets its q_i and part beliefs; returns log Z_c and the energy E_{q_c}[log of its terms].
  // Also returns the largest change of its q_i. Sets own_energy; returns log Z_c and
  // the messages' part of the energy, E_{q_c}[Σ slots].
  std::pair<double, double> solve_cluster(std::size_t c, const std::vector<std::vector<double>>& slots, double& change);
  // The tree path of update_cluster: messages, θ, the kernel and the energy in one pass.
  // False (nothing changed) when the kernel's linear domain would not be exact.
  bool update_tree_cluster(std::size_t c, double& change);
  // The message of factor f to its part p (size of that part's belief), with the
  // weight of -inf entries in `zero_mass` when given.
  void message(const MfFactor& f, std::size_t p, std::vector<double>& out, std::vector<double>* zero_mass) const;
  // The same, added into acc / zero, for a part that is a singleton cluster.
  void accumulate(const MfFactor& f, std::size_t p, double* acc, double* zero) const;
  [[nodiscard]] double expected_log(const MfFactor& f) const;
  [[nodiscard]] const std::vector<double>& belief_of(const MfFactor& f, std::size_t pi) const;
  void refresh_part_beliefs(std::size_t c, const InferenceResult* run);

  const FactorGraph& graph_;
  const Evidence& evidence_;
  ReducedModel model_;
  std::vector<MfFactor> factors_;
  std::vector<std::uint32_t> crossing_;  // the factors touching several clusters
  // E_q[log f] of a crossing factor as the last update touching it left it (a cluster
  // update computes it with every other cluster fixed), so the ELBO need not walk the
  // factor again; 0 in energy_cached_ when that update (a singleton's) did not.
  std::vector<double> crossing_energy_;
  std::vector<char> energy_cached_;
  std::vector<MfCluster> clusters_;
  std::vector<std::uint32_t> cluster_of_;  // per graph variable; kNone when observed
  std::vector<std::vector<double>> q_;     // per graph variable (empty when observed)
  std::vector<std::vector<std::uint32_t>> colours_;
  ExactOptions cluster_exact_;
};

}  // namespace copi::detail
