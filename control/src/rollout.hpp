// Private. One sampled episode of a solved policy (sample_rollouts in tasks.hpp and its
// latent-per-episode form in latent.hpp draw from the same generator the same way).
#pragma once

#include <cstddef>
#include <random>

#include "copi/control/tasks.hpp"

namespace copi::control::detail {

// An index drawn with probabilities `weights` (summing to one up to rounding).
std::size_t draw(std::mt19937_64& rng, const double* weights, std::size_t n);
// InputError when a finite-horizon solution does not keep every step's policy.
void check_rollout_steps(const Mdp& mdp, const ControlSolution& solution);
// s_1 ~ p(s_1), then a_t ~ π_t(·|s_t), s_{t+1} ~ p(·|s_t, a_t), ending with probability
// 1 − γ after each step; at most the horizon (or max_steps) steps.
Rollout roll_out(const Mdp& mdp, const ControlSolution& solution, std::mt19937_64& rng, std::size_t max_steps);

}  // namespace copi::control::detail
