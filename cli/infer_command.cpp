// copi infer: inference on a UAI or libDAI model file, with optional evidence.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/inference/enumerate.hpp"
#include "copi/inference/exact.hpp"
#include "result_output.hpp"
#include "size_option.hpp"

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
};

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

  const InferenceResult result = args.algorithm == "enumerate" ? enumerate(graph, evidence, task)
                                                               : solve_exact(graph, evidence, task, exact_options);
  // Files first, so that a failed write is reported before anything is printed.
  if (!args.out_file.empty()) write_solution(args.out_file, result, task);
  if (!args.json_file.empty()) write_json_file(args.json_file, result_json(graph, result, task));
  print_result(std::cout, graph, result, task);
  return 0;
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
                  "exact (junction tree / variable elimination) or enumerate (brute force, tiny models)")
      ->check(CLI::IsMember({"exact", "enumerate"}))
      ->capture_default_str();
  cmd->add_option("--heuristic", args->heuristic, "Elimination order for exact inference")
      ->check(CLI::IsMember({"min-fill", "weighted-min-fill", "min-degree"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out_file, "Write the UAI solution file of the task (.MAR/.PR/.MPE layout)");
  cmd->add_option("--json", args->json_file, "Write the result as JSON");
  cmd->add_option("--memory-limit", args->memory_limit,
                  "Refuse exact inference whose tables exceed this size (e.g. 512M, 2G)")
      ->capture_default_str();
  return [args] { return run_infer(*args); };
}

}  // namespace copi::cli
