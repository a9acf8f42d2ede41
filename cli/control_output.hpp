// Presenting a solved MDP: a readable summary and the JSON of `copi mdp` / `copi run`
// (the SVG plots are in mdp_plot.hpp).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::cli {

// The action π(·|s) gives the most probability (the first of equals), and the label
// of state s.
std::size_t most_likely(const control::Mdp& mdp, const std::vector<double>& policy, std::size_t s);
std::string state_name(const control::Mdp& mdp, std::size_t s);

void print_control_solution(std::ostream& out, const control::Mdp& mdp, const control::ControlSolution& solution);

// {"method", "states", "actions", "V", "policy", "objective", "log_partition" (exact),
//  "iterations", "converged", "diverged", "solve_seconds", "threads"}
nlohmann::json control_json(const control::Mdp& mdp, const control::ControlSolution& solution);

}  // namespace copi::cli
