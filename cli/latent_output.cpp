#include "latent_output.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <span>

#include "control_output.hpp"

namespace copi::cli {
namespace {

std::vector<std::string> state_names(const control::Mdp& mdp) {
  std::vector<std::string> names;
  for (std::size_t s = 0; s < mdp.num_states; ++s) names.push_back(state_name(mdp, s));
  return names;
}

std::vector<std::string> action_names(const control::Mdp& mdp) {
  std::vector<std::string> names;
  for (std::size_t a = 0; a < mdp.num_actions; ++a) names.push_back(action_name(mdp, a));
  return names;
}

// A table laid out [s][z] as state × latent.
nlohmann::json state_latent(const std::vector<double>& table, std::size_t states, std::size_t latents) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t s = 0; s < states; ++s) {
    out.push_back(std::vector<double>(table.begin() + static_cast<std::ptrdiff_t>(s * latents),
                                      table.begin() + static_cast<std::ptrdiff_t>((s + 1) * latents)));
  }
  return out;
}

// A table laid out [s][z][a] as state × latent × action.
nlohmann::json state_latent_action(const std::vector<double>& table, std::size_t states, std::size_t latents,
                                   std::size_t actions) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t s = 0; s < states; ++s) {
    nlohmann::json per_latent = nlohmann::json::array();
    for (std::size_t z = 0; z < latents; ++z) {
      const auto begin = table.begin() + static_cast<std::ptrdiff_t>((s * latents + z) * actions);
      per_latent.push_back(std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(actions)));
    }
    out.push_back(std::move(per_latent));
  }
  return out;
}

std::size_t argmax(std::span<const double> values) {
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

// "(low)" for a plain label, a tuple label "(x=3, y=4)" as it is.
std::string in_parentheses(const std::string& name) { return name.starts_with("(") ? name : "(" + name + ")"; }

std::string latent_name(const std::vector<std::string>& labels, std::size_t z) {
  return z < labels.size() ? labels[z] : std::to_string(z);
}

}  // namespace

nlohmann::json latent_step_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                const std::vector<double>& latent_prior, const control::ControlSolution& flat,
                                const std::vector<std::vector<std::vector<double>>>& leaf_policy) {
  nlohmann::json doc = control_json(mdp, flat);
  const std::size_t Z = latents.size();
  doc["latent_mode"] = "step";
  doc["latents"] = latents;
  doc["latent_prior"] = state_latent(latent_prior, mdp.num_states, Z);
  nlohmann::json high = nlohmann::json::array();
  nlohmann::json low = nlohmann::json::array();
  for (const auto& step : leaf_policy) {
    high.push_back(state_latent(step.at(0), mdp.num_states, Z));
    low.push_back(state_latent_action(step.at(1), mdp.num_states, Z, mdp.num_actions));
  }
  doc["policy_high"] = std::move(high);
  doc["policy_low"] = std::move(low);
  return doc;
}

// The high level's solution with the induced action policy in place of π_hi: what
// control_json and print_control_solution read.
control::ControlSolution induced(const control::SkillLevelSolution& solution) {
  control::ControlSolution flat = solution.high;
  flat.policy = solution.flat_policy;
  flat.action_value.clear();
  return flat;
}

nlohmann::json latent_skills_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                  const std::vector<double>& latent_prior, const control::SkillLevelSolution& solution) {
  nlohmann::json doc = control_json(mdp, induced(solution));
  const std::size_t Z = latents.size();
  doc["latent_mode"] = "skills";
  doc["latents"] = latents;
  doc["latent_prior"] = state_latent(latent_prior, mdp.num_states, Z);
  nlohmann::json high = nlohmann::json::array();
  for (const auto& step : solution.high.policy) high.push_back(state_latent(step, mdp.num_states, Z));
  doc["policy_high"] = std::move(high);
  doc["skill_table"] = solution.table == control::SkillTable::mixed ? "mixed" : "product";
  return doc;
}

