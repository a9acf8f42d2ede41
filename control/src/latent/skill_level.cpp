// The high-level MDP of a fixed skill library (latent.hpp, skill_level_mdp): actions
// are the skills z; the low level follows π_lo(a|s,z) without adapting, so the high
// level sees the mixed dynamics and the expected reward.
#include <algorithm>
#include <map>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "latent_tables.hpp"

namespace copi::control {

void detail::check_skill_library(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                 const std::vector<double>& latent_prior,
                                 const std::vector<std::string>& latent_labels) {
  if (num_latents == 0) throw InputError("the skill library is empty");
  if (!latent_labels.empty() && latent_labels.size() != num_latents) {
    throw InputError("the skill library has " + std::to_string(latent_labels.size()) + " labels for " +
                     std::to_string(num_latents) + " skills");
  }
  detail::check_skill_table(mdp, num_latents, skill, latent_labels, "the skills p(action | state, z)");
  if (!latent_prior.empty()) {
    detail::check_distribution_rows(latent_prior, mdp.num_states, num_latents, "the skill prior p(z | state)",
                                    [&](std::size_t s) { return detail::state_name(mdp, s); });
  }
}

Mdp skill_level_mdp(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                    const std::vector<double>& latent_prior, std::vector<std::string> latent_labels) {
  mdp.validate();
  detail::check_skill_library(mdp, num_latents, skill, latent_prior, latent_labels);
  Mdp high = detail::build_skill_level_mdp(mdp, num_latents, skill, latent_prior, std::move(latent_labels));
  high.validate();
  return high;
}

Mdp detail::build_skill_level_mdp(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                  const std::vector<double>& latent_prior, std::vector<std::string> latent_labels) {
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = num_latents;
  const std::vector<std::uint32_t> ends = absorbing_states(mdp);
  std::vector<std::uint8_t> absorbing(mdp.num_states, 0);
  for (const std::uint32_t s : ends) absorbing[s] = 1;

  Mdp high;
  high.num_states = mdp.num_states;
  high.num_actions = Z;
  high.initial = mdp.initial;
  high.horizon = mdp.horizon;
  high.discount = mdp.discount;
  high.alpha = mdp.alpha;
  high.state_labels = mdp.state_labels;
  high.action_labels = std::move(latent_labels);
  high.reward.assign(mdp.num_states * Z, 0.0);
  if (!latent_prior.empty()) high.action_prior = latent_prior;
  if (!ends.empty()) high.allowed.assign(mdp.num_states * Z, 1);
  // Row (s, z): Σ_a π_lo(a|s,z) p(s'|s,a), successors merged in increasing order.
  high.row_begin.reserve(mdp.num_states * Z + 1);
  high.row_begin.push_back(0);
  std::map<std::uint32_t, double> row;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z; ++z) {
      const double* low = skill.data() + (s * Z + z) * A;
      row.clear();
      double reward = 0.0;
      for (std::size_t a = 0; a < A; ++a) {
        if (!(low[a] > 0.0)) continue;
        const std::size_t r = s * A + a;
        reward += low[a] * mdp.reward[r];
        for (std::uint64_t k = mdp.row_begin[r]; k < mdp.row_begin[r + 1]; ++k) {
          if (mdp.probability[k] > 0.0) row[mdp.next_state[k]] += low[a] * mdp.probability[k];
        }
      }
      high.reward[s * Z + z] = reward;
      for (const auto& [next, p] : row) {
        high.next_state.push_back(next);
        high.probability.push_back(p);
      }
      high.row_begin.push_back(high.next_state.size());
      if (absorbing[s] != 0) {
        // An ended episode stays ended: only the first skill, with all the prior.
        high.allowed[s * Z + z] = z == 0 ? 1 : 0;
        if (!high.action_prior.empty()) high.action_prior[s * Z + z] = z == 0 ? 1.0 : 0.0;
      }
    }
  }
  return high;
}

}  // namespace copi::control
