#include "copi/inference/algorithms.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "copi/graph/error.hpp"
#include "copi/graph/spelling.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/enumerate.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/expectation_propagation.hpp"
#include "copi/inference/gaussian_bp.hpp"
#include "copi/inference/mean_field.hpp"
#include "copi/inference/tree_reweighted.hpp"

namespace copi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<OptionSpec> exact_specs() {
  return {
      choice_option("heuristic", {"weighted_min_fill", "min_fill", "min_degree"}, "weighted_min_fill",
             "elimination order of exact inference"),
      number_option("memory_limit", OptionType::size, "2G",
             "refuse exact inference whose tables exceed this size (e.g. 512M, 2G)", 1024, false),
  };
}

std::vector<OptionSpec> bp_specs() {
  return {
      choice_option("schedule", {"auto", "parallel", "sequential", "residual"}, "auto",
             "BP schedule: auto (two-pass on forests, else parallel), parallel, sequential, residual"),
      number_option("damping", OptionType::real, "0", "BP damping: new = (1 - d) update + d old", 0, false, 1, true),
      number_option("tol", OptionType::real, "1e-9", "BP tolerance on the largest message change", 0, false),
      number_option("max_iter", OptionType::integer, "1000", "BP iteration cap", 1, false),
      number_option("time_limit", OptionType::real, "none", "BP time cap in seconds", 0, true),
  };
}

std::vector<OptionSpec> mean_field_specs(bool structured) {
  std::vector<OptionSpec> specs;
  if (structured) {
    specs.push_back(choice_option("clusters", {"given", "auto"}, "given, or auto without clusters",
                                  "given: the model's cluster statements (or --clusters FILE); auto: a greedy "
                                  "partition whose clusters' factors form forests"));
    specs.push_back(number_option("max_cluster", OptionType::integer, "none",
                                  "clusters = auto: at most this many variables per cluster", 1, false));
  }
  specs.push_back(choice_option("schedule", {"sequential", "parallel"}, "sequential",
                                "sequential: clusters in order; parallel: by a colouring of the clusters"));
  specs.push_back(number_option("damping", OptionType::real, "0",
                                "singleton updates: q = (1 - d) update + d old", 0, false, 1, true));
  specs.push_back(number_option("tol", OptionType::real, "1e-9", "stop when no marginal moves more than this", 0, false));
  specs.push_back(number_option("max_iter", OptionType::integer, "1000", "sweep cap", 1, false));
  specs.push_back(number_option("time_limit", OptionType::real, "none", "time cap in seconds", 0, true));
  specs.push_back(choice_option("init", {"uniform", "random"}, "uniform", "the starting marginals"));
  specs.push_back(number_option("seed", OptionType::integer, "0", "init = random: the generator's seed", 0, false));
  return specs;
}

std::vector<OptionSpec> trw_specs() {
  return {
      choice_option("schedule", {"auto", "parallel", "sequential"}, "auto",
                    "TRW schedule: auto (two-pass on forests, else parallel), parallel, sequential"),
      number_option("damping", OptionType::real, "0", "TRW damping: new = (1 - d) update + d old", 0, false, 1, true),
      number_option("tol", OptionType::real, "1e-9", "TRW tolerance on the largest message change", 0, false),
      number_option("max_iter", OptionType::integer, "1000", "TRW iteration cap", 1, false),
      number_option("time_limit", OptionType::real, "none", "TRW time cap in seconds", 0, true),
      number_option("trees", OptionType::integer, "100",
                    "spanning trees sampled (Wilson) per component of more than 256 variables", 1, false),
      number_option("seed", OptionType::integer, "0", "seed of the spanning-tree sampler", 0, false, 9007199254740992.0),
  };
}

std::vector<OptionSpec> gbp_specs() {
  return {
      number_option("damping", OptionType::real, "0", "loopy Gaussian BP damping: new = (1 - d) update + d old", 0, false,
                    1, true),
      number_option("tol", OptionType::real, "1e-10", "loopy Gaussian BP tolerance on the largest message change", 0,
                    false),
      number_option("max_iter", OptionType::integer, "1000", "loopy Gaussian BP iteration cap", 1, false),
      number_option("time_limit", OptionType::real, "none", "time cap in seconds", 0, true),
  };
}

