// copi mdp: a tabular MDP from CSV files, solved as inference (control module).
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "control_output.hpp"
#include "mdp_plot.hpp"
#include "copi/control/compile_factor_graph.hpp"
#include "copi/control/mdp_csv.hpp"
#include "copi/control/mdp_settings.hpp"
#include "copi/control/methods.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/error.hpp"
#include "diagnostics.hpp"
#include "mdp_latent.hpp"
#include "option_flags.hpp"
#include "result_output.hpp"

namespace copi::cli {
namespace {

struct MdpArguments {
  std::string transitions;
  std::string rewards;
  std::string initial;
  std::string prior;
  // The MDP's numbers, as text: checked against the library's table
  // (copi/control/mdp_settings.hpp), so a bad value names the flag and its range.
  std::string horizon;
  std::string discount;
  std::string alpha;
  std::string method = "variational";
  std::string json_file;
  std::string plot_file;
  std::string emit_uai;
  std::string threads;
  OptionFlags flags;  // --tol, --max-iter, --memory-limit: the control methods' table
  LatentFlags latent;  // --latent, --latent-mode, --skills
};

// The message of an InputError thrown by `check`, or empty.
template <typename Check>
std::string problems_of(Check&& check) {
  try {
    check();
  } catch (const InputError& error) {
    return error.detail();
  }
  return "";
}

// The solve options from --method and the table's flags.
control::SolveOptions solve_options(const MdpArguments& args) {
  const control::MethodCheck known = control::check_control_method(args.method, {});
  if (!known.unknown_method.empty()) throw InputError("--method " + args.method + ": " + known.unknown_method);
  const AlgorithmSpec* spec = nullptr;
  for (const AlgorithmSpec& method : control::control_methods()) {
    if (method.name == args.method) spec = &method;
  }
  const std::vector<OptionSetting> settings = args.flags.settings_for(*spec);
  const control::MethodCheck check = control::check_control_method(args.method, settings);
  throw_flag_problems(settings, check.problems);
  control::SolveOptions options = *check.options;
  options.action_values = !args.json_file.empty();  // Q is in the JSON only
  return options;
}

// --horizon, --discount, --alpha given, checked before any file is read.
std::vector<OptionSetting> mdp_flag_settings(const MdpArguments& args) {
  std::vector<OptionSetting> settings;
  if (!args.horizon.empty()) settings.push_back({"horizon", args.horizon});
  if (!args.discount.empty()) settings.push_back({"discount", args.discount});
  if (!args.alpha.empty()) settings.push_back({"alpha", args.alpha});
  control::Mdp probe;
  throw_flag_problems(settings, control::apply_mdp_settings(probe, settings));
  return settings;
}

control::Mdp load_mdp(const MdpArguments& args, const std::vector<OptionSetting>& settings,
                      std::size_t memory_limit_bytes) {
  control::MdpCsv csv = control::read_mdp_csv(
      control::MdpCsvFiles{args.transitions, args.rewards, args.initial, args.prior, memory_limit_bytes});
  for (const std::string& note : csv.notes) std::cerr << "copi: note: " << note << "\n";
  control::Mdp mdp = std::move(csv.mdp);
  (void)control::apply_mdp_settings(mdp, settings);  // checked above
  return mdp;
}

// Refused before anything is allocated: the solution (V, π and Q for every step) and,
// with --json, the document built from it and its text.
void check_memory(const control::Mdp& mdp, const control::SolveOptions& options, bool json) {
  // --keep first / stream: one step in memory (a streamed step is written, then dropped).
  const double steps =
      mdp.horizon && options.keep == control::KeepSteps::all ? static_cast<double>(*mdp.horizon) : 1.0;
  const double bytes = control::solve_memory_estimate(mdp, options) + (json ? control_json_bytes(mdp, steps) : 0.0);
  if (options.memory_limit_bytes == 0 || bytes <= static_cast<double>(options.memory_limit_bytes)) return;
  std::ostringstream out;
  out.precision(3);
  out << "the solution needs about " << bytes / (1024.0 * 1024 * 1024) << " GiB (V, the policy" << (json ? " and Q" : "")
      << " for " << static_cast<std::size_t>(steps) << (steps == 1.0 ? " step of " : " steps of ") << mdp.num_states << " states x "
      << mdp.num_actions << " actions" << (json ? ", and their JSON" : "") << "), over --memory-limit "
      << static_cast<double>(options.memory_limit_bytes) / (1024.0 * 1024 * 1024) << " GiB; raise --memory-limit"
      << (mdp.horizon && options.keep == control::KeepSteps::all ? ", use --keep first or --keep stream" : "")
      << " or shorten --horizon";
  throw ResourceError(out.str());
}

// --keep stream --json: the solve runs while the file is written, each step's V, π
// and Q under "steps" as it is computed (t = T first), the rest of control_json after.
control::ControlSolution solve_streaming_json(const control::Mdp& mdp, control::SolveOptions options,
                                              const std::string& path) {
  control::ControlSolution solution;
  write_file_atomically(path, [&](std::ostream& out) {
    nlohmann::json head;
    head["method"] = control::to_string(options.method);
    std::vector<std::string> states;
    for (std::size_t s = 0; s < mdp.num_states; ++s) states.push_back(state_name(mdp, s));
    std::vector<std::string> actions;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) actions.push_back(action_name(mdp, a));
    out << "{\"method\": " << head["method"].dump() << ",\n\"states\": " << nlohmann::json(states).dump()
        << ",\n\"actions\": " << nlohmann::json(actions).dump() << ",\n\"steps\": [";
    bool first = true;
    options.on_step = [&](const control::SolveStep& step) {
      out << (first ? "\n" : ",\n") << step_json(mdp, step).dump();
      first = false;
    };
    solution = control::solve(mdp, options);
    out << "\n]";
    const nlohmann::json tail = control_json(mdp, solution);
    for (const auto& [key, value] : tail.items()) {
      if (key == "method" || key == "states" || key == "actions" || key == "V" || key == "policy" || key == "Q") continue;
      out << ",\n" << nlohmann::json(key).dump() << ": " << value.dump();
    }
    out << "\n}\n";
  });
  return solution;
}

// What the latent flags are checked against (--keep as parsed, when it parsed).
MdpFlagsInUse latent_flags_in_use(const MdpArguments& args, const control::SolveOptions& options) {
  return {!args.prior.empty(), !args.emit_uai.empty(), !args.plot_file.empty(),
          options.keep == control::KeepSteps::stream};
}

int run_mdp(const MdpArguments& args) {
  // Every flag problem at once, before any file is read.
  control::SolveOptions options;
  std::vector<OptionSetting> settings;
  std::string problems = problems_of([&] { options = solve_options(args); });
  std::size_t threads = 0;
  for (const std::string& more : {problems_of([&] { threads = parse_threads_flag(args.threads); }),
                                  problems_of([&] { settings = mdp_flag_settings(args); }),
                                  latent_flag_problems(args.latent, latent_flags_in_use(args, options))}) {
    if (!more.empty()) problems += (problems.empty() ? "" : "; ") + more;
  }
  if (!problems.empty()) throw InputError(problems);
  options.threads = threads;
  const control::Mdp mdp = load_mdp(args, settings, options.memory_limit_bytes);
  mdp.validate();
  if (latent_requested(args.latent)) return run_latent_mdp(args.latent, mdp, options, args.json_file, args.plot_file);
  check_memory(mdp, options, !args.json_file.empty());
  if (!args.emit_uai.empty()) {
    const control::CompiledMdp compiled = control::compile_factor_graph(mdp);
    write_model_file(args.emit_uai, to_model_tables(compiled.graph));
    write_file_atomically(args.emit_uai + ".evid", [&](std::ostream& out) { write_evidence(out, compiled.evidence); });
    std::cout << "wrote " << args.emit_uai << " and " << args.emit_uai << ".evid (" << compiled.graph.num_variables()
              << " variables, " << compiled.graph.num_factors() << " factors)\n";
  }
  control::ControlSolution solution;
  if (!args.json_file.empty() && mdp.horizon && options.keep == control::KeepSteps::stream) {
    solution = solve_streaming_json(mdp, options, args.json_file);
  } else {
    solution = control::solve(mdp, options);
    if (!args.json_file.empty()) write_json_file(args.json_file, control_json(mdp, solution));
  }
  if (!args.plot_file.empty()) write_value_table_svg(args.plot_file, mdp, solution);
  print_control_solution(std::cout, mdp, solution);
  return report_solve_status(std::cerr, solution, options);
}

}  // namespace

