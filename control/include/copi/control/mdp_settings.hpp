// The numbers that turn a tabular MDP into a problem — horizon T, discount γ,
// temperature α — given as text (`copi mdp --horizon 10`, another program's strings)
// and checked against their ranges in the table machinery of copi/inference/options.hpp,
// so that a bad value is a message naming the setting and the accepted range, never a
// wrapped-around integer or a NaN reaching the solver.
#pragma once

#include <span>
#include <vector>

#include "copi/control/mdp.hpp"
#include "copi/inference/options.hpp"

namespace copi::control {

// horizon (an integer >= 1), discount (a number in (0, 1]), alpha (a number in
// [1e-100, 1e100]): the ranges Mdp::validate enforces.
[[nodiscard]] std::span<const OptionSpec> mdp_settings();

// Sets the given settings on `mdp` (the others are left as they are) and returns every
// problem (unknown or repeated names, values out of range); nothing is set when there
// is a problem.
std::vector<OptionProblem> apply_mdp_settings(Mdp& mdp, std::span<const OptionSetting> settings);

}  // namespace copi::control