std::vector<OptionSpec> ep_specs() {
  return {
      choice_option("schedule", {"sequential", "parallel"}, "sequential",
                    "EP schedule: sites in order with the latest approximation, or all from the same one"),
      number_option("damping", OptionType::real, "0", "EP damping of the site updates: new = (1 - d) update + d old", 0,
                    false, 1, true),
      number_option("tol", OptionType::real, "1e-8", "stop when no marginal mean or sd moves more than this", 0, false),
      number_option("max_iter", OptionType::integer, "200", "EP sweep cap", 1, false),
      number_option("time_limit", OptionType::real, "none", "time cap in seconds", 0, true),
      number_option("quadrature", OptionType::integer, "64", "Gauss–Hermite points for quadrature sites", 2, false, 1024),
  };
}

std::vector<OptionSpec> with_threads(std::vector<OptionSpec> specs) {
  specs.push_back(threads_option());
  return specs;
}

std::vector<AlgorithmSpec> make_table() {
  const std::vector<Task> all{Task::marginals, Task::partition, Task::mpe};
  std::vector<OptionSpec> auto_specs = exact_specs();
  for (OptionSpec& spec : bp_specs()) auto_specs.push_back(std::move(spec));
  return {
      {"auto", "exact inference when its junction tree fits the memory limit, belief propagation otherwise",
       with_threads(auto_specs), all},
      {"exact", "junction tree / variable elimination over a greedy elimination order", with_threads(exact_specs()),
       all},
      {"bp", "belief propagation: two-pass on forests, loopy with a schedule otherwise", with_threads(bp_specs()), all},
      {"meanfield", "naive mean field: product marginals and a lower bound (the ELBO) on log Z",
       with_threads(mean_field_specs(false)), {Task::marginals, Task::partition}},
      {"structured", "structured mean field over clusters solved exactly: marginals and a lower bound on log Z",
       with_threads(mean_field_specs(true)), {Task::marginals, Task::partition}},
      {"trw", "tree-reweighted BP: pseudo-marginals and an upper bound on log Z", with_threads(trw_specs()),
       {Task::marginals, Task::partition}},
      {"gbp", "Gaussian belief propagation: exact on linear-Gaussian trees (Kalman smoothing), loopy with damping",
       with_threads(gbp_specs()), {Task::marginals, Task::partition}},
      {"ep", "expectation propagation: Gaussian / categorical marginals for models with non-Gaussian factors",
       with_threads(ep_specs()), {Task::marginals, Task::partition}},
      {"enumerate", "brute force over every joint state (tiny models; the reference)",
       with_threads({number_option("max_states", OptionType::integer, "16777216", "refuse more joint states than this", 1,
                            false)}),
       all},
  };
}

ExactOptions exact_options(const OptionValues& values) {
  ExactOptions options;
  const std::string heuristic = values.word("heuristic", "weighted_min_fill");
  options.heuristic = heuristic == "min_fill"     ? EliminationHeuristic::min_fill
                      : heuristic == "min_degree" ? EliminationHeuristic::min_degree
                                                  : EliminationHeuristic::weighted_min_fill;
  options.memory_limit_bytes = values.count("memory_limit", options.memory_limit_bytes);
  return options;
}

TrwOptions trw_options(const OptionValues& values) {
  TrwOptions options;
  options.schedule = parse_trw_schedule(values.word("schedule", "auto"));
  options.damping = values.number("damping", options.damping);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.max_seconds = values.number("time_limit", options.max_seconds);
  options.trees = values.count("trees", options.trees);
  options.seed = values.count("seed", options.seed);
  options.threads = values.count("threads", 0);
  return options;
}

