// copi irl: learn a reward θᵀφ from demonstrations on a tabular MDP (maximum causal
// entropy inverse RL, copi/control/irl.hpp).
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "control_output.hpp"
#include "diagnostics.hpp"
#include "irl_output.hpp"
#include "irl_plot.hpp"
#include "option_flags.hpp"
#include "result_output.hpp"
#include "copi/control/irl.hpp"
#include "copi/control/irl_csv.hpp"
#include "copi/control/mdp_settings.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

struct IrlArguments {
  std::string transitions;
  std::string features;
  std::string demos;
  std::string initial;
  std::string prior;
  std::string horizon;
  std::string discount;
  std::string alpha;
  std::string method = "variational";
  std::string l2 = "0";
  std::string tol = "1e-6";
  std::string max_iter = "1000";
  std::string json_file;
  std::string reward_out;
  std::string plot_file;
  std::string threads;
  bool policy = false;
};

// Shortest text that reads back as the same double.
std::string exact(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

double number_flag(const std::string& flag, const std::string& text) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    throw InputError(flag + " " + text + ": must be a finite number");
  }
  return value;
}

std::size_t count_flag(const std::string& flag, const std::string& text) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) throw InputError(flag + " " + text + ": must be an integer >= 1");
  return value;
}

// Every flag problem at once, before any file is read.
control::IrlOptions irl_options(const IrlArguments& args, std::vector<OptionSetting>& settings) {
  control::IrlOptions options;
  options.policy = args.policy;
  std::string problems;
  const auto check = [&](auto&& body) {
    try {
      body();
    } catch (const InputError& error) {
      problems += (problems.empty() ? "" : "; ") + error.detail();
    }
  };
  check([&] {
    if (args.method != "variational" && args.method != "exact") {
      throw InputError("--method " + args.method + ": expected variational or exact");
    }
    options.method = control::parse_control_method(args.method);
  });
  // Each range checked on its own (IrlOptions::validate stops at the first problem).
  check([&] {
    options.l2 = number_flag("--l2", args.l2);
    if (options.l2 < 0.0) throw InputError("--l2 " + args.l2 + ": must be a finite number >= 0");
  });
  check([&] {
    options.tolerance = number_flag("--tol", args.tol);
    if (!(options.tolerance > 0.0)) throw InputError("--tol " + args.tol + ": must be a finite number > 0");
  });
  check([&] {
    options.max_iterations = count_flag("--max-iter", args.max_iter);
    if (options.max_iterations == 0) throw InputError("--max-iter 0: must be an integer >= 1");
  });
  check([&] { options.threads = parse_threads_flag(args.threads); });
  check([&] {
    if (!args.horizon.empty()) settings.push_back({"horizon", args.horizon});
    if (!args.discount.empty()) settings.push_back({"discount", args.discount});
    if (!args.alpha.empty()) settings.push_back({"alpha", args.alpha});
    control::Mdp probe;
    throw_flag_problems(settings, control::apply_mdp_settings(probe, settings));
    if (args.horizon.empty() && args.discount.empty()) throw InputError("give --horizon, --discount or both");
  });
  if (problems.empty()) check([&] { options.validate(); });
  if (!problems.empty()) throw InputError(problems);
  return options;
}

// The `copi mdp --rewards` table: every available (state, action) of a state where the
// episode goes on (absorbing states keep reward 0 and take no rows).
void write_rewards_csv(const std::string& path, const control::Mdp& mdp, const std::vector<double>& reward) {
  std::vector<std::uint8_t> absorbing(mdp.num_states, 0);
  for (const std::uint32_t s : control::absorbing_states(mdp)) absorbing[s] = 1;
  write_file_atomically(path, [&](std::ostream& out) {
    out << "state,action,reward\n";
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      if (absorbing[s] != 0) continue;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        if (mdp.row_begin[row] == mdp.row_begin[row + 1]) continue;  // unavailable
        out << state_name(mdp, s) << "," << action_name(mdp, a) << "," << exact(reward[row]) << "\n";
      }
    }
  });
}

