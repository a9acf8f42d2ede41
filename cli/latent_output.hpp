// Presenting latent-variable solutions (copi/control/latent.hpp) of `copi mdp --skills`:
// a readable summary with state, action and latent labels, and the JSON, which extends
// `copi mdp`'s (control_output.hpp).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "copi/control/latent.hpp"

namespace copi::cli {

// A latent per step. control_json of the flat solution (its "policy" is the flat
// Σ_z π_hi π_lo), plus "latent_mode": "step", "latents" (labels), "latent_prior"
// (state × latent, p(z|s)), "policy_high" (t × state × latent, π_hi(z|s)) and
// "policy_low" (t × state × latent × action, π_lo(a|s,z)), the steps the flat policy keeps.
nlohmann::json latent_step_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                const std::vector<double>& latent_prior, const control::ControlSolution& flat,
                                const std::vector<std::vector<std::vector<double>>>& leaf_policy);

// A latent per episode. No "policy": no single Markov policy π(a|s) acts like "draw z
// from the posterior once, then follow π^z" (mixing the π^z per step loses which z
// was drawn). Instead: "method", "states", "actions", "latent_mode": "episode",
// "latents", "latent_prior" (p(z)), "latent_posterior" (exact: p(z|O); variational:
// q(z); map: one-hot on the best z), "log_partition" (exact: log p(O)) or "elbo"
// (variational) or "map_objective" (map: max_z J^z/α), "V_per_latent" (t × state ×
// latent), "policy_low" (t × state × latent × action, π^z(a|s)), "objective_per_latent",
// "log_partition_per_latent" (exact: log p(O|z)), "keep" or "solver" and
// "error_bound" (the largest over z), "iterations" (backups, all z), "converged" (every z),
// "diverged" (any z), "solve_seconds", "threads".
nlohmann::json latent_episode_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                   const std::vector<double>& latent_prior,
                                   const control::EpisodeLatentSolution& solution);

// The high level over a fixed skill library (--latent-mode skills): control_json of the
// induced action policy π(a|s) = Σ_z π_hi(z|s) π_lo(a|s,z) (as "policy", with the high
// level's V, objective and log_partition), plus "latent_mode": "skills", "latents",
// "latent_prior" (state × latent), "policy_high" (t × state × latent: the high level's
// choice of skill) and "skill_table" ("product" or "mixed": how the high level's
// dynamics were reached).
nlohmann::json latent_skills_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                  const std::vector<double>& latent_prior, const control::SkillLevelSolution& solution);

// The induced policy's summary, then per state the high level's most likely skill at t = 1.
void print_latent_skills_solution(std::ostream& out, const control::Mdp& mdp, const std::vector<std::string>& latents,
                                  const control::SkillLevelSolution& solution);

// The flat summary, then π_hi(z|s) at t = 1: per state the most likely latent and
// its most likely action.
void print_latent_step_solution(std::ostream& out, const control::Mdp& mdp, const std::vector<std::string>& latents,
                                const control::StepModelSolution& solution);

// The posterior over the latents (with prior, objective and, exact, log p(O|z)), log
// p(O), then V and the most likely action per state under the most probable latent.
void print_latent_episode_solution(std::ostream& out, const control::Mdp& mdp, const control::EpisodeLatent& latent,
                                   const control::EpisodeLatentSolution& solution);

}  // namespace copi::cli
