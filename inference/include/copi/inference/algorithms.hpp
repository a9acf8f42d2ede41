// The inference algorithms by name, with their options: the one table that the
// modelling language (`infer bp(damping = 0.1)`), `copi infer --algo bp --damping 0.1`,
// `--help` and any other program driving copi with strings all use. Options are
// checked when the algorithm is configured (the language does it at compile time,
// with positions), so a configured algorithm only fails on its model, never on its
// options. The `auto` policy lives here too.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/options.hpp"
#include "copi/inference/result.hpp"

namespace copi {

struct AlgorithmCheck;

struct AlgorithmSpec {
  std::string name;
  std::string summary;              // one line, for --help and error messages
  std::vector<OptionSpec> options;  // every algorithm also takes `threads`
  std::vector<Task> tasks;          // what it can be asked for
};

// auto, exact, bp, meanfield, structured, trw, gbp, ep, enumerate: in that order.
[[nodiscard]] std::span<const AlgorithmSpec> inference_algorithms();
[[nodiscard]] const AlgorithmSpec* find_inference_algorithm(std::string_view name);

// A checked algorithm choice. Cheap to copy.
class InferenceAlgorithm {
 public:
  // The default choice: `auto` with default options.
  InferenceAlgorithm();

  [[nodiscard]] const AlgorithmSpec& spec() const { return *spec_; }
  [[nodiscard]] const std::string& name() const { return spec_->name; }
  [[nodiscard]] const OptionValues& values() const { return values_; }
  [[nodiscard]] bool supports(Task task) const;

  // The worker threads (0: COPI_THREADS or all cores); the command line's --threads.
  [[nodiscard]] std::size_t threads() const { return values_.count("threads", 0); }
  void set_threads(std::size_t threads);

  // The clusters of structured mean field (the language's cluster statements, a
  // --clusters file); `clusters = auto` ignores them, no clusters means auto.
  [[nodiscard]] const std::vector<std::vector<VarId>>& clusters() const { return clusters_; }
  void set_clusters(std::vector<std::vector<VarId>> clusters) { clusters_ = std::move(clusters); }

  // Runs the algorithm. Throws InputError when the task is one the algorithm cannot do
  // or the evidence is impossible, ResourceError when a limit refuses the model. `auto`
  // says which algorithm it chose, and why, in report.note.
  [[nodiscard]] InferenceResult run(const FactorGraph& graph, const Evidence& evidence, Task task) const;
  // The same with observed values of real variables. A model with real variables
  // runs under gbp or ep (auto picks Gaussian BP when every factor is Gaussian, EP
  // otherwise); the discrete algorithms refuse it naming the first factor.
  [[nodiscard]] InferenceResult run(const FactorGraph& graph, const Evidence& evidence,
                                    const RealEvidence& real_evidence, Task task) const;

  friend bool operator==(const InferenceAlgorithm& a, const InferenceAlgorithm& b) {
    return a.spec_ == b.spec_ && a.values_ == b.values_ && a.clusters_ == b.clusters_;
  }

 private:
  friend AlgorithmCheck check_inference_algorithm(std::string_view, std::span<const OptionSetting>);
  InferenceAlgorithm(const AlgorithmSpec* spec, OptionValues values) : spec_(spec), values_(std::move(values)) {}

  const AlgorithmSpec* spec_;
  OptionValues values_;
  std::vector<std::vector<VarId>> clusters_;
};

// Everything wrong with a choice, for callers that can point at it.
struct AlgorithmCheck {
  std::optional<InferenceAlgorithm> algorithm;  // set when nothing is wrong
  std::string unknown_algorithm;                // the message when the name is wrong
  std::vector<OptionProblem> problems;          // per setting
};

AlgorithmCheck check_inference_algorithm(std::string_view name, std::span<const OptionSetting> settings);

// The same, throwing InputError with every problem ("bp: damping = 1.5 must be a number
// in [0, 1)") for callers without positions.
InferenceAlgorithm configure_inference_algorithm(std::string_view name, std::span<const OptionSetting> settings = {});

// The thread option every algorithm (and the control solvers) share: an integer >= 1.
[[nodiscard]] const OptionSpec& threads_option();

}  // namespace copi