void print_latent_skills_solution(std::ostream& out, const control::Mdp& mdp, const std::vector<std::string>& latents,
                                  const control::SkillLevelSolution& solution) {
  print_control_solution(out, mdp, induced(solution));
  const std::size_t Z = latents.size();
  out << "high level over " << Z << (Z == 1 ? " fixed skill" : " fixed skills") << " ("
      << (solution.table == control::SkillTable::mixed ? "mixed backup" : "product table")
      << "): at t = 1, the most likely skill pi_hi(z | s)\n";
  const std::vector<double>& high = solution.high.policy.front();
  for (std::size_t s = 0; s < mdp.num_states && s < 40; ++s) {
    const std::size_t z = argmax(std::span<const double>(high).subspan(s * Z, Z));
    out << "  " << in_parentheses(state_name(mdp, s)) << ": skill " << latent_name(latents, z) << " ("
        << high[s * Z + z] << ")\n";
  }
  if (mdp.num_states > 40) out << "  ... " << mdp.num_states - 40 << " more states (all of them in --json)\n";
}

nlohmann::json latent_episode_json(const control::Mdp& mdp, const std::vector<std::string>& latents,
                                   const std::vector<double>& latent_prior,
                                   const control::EpisodeLatentSolution& solution) {
  const std::size_t Z = latents.size();
  const control::ControlSolution& first = solution.per_latent.front();
  nlohmann::json doc;
  doc["method"] = control::to_string(first.method);
  doc["states"] = state_names(mdp);
  doc["actions"] = action_names(mdp);
  doc["latent_mode"] = "episode";
  doc["latents"] = latents;
  doc["latent_prior"] = latent_prior;
  doc["latent_posterior"] = solution.posterior;
  switch (first.method) {
    case control::ControlMethod::exact: doc["log_partition"] = solution.log_partition; break;
    case control::ControlMethod::variational: doc["elbo"] = solution.log_partition; break;
    case control::ControlMethod::map: doc["map_objective"] = solution.log_partition; break;
  }
  // V and π per latent, regrouped from one solution per z into t × state × latent (× action).
  nlohmann::json values = nlohmann::json::array();
  nlohmann::json policies = nlohmann::json::array();
  for (std::size_t t = 0; t < first.value.size(); ++t) {
    std::vector<double> v(mdp.num_states * Z);
    std::vector<double> pi(mdp.num_states * Z * mdp.num_actions);
    for (std::size_t z = 0; z < Z; ++z) {
      const control::ControlSolution& one = solution.per_latent[z];
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        v[s * Z + z] = one.value[t][s];
        for (std::size_t a = 0; a < mdp.num_actions; ++a) {
          pi[(s * Z + z) * mdp.num_actions + a] = one.policy[t][s * mdp.num_actions + a];
        }
      }
    }
    values.push_back(state_latent(v, mdp.num_states, Z));
    policies.push_back(state_latent_action(pi, mdp.num_states, Z, mdp.num_actions));
  }
  doc["V_per_latent"] = std::move(values);
  doc["policy_low"] = std::move(policies);
  std::vector<double> objectives;
  std::vector<double> log_partitions;
  std::size_t iterations = 0;
  bool converged = true;
  bool diverged = false;
  double error_bound = 0.0;
  for (const control::ControlSolution& one : solution.per_latent) {
    objectives.push_back(one.objective);
    log_partitions.push_back(one.log_partition);
    iterations += one.iterations;
    converged = converged && one.converged;
    diverged = diverged || one.diverged;
    error_bound = std::max(error_bound, one.error_bound);
  }
  doc["objective_per_latent"] = objectives;
  if (first.method == control::ControlMethod::exact) doc["log_partition_per_latent"] = log_partitions;
  if (mdp.horizon) {
    doc["keep"] = control::to_string(first.keep);
  } else {
    doc["solver"] = control::to_string(first.solver);
    doc["error_bound"] = std::isfinite(error_bound) ? nlohmann::json(error_bound) : nlohmann::json(nullptr);
  }
  doc["iterations"] = iterations;
  doc["converged"] = converged;
  doc["diverged"] = diverged;
  doc["solve_seconds"] = solution.seconds;
  doc["threads"] = solution.threads;
  return doc;
}

