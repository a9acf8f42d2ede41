// copi run / copi check: models written in the .copi language.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "control_output.hpp"
#include "mdp_plot.hpp"
#include "copi/dsl/model.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/enumerate.hpp"
#include "copi/inference/exact.hpp"
#include "diagnostics.hpp"
#include "result_output.hpp"
#include "size_option.hpp"
#include "svg_plot.hpp"

namespace copi::cli {
namespace {

struct RunArguments {
  std::string model_file;
  std::string json_file;
  std::string plot_file;
  std::size_t threads = 0;
};

// Prints every diagnostic like a compiler; returns whether there were any.
bool print_diagnostics(const dsl::Diagnostics& diagnostics) {
  for (const dsl::Diagnostic& d : diagnostics) {
    if (d.line == 0) {
      std::cerr << d.file << ": error: " << d.message << "\n";
    } else {
      std::cerr << d.str();
    }
  }
  return !diagnostics.empty();
}

double option_number(const dsl::AlgorithmChoice& choice, const std::string& key, double fallback) {
  const auto it = choice.options.find(key);
  if (it == choice.options.end()) return fallback;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw InputError("option " + key + " = " + it->second + ": expected a number");
  }
}

BpOptions bp_options(const dsl::AlgorithmChoice& choice, std::size_t threads) {
  BpOptions options;
  if (const auto it = choice.options.find("schedule"); it != choice.options.end()) {
    options.schedule = parse_bp_schedule(it->second);
  }
  options.damping = option_number(choice, "damping", options.damping);
  options.tolerance = option_number(choice, "tol", options.tolerance);
  options.max_iterations = static_cast<std::size_t>(option_number(choice, "max_iter", 1000));
  if (choice.options.contains("time_limit")) options.max_seconds = option_number(choice, "time_limit", 0);
  options.threads = threads;
  options.validate();
  return options;
}

ExactOptions exact_options(const dsl::AlgorithmChoice& choice) {
  ExactOptions options;
  if (const auto it = choice.options.find("heuristic"); it != choice.options.end()) {
    if (it->second == "min_fill") {
      options.heuristic = EliminationHeuristic::min_fill;
    } else if (it->second == "weighted_min_fill") {
      options.heuristic = EliminationHeuristic::weighted_min_fill;
    } else if (it->second == "min_degree") {
      options.heuristic = EliminationHeuristic::min_degree;
    } else {
      throw InputError("heuristic = " + it->second + ": expected min_fill, weighted_min_fill or min_degree");
    }
  }
  if (const auto it = choice.options.find("memory_limit"); it != choice.options.end()) {
    options.memory_limit_bytes = parse_size(it->second, "memory_limit");
  }
  options.validate();
  return options;
}

InferenceResult solve(const dsl::CompiledModel& model, Task task, std::size_t threads, std::string& note) {
  const dsl::AlgorithmChoice& choice = model.algorithm;
  if (choice.name == "enumerate") return enumerate(model.graph, model.evidence, task);
  if (choice.name == "bp") return belief_propagation(model.graph, model.evidence, task, bp_options(choice, threads));
  const ExactOptions exact = exact_options(choice);
  if (choice.name == "exact") return solve_exact(model.graph, model.evidence, task, exact);
  // auto: exact when its junction tree fits the memory budget, belief propagation otherwise.
  const ExactOptions probe{.heuristic = exact.heuristic, .memory_limit_bytes = exact.memory_limit_bytes};
  double bytes = 0;
  try {
    bytes = exact_memory_estimate(model.graph, model.evidence, probe);
  } catch (const ResourceError&) {
    bytes = INFINITY;
  }
  std::ostringstream why;
  if (bytes <= static_cast<double>(exact.memory_limit_bytes)) {
    why << "auto chose exact inference: the junction tree needs " << std::setprecision(3) << bytes / (1 << 20)
        << " MiB";
    note = why.str();
    return solve_exact(model.graph, model.evidence, task, exact);
  }
  note = "auto chose belief propagation: the junction tree would exceed the memory limit";
  return belief_propagation(model.graph, model.evidence, task, bp_options(choice, threads));
}

void print_bars(std::ostream& out, const FactorGraph& graph, const std::vector<VarId>& vars,
                const std::vector<std::vector<double>>& marginals) {
  constexpr int kBarWidth = 30;
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const DiscreteVariable& var = graph.variable(vars[k]);
    out << var.name << "\n";
    for (std::size_t s = 0; s < marginals[k].size() && s < 16; ++s) {
      const double p = marginals[k][s];
      const int bar = static_cast<int>(std::lround(p * kBarWidth));
      out << "  " << std::left << std::setw(10) << var.state_name(s) << " " << std::string(bar, '#')
          << std::string(kBarWidth - bar, ' ') << " " << std::fixed << std::setprecision(6) << p << "\n";
    }
    out << std::defaultfloat;
  }
}

