#include "mdp_latent.hpp"

#include <iostream>
#include <sstream>

#include "control_output.hpp"
#include "copi/control/latent.hpp"
#include "copi/control/latent_csv.hpp"
#include "copi/graph/error.hpp"
#include "diagnostics.hpp"
#include "latent_output.hpp"
#include "mdp_plot.hpp"
#include "result_output.hpp"

namespace copi::cli {
namespace {

// Refused before anything is allocated: the solution (V and π per kept step, per latent
// per episode; the flat solution and π_hi, π_lo per step) and, with --json, its document.
void check_latent_memory(const control::Mdp& mdp, const control::SolveOptions& options, control::LatentMode mode,
                         std::size_t latents, bool json) {
  const double steps =
      mdp.horizon && options.keep == control::KeepSteps::all ? static_cast<double>(*mdp.horizon) : 1.0;
  const double z = static_cast<double>(latents);
  const double per_step = static_cast<double>(mdp.num_states) * z * static_cast<double>(mdp.num_actions + 1);
  double bytes = 0.0;
  if (mode == control::LatentMode::episode) {
    bytes = z * control::solve_memory_estimate(mdp, options) + (json ? z * control_json_bytes(mdp, steps) : 0.0);
  } else {
    // The leaf policies as doubles, and in the JSON at about 56 bytes a number.
    bytes = control::solve_memory_estimate(mdp, options) + steps * per_step * (8.0 + (json ? 56.0 : 0.0)) +
            (json ? control_json_bytes(mdp, steps) : 0.0);
  }
  if (options.memory_limit_bytes == 0 || bytes <= static_cast<double>(options.memory_limit_bytes)) return;
  std::ostringstream out;
  out.precision(3);
  out << "the latent solution needs about " << bytes / (1024.0 * 1024 * 1024) << " GiB (" << latents
      << (latents == 1 ? " latent, " : " latents, ") << static_cast<std::size_t>(steps)
      << (steps == 1.0 ? " step of " : " steps of ") << mdp.num_states << " states x " << mdp.num_actions
      << " actions" << (json ? ", and their JSON" : "") << "), over --memory-limit "
      << static_cast<double>(options.memory_limit_bytes) / (1024.0 * 1024 * 1024) << " GiB; raise --memory-limit"
      << (mdp.horizon && options.keep == control::KeepSteps::all ? ", use --keep first" : "") << " or shorten --horizon";
  throw ResourceError(out.str());
}

int run_step(const control::Mdp& mdp, const control::SolveOptions& options, control::SkillsCsv skills,
             std::vector<double> prior, const std::string& json_file, const std::string& plot_file) {
  const std::size_t latents = skills.labels.size();
  const std::vector<std::string> labels = skills.labels;
  const std::vector<double> shown_prior = prior;
  const control::StepModel model =
      control::latent_per_step(mdp, latents, std::move(prior), std::move(skills.skill), skills.labels);
  const control::StepModelSolution solution = control::solve(mdp, model, options);
  if (!json_file.empty()) write_json_file(json_file, latent_step_json(mdp, labels, shown_prior, solution.flat, solution.leaf_policy));
  if (!plot_file.empty()) write_value_table_svg(plot_file, mdp, solution.flat);
  print_latent_step_solution(std::cout, mdp, labels, solution);
  return report_solve_status(std::cerr, solution.flat, options);
}

int run_skills(const control::Mdp& mdp, const control::SolveOptions& options, control::SkillsCsv skills,
               std::vector<double> prior, const std::string& json_file, const std::string& plot_file) {
  const std::size_t latents = skills.labels.size();
  const control::SkillLevelSolution solution =
      control::solve_skill_level(mdp, latents, skills.skill, prior, options);
  if (!json_file.empty()) write_json_file(json_file, latent_skills_json(mdp, skills.labels, prior, solution));
  if (!plot_file.empty()) {
    control::ControlSolution flat = solution.high;
    flat.policy = solution.flat_policy;
    write_value_table_svg(plot_file, mdp, flat);
  }
  print_latent_skills_solution(std::cout, mdp, skills.labels, solution);
  return report_solve_status(std::cerr, solution.high, options);
}

int run_episode(const control::Mdp& mdp, const control::SolveOptions& options, control::SkillsCsv skills,
                std::vector<double> prior, const std::string& json_file) {
  control::EpisodeLatent latent{std::move(prior), std::move(skills.skill), std::move(skills.labels)};
  const control::EpisodeLatentSolution solution = control::solve(mdp, latent, options);
  if (!json_file.empty()) write_json_file(json_file, latent_episode_json(mdp, latent.labels, latent.prior, solution));
  print_latent_episode_solution(std::cout, mdp, latent, solution);
  // Divergence first (an error), then the first latent that did not converge.
  for (const bool diverged : {true, false}) {
    for (std::size_t z = 0; z < latent.size(); ++z) {
      const control::ControlSolution& one = solution.per_latent[z];
      if (diverged ? one.diverged : !one.converged) {
        return report_solve_status(std::cerr, one, options, "latent " + latent.labels[z] + ": ");
      }
    }
  }
  return kOk;
}

}  // namespace

std::string latent_flag_problems(const LatentFlags& flags, const MdpFlagsInUse& others) {
  if (!latent_requested(flags)) return "";
  std::vector<std::string> problems;
  if (!flags.mode.empty() && flags.mode != "step" && flags.mode != "episode" && flags.mode != "skills") {
    problems.push_back("--latent-mode " + flags.mode + ": must be one of step, episode, skills");
  }
  if (flags.skills.empty()) {
    problems.push_back(std::string(flags.mode.empty() ? "--latent" : "--latent-mode") +
                       " needs --skills S.csv (state,latent,action,probability: the actions each latent takes)");
  } else if (flags.mode.empty()) {
    problems.push_back("--skills needs --latent-mode step (z drawn at every step), --latent-mode episode (z drawn "
                       "once per episode) or --latent-mode skills (a high level choosing among the fixed skills)");
  }
  if (others.prior) {
    problems.push_back("--prior does not combine with --skills: the skills p(a|s,z) and the latent prior replace the "
                       "action prior (give the actions' probabilities in --skills)");
  }
  if (others.emit_uai) problems.push_back("--emit-uai writes the flat MDP's factor graph; it does not take --skills");
  if (others.keep_stream) {
    problems.push_back("--keep stream does not combine with --skills (use --keep first to keep only t = 1)");
  }
  if (others.plot && flags.mode == "episode") {
    problems.push_back("--plot draws one policy's values; with --latent-mode episode there is one per latent "
                       "(see --json's \"V_per_latent\")");
  }
  std::string message;
  for (const std::string& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  return message;
}

int run_latent_mdp(const LatentFlags& flags, const control::Mdp& mdp, control::SolveOptions options,
                   const std::string& json_file, const std::string& plot_file) {
  const control::LatentMode mode = control::parse_latent_mode(flags.mode);
  options.action_values = false;  // Q is not in the latent JSON
  control::LatentPriorCsv prior;
  if (!flags.latent.empty()) prior = control::read_latent_prior_csv(mdp, mode, flags.latent);
  control::SkillsCsv skills = control::read_skills_csv(mdp, flags.skills, prior.labels, flags.latent);
  const std::size_t latents = skills.labels.size();
  if (flags.latent.empty()) {
    // No latent table: every latent of the skills equally likely (in every state, per step).
    const bool per_state = mode != control::LatentMode::episode;
    const std::size_t entries = per_state ? mdp.num_states * latents : latents;
    prior.prior.assign(entries, 1.0 / static_cast<double>(latents));
    std::cerr << "copi: note: no --latent: " << (per_state ? "p(z | s)" : "p(z)")
              << " is uniform over the " << latents << (latents == 1 ? " latent" : " latents") << " of "
              << flags.skills << "\n";
  }
  check_latent_memory(mdp, options, mode, latents, !json_file.empty());
  if (mode == control::LatentMode::skills) {
    return run_skills(mdp, options, std::move(skills), std::move(prior.prior), json_file, plot_file);
  }
  if (mode == control::LatentMode::step) {
    return run_step(mdp, options, std::move(skills), std::move(prior.prior), json_file, plot_file);
  }
  return run_episode(mdp, options, std::move(skills), std::move(prior.prior), json_file);
}

}  // namespace copi::cli