int run_irl(const IrlArguments& args) {
  std::vector<OptionSetting> settings;
  const control::IrlOptions options = irl_options(args, settings);
  control::MdpCsv csv = control::read_irl_mdp_csv(
      control::MdpCsvFiles{args.transitions, "", args.initial, args.prior, std::size_t{2} << 30});
  for (const std::string& note : csv.notes) std::cerr << "copi: note: " << note << "\n";
  control::Mdp mdp = std::move(csv.mdp);
  (void)control::apply_mdp_settings(mdp, settings);  // checked above
  mdp.validate();
  const control::Features features = control::read_features_csv(mdp, args.features);
  const control::Demonstrations demos = control::read_demonstrations_csv(mdp, args.demos);
  for (const std::string& note : demos.notes) std::cerr << "copi: note: " << note << "\n";
  control::IrlProblem problem{mdp, features, control::empirical_feature_counts(mdp, features, demos.episodes), {}};
  if (args.initial.empty()) problem.initial = control::initial_from_episodes(mdp.num_states, demos.episodes);
  const control::IrlResult fit = control::fit_irl(problem, options, demos.episodes);
  for (const std::string& note : fit.notes) std::cerr << "copi: note: " << note << "\n";
  control::Mdp shown = mdp;
  if (!problem.initial.empty()) shown.initial = problem.initial;
  // The plot first: it is the output that can refuse (states that are not a grid), and
  // then nothing has been written.
  if (!args.plot_file.empty()) write_irl_svg(args.plot_file, mdp, fit.reward, demos.episodes);
  if (!args.json_file.empty()) write_json_file(args.json_file, irl_json(shown, features, fit, args.method));
  if (!args.reward_out.empty()) write_rewards_csv(args.reward_out, mdp, fit.reward);
  print_irl_fit(std::cout, features, fit);
  if (!fit.converged) {
    std::cerr << "copi: warning: not converged: " << fit.termination << "\n";
    return kNotConverged;
  }
  return kOk;
}

}  // namespace

CommandRunner add_irl_command(CLI::App& app) {
  auto args = std::make_shared<IrlArguments>();
  CLI::App* cmd = app.add_subcommand("irl", "Learn a reward from demonstrations (maximum causal entropy inverse RL)");
  cmd->add_option("--transitions", args->transitions, "CSV: state,action,next_state,probability")->required();
  cmd->add_option("--features", args->features, "CSV: state,feature,value or state,action,feature,value (absent: 0)")
      ->required();
  cmd->add_option("--demos", args->demos, "CSV: episode,t,state,action (t = 0, 1, ... in each episode)")->required();
  cmd->add_option("--initial", args->initial, "CSV: state,probability (default: the demonstrations' first states)");
  cmd->add_option("--prior", args->prior, "CSV: state,action,probability (default: no action prior)");
  for (const OptionSpec& spec : control::mdp_settings()) {
    std::string* target = spec.name == "horizon" ? &args->horizon : spec.name == "discount" ? &args->discount : &args->alpha;
    cmd->add_option(spec.flag(), *target,
                    spec.doc + "; " + spec.accepted() + (spec.default_text.empty() ? "" : "; default " + spec.default_text));
  }
  cmd->add_option("--method", args->method,
                  "variational: maximum causal entropy IRL (causal backup, eq. 15); exact: MaxEnt IRL of whole "
                  "trajectories (optimistic backup, eq. 7)")
      ->capture_default_str();
  cmd->add_option("--l2", args->l2, "L2 penalty: maximise L(theta) - l2/2 |theta|^2")->capture_default_str();
  cmd->add_option("--tol", args->tol, "Stop when |gradient| <= tol * max(|empirical counts|, 1)")->capture_default_str();
  cmd->add_option("--max-iter", args->max_iter, "Gradient evaluations at most")->capture_default_str();
  cmd->add_option("--json", args->json_file, "Write weights, reward, objective, feature counts, ... as JSON");
  cmd->add_option("--reward-out", args->reward_out, "Write the learned reward as a `copi mdp --rewards` CSV");
  cmd->add_option("--plot", args->plot_file, "Write an SVG of the learned reward next to the demonstrations' visits (grid states)");
  cmd->add_flag("--policy", args->policy, "Also put the learned reward's soft-optimal solution in the JSON");
  cmd->add_option("--threads", args->threads, "Worker threads >= 1 (default: COPI_THREADS or all cores)");
  return [args] { return run_irl(*args); };
}

}  // namespace copi::cli
