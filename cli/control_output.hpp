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
// Labels (Mdp::state_labels / action_labels), or the index when there are none.
std::string state_name(const control::Mdp& mdp, std::size_t s);
std::string action_name(const control::Mdp& mdp, std::size_t a);

void print_control_solution(std::ostream& out, const control::Mdp& mdp, const control::ControlSolution& solution);

// After a solve: an exact backup that diverged (exit 1 with the likely causes), an
// infinite-horizon solve that did not converge or stalled (a warning, exit 1), or kOk.
// `what` says which solve when there are several ("latent b: ").
int report_solve_status(std::ostream& err, const control::ControlSolution& solution,
                        const control::SolveOptions& options, const std::string& what = "");

// {"method", "states", "actions", "V", "policy", "Q" (when the solution has action
//  values; null for an unavailable action), "objective", "log_partition" (exact),
//  "keep" (finite horizon) or "solver" and "error_bound" (infinite horizon),
//  "iterations" (backups), "evaluations", "converged", "diverged", "solve_seconds",
//  "threads"}. States and actions are named by their labels, in the order of the
//  arrays' indices. V, policy and Q hold the kept steps (KeepSteps::first: t = 1 only).
// With KeepSteps::stream, `copi mdp --json` writes the same keys with the steps under
// "steps" instead (write_streamed_control_json).
nlohmann::json control_json(const control::Mdp& mdp, const control::ControlSolution& solution);

// One step of a streamed solve as JSON: {"t" (1-based), "V", "policy", "Q" (when given)}.
nlohmann::json step_json(const control::Mdp& mdp, const control::SolveStep& step);

// Bytes that JSON takes while it is written, for `steps` steps with Q: per number its
// document value (16) and indented text (~40, dump() builds it whole); per array the
// document value, the vector and the allocator's block (~96). Measured 1.30 GB for the
// 1.43 GB this gives at 10^6 steps of 2 states x 2 actions.
[[nodiscard]] double control_json_bytes(const control::Mdp& mdp, double steps);

}  // namespace copi::cli
