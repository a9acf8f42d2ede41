// Presenting the solve of an mdp block with a latent (`copi run`): the hierarchical
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

// Keys added to control_json's document (the flat solve, per step) or making it (per
// episode): "latent" (its name), "latent_mode" ("step" or "episode"), "latents"
// (labels); per step "policy_high" (t x state x latent) and "policy_low" (t x state x
// latent x action); per episode "latent_prior", "latent_posterior", "log_partition"
// (exact: log p(O); variational: the ELBO log Σ_z p(z) exp(J^z/α); map: max_z J^z/α) and
// "per_latent" (one control_json document per z).
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
