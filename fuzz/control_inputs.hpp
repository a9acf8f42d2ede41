// How the fuzz target of the `copi mdp` CSV reader (copi/control/mdp_csv.hpp) feeds it
// one input, shared with the corpus regression test in tests/control/. An input holds
// the tables separated by form feeds: transitions \f rewards [\f initial [\f prior]].
// What the reader accepts must validate as an MDP once given a horizon.
#pragma once

#include <array>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>

#include "copi/control/irl.hpp"
#include "copi/control/irl_csv.hpp"
#include "copi/control/latent.hpp"
#include "copi/control/latent_csv.hpp"
#include "copi/control/mdp_csv.hpp"
#include "fuzz_support.hpp"

namespace copi::fuzz {

inline void read_mdp_csv_input(std::string_view text, const std::string& file_name) {
  // Up to four tables; a fifth form feed and what follows stay in the prior's text.
  std::array<std::string, 4> tables;
  std::size_t given = 1;
  for (const char c : text) {
    if (c == '\f' && given < tables.size()) {
      ++given;
    } else {
      tables[given - 1].push_back(c);
    }
  }
  std::array<std::istringstream, 4> streams{std::istringstream(tables[0]), std::istringstream(tables[1]),
                                            std::istringstream(tables[2]), std::istringstream(tables[3])};
  control::MdpCsvSources sources;
  sources.transitions = {file_name + ".transitions.csv", &streams[0]};
  sources.rewards = {file_name + ".rewards.csv", &streams[1]};  // required: empty when not given
  if (given >= 3) sources.initial = {file_name + ".initial.csv", &streams[2]};
  if (given >= 4) sources.prior = {file_name + ".prior.csv", &streams[3]};
  control::MdpCsv csv = control::read_mdp_csv(sources);
  csv.mdp.horizon = 3;
  try {
    csv.mdp.validate();
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the reader accepted an MDP that does not validate: ") + error.what());
  }
}

inline constexpr Reader kMdpCsv{"fuzz", &read_mdp_csv_input};

// The MDP `copi irl` reads features and demonstrations against: states a, b, c, d and
// actions x, y; y is unavailable in b, a -x-> c has probability 0, d is absorbing;
// horizon 4.
inline const control::Mdp& irl_fuzz_mdp() {
  static const control::Mdp mdp = [] {
    std::istringstream transitions(
        "state,action,next_state,probability\n"
        "a,x,a,0.5\na,x,b,0.5\na,y,c,1\nb,x,c,0.3\nb,x,d,0.7\nc,x,a,1\nc,y,d,1\n");
    std::istringstream rewards("state,action,reward\n");
    control::MdpCsvSources sources;
    sources.transitions = {"mdp.transitions.csv", &transitions};
    sources.rewards = {"mdp.rewards.csv", &rewards};
    control::Mdp m = control::read_mdp_csv(sources).mdp;
    m.horizon = 4;
    return m;
  }();
  return mdp;
}

// An input is a features table, a form feed, a demonstrations table (no form feed: the
// features alone). What the readers accept must fit the MDP: features that validate,
// episodes of 1..4 steps whose states and actions exist, whose actions are available
// and whose moves have positive probability.
inline void read_irl_csv_input(std::string_view text, const std::string& file_name) {
  const std::size_t split = text.find('\f');
  std::istringstream features_text{std::string(text.substr(0, split))};
  const control::Mdp& mdp = irl_fuzz_mdp();
  const control::Features features = control::read_features_csv(mdp, {file_name + ".features.csv", &features_text});
  try {
    features.validate(mdp);
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the reader accepted features that do not validate: ") + error.what());
  }
  if (split == std::string_view::npos) return;
  std::istringstream demos_text{std::string(text.substr(split + 1))};
  const control::Demonstrations demos =
      control::read_demonstrations_csv(mdp, {file_name + ".demos.csv", &demos_text});
  for (const control::Episode& episode : demos.episodes) {
    const std::size_t steps = episode.states.size();
    if (steps == 0 || steps > *mdp.horizon || episode.actions.size() != steps) {
      throw PropertyViolation("an accepted episode has " + std::to_string(steps) + " steps");
    }
    for (std::size_t t = 0; t < steps; ++t) {
      const std::uint32_t s = episode.states[t];
      const std::uint32_t a = episode.actions[t];
      if (s >= mdp.num_states || a >= mdp.num_actions || mdp.action_weight(s * mdp.num_actions + a) <= 0.0) {
        throw PropertyViolation("an accepted step has an unknown state, action or an unavailable action");
      }
      if (t + 1 == steps) break;
      const std::size_t row = s * mdp.num_actions + a;
      double p = 0.0;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        if (mdp.next_state[k] == episode.states[t + 1]) p += mdp.probability[k];
      }
      if (!(p > 0.0)) throw PropertyViolation("an accepted episode moves with probability 0");
    }
  }
}

inline constexpr Reader kIrlCsv{"fuzz", &read_irl_csv_input};

// `copi mdp --skills/--latent`'s tables against the same MDP (without a horizon): a
// latent table, a form feed, a skills table (no form feed: the skills alone, their
// latents uniform per episode). The latent table is p(z|s) when its header starts with
// "state", p(z) otherwise. What the readers accept must validate as the library's
// model (per step or per episode), and the skills must write and read back to the same
// labels and bits.
inline void read_latent_csv_input(std::string_view text, const std::string& file_name) {
  const control::Mdp& mdp = irl_fuzz_mdp();
  const std::size_t split = text.find('\f');
  control::LatentPriorCsv prior;
  std::string latent_name;
  std::string_view skills_text = text;
  if (split != std::string_view::npos) {
    latent_name = file_name + ".latent.csv";
    const std::string_view latent_text = text.substr(0, split);
    const control::LatentMode mode =
        latent_text.starts_with("state") ? control::LatentMode::step : control::LatentMode::episode;
    std::istringstream in{std::string(latent_text)};
    prior = control::read_latent_prior_csv(mdp, mode, {latent_name, &in});
    skills_text = text.substr(split + 1);
  }
  std::istringstream skills_in{std::string(skills_text)};
  control::SkillsCsv skills = control::read_skills_csv(mdp, {file_name + ".skills.csv", &skills_in}, prior.labels, latent_name);
  const std::size_t latents = skills.labels.size();
  if (prior.labels.empty()) prior.prior.assign(latents, 1.0 / static_cast<double>(latents));
  if (!prior.labels.empty() && prior.labels != skills.labels) throw PropertyViolation("the skills' latents are not the latent table's");
  std::ostringstream written;
  control::write_skills_csv(written, mdp, skills.skill, skills.labels);
  std::istringstream back_in(written.str());
  const control::SkillsCsv back = control::read_skills_csv(mdp, {"written.csv", &back_in});
  if (back.labels != skills.labels || back.skill != skills.skill) {
    throw PropertyViolation("the written skills table reads back differently");
  }
  try {
    if (prior.mode == control::LatentMode::step && !latent_name.empty()) {
      control::latent_per_step(mdp, latents, prior.prior, skills.skill, skills.labels).validate(mdp);
    } else {
      control::EpisodeLatent{prior.prior, skills.skill, skills.labels}.validate(mdp);
    }
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the readers accepted latent tables that do not validate: ") + error.what());
  }
}

inline constexpr Reader kLatentCsv{"fuzz", &read_latent_csv_input};

}  // namespace copi::fuzz