CommandRunner add_mdp_command(CLI::App& app) {
  auto args = std::make_shared<MdpArguments>();
  CLI::App* cmd = app.add_subcommand("mdp", "Solve a tabular MDP from CSV files as inference");
  cmd->add_option("--transitions", args->transitions, "CSV: state,action,next_state,probability")->required();
  cmd->add_option("--rewards", args->rewards, "CSV: state,action,reward (a pair left out: reward 0)")->required();
  cmd->add_option("--initial", args->initial, "CSV: state,probability (default: uniform)");
  cmd->add_option("--prior", args->prior, "CSV: state,action,probability (default: no action prior)");
  for (const OptionSpec& spec : control::mdp_settings()) {
    std::string* target = spec.name == "horizon" ? &args->horizon : spec.name == "discount" ? &args->discount : &args->alpha;
    cmd->add_option(spec.flag(), *target,
                    spec.doc + "; " + spec.accepted() + (spec.default_text.empty() ? "" : "; default " + spec.default_text));
  }
  std::string methods;
  for (const AlgorithmSpec& spec : control::control_methods()) methods += "\n  " + spec.name + ": " + spec.summary;
  cmd->add_option("--method", args->method, "Method:" + methods)->capture_default_str();
  args->flags.add_to(*cmd, control::control_methods());
  cmd->add_option("--skills", args->latent.skills,
                  "CSV: state,latent,action,probability, the skills p(a|s,z): choose actions through a latent z "
                  "(needs --latent-mode)");
  cmd->add_option("--latent-mode", args->latent.mode,
                  "step: z drawn at every step from p(z|s); episode: z drawn once per episode from p(z); skills: a "
                  "high level choosing a fixed skill at every step (p(z|s) its prior)");
  cmd->add_option("--latent", args->latent.latent,
                  "CSV: latent,probability (p(z), --latent-mode episode) or state,latent,probability (p(z|s), "
                  "--latent-mode step or skills); default: uniform over the latents of --skills");
  cmd->add_option("--json", args->json_file, "Write V, the policy, Q, the objective, ... as JSON");
  cmd->add_option("--plot", args->plot_file, "Write an SVG table of V_t(s) with the most likely actions");
  cmd->add_option("--threads", args->threads, "Worker threads >= 1 (default: COPI_THREADS or all cores)");
  cmd->add_option("--emit-uai", args->emit_uai,
                  "Also write the compiled factor graph (finite horizon) as FILE.uai and its evidence O_t = 1 as FILE.uai.evid");
  return [args] { return run_mdp(*args); };
}

}  // namespace copi::cli