void print_latent_step_solution(std::ostream& out, const control::Mdp& mdp, const std::vector<std::string>& latents,
                                const control::StepModelSolution& solution) {
  print_control_solution(out, mdp, solution.flat);
  const std::size_t Z = latents.size();
  const std::size_t A = mdp.num_actions;
  out << "latent per step (" << Z << (Z == 1 ? " latent" : " latents") << "): at t = 1, the most likely latent "
      << "pi_hi(z | s) and its most likely action pi_lo(a | s, z)\n";
  const std::vector<double>& high = solution.leaf_policy.front().at(0);
  const std::vector<double>& low = solution.leaf_policy.front().at(1);
  for (std::size_t s = 0; s < mdp.num_states && s < 40; ++s) {
    const std::size_t z = argmax(std::span<const double>(high).subspan(s * Z, Z));
    const std::size_t a = argmax(std::span<const double>(low).subspan((s * Z + z) * A, A));
    out << "  " << in_parentheses(state_name(mdp, s)) << ": latent " << latent_name(latents, z) << " ("
        << high[s * Z + z] << "), action " << action_name(mdp, a) << " (" << low[(s * Z + z) * A + a] << ")\n";
  }
  if (mdp.num_states > 40) out << "  ... " << mdp.num_states - 40 << " more states (all of them in --json)\n";
}

void print_latent_episode_solution(std::ostream& out, const control::Mdp& mdp, const control::EpisodeLatent& latent,
                                   const control::EpisodeLatentSolution& solution) {
  const control::ControlSolution& first = solution.per_latent.front();
  const bool exact = first.method == control::ControlMethod::exact;
  out << "MDP: " << mdp.num_states << " states, " << mdp.num_actions << " actions, " << latent.size()
      << (latent.size() == 1 ? " latent" : " latents") << " per episode, method " << control::to_string(first.method)
      << ", alpha " << mdp.alpha << "\n";
  out << (exact                                                   ? "latent posterior p(z | O):\n"
          : first.method == control::ControlMethod::variational ? "latent posterior q(z) (structured variational):\n"
                                                                  : "latent of the largest objective (map):\n");
  for (std::size_t z = 0; z < latent.size(); ++z) {
    out << "  " << latent_name(latent.labels, z) << ": posterior " << solution.posterior[z] << "   prior "
        << latent.prior[z] << "   objective " << solution.per_latent[z].objective;
    if (exact) out << "   log p(O | z) " << solution.per_latent[z].log_partition;
    out << "\n";
  }
  out << (exact ? "log p(O=1) " : first.method == control::ControlMethod::variational ? "ELBO " : "max_z J/alpha ")
      << solution.log_partition << "\n";
  const std::size_t best = argmax(solution.posterior);
  const control::ControlSolution& chosen = solution.per_latent[best];
  out << "under the most probable latent " << latent_name(latent.labels, best) << " (t = 1):\n";
  for (std::size_t s = 0; s < mdp.num_states && s < 40; ++s) {
    const std::size_t a = most_likely(mdp, chosen.policy.front(), s);
    out << "  V" << in_parentheses(state_name(mdp, s)) << " = " << chosen.value.front()[s] << "   most likely action "
        << action_name(mdp, a) << " (" << chosen.policy.front()[s * mdp.num_actions + a] << ")\n";
  }
  if (mdp.num_states > 40) out << "  ... " << mdp.num_states - 40 << " more states (all of them in --json)\n";
  std::size_t iterations = 0;
  for (const control::ControlSolution& one : solution.per_latent) iterations += one.iterations;
  out << iterations << " backups (all latents), " << solution.seconds << " s, " << solution.threads
      << (solution.threads == 1 ? " thread\n" : " threads\n");
}

}  // namespace copi::cli
