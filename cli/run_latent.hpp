// `copi run`: presenting the solve of an mdp block with a latent: the hierarchical
// policy per step (π_hi(z|s), π_lo(a|s,z)) or, per episode, the posterior over z and
// each z's solution; its JSON and its SVG (the low-level policy map per latent value).
#pragma once

#include <filesystem>
#include <iosfwd>

#include <nlohmann/json.hpp>

#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"

namespace copi::cli {

// What follows the flat summary of a latent per step (print_control_solution of the
// flat Σ_z π_hi π_lo): per state at t = 1, π_hi over z and each z's most likely action
// under π_lo. A latent per episode: the posterior over z, log p(O) (or its bound) and
// each z's solution.
void print_latent_solution(std::ostream& out, const dsl::NamedMdp& named, const dsl::SolveAnswer& answer);

// The layout of `copi mdp --skills` (its latent_output.hpp) plus "latent" (the
// latent's name). Per step: control_json of the flat solve (its "policy" is
// Σ_z π_hi π_lo) with "latent_mode": "step", "latents" (labels), "latent_prior"
// (state x latent), "policy_high" (t x state x latent) and "policy_low" (t x state x
// latent x action). Per episode: "method", "states", "actions", "latent_mode":
// "episode", "latents", "latent_prior" (p(z)), "latent_posterior", "log_partition"
// (exact: log p(O)) or "elbo" (variational) or "map_objective" (map: max_z J^z/α),
// "V_per_latent" (t x state x latent), "policy_low" (t x state x latent x action,
// π^z), "objective_per_latent", "log_partition_per_latent" (exact), "keep" or
// "solver" and "error_bound" (the largest over z), "iterations" (all z), "converged"
// (every z), "diverged" (any z), "solve_seconds", "threads".
nlohmann::json latent_json(const dsl::NamedMdp& named, const dsl::SolveAnswer& answer);

// Whether every solve behind the answer converged and none diverged.
bool latent_converged(const dsl::SolveAnswer& answer);

// One panel per latent value. A grid (two state components): per step, each z's
// π_lo arrows (most likely action) on π_hi(z|s) from white (0) to blue (1); per
// episode, π^z's arrows on V^z (blue low, red high, one scale for all panels). Other
// state spaces: a table with a row per state and a column per z, the same colours,
// the most likely action as text.
void write_latent_policy_svg(const std::filesystem::path& path, const dsl::NamedMdp& named,
                             const dsl::SolveAnswer& answer);

}  // namespace copi::cli