GaussianBpOptions gbp_options(const OptionValues& values) {
  GaussianBpOptions options;
  options.damping = values.number("damping", options.damping);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.max_seconds = values.number("time_limit", options.max_seconds);
  options.threads = values.count("threads", 0);
  return options;
}

EpOptions ep_options(const OptionValues& values) {
  EpOptions options;
  options.schedule = parse_ep_schedule(values.word("schedule", "sequential"));
  options.damping = values.number("damping", options.damping);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.max_seconds = values.number("time_limit", options.max_seconds);
  options.quadrature_points = values.count("quadrature", options.quadrature_points);
  options.threads = values.count("threads", 0);
  return options;
}

BpOptions bp_options(const OptionValues& values) {
  BpOptions options;
  options.schedule = parse_bp_schedule(values.word("schedule", "auto"));
  options.damping = values.number("damping", options.damping);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.max_seconds = values.number("time_limit", options.max_seconds);
  options.threads = values.count("threads", 0);
  return options;
}

MeanFieldOptions mean_field_options(const OptionValues& values) {
  MeanFieldOptions options;
  options.schedule =
      values.word("schedule", "sequential") == "parallel" ? MeanFieldSchedule::parallel : MeanFieldSchedule::sequential;
  options.damping = values.number("damping", options.damping);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.max_seconds = values.number("time_limit", options.max_seconds);
  options.init = values.word("init", "uniform") == "random" ? MeanFieldInit::random : MeanFieldInit::uniform;
  options.seed = values.count("seed", 0);
  options.threads = values.count("threads", 0);
  return options;
}

// auto: exact when the junction tree fits the memory budget, belief propagation otherwise.
InferenceResult run_auto(const FactorGraph& graph, const Evidence& evidence, Task task, const OptionValues& values) {
  const ExactOptions exact = exact_options(values);
  double bytes = 0;
  try {
    bytes = exact_memory_estimate(graph, evidence, exact);
  } catch (const ResourceError&) {
    bytes = kInf;
  }
  std::ostringstream why;
  InferenceResult result;
  if (bytes <= static_cast<double>(exact.memory_limit_bytes)) {
    why << "auto chose exact inference: the junction tree needs " << std::setprecision(3) << bytes / (1 << 20)
        << " MiB";
    result = solve_exact(graph, evidence, task, exact);
  } else {
    why << "auto chose belief propagation: the junction tree would exceed the memory limit";
    result = belief_propagation(graph, evidence, task, bp_options(values));
  }
  result.report.note = why.str();
  return result;
}

// auto on a model with real variables: Gaussian BP when every factor is Gaussian
// (exact on a tree), EP otherwise.
InferenceResult run_auto_continuous(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence,
                                    Task task, const OptionValues& values) {
  if (task == Task::mpe) throw InputError("auto: MPE is not available for models with real variables");
  InferenceResult result;
  if (is_gaussian_model(graph, evidence)) {
    result = gaussian_bp(graph, evidence, real_evidence, task, gbp_options(values));
    result.report.note = "auto chose Gaussian belief propagation: every factor is Gaussian";
  } else {
    result = expectation_propagation(graph, evidence, real_evidence, task, ep_options(values));
    result.report.note = "auto chose expectation propagation: the model has non-Gaussian factors";
  }
  return result;
}

std::string task_list(const std::vector<Task>& tasks) {
  std::string out;
  for (const Task t : tasks) out += (out.empty() ? "" : ", ") + to_string(t);
  return out;
}

}  // namespace

const OptionSpec& threads_option() {
  static const OptionSpec spec = number_option("threads", OptionType::integer, "COPI_THREADS or all cores",
                                        "worker threads (results are identical for any count)", 1, false, 4096);
  return spec;
}

std::span<const AlgorithmSpec> inference_algorithms() {
  static const std::vector<AlgorithmSpec> table = make_table();
  return table;
}

