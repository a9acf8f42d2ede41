// copi mdp: a tabular MDP from CSV files, solved as inference (control module).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "control_output.hpp"
#include "mdp_plot.hpp"
#include "copi/control/compile_factor_graph.hpp"
#include "copi/control/mdp_csv.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/error.hpp"
#include "diagnostics.hpp"
#include "result_output.hpp"

namespace copi::cli {
namespace {

struct MdpArguments {
  std::string transitions;
  std::string rewards;
  std::string initial;
  std::string prior;
  std::size_t horizon = 0;
  double discount = 0.0;
  double alpha = 1.0;
  std::string method = "variational";
  std::string json_file;
  std::string plot_file;
  std::string emit_uai;
  std::size_t threads = 0;
  double tolerance = control::SolveOptions{}.tolerance;
  std::size_t max_iterations = control::SolveOptions{}.max_iterations;
};

control::Mdp load_mdp(const MdpArguments& args) {
  control::MdpCsv csv = control::read_mdp_csv(control::MdpCsvFiles{args.transitions, args.rewards, args.initial, args.prior});
  for (const std::string& note : csv.notes) std::cerr << "copi: note: " << note << "\n";
  control::Mdp mdp = std::move(csv.mdp);
  if (args.horizon > 0) mdp.horizon = args.horizon;
  if (args.discount > 0) mdp.discount = args.discount;
  mdp.alpha = args.alpha;
  return mdp;
}

int run_mdp(const MdpArguments& args) {
  const control::Mdp mdp = load_mdp(args);
  if (!args.emit_uai.empty()) {
    const control::CompiledMdp compiled = control::compile_factor_graph(mdp);
    write_model_file(args.emit_uai, to_model_tables(compiled.graph));
    write_file_atomically(args.emit_uai + ".evid", [&](std::ostream& out) { write_evidence(out, compiled.evidence); });
    std::cout << "wrote " << args.emit_uai << " and " << args.emit_uai << ".evid (" << compiled.graph.num_variables()
              << " variables, " << compiled.graph.num_factors() << " factors)\n";
  }
  control::SolveOptions options;
  options.method = control::parse_control_method(args.method);
  options.threads = args.threads;
  options.tolerance = args.tolerance;
  options.max_iterations = args.max_iterations;
  options.action_values = !args.json_file.empty();  // Q is in the JSON only
  const control::ControlSolution solution = control::solve(mdp, options);
  if (!args.json_file.empty()) write_json_file(args.json_file, control_json(mdp, solution));
  if (!args.plot_file.empty()) write_value_table_svg(args.plot_file, mdp, solution);
  print_control_solution(std::cout, mdp, solution);
  if (solution.diverged) {
    std::cerr << "copi: error: the exact (optimistic) backup diverges: some state's value grows without bound "
                 "(e.g. gamma * exp(max r / alpha) >= 1, or gamma * (number of actions) >= 1 without a prior "
                 "at zero reward); use a smaller discount, lower rewards, a horizon or the variational method\n";
    return kNotConverged;
  }
  if (!solution.converged) {
    std::cerr << "copi: warning: not converged after " << solution.iterations << " backups\n";
    return kNotConverged;
  }
  return kOk;
}

}  // namespace

CommandRunner add_mdp_command(CLI::App& app) {
  auto args = std::make_shared<MdpArguments>();
  CLI::App* cmd = app.add_subcommand("mdp", "Solve a tabular MDP from CSV files as inference");
  cmd->add_option("--transitions", args->transitions, "CSV: state,action,next_state,probability")->required();
  cmd->add_option("--rewards", args->rewards, "CSV: state,action,reward")->required();
  cmd->add_option("--initial", args->initial, "CSV: state,probability (default: uniform)");
  cmd->add_option("--prior", args->prior, "CSV: state,action,probability (default: no action prior)");
  cmd->add_option("--horizon", args->horizon, "Finite horizon T");
  cmd->add_option("--discount", args->discount, "Discount gamma in (0, 1]");
  cmd->add_option("--alpha", args->alpha, "Temperature alpha > 0")->capture_default_str();
  cmd->add_option("--method", args->method, "exact, variational or map")
      ->check(CLI::IsMember({"exact", "variational", "map"}))
      ->capture_default_str();
  cmd->add_option("--json", args->json_file, "Write V, policy, objective, ... as JSON");
  cmd->add_option("--plot", args->plot_file, "Write an SVG table of V_t(s) with the most likely actions");
  cmd->add_option("--tol", args->tolerance,
                  "Infinite horizon: stop when the largest change of V in a backup is at most this (> 0)")
      ->capture_default_str();
  cmd->add_option("--max-iter", args->max_iterations, "Infinite horizon: at most this many backups (>= 1)")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Worker threads (default: COPI_THREADS or all cores)");
  cmd->add_option("--emit-uai", args->emit_uai,
                  "Also write the compiled factor graph (finite horizon) as FILE.uai and its evidence O_t = 1 as FILE.uai.evid");
  return [args] { return run_mdp(*args); };
}

}  // namespace copi::cli
