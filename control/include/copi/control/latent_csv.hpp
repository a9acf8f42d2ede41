// The tables of latent-variable policies (what `copi mdp --latent/--skills` and
// `copi learn-skills` read and write), next to the MDP's (mdp_csv.hpp):
//
//   skills   state,latent,action,probability   p(a | s, z), the low-level policies
//   latent   latent,probability                p(z), a latent per episode
//            state,latent,probability          p(z | s), a latent per step
//
// States and actions are the MDP's labels. Latent labels are those of the latent table
// (in order of first appearance) when one is given, otherwise those of the skills table
// (likewise). Every mistake is an InputError at file:line (and column where a cell is
// at fault): a wrong header, an unknown or empty label, a duplicated row (naming both
// lines), a probability that is negative, above 1 or not a finite number, a
// distribution that does not sum to 1 within 1e-9 (naming the state and latent, the
// sum and its rows), mass on an action the MDP forbids in that state, and a missing
// distribution:
//   - every state where the episode goes on needs skill rows for every latent (a
//     (state, latent) without rows is an error: no default could be right for both
//     `copi mdp` and an initial skill library);
//   - in an absorbing state (is_absorbing: no transition rows, or one available action
//     that loops with reward 0) the rows may be left out: the episode has ended there,
//     so the skills take the state's one action and p(z | s) is uniform; rows given
//     there are checked for labels and duplicates only.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"
#include "copi/control/mdp_csv.hpp"

namespace copi::control {

// When the latent is drawn: once per episode (p(z)), at every step (p(z | s)), or at
// every step by a high level over fixed skills (p(z | s) as its prior; latent.hpp's
// solve_skill_level).
enum class LatentMode { step, episode, skills };
// "step", "episode", "skills"
[[nodiscard]] std::string to_string(LatentMode mode);
// Throws InputError (no place) for another word.
[[nodiscard]] LatentMode parse_latent_mode(const std::string& text);

struct LatentPriorCsv {
  LatentMode mode = LatentMode::episode;
  std::vector<std::string> labels;  // the latents, in order of first appearance
  // episode: p(z), labels.size() entries; step, skills: p(z | s), num_states × Z laid out [s][z].
  std::vector<double> prior;
};

// The latent table for `mode` (header 'latent,probability' per episode, 
// 'state,latent,probability' per step; the other one is refused naming the mode).
LatentPriorCsv read_latent_prior_csv(const Mdp& mdp, LatentMode mode, const CsvSource& source);
LatentPriorCsv read_latent_prior_csv(const Mdp& mdp, LatentMode mode, const std::string& path);

struct SkillsCsv {
  std::vector<std::string> labels;  // the latents
  std::vector<double> skill;        // p(a | s, z): num_states × Z × A, laid out [s][z][a]
};

// `latent_labels` non-empty: the latents are those (a latent table's); a latent the
// skills name outside them is an error, and each must have its skill rows.
// `latent_source` names that table in messages ("Z.csv").
SkillsCsv read_skills_csv(const Mdp& mdp, const CsvSource& source, const std::vector<std::string>& latent_labels = {},
                          const std::string& latent_source = "");
SkillsCsv read_skills_csv(const Mdp& mdp, const std::string& path, const std::vector<std::string>& latent_labels = {},
                          const std::string& latent_source = "");

// The skills table read_skills_csv reads back to the same numbers: a row per available
// action of every state where the episode goes on and every latent (probability 0
// included), numbers in their shortest round-trip text. `skill` is num_states × Z × A.
// The path version writes a temporary file and renames it (nothing on failure).
void write_skills_csv(std::ostream& out, const Mdp& mdp, const std::vector<double>& skill,
                      const std::vector<std::string>& latent_labels);
void write_skills_csv(const std::string& path, const Mdp& mdp, const std::vector<double>& skill,
                      const std::vector<std::string>& latent_labels);

}  // namespace copi::control
