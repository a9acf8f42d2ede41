// Presenting a solved MDP: a readable summary, the JSON of `copi mdp` / `copi run`,
// and an SVG value map with policy arrows for two-component (grid) state spaces.
#pragma once

#include <filesystem>
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/dsl/model.hpp"

namespace copi::cli {

void print_control_solution(std::ostream& out, const control::Mdp& mdp, const control::ControlSolution& solution);

// {"method", "states", "actions", "V", "policy", "objective", "log_partition" (exact),
//  "iterations", "converged", "diverged", "solve_seconds", "threads"}
nlohmann::json control_json(const control::Mdp& mdp, const control::ControlSolution& solution);

// Grid models only (exactly two state components): a heat map of V(t = 0) with an
// arrow for the most likely action (up / down / left / right by name; other actions
// are written as text). Throws InputError for other state spaces.
void write_value_map_svg(const std::filesystem::path& path, const dsl::NamedMdp& model,
                         const control::ControlSolution& solution);

}  // namespace copi::cli
