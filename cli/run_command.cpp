// copi run / copi check: models written in the .copi language. A file may hold a
// factor graph (with queries) and mdp blocks (with solve statements): everything in
// it runs (dsl::run_model); this file only prints.
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "control_output.hpp"
#include "run_latent.hpp"
#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"
#include "copi/inference/algorithms.hpp"
#include "diagnostics.hpp"
#include "irl_output.hpp"
#include "lqr_output.hpp"
#include "mdp_plot.hpp"
#include "option_flags.hpp"
#include "result_output.hpp"
#include "svg_plot.hpp"

namespace copi::cli {
namespace {

struct RunArguments {
  std::string model_file;
  std::string json_file;
  std::string plot_file;
  std::string threads;
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

std::optional<dsl::CompiledModel> compile(const std::string& file) {
  if (const std::string hint = wrong_command_hint(file, "run"); !hint.empty()) throw InputError(hint);
  dsl::CompileResult compiled = dsl::compile_file(file);
  if (print_diagnostics(compiled.diagnostics)) return std::nullopt;
  return std::move(*compiled.model);
}

void print_bars(std::ostream& out, const FactorGraph& graph, const std::vector<VarId>& vars,
                const std::vector<std::vector<double>>& marginals) {
  constexpr int kBarWidth = 30;
  constexpr std::size_t kMaxStates = 16;
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const Variable& var = graph.variable(vars[k]);
    out << var.name << "\n";
    for (std::size_t s = 0; s < marginals[k].size() && s < kMaxStates; ++s) {
      const double p = marginals[k][s];
      const int bar = static_cast<int>(std::lround(p * kBarWidth));
      out << "  " << std::left << std::setw(10) << var.state_name(s) << " " << std::string(bar, '#')
          << std::string(kBarWidth - bar, ' ') << " " << std::fixed << std::setprecision(6) << p << "\n";
    }
    if (marginals[k].size() > kMaxStates) out << "  ... " << marginals[k].size() - kMaxStates << " more states\n";
    out << std::defaultfloat;
  }
}

std::string summary_line(const std::string& file, const dsl::CompiledModel& model) {
  std::ostringstream out;
  out << "model: " << file << "   variables: " << model.graph.num_variables() << "   factors: "
      << model.graph.num_factors() << "   evidence: " << model.evidence.size() + model.real_evidence.size();
  if (!model.mdps.empty()) out << "   mdp blocks: " << model.mdps.size() << "   solves: " << model.solves.size();
  if (!model.lqrs.empty()) out << "   lqr blocks: " << model.lqrs.size() << "   solves: " << model.lqr_solves.size();
  if (!model.learns.empty()) out << "   learn reward: " << model.learns.size();
  return out.str();
}

// The graph's answers on stdout, in the JSON document and as a plot.
void report_graph(const dsl::CompiledModel& model, const dsl::GraphAnswers& answers, const RunArguments& args,
                  nlohmann::json& doc, bool& converged) {
  const InferenceResult& main = answers.marginals ? *answers.marginals : *answers.map;
  // Discrete variables get their marginal tables, real ones their Gaussian marginals
  // (under "continuous" in the JSON).
  std::vector<VarId> shown;
  std::vector<VarId> shown_real;
  for (const VarId v : answers.shown) (model.graph.variable(v).is_real() ? shown_real : shown).push_back(v);
  std::vector<std::vector<double>> marginals;
  if (answers.marginals) {
    for (const VarId v : shown) marginals.push_back(answers.marginals->marginals.at(v.index));
  }
  // "variables" names what "marginals" and "map" list, in the same order: the queried
  // discrete variables, or every discrete variable when none is queried.
  std::vector<VarId> listed = shown;
  if (answers.shown.empty()) {
    for (std::size_t v = 0; v < model.graph.num_variables(); ++v) {
      if (model.graph.variables()[v].is_discrete()) listed.push_back(VarId{static_cast<std::uint32_t>(v)});
    }
  }
  std::vector<std::string> names;
  std::vector<std::size_t> map;
  std::vector<std::string> map_labels;
  for (const VarId v : listed) {
    names.push_back(model.graph.variable(v).name);
    if (answers.map) {
      map.push_back(answers.map->map.at(v.index));
      map_labels.push_back(model.graph.variable(v).state_name(map.back()));
    }
  }
  // The document only when it is written: for 10⁵ real variables building it cost
  // more than the inference.
  if (!args.json_file.empty()) {
    doc = result_json(model.graph, main, answers.marginals ? Task::marginals : Task::mpe);
    doc["marginals"] = marginals;
    doc["variables"] = names;
    doc["map"] = map;
    doc["map_labels"] = map_labels;
    doc["map_log_value"] = answers.map && answers.map->map_log_value ? nlohmann::json(*answers.map->map_log_value)
                                                                     : nlohmann::json(nullptr);
    if (!main.report.note.empty()) doc["note"] = main.report.note;
    doc.erase("continuous");
    if (answers.marginals && !shown_real.empty()) {
      doc["continuous"] = continuous_json(model.graph, *answers.marginals, shown_real);
    }
  }

  if (!main.report.note.empty()) std::cout << main.report.note << "\n";
  print_bars(std::cout, model.graph, shown, marginals);
  if (answers.marginals && !shown_real.empty()) {
    print_gaussian_marginals(std::cout, model.graph, *answers.marginals, shown_real, model.covariance_queries,
                             model.variance_queries);
  }
  if (answers.map) {
    std::cout << "MAP:";
    for (std::size_t k = 0; k < listed.size() && k < 200; ++k) std::cout << " " << names[k] << "=" << map_labels[k];
    if (listed.size() > 200) std::cout << " ... (all of them in --json)";
    std::cout << "\n";
  }
  if (answers.marginals && answers.marginals->log_z) {
    std::cout << std::setprecision(12) << log_z_label(answers.marginals->log_z_kind) << *answers.marginals->log_z
              << std::defaultfloat << "\n";
  }
  for (const InferenceResult* result : {answers.marginals ? &*answers.marginals : nullptr,
                                        answers.map ? &*answers.map : nullptr}) {
    if (result == nullptr) continue;
    std::cout << result->report.brief() << "\n";
    if (!result->report.converged()) {
      std::cerr << "copi: warning: " << result->report.algorithm << " did not converge\n";
      converged = false;
    }
  }
  if (!args.plot_file.empty()) {
    // An iterative run: its convergence trace; an exact one: the queried marginals.
    if (!main.report.residuals.empty() || marginals.empty()) {
      write_residual_plot(args.plot_file, main.report);
    } else {
      std::vector<const Variable*> vars;
      for (const VarId v : shown) vars.push_back(&model.graph.variable(v));
      write_marginals_plot(args.plot_file, vars, marginals, main.report.algorithm);
    }
    std::cout << "wrote " << args.plot_file << "\n";
  }
}

// `solve NAME with METHOD` statements: each MDP solved as inference.
nlohmann::json report_solves(const dsl::CompiledModel& model, const std::vector<dsl::SolveAnswer>& solves,
                             const RunArguments& args, bool several_plots, bool& converged) {
  nlohmann::json solutions = nlohmann::json::array();
  for (const dsl::SolveAnswer& answer : solves) {
    const dsl::NamedMdp& named = model.mdps[answer.mdp];
    const control::ControlSolution& solution = answer.solution;
    std::cout << "mdp " << named.name << "\n";
    // A latent per episode has no flat solution: one per latent value instead.
    if (!answer.episode) print_control_solution(std::cout, named.mdp, solution);
    if (named.latent) print_latent_solution(std::cout, named, answer);
    if (!args.json_file.empty()) {  // the document of every step is large: only when it is written
      nlohmann::json doc = named.latent ? latent_json(named, answer) : control_json(named.mdp, solution);
      doc["mdp"] = named.name;
      solutions.push_back(std::move(doc));
    }
    if (!args.plot_file.empty()) {
      // One file per solve: FILE itself when it is the only plot, FILE's stem +
      // .NAME.METHOD otherwise (the same mdp may be solved by several methods).
      std::filesystem::path plot = args.plot_file;
      if (several_plots) {
        plot.replace_filename(plot.stem().string() + "." + named.name + "." + control::to_string(answer.options.method) +
                              plot.extension().string());
      }
      if (named.latent) {
        write_latent_policy_svg(plot, named, answer);  // one panel per latent value
      } else if (named.components.size() == 2) {
        write_value_map_svg(plot, named, solution);  // a grid: value map with policy arrows
      } else {
        write_value_table_svg(plot, named.mdp, solution);
      }
      std::cout << "wrote " << plot.string() << "\n";
    }
    bool diverged = solution.diverged;
    if (answer.episode) {
      for (const control::ControlSolution& per_z : answer.episode->per_latent) diverged = diverged || per_z.diverged;
    }
    if (diverged || !latent_converged(answer)) {
      std::cerr << "copi: warning: mdp " << named.name << (diverged ? " diverged" : " did not converge") << "\n";
      converged = false;
    }
  }
  return solutions;
}

// `solve NAME with METHOD` of lqr blocks: the Riccati recursion of each method.
nlohmann::json report_lqr_solves(const dsl::CompiledModel& model, const std::vector<dsl::LqrAnswer>& solves) {
  nlohmann::json solutions = nlohmann::json::array();
  for (const dsl::LqrAnswer& answer : solves) {
    const dsl::NamedLqr& named = model.lqrs[answer.lqr];
    print_lqr_solution(std::cout, named.name, named.problem, answer.solution);
    solutions.push_back(lqr_json(named.name, named.problem, answer.solution));
  }
  return solutions;
}

// `learn reward of NAME from "FILE" { ... }` statements: what each learned, as `copi irl`
// prints it; the JSON of `copi irl --json` with the block's name.
nlohmann::json report_learns(const dsl::CompiledModel& model, const std::vector<dsl::IrlAnswer>& learns,
                             bool& converged) {
  nlohmann::json results = nlohmann::json::array();
  for (const dsl::IrlAnswer& answer : learns) {
    const dsl::IrlLearn& learn = model.learns[answer.learn];
    for (const std::string& note : learn.notes) std::cerr << "copi: note: " << note << "\n";
    for (const std::string& note : answer.result.notes) std::cerr << "copi: note: " << note << "\n";
    std::cout << "learn reward of " << learn.mdp << " (" << learn.method << ", " << learn.episodes.size()
              << " demonstrations from " << learn.demonstrations << ")\n";
    print_irl_fit(std::cout, learn.problem.features, answer.result);
    control::Mdp shown = learn.problem.mdp;
    if (!learn.problem.initial.empty()) shown.initial = learn.problem.initial;
    nlohmann::json doc = irl_json(shown, learn.problem.features, answer.result, learn.method);
    doc["mdp"] = learn.mdp;
    results.push_back(std::move(doc));
    if (!answer.result.converged) {
      std::cerr << "copi: warning: learn reward of " << learn.mdp << " not converged: " << answer.result.termination
                << "\n";
      converged = false;
    }
  }
  return results;
}

int run_model(const RunArguments& args) {
  dsl::RunSettings settings;
  settings.threads = parse_threads_flag(args.threads);
  const std::optional<dsl::CompiledModel> compiled = compile(args.model_file);
  if (!compiled) return kBadInput;
  const dsl::CompiledModel& model = *compiled;
  const dsl::ModelAnswers answers = dsl::run_model(model, settings);

  std::cout << summary_line(args.model_file, model) << "\n";
  if (!answers.graph && answers.solves.empty() && answers.lqr_solves.empty() && answers.learns.empty()) {
    std::cout << (model.mdps.empty() && model.lqrs.empty()
                      ? "nothing to compute: the model declares no variables and no mdp or lqr blocks\n"
                      : "nothing to compute: the model has mdp or lqr blocks but no solve statement\n");
  }
  bool converged = true;
  nlohmann::json doc = nlohmann::json::object();
  if (answers.graph) report_graph(model, *answers.graph, args, doc, converged);
  if (!answers.solves.empty()) {
    doc["mdp_solutions"] = report_solves(model, answers.solves, args, answers.graph || answers.solves.size() > 1, converged);
  }
  if (!answers.lqr_solves.empty()) doc["lqr_solutions"] = report_lqr_solves(model, answers.lqr_solves);
  if (!answers.learns.empty()) doc["irl_results"] = report_learns(model, answers.learns, converged);
  if (!args.json_file.empty()) write_json_file(args.json_file, doc);
  return converged ? kOk : kNotConverged;
}

int check_model(const std::string& file) {
  const std::optional<dsl::CompiledModel> compiled = compile(file);
  if (!compiled) return kBadInput;
  const dsl::CompiledModel& model = *compiled;
  std::cout << file << ": ok (" << model.graph.num_variables() << " variables, " << model.graph.num_factors()
            << " factors, " << model.evidence.size() + model.real_evidence.size() << " observations, " << model.mdps.size() << " mdp blocks, "
            << model.solves.size() << " solves, " << model.lqrs.size() << " lqr blocks, " << model.lqr_solves.size()
            << " lqr solves"
            << (model.learns.empty() ? std::string() : ", " + std::to_string(model.learns.size()) + " learn reward")
            << "; algorithm " << model.algorithm.name() << ")\n";
  return kOk;
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArguments>();
  CLI::App* cmd = app.add_subcommand("run", "Run the queries and solves of a .copi model");
  cmd->add_option("model", args->model_file, "Model file (.copi)")->required();
  cmd->add_option("--json", args->json_file, "Write the result as JSON");
  cmd->add_option("--plot", args->plot_file,
                  "Write an SVG: the convergence trace of an iterative algorithm (BP), the queried marginals as bar "
                  "charts for exact inference, a value map per solved MDP (with a latent: one policy panel per latent "
                  "value; FILE.NAME.METHOD.svg when there are several plots)");
  cmd->add_option("--threads", args->threads, "Worker threads >= 1 (default: COPI_THREADS or all cores)");
  return [args] { return run_model(*args); };
}

CommandRunner add_check_command(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check", "Parse and check a .copi model without running it");
  cmd->add_option("model", *file, "Model file (.copi)")->required();
  return [file] { return check_model(*file); };
}

}  // namespace copi::cli