const AlgorithmSpec* find_inference_algorithm(std::string_view name) {
  for (const AlgorithmSpec& spec : inference_algorithms()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

InferenceAlgorithm::InferenceAlgorithm() : spec_(find_inference_algorithm("auto")) {}

bool InferenceAlgorithm::supports(Task task) const {
  for (const Task t : spec_->tasks) {
    if (t == task) return true;
  }
  return false;
}

void InferenceAlgorithm::set_threads(std::size_t threads) {
  if (threads == 0) {
    OptionValues kept;
    for (const auto& [key, value] : values_.all()) {
      if (key != "threads") kept.set(key, value);
    }
    values_ = std::move(kept);
    return;
  }
  values_.set("threads", static_cast<double>(threads));
}

InferenceResult InferenceAlgorithm::run(const FactorGraph& graph, const Evidence& evidence, Task task) const {
  return run(graph, evidence, {}, task);
}

InferenceResult InferenceAlgorithm::run(const FactorGraph& graph, const Evidence& evidence,
                                        const RealEvidence& real_evidence, Task task) const {
  if (!supports(task)) {
    throw InputError(name() + " cannot compute " + to_string(task) + " (it computes " + task_list(spec_->tasks) + ")");
  }
  // The algorithms read dense tables: a sparse conditional becomes one here, within
  // the dense-table limit (ResourceError naming the factor beyond it).
  if (graph.has_sparse_factors()) return run(graph.densified(), evidence, real_evidence, task);
  if (name() == "gbp") return gaussian_bp(graph, evidence, real_evidence, task, gbp_options(values_));
  if (name() == "ep") return expectation_propagation(graph, evidence, real_evidence, task, ep_options(values_));
  if (!graph.is_discrete()) {
    if (name() == "auto") return run_auto_continuous(graph, evidence, real_evidence, task, values_);
    graph.require_discrete(name(), "use infer gbp (every factor Gaussian) or infer ep");
  }
  if (!real_evidence.empty()) validate_real_evidence(graph, real_evidence);
  if (name() == "exact") return solve_exact(graph, evidence, task, exact_options(values_));
  if (name() == "bp") return belief_propagation(graph, evidence, task, bp_options(values_));
  if (name() == "meanfield") return mean_field(graph, evidence, task, mean_field_options(values_));
  if (name() == "structured") {
    MeanFieldOptions options = mean_field_options(values_);
    const bool automatic = values_.word("clusters", clusters_.empty() ? "auto" : "given") == "auto";
    options.clusters = automatic ? automatic_clusters(graph, evidence, values_.count("max_cluster", 0)) : clusters_;
    return mean_field(graph, evidence, task, options);
  }
  if (name() == "trw") return tree_reweighted_bp(graph, evidence, task, trw_options(values_));
  if (name() == "enumerate") {
    EnumerateOptions options;
    options.max_joint_states = values_.count("max_states", options.max_joint_states);
    return enumerate(graph, evidence, task, options);
  }
  return run_auto(graph, evidence, task, values_);
}

AlgorithmCheck check_inference_algorithm(std::string_view name, std::span<const OptionSetting> settings) {
  AlgorithmCheck check;
  const AlgorithmSpec* spec = find_inference_algorithm(name);
  if (spec == nullptr) {
    std::vector<std::string> names;
    for (const AlgorithmSpec& s : inference_algorithms()) names.push_back(s.name);
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == names.size() ? (names.size() > 2 ? ", or " : " or ") : ", ") + names[i];
    }
    check.unknown_algorithm = "unknown algorithm '" + std::string(name) + "'" + did_you_mean(name, names) +
                              ": expected " + list;
    return check;
  }
  OptionValues values;
  check.problems = check_options(spec->name, spec->options, settings, values);
  if (check.problems.empty()) check.algorithm = InferenceAlgorithm(spec, std::move(values));
  return check;
}

InferenceAlgorithm configure_inference_algorithm(std::string_view name, std::span<const OptionSetting> settings) {
  AlgorithmCheck check = check_inference_algorithm(name, settings);
  if (!check.unknown_algorithm.empty()) throw InputError(check.unknown_algorithm);
  if (!check.problems.empty()) throw InputError(describe_problems(name, settings, check.problems));
  return *check.algorithm;
}

}  // namespace copi
