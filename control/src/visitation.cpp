// Forward messages: state and state-action visitation under a solved policy.
#include <algorithm>
#include <cmath>

#include "copi/control/soft_value_iteration.hpp"
#include "solve_detail.hpp"

namespace copi::control {
namespace {

// d'(s') = γ Σ_s d(s) Σ_a π(a|s) p(s'|s,a): one forward step (the episode continues
// with probability γ).
void step(const Mdp& mdp, const std::vector<double>& policy, const std::vector<double>& d, std::vector<double>& out) {
  const double gamma = mdp.discount.value_or(1.0);
  std::fill(out.begin(), out.end(), 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (d[s] == 0.0) continue;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const std::size_t row = s * mdp.num_actions + a;
      const double mass = gamma * d[s] * policy[row];
      if (mass == 0.0) continue;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        out[mdp.next_state[k]] += mass * mdp.probability[k];
      }
    }
  }
}

}  // namespace

std::vector<std::vector<double>> detail::state_visitation(const Mdp& mdp, const ControlSolution& solution) {
  Visitation visits;
  if (mdp.horizon) {
    const std::size_t T = *mdp.horizon;
    visits.state.assign(T, std::vector<double>(mdp.num_states, 0.0));
    visits.state[0] = mdp.initial;
    for (std::size_t t = 0; t + 1 < T; ++t) step(mdp, solution.policy[t], visits.state[t], visits.state[t + 1]);
  } else {
    // Discounted occupancy Σ_t d_t, accumulated until the remaining mass is negligible.
    std::vector<double> d = mdp.initial;
    std::vector<double> next(mdp.num_states);
    std::vector<double> total = d;
    for (std::size_t k = 0; k < 100000; ++k) {
      step(mdp, solution.policy[0], d, next);
      double mass = 0.0;
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        total[s] += next[s];
        mass += next[s];
      }
      std::swap(d, next);
      if (mass < 1e-15) break;
    }
    visits.state.assign(1, std::move(total));
  }
  return std::move(visits.state);
}

Visitation visitation(const Mdp& mdp, const ControlSolution& solution, std::size_t /*threads*/) {
  Visitation visits;
  visits.state = detail::state_visitation(mdp, solution);
  visits.state_action.resize(visits.state.size());
  for (std::size_t t = 0; t < visits.state.size(); ++t) {
    const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
    visits.state_action[t].resize(mdp.rows());
    for (std::size_t row = 0; row < mdp.rows(); ++row) {
      visits.state_action[t][row] = visits.state[t][row / mdp.num_actions] * policy[row];
    }
  }
  return visits;
}

}  // namespace copi::control
