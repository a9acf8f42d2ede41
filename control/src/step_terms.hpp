// Private. The per-row terms of a step factor that the solvers read: the reward r(s, a)
// and the action weight p(a|s) (1 without a prior, 0 for a forbidden move). By default
// the MDP's own; latent models (one prior per z) and skill learning (one reward per
// task) replace them, so many solves share one MDP's dynamics without copying its CSR.
// The views must outlive the solve.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "copi/control/mdp.hpp"

namespace copi::control::detail {

struct StepTerms {
  std::span<const double> reward;  // num_states * num_actions
  std::span<const double> prior;   // empty (no prior) or num_states * num_actions
  std::span<const std::uint8_t> allowed;  // the MDP's forbidden moves: empty or one flag per row

  // The MDP's own terms.
  static StepTerms of(const Mdp& mdp) { return {mdp.reward, mdp.action_prior, mdp.allowed}; }
  // The MDP's forbidden moves with another reward and/or prior (empty: the MDP's own).
  static StepTerms replaced(const Mdp& mdp, std::span<const double> reward, std::span<const double> prior) {
    return {reward.empty() ? std::span<const double>(mdp.reward) : reward,
            prior.empty() ? std::span<const double>(mdp.action_prior) : prior, mdp.allowed};
  }

  [[nodiscard]] bool has_action_factor() const { return !prior.empty() || !allowed.empty(); }
  [[nodiscard]] double action_weight(std::size_t row) const {
    if (!allowed.empty() && allowed[row] == 0) return 0.0;
    return prior.empty() ? 1.0 : prior[row];
  }
};

// is_absorbing / absorbing_states (mdp.hpp) with these terms in place of the MDP's.
[[nodiscard]] bool is_absorbing(const Mdp& mdp, const StepTerms& terms, std::size_t s);
[[nodiscard]] std::vector<std::uint32_t> absorbing_states(const Mdp& mdp, const StepTerms& terms);

}  // namespace copi::control::detail
