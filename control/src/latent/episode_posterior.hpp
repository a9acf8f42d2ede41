// Private. The pieces a latent per episode and skill learning share: the per-z solves
// over one MDP's dynamics and the posterior over z.
#pragma once

#include <span>
#include <vector>

#include "copi/control/latent.hpp"

namespace copi::control::detail {

struct LatentPosterior {
  std::vector<double> posterior;  // p(z | O) (exact), q(z) (variational), one-hot (map)
  double log_evidence = 0.0;      // log p(O), the ELBO, or max_z J^z / α
};
// From each z's solve (latent.hpp, EpisodeLatentSolution::posterior).
LatentPosterior latent_posterior(const std::vector<double>& prior, const std::vector<ControlSolution>& per_latent,
                                 ControlMethod method, double alpha);

// One solve per z with the prior p(a|s,z) (and `reward` in place of the MDP's when not
// empty), as parallel tasks inside the caller's arena of `threads`; each task takes its
// z's rows out of the skill table itself.
std::vector<ControlSolution> solve_per_latent(const Mdp& mdp, std::span<const double> reward,
                                              const EpisodeLatent& latent, const SolveOptions& options,
                                              std::size_t threads);

}  // namespace copi::control::detail
