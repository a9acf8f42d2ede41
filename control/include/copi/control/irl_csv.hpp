// Inverse RL's tables (what `copi irl` reads), next to the MDP's (mdp_csv.hpp):
//
//   features        state,feature,value  or  state,action,feature,value   (absent: 0)
//   demonstrations  episode,t,state,action   (t = 0, 1, ... in each episode, any row order)
//
// States and actions are the MDP's labels. Every mistake is an InputError at
// file:line:col: unknown states, actions or a wrong header, duplicated rows (naming
// both lines), a demonstration step into a state of probability 0 or with an action
// unavailable in its state, t beyond the horizon, a gap in an episode's t, no rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"

#include "copi/control/irl.hpp"
#include "copi/control/mdp_csv.hpp"

namespace copi::control {

// The MDP of an inverse RL problem: transitions, and optionally initial and prior, as
// read_mdp_csv reads them (files.rewards is not read: the reward is what is learned).
MdpCsv read_irl_mdp_csv(const MdpCsvFiles& files);

// Features of `mdp`'s states (or state-action pairs), names in order of first appearance.
Features read_features_csv(const Mdp& mdp, const CsvSource& source);
Features read_features_csv(const Mdp& mdp, const std::string& path);

struct Demonstrations {
  std::vector<Episode> episodes;
  std::vector<std::string> labels;  // each episode's label, in order of first appearance
  std::vector<std::string> notes;   // for the user (episodes that stop before the horizon)
};
// Checked against `mdp`'s dynamics and horizon (set them first).
Demonstrations read_demonstrations_csv(const Mdp& mdp, const CsvSource& source);
Demonstrations read_demonstrations_csv(const Mdp& mdp, const std::string& path);

// One step of a demonstration, already resolved to indices by whichever reader read it
// (the CSV above, or the language's demonstrations in component form), with where its
// cells were for messages.
struct DemonstrationRow {
  std::string episode;
  std::size_t t = 0;
  std::uint32_t state = 0;
  std::uint32_t action = 0;
  SourceLocation episode_at, t_at, state_at, action_at;
};
// InputError at row.t_at when t is beyond the MDP's horizon; `horizon_word` is what
// the user calls the horizon ("--horizon", "horizon").
void check_horizon(const Mdp& mdp, const DemonstrationRow& row, const std::string& horizon_word);
// The episodes of `rows` (any order), with every check read_demonstrations_csv makes
// after reading the cells: t within the horizon, no gaps or duplicated steps, available
// actions, steps of positive probability. `name` names the source in notes.
Demonstrations make_demonstrations(const Mdp& mdp, const std::vector<DemonstrationRow>& rows, const std::string& name,
                                   const std::string& horizon_word);

}  // namespace copi::control
