// Brute-force enumeration of every joint assignment: the reference for tiny models
// (and `copi infer --algo enumerate`). Refuses more than max_joint_states states.
#pragma once

#include <cstddef>
#include <string>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi {

struct EnumerateOptions {
  std::size_t max_joint_states = std::size_t{1} << 24;
  void validate() const;
};

// Computes marginals, log Z and the MPE together (the task only selects what the
// report calls the run). Throws ResourceError past max_joint_states, InputError when
// the evidence has probability zero.
InferenceResult enumerate(const FactorGraph& graph, const Evidence& evidence, Task task,
                          const EnumerateOptions& options = {});

// A count of joint states given as its log2, for messages: exact up to 2^40
// ("16777216"), else "2^100 (1.3e30)".
[[nodiscard]] std::string format_state_count(double log2_count);

}  // namespace copi
