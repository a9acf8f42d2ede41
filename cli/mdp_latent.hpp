// `copi mdp --skills S.csv --latent-mode step|episode [--latent Z.csv]`: the MDP's
// action chosen through a latent z, per step (p(z|s), p(a|s,z)) or per episode (p(z),
// p(a|s,z)), solved by copi/control/latent.hpp.
#pragma once

#include <string>

#include "copi/control/mdp.hpp"
#include "copi/control/soft_value_iteration.hpp"

namespace copi::cli {

struct LatentFlags {
  std::string latent;  // --latent Z.csv
  std::string mode;    // --latent-mode
  std::string skills;  // --skills S.csv
};

// The other `copi mdp` flags a latent solve must check against.
struct MdpFlagsInUse {
  bool prior = false;
  bool emit_uai = false;
  bool plot = false;
  bool keep_stream = false;
};

[[nodiscard]] inline bool latent_requested(const LatentFlags& flags) {
  return !flags.latent.empty() || !flags.mode.empty() || !flags.skills.empty();
}

// Combinations that make no sense, before any file is read; empty when fine.
[[nodiscard]] std::string latent_flag_problems(const LatentFlags& flags, const MdpFlagsInUse& others);

// Reads the latent tables against `mdp`, solves, prints the summary, writes --json and
// --plot; returns the exit status.
int run_latent_mdp(const LatentFlags& flags, const control::Mdp& mdp, control::SolveOptions options,
                   const std::string& json_file, const std::string& plot_file);

}  // namespace copi::cli
