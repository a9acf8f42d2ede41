// Tree-reweighted belief propagation (TRW-BP; Wainwright, Jaakkola & Willsky 2005): an
// upper bound on log Z and pseudo-marginals for any discrete factor graph. With
// mean field's ELBO (a lower bound) it brackets log Z. docs/algorithms.md ("Tree-
// reweighted belief propagation") has the update equations and what the bound means.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi {

enum class TrwSchedule {
  automatic,   // two-pass on forests (all appearance probabilities 1: TRW is BP, exact), else parallel
  parallel,    // flooding: every message from the previous sweep (TBB, deterministic)
  sequential,  // factors in order, each factor's variables in increasing index, in place
};

[[nodiscard]] std::string to_string(TrwSchedule schedule);
// "auto", "parallel", "sequential"; throws InputError otherwise.
[[nodiscard]] TrwSchedule parse_trw_schedule(const std::string& text);

// Spanning trees are counted exactly (edge appearance probability = effective
// resistance) in connected components of at most this many variables of the
// interaction graph, and sampled (Wilson's algorithm) in larger ones.
inline constexpr std::size_t kTrwExactComponentLimit = 256;

struct TrwOptions {
  TrwSchedule schedule = TrwSchedule::automatic;
  double damping = 0.0;     // geometric, on factor->variable messages, in [0, 1)
  double tolerance = 1e-9;  // stop when the largest message change is below this
  std::size_t max_iterations = 1000;
  double max_seconds = std::numeric_limits<double>::infinity();
  std::size_t threads = 0;  // 0: the process default (COPI_THREADS or all cores)

  // Edge appearance probabilities. Empty (the default): the uniform distribution over
  // the spanning trees of the interaction graph (exact in components of at most
  // kTrwExactComponentLimit variables, else the average of `trees` sampled trees).
  // Otherwise one weight per factor of the graph, in (0, 1]: a factor over two
  // variables gives its edge that probability, a factor over three or more gives it to
  // each edge of its auxiliary variable (see docs), unary and constant factors ignore
  // it. Factors over the same two variables must agree. The weights of the edges
  // inside any set S of variables must sum to at most |S| - 1 (the spanning-tree /
  // forest polytope), or the result is not a bound: checked exactly in components of
  // at most kTrwExactComponentLimit variables, by the component sum in larger ones.
  std::vector<double> factor_weights;
  std::size_t trees = 100;  // spanning trees sampled per large component (>= 1)
  std::uint64_t seed = 0;   // of the tree sampler; the same seed gives the same weights

  // Throws InputError naming the field, its value and the rule it breaks.
  void validate() const;
};

// Task::marginals and Task::partition: TRW pseudo-marginals and log_z = the TRW upper
// bound on log Z (LogZKind::upper_bound; exact, LogZKind::exact, on forests). The
// bound holds at the fixed point: a run that stops before converging says so in its
// termination and note. Task::mpe is refused (InputError). Throws ImpossibleEvidence
// when the evidence and the hard zeros leave some variable no possible state.
InferenceResult tree_reweighted_bp(const FactorGraph& graph, const Evidence& evidence, Task task,
                                   const TrwOptions& options = {});

// The appearance probability TRW gives each factor under these options: for a factor
// over two unobserved variables, that of their edge; for one over three or more, the
// smallest among its auxiliary edges; 1 for the others (unary, constant, observed).
[[nodiscard]] std::vector<double> trw_factor_weights(const FactorGraph& graph, const Evidence& evidence,
                                                     const TrwOptions& options = {});

}  // namespace copi
