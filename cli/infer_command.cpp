// copi infer: inference on a UAI or libDAI model file, with optional evidence.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/graph/io/cluster_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/algorithms.hpp"
#include "diagnostics.hpp"
#include "result_output.hpp"
#include "option_flags.hpp"
#include "svg_plot.hpp"

namespace copi::cli {
namespace {

struct InferArguments {
  std::string model_file;
  std::string evidence_file;
  std::string task = "MAR";
  std::string algorithm = "exact";
  std::string out_file;
  std::string json_file;
  std::string threads;
  std::string clusters;  // structured mean field: a cluster file, or auto
  bool require_convergence = false;
  std::string plot_file;
  OptionFlags flags;  // every algorithm option of the library's table
};

// The algorithm and its flags, checked before the model is read (a bad flag is
// reported at once, not after reading a large file); the cluster file needs the model.
InferenceAlgorithm configure(const InferArguments& args) {
  const AlgorithmSpec* spec = find_inference_algorithm(args.algorithm);
  if (spec == nullptr) throw InputError(check_inference_algorithm(args.algorithm, {}).unknown_algorithm);
  std::vector<OptionSetting> settings = args.flags.settings_for(*spec);
  if (!args.clusters.empty()) {
    if (args.algorithm != "structured") throw InputError("--clusters applies to --algo structured only");
    settings.push_back({"clusters", args.clusters == "auto" ? "auto" : "given"});
  }
  AlgorithmCheck check = check_inference_algorithm(args.algorithm, settings);
  throw_flag_problems(settings, check.problems);
  InferenceAlgorithm algorithm = *check.algorithm;
  algorithm.set_threads(parse_threads_flag(args.threads));
  return algorithm;
}

int run_infer(const InferArguments& args) {
  if (const std::string hint = wrong_command_hint(args.model_file, "infer"); !hint.empty()) throw InputError(hint);
  const Task task = parse_task(args.task);
  InferenceAlgorithm algorithm = configure(args);
  const ModelTables tables = read_model_file(args.model_file);
  const FactorGraph graph = to_factor_graph(tables);
  Evidence evidence;
  if (!args.evidence_file.empty()) evidence = read_evidence_file(args.evidence_file, tables.cardinalities);

  if (!args.clusters.empty() && args.clusters != "auto") {
    algorithm.set_clusters(read_cluster_file(args.clusters, graph.num_variables()));
  }
  const InferenceResult result = algorithm.run(graph, evidence, task);
  // Files first, so that a failed write is reported before anything is printed.
  if (!args.out_file.empty()) write_solution(args.out_file, result, task);
  if (!args.json_file.empty()) {
    nlohmann::json doc = result_json(graph, result, task);
    if (!result.report.note.empty()) doc["note"] = result.report.note;
    write_json_file(args.json_file, doc);
  }
  if (!args.plot_file.empty()) write_residual_plot(args.plot_file, result.report);
  if (!result.report.note.empty()) std::cout << result.report.note << "\n";
  print_result(std::cout, graph, result, task);
  if (!result.report.converged()) {
    std::cerr << "copi: warning: " << result.report.algorithm << " did not converge ("
              << to_string(result.report.termination) << ", " << result.report.iterations << " iterations, last change "
              << (result.report.residuals.empty() ? 0.0 : result.report.residuals.back()) << ")\n";
    if (args.require_convergence) return kNotConverged;
  }
  return kOk;
}

}  // namespace

CommandRunner add_infer_command(CLI::App& app) {
  auto args = std::make_shared<InferArguments>();
  CLI::App* cmd = app.add_subcommand("infer", "Inference on a UAI (.uai) or libDAI (.fg) model file");
  cmd->add_option("model", args->model_file, "Model file (.uai or .fg)")->required();
  cmd->add_option("--evid", args->evidence_file, "UAI evidence file (2008/2014 or 2010 layout)");
  cmd->add_option("--task", args->task, "MAR (marginals), PR (log partition function) or MPE")
      ->check(CLI::IsMember({"MAR", "PR", "MPE", "mar", "pr", "mpe"}))
      ->capture_default_str();
  std::string algorithms;
  for (const AlgorithmSpec& spec : inference_algorithms()) algorithms += "\n  " + spec.name + ": " + spec.summary;
  cmd->add_option("--algo", args->algorithm, "Algorithm:" + algorithms)->capture_default_str();
  args->flags.add_to(*cmd, inference_algorithms());
  cmd->add_option("--out", args->out_file, "Write the UAI solution file of the task (.MAR/.PR/.MPE layout)");
  cmd->add_option("--json", args->json_file, "Write the result as JSON");
  cmd->add_option("--threads", args->threads, "Worker threads >= 1 (default: COPI_THREADS or all cores)");
  cmd->add_option("--clusters", args->clusters,
                  "Structured mean field: a cluster file (one cluster per line, variable indices of the model file; "
                  "the line order is the update order; unlisted variables are singletons), or auto");
  cmd->add_flag("--require-convergence", args->require_convergence,
                "Exit with status 1 when an iterative algorithm does not converge");
  cmd->add_option("--plot", args->plot_file, "Write the residual trace of an iterative algorithm as an SVG line chart");
  return [args] { return run_infer(*args); };
}

}  // namespace copi::cli
