// The SVG of `copi irl --plot`: the learned reward and the demonstrations' visitation
// side by side, for grid-shaped states.
#pragma once

#include <filesystem>
#include <vector>

#include "copi/control/irl.hpp"

namespace copi::cli {

// States are grid-shaped when every label that is not an absorbing state's holds two
// integers, row then column, and nothing else but separators ("3_4", "r3c4", "(3 4)").
// Left: max over the available actions of the learned r(s, a); right: the number of
// demonstration steps in each cell. Throws InputError for other state labels.
void write_irl_svg(const std::filesystem::path& path, const control::Mdp& mdp, const std::vector<double>& reward,
                   const std::vector<control::Episode>& episodes);

}  // namespace copi::cli
