// Many solves at once and sampled behaviour: a sweep over MDP variants (several α,
// reward sets, goals) solved as parallel tasks, and rollouts of a solved policy.
#pragma once

#include <cstdint>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {

// One solve per MDP, in parallel over the MDPs (each solve single-threaded inside);
// results in input order, identical for any thread count. options.threads caps the
// pool.
std::vector<ControlSolution> solve_all(const std::vector<Mdp>& mdps, const SolveOptions& options = {});

struct Rollout {
  std::vector<std::uint32_t> states;   // s_1, s_2, ...
  std::vector<std::uint32_t> actions;  // a_1, a_2, ...
  double total_reward = 0.0;           // Σ_t r(s_t, a_t) (undiscounted; the episode's end is sampled)
  std::int64_t latent = -1;            // a latent-per-episode rollout's z (latent.hpp); -1 otherwise
};

// `count` trajectories under the solution's policy: s_1 ~ p(s_1), a_t ~ π_t(·|s_t),
// s_{t+1} ~ p(·|s_t, a_t); with a discount the episode ends with probability 1 − γ
// after each step; at most the horizon (or max_steps) steps. Rollout i uses its own
// generator seeded from (seed, i): reproducible, independent of thread count.
std::vector<Rollout> sample_rollouts(const Mdp& mdp, const ControlSolution& solution, std::size_t count,
                                     std::uint64_t seed, std::size_t max_steps = 10000);

}  // namespace copi::control