// `solve NAME with METHOD` statements: each MDP solved as inference.
int run_solves(const dsl::CompiledModel& model, const RunArguments& args) {
  nlohmann::json solutions = nlohmann::json::array();
  int status = kOk;
  for (const dsl::MdpSolve& request : model.solves) {
    const auto named = std::find_if(model.mdps.begin(), model.mdps.end(),
                                    [&](const dsl::NamedMdp& m) { return m.name == request.mdp; });
    control::SolveOptions options;
    options.method = request.method;
    options.threads = args.threads;
    const control::ControlSolution solution = control::solve(named->mdp, options);
    std::cout << "mdp " << named->name << "\n";
    print_control_solution(std::cout, named->mdp, solution);
    nlohmann::json doc = control_json(named->mdp, solution);
    doc["mdp"] = named->name;
    solutions.push_back(doc);
    if (!args.plot_file.empty()) {
      // One file per solve: FILE itself for a single solve, FILE's stem + .NAME.METHOD
      // otherwise (the same mdp may be solved by several methods).
      std::filesystem::path plot = args.plot_file;
      if (model.solves.size() > 1) {
        plot.replace_filename(plot.stem().string() + "." + named->name + "." + control::to_string(request.method) +
                              plot.extension().string());
      }
      if (named->components.size() == 2) {
        write_value_map_svg(plot, *named, solution);  // a grid: value map with policy arrows
      } else {
        write_value_table_svg(plot, named->mdp, solution);
      }
      std::cout << "wrote " << plot.string() << "\n";
    }
    if (solution.diverged || !solution.converged) {
      std::cerr << "copi: warning: mdp " << named->name << (solution.diverged ? " diverged" : " did not converge") << "\n";
      status = kNotConverged;
    }
  }
  if (!args.json_file.empty()) write_json_file(args.json_file, nlohmann::json{{"mdp_solutions", solutions}});
  return status;
}

int run_model(const RunArguments& args) {
  const dsl::CompileResult compiled = dsl::compile_file(args.model_file);
  if (print_diagnostics(compiled.diagnostics)) return kBadInput;
  const dsl::CompiledModel& model = *compiled.model;
  if (!model.solves.empty() && model.graph.num_variables() == 0) return run_solves(model, args);
  std::vector<VarId> shown = model.marginal_queries;
  if (shown.empty() && !model.query_map && !model.query_log_z) {
    for (std::size_t v = 0; v < model.graph.num_variables(); ++v) shown.push_back(VarId{static_cast<std::uint32_t>(v)});
  }
  std::string note;
  const bool need_marginals = !shown.empty() || model.query_log_z;
  InferenceResult result;
  if (need_marginals) result = solve(model, Task::marginals, args.threads, note);
  InferenceResult map_result;
  if (model.query_map) map_result = solve(model, Task::mpe, args.threads, note);

  std::vector<std::vector<double>> marginals;
  for (const VarId v : shown) marginals.push_back(result.marginals.at(v.index));
  nlohmann::json doc = result_json(model.graph, need_marginals ? result : map_result,
                                   need_marginals ? Task::marginals : Task::mpe);
  doc["marginals"] = marginals;
  std::vector<std::string> names;
  for (const VarId v : shown) names.push_back(model.graph.variable(v).name);
  doc["variables"] = names;
  doc["map"] = map_result.map;
  doc["map_log_value"] = map_result.map_log_value ? nlohmann::json(*map_result.map_log_value) : nlohmann::json(nullptr);
  if (!note.empty()) doc["note"] = note;
  if (!args.json_file.empty()) write_json_file(args.json_file, doc);
  const InferenceReport& report = need_marginals ? result.report : map_result.report;
  if (!args.plot_file.empty()) write_residual_plot(args.plot_file, report);

  std::cout << "model: " << args.model_file << "   variables: " << model.graph.num_variables()
            << "   factors: " << model.graph.num_factors() << "   evidence: " << model.evidence.size() << "\n";
  if (!note.empty()) std::cout << note << "\n";
  print_bars(std::cout, model.graph, shown, marginals);
  if (model.query_map) {
    std::cout << "MAP:";
    for (std::size_t v = 0; v < map_result.map.size() && v < 200; ++v) {
      std::cout << " " << model.graph.variables()[v].name << "=" << model.graph.variables()[v].state_name(map_result.map[v]);
    }
    std::cout << "\n";
  }
  if (result.log_z) std::cout << std::setprecision(12) << "log Z = " << *result.log_z << "\n";
  std::cout << report.brief() << "\n";
  if (!report.converged()) std::cerr << "copi: warning: " << report.algorithm << " did not converge\n";
  return kOk;
}

int check_model(const std::string& file) {
  const dsl::CompileResult compiled = dsl::compile_file(file);
  if (print_diagnostics(compiled.diagnostics)) return kBadInput;
  std::cout << file << ": ok (" << compiled.model->graph.num_variables() << " variables, "
            << compiled.model->graph.num_factors() << " factors)\n";
  return kOk;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArguments>();
  CLI::App* cmd = app.add_subcommand("run", "Run the queries of a .copi model");
  cmd->add_option("model", args->model_file, "Model file (.copi)")->required();
  cmd->add_option("--json", args->json_file, "Write the result as JSON");
  cmd->add_option("--plot", args->plot_file, "Write the residual trace as an SVG chart");
  cmd->add_option("--threads", args->threads, "Worker threads (default: COPI_THREADS or all cores)");
  return [args] { return run_model(*args); };
}

CommandRunner add_check_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check", "Parse and check a .copi model without running it");
  cmd->add_option("model", *file, "Model file (.copi)")->required();
  return [file] { return check_model(*file); };
}

}  // namespace copi::cli
