// copi learn-skills: skills p(a|s,z) and their prior p(z) shared by several tasks
// (reward tables) on one MDP's dynamics, learned by EM (copi/control/latent.hpp,
// learn_skills), written as a `copi mdp --skills` table.
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "control_output.hpp"
#include "copi/control/latent.hpp"
#include "copi/control/latent_csv.hpp"
#include "copi/control/mdp_csv.hpp"
#include "copi/control/mdp_settings.hpp"
#include "copi/graph/error.hpp"
#include "diagnostics.hpp"
#include "option_flags.hpp"
#include "result_output.hpp"

namespace copi::cli {
namespace {

struct LearnSkillsArguments {
  std::string transitions;
  std::vector<std::string> tasks;
  std::string skills;
  std::string latent;
  std::string initial;
  // Numbers as text, checked against the tables below and the MDP's.
  std::string horizon;
  std::string discount;
  std::string alpha;
  std::string method;
  std::string iterations;
  std::string tol;
  std::string threads;
  std::string out;
  std::string json_file;
};

// Every flag problem at once, before any file is read.
control::SkillLearningOptions learning_options(const LearnSkillsArguments& args,
                                               std::vector<OptionSetting>& mdp_settings) {
  std::vector<std::string> problems;
  std::vector<OptionSetting> settings;
  if (!args.method.empty()) settings.push_back({"method", args.method});
  if (!args.iterations.empty()) settings.push_back({"iterations", args.iterations});
  if (!args.tol.empty()) settings.push_back({"tol", args.tol});
  control::SkillLearningOptions options;
  const auto collect = [&](auto&& body) {
    try {
      body();
    } catch (const InputError& error) {
      problems.push_back(error.detail());
    }
  };
  // The learning's own flags, checked by the library's table: a bad value names the
  // flag and the accepted range.
  collect([&] { throw_flag_problems(settings, control::apply_skill_learning_settings(options, settings)); });
  collect([&] {
    if (!args.horizon.empty()) mdp_settings.push_back({"horizon", args.horizon});
    if (!args.discount.empty()) mdp_settings.push_back({"discount", args.discount});
    if (!args.alpha.empty()) mdp_settings.push_back({"alpha", args.alpha});
    control::Mdp probe;
    throw_flag_problems(mdp_settings, control::apply_mdp_settings(probe, mdp_settings));
  });
  collect([&] { options.solve.threads = parse_threads_flag(args.threads); });
  if (!problems.empty()) {
    std::string message;
    for (const std::string& problem : problems) message += (message.empty() ? "" : "; ") + problem;
    throw InputError(message);
  }
  options.solve.method = options.method;
  return options;
}

struct Tasks {
  control::Mdp mdp;                        // the shared dynamics (first task's rewards)
  std::vector<std::vector<double>> reward;  // per task, num_states × A
};

// Each task is `copi mdp`'s transitions with its rewards table, read by the same
// reader (the same checks and messages); the notes are printed once each.
Tasks read_tasks(const LearnSkillsArguments& args, const std::vector<OptionSetting>& settings) {
  Tasks tasks;
  std::set<std::string> noted;
  for (std::size_t k = 0; k < args.tasks.size(); ++k) {
    control::MdpCsv csv = control::read_mdp_csv(
        control::MdpCsvFiles{args.transitions, args.tasks[k], args.initial, "", std::size_t{2} << 30});
    for (const std::string& note : csv.notes) {
      if (noted.insert(note).second) std::cerr << "copi: note: " << note << "\n";
    }
    tasks.reward.push_back(csv.mdp.reward);
    if (k == 0) tasks.mdp = std::move(csv.mdp);
  }
  (void)control::apply_mdp_settings(tasks.mdp, settings);  // checked before
  tasks.mdp.validate();
  return tasks;
}

nlohmann::json learn_skills_json(const LearnSkillsArguments& args, const control::Mdp& mdp,
                                 const control::SkillLearningOptions& options,
                                 const control::SkillLearningResult& result) {
  nlohmann::json doc;
  doc["method"] = control::to_string(options.method);
  std::vector<std::string> states;
  for (std::size_t s = 0; s < mdp.num_states; ++s) states.push_back(state_name(mdp, s));
  std::vector<std::string> actions;
  for (std::size_t a = 0; a < mdp.num_actions; ++a) actions.push_back(action_name(mdp, a));
  doc["states"] = states;
  doc["actions"] = actions;
  doc["latents"] = result.learned.labels;
  doc["tasks"] = args.tasks;
  doc["log_evidence"] = result.log_evidence;
  doc["latent_prior"] = result.learned.prior;
  doc["task_posterior"] = result.task_posterior;
  doc["iterations"] = result.iterations;
  doc["converged"] = result.converged;
  doc["skills_file"] = args.out;
  return doc;
}

void print_learning(std::ostream& out, const LearnSkillsArguments& args, const control::SkillLearningOptions& options,
                    const control::SkillLearningResult& result) {
  const std::vector<std::string>& labels = result.learned.labels;
  out << "learn-skills: " << args.tasks.size() << (args.tasks.size() == 1 ? " task, " : " tasks, ") << labels.size()
      << (labels.size() == 1 ? " latent, " : " latents, ") << "method " << control::to_string(options.method) << ", "
      << result.iterations << (result.iterations == 1 ? " iteration" : " iterations")
      << (result.converged ? " (converged)" : "") << "\n";
  out << (options.method == control::ControlMethod::exact ? "summed log p(O)" : "summed ELBO") << " per iteration:";
  for (const double value : result.log_evidence) out << " " << value;
  out << "\nlearned p(z):";
  for (std::size_t z = 0; z < labels.size(); ++z) out << "  " << labels[z] << " " << result.learned.prior[z];
  out << "\n";
  for (std::size_t k = 0; k < args.tasks.size() && k < result.task_posterior.size(); ++k) {
    out << "  " << args.tasks[k] << ": p(z | O)";
    for (std::size_t z = 0; z < labels.size(); ++z) out << "  " << labels[z] << " " << result.task_posterior[k][z];
    out << "\n";
  }
  out << "wrote " << args.out << "\n";
}

int run_learn_skills(const LearnSkillsArguments& args) {
  std::vector<OptionSetting> mdp_settings;
  const control::SkillLearningOptions options = learning_options(args, mdp_settings);
  options.validate();
  Tasks tasks = read_tasks(args, mdp_settings);
  const control::Mdp& mdp = tasks.mdp;
  control::LatentPriorCsv prior;
  if (!args.latent.empty()) prior = control::read_latent_prior_csv(mdp, control::LatentMode::episode, args.latent);
  control::SkillsCsv skills = control::read_skills_csv(mdp, args.skills, prior.labels, args.latent);
  if (args.latent.empty()) prior.prior.assign(skills.labels.size(), 1.0 / static_cast<double>(skills.labels.size()));
  control::EpisodeLatent initial{std::move(prior.prior), std::move(skills.skill), std::move(skills.labels)};
  initial.validate(mdp);
  const control::SkillLearningResult result = control::learn_skills(mdp, tasks.reward, std::move(initial), options);
  // The skills first, then the JSON that names them: nothing is written when the
  // learning fails.
  control::write_skills_csv(args.out, mdp, result.learned.skill, result.learned.labels);
  if (!args.json_file.empty()) write_json_file(args.json_file, learn_skills_json(args, mdp, options, result));
  print_learning(std::cout, args, options, result);
  if (!result.converged && options.tolerance > 0.0) {
    std::cerr << "copi: warning: not converged after " << result.iterations
              << " iterations (--tol " << options.tolerance << "); raise --iterations\n";
    return kNotConverged;
  }
  return kOk;
}

}  // namespace

CommandRunner add_learn_skills_command(CLI::App& app) {
  auto args = std::make_shared<LearnSkillsArguments>();
  CLI::App* cmd = app.add_subcommand(
      "learn-skills", "Learn skills p(a|s,z) and p(z) shared by several tasks on one MDP (EM, a latent per episode)");
  cmd->add_option("--transitions", args->transitions, "CSV: state,action,next_state,probability (shared by the tasks)")
      ->required();
  cmd->add_option("--tasks", args->tasks, "CSV files: state,action,reward, one per task (copi mdp's --rewards)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--skills", args->skills,
                  "CSV: state,latent,action,probability, the initial skills (not uniform: a symmetric fixed point)")
      ->required();
  cmd->add_option("--latent", args->latent, "CSV: latent,probability, the initial p(z) (default: uniform)");
  cmd->add_option("--initial", args->initial, "CSV: state,probability (default: uniform)");
  for (const OptionSpec& spec : control::mdp_settings()) {
    std::string* target = spec.name == "horizon" ? &args->horizon : spec.name == "discount" ? &args->discount : &args->alpha;
    CLI::Option* option = cmd->add_option(
        spec.flag(), *target,
        spec.doc + "; " + spec.accepted() + (spec.default_text.empty() ? "" : "; default " + spec.default_text));
    if (spec.name == "horizon") option->required();
  }
  for (const OptionSpec& spec : control::skill_learning_settings()) {
    std::string* target = spec.name == "method" ? &args->method : spec.name == "iterations" ? &args->iterations : &args->tol;
    cmd->add_option(spec.flag(), *target, spec.doc + "; " + spec.accepted() + "; default " + spec.default_text);
  }
  cmd->add_option("--threads", args->threads, "Worker threads >= 1 (default: COPI_THREADS or all cores)");
  cmd->add_option("--out", args->out, "Write the learned skills as CSV (state,latent,action,probability)")->required();
  cmd->add_option("--json", args->json_file, "Write log_evidence per iteration, latent_prior, task_posterior, ... as JSON");
  return [args] { return run_learn_skills(*args); };
}

}  // namespace copi::cli
