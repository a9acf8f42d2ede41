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

#include <string>
#include <vector>

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

}  // namespace copi::control
