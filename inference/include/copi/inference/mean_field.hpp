// Mean field on discrete factor graphs: naive (q(x) = Π_i q_i(x_i)) and structured
// (q(x) = Π_c q_c(x_c) over clusters that partition the variables, each q_c computed
// exactly). Coordinate ascent on the evidence lower bound
//
//   ELBO(q) = E_q[Σ_f log f] + H[q] <= log Z,
//
// which never decreases; the run reports it as log Z with LogZKind::lower_bound and its
// value after every sweep in report.bounds. docs/algorithms.md has the update
// equations, the order and the hard-zero rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/result.hpp"

namespace copi {

enum class MeanFieldSchedule {
  sequential,  // clusters in order, each update seeing every earlier one
  parallel,    // by a greedy colouring of the clusters (no two of a colour share a factor):
               // each colour class at once (TBB); the same result for any thread count
};

enum class MeanFieldInit {
  uniform,  // every q_i uniform
  random,   // q_i drawn from a seeded generator (reproducible, independent of threads)
};

[[nodiscard]] std::string to_string(MeanFieldSchedule schedule);
[[nodiscard]] std::string to_string(MeanFieldInit init);

struct MeanFieldOptions {
  MeanFieldSchedule schedule = MeanFieldSchedule::sequential;
  // Naive (singleton) updates only: q_i = (1 - damping) update + damping old. A convex
  // combination never lowers the ELBO (it is concave in q_i). Clusters are not damped.
  double damping = 0.0;
  double tolerance = 1e-9;  // stop when no q_i moves more than this (sup norm) in a sweep
  std::size_t max_iterations = 1000;
  double max_seconds = std::numeric_limits<double>::infinity();
  MeanFieldInit init = MeanFieldInit::uniform;
  std::uint64_t seed = 0;   // MeanFieldInit::random
  std::size_t threads = 0;  // 0: COPI_THREADS or all cores
  // Structured mean field: clusters of variables, updated in this order; variables in
  // none are singleton clusters updated after them, in index order. Empty: naive.
  // A cluster's exact distribution is computed by a planned junction tree (ExactPlan).
  std::vector<std::vector<VarId>> clusters;
  ExactOptions cluster_exact;  // memory limit and heuristic of each cluster's plan

  // Throws InputError naming the field, its value and the rule it breaks.
  void validate() const;
};

// The clusters of `structured(clusters = auto)`: a deterministic greedy partition of the
// unobserved variables. Seeds are taken in index order; each cluster grows breadth first
// through its variables' factors (in factor order, scope order) and takes a neighbour
// when the factors then wholly inside the cluster still form a forest (no cycle in the
// cluster's own factor graph) and the cluster has fewer than `max_cluster_size`
// variables (0: no limit). Each q_c is then a tree-structured distribution.
std::vector<std::vector<VarId>> automatic_clusters(const FactorGraph& graph, const Evidence& evidence,
                                                   std::size_t max_cluster_size = 0);

// Task::marginals and Task::partition: the q_i (cluster marginals for structured mean
// field) and the ELBO as a lower bound on log Z. Task::mpe is refused (InputError).
// Throws InputError for bad options or clusters (unknown or repeated variables),
// ImpossibleEvidence when the evidence alone contradicts the model, ResourceError when
// a cluster's junction tree exceeds cluster_exact.memory_limit_bytes, NumericError when
// the ELBO decreases (a bug) or a cluster is left no configuration of positive weight.
InferenceResult mean_field(const FactorGraph& graph, const Evidence& evidence, Task task,
                           const MeanFieldOptions& options = {});

}  // namespace copi
