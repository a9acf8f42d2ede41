// copi infer: inference on a UAI or libDAI model file, with optional evidence.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/enumerate.hpp"
#include "copi/inference/exact.hpp"
#include "diagnostics.hpp"
#include "result_output.hpp"
#include "size_option.hpp"
#include "svg_plot.hpp"

namespace copi::cli {
namespace {

struct InferArguments {
  std::string model_file;
  std::string evidence_file;
  std::string task = "MAR";
  std::string algorithm = "exact";
  std::string heuristic = "weighted-min-fill";
  std::string out_file;
  std::string json_file;
  std::string memory_limit = "2G";
  // Belief propagation
  std::string schedule = "auto";
  double damping = 0.0;
  double tolerance = 1e-9;
  std::size_t max_iterations = 1000;
  double time_limit = 0.0;
  std::size_t threads = 0;
  bool require_convergence = false;
  std::string plot_file;
};

BpOptions bp_options_of(const InferArguments& args) {
  BpOptions options;
  options.schedule = parse_bp_schedule(args.schedule);
  options.damping = args.damping;
  options.tolerance = args.tolerance;
  options.max_iterations = args.max_iterations;
  if (args.time_limit > 0) options.max_seconds = args.time_limit;
  options.threads = args.threads;
  options.validate();
  return options;
}

EliminationHeuristic parse_heuristic(const std::string& name) {
  if (name == "min-fill") return EliminationHeuristic::min_fill;
  if (name == "min-degree") return EliminationHeuristic::min_degree;
  return EliminationHeuristic::weighted_min_fill;
}

int run_infer(const InferArguments& args) {
  const Task task = parse_task(args.task);
  ExactOptions exact_options;
  exact_options.memory_limit_bytes = parse_size(args.memory_limit, "--memory-limit");
  exact_options.heuristic = parse_heuristic(args.heuristic);

  const ModelTables tables = read_model_file(args.model_file);
  const FactorGraph graph = to_factor_graph(tables);
  Evidence evidence;
  if (!args.evidence_file.empty()) evidence = read_evidence_file(args.evidence_file, tables.cardinalities);

  const BpOptions bp_options = bp_options_of(args);
  InferenceResult result;
  if (args.algorithm == "enumerate") {
    result = enumerate(graph, evidence, task);
  } else if (args.algorithm == "bp") {
    result = belief_propagation(graph, evidence, task, bp_options);
  } else {
    result = solve_exact(graph, evidence, task, exact_options);
  }
  // Files first, so that a failed write is reported before anything is printed.
  if (!args.out_file.empty()) write_solution(args.out_file, result, task);
  if (!args.json_file.empty()) write_json_file(args.json_file, result_json(graph, result, task));
  if (!args.plot_file.empty()) write_residual_plot(args.plot_file, result.report);
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
  cmd->add_option("--algo", args->algorithm,
                  "exact (junction tree / variable elimination), bp (belief propagation) or enumerate "
                  "(brute force, tiny models)")
      ->check(CLI::IsMember({"exact", "enumerate", "bp"}))
      ->capture_default_str();
  cmd->add_option("--heuristic", args->heuristic, "Elimination order for exact inference")
      ->check(CLI::IsMember({"min-fill", "weighted-min-fill", "min-degree"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out_file, "Write the UAI solution file of the task (.MAR/.PR/.MPE layout)");
  cmd->add_option("--json", args->json_file, "Write the result as JSON");
  cmd->add_option("--memory-limit", args->memory_limit,
                  "Refuse exact inference whose tables exceed this size (e.g. 512M, 2G)")
      ->capture_default_str();
  cmd->add_option("--schedule", args->schedule,
                  "BP schedule: auto (two-pass on forests, else parallel), parallel, sequential, residual")
      ->check(CLI::IsMember({"auto", "parallel", "sequential", "residual"}))
      ->capture_default_str();
  cmd->add_option("--damping", args->damping, "BP damping in [0, 1)")->capture_default_str();
  cmd->add_option("--tol", args->tolerance, "BP tolerance on the largest message change")->capture_default_str();
  cmd->add_option("--max-iter", args->max_iterations, "BP iteration cap")->capture_default_str();
  cmd->add_option("--time-limit", args->time_limit, "BP time cap in seconds (0: none)");
  cmd->add_option("--threads", args->threads, "Worker threads (default: COPI_THREADS or all cores)");
  cmd->add_flag("--require-convergence", args->require_convergence,
                "Exit with status 1 when BP does not converge");
  cmd->add_option("--plot", args->plot_file, "Write the residual trace as an SVG line chart");
  return [args] { return run_infer(*args); };
}

}  // namespace copi::cli
