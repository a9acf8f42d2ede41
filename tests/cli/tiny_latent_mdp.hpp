// A two-state, two-action MDP with two skills, written out as numbers, its CSV tables,
// and the answers of the latent models computed here by direct sums over trajectories
// (no copi code): the oracle of the latent CLI tests.
#pragma once

#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace copi::testing {

// States a, b; actions x, y; latents L, R. Every action available, no absorbing state.
struct TinyLatentMdp {
  static constexpr int S = 2;
  static constexpr int A = 2;
  static constexpr int Z = 2;
  std::array<const char*, S> state{"a", "b"};
  std::array<const char*, A> action{"x", "y"};
  std::array<const char*, Z> latent{"L", "R"};
  // p[s][a][s']
  double p[S][A][S] = {{{0.7, 0.3}, {0.0, 1.0}}, {{1.0, 0.0}, {0.4, 0.6}}};
  double r[S][A] = {{0.2, -0.1}, {0.5, 0.0}};
  double initial[S] = {0.6, 0.4};
  // skill[s][z][a] = p(a | s, z)
  double skill[S][Z][A] = {{{0.8, 0.2}, {0.3, 0.7}}, {{0.6, 0.4}, {0.1, 0.9}}};
  double episode_prior[Z] = {0.4, 0.6};      // p(z)
  double step_prior[S][Z] = {{0.5, 0.5}, {0.2, 0.8}};  // p(z | s)

  [[nodiscard]] std::string transitions_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "state,action,next_state,probability\n";
    for (int s = 0; s < S; ++s) {
      for (int a = 0; a < A; ++a) {
        for (int n = 0; n < S; ++n) {
          if (p[s][a][n] > 0) out << state[s] << ',' << action[a] << ',' << state[n] << ',' << p[s][a][n] << '\n';
        }
      }
    }
    return out.str();
  }
  [[nodiscard]] std::string rewards_csv(const double (&reward)[S][A]) const {
    std::ostringstream out;
    out.precision(17);
    out << "state,action,reward\n";
    for (int s = 0; s < S; ++s) {
      for (int a = 0; a < A; ++a) out << state[s] << ',' << action[a] << ',' << reward[s][a] << '\n';
    }
    return out.str();
  }
  [[nodiscard]] std::string rewards_csv() const { return rewards_csv(r); }
  [[nodiscard]] std::string initial_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "state,probability\n";
    for (int s = 0; s < S; ++s) out << state[s] << ',' << initial[s] << '\n';
    return out.str();
  }
  [[nodiscard]] std::string skills_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "state,latent,action,probability\n";
    for (int s = 0; s < S; ++s) {
      for (int z = 0; z < Z; ++z) {
        for (int a = 0; a < A; ++a) out << state[s] << ',' << latent[z] << ',' << action[a] << ',' << skill[s][z][a] << '\n';
      }
    }
    return out.str();
  }
  [[nodiscard]] std::string episode_prior_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "latent,probability\n";
    for (int z = 0; z < Z; ++z) out << latent[z] << ',' << episode_prior[z] << '\n';
    return out.str();
  }
  [[nodiscard]] std::string step_prior_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "state,latent,probability\n";
    for (int s = 0; s < S; ++s) {
      for (int z = 0; z < Z; ++z) out << state[s] << ',' << latent[z] << ',' << step_prior[s][z] << '\n';
    }
    return out.str();
  }
  // The flat prior of a latent per step: p(a | s) = Σ_z p(z | s) p(a | s, z).
  [[nodiscard]] double marginal(int s, int a) const {
    double sum = 0;
    for (int z = 0; z < Z; ++z) sum += step_prior[s][z] * skill[s][z][a];
    return sum;
  }
  [[nodiscard]] std::string marginal_prior_csv() const {
    std::ostringstream out;
    out.precision(17);
    out << "state,action,probability\n";
    for (int s = 0; s < S; ++s) {
      for (int a = 0; a < A; ++a) out << state[s] << ',' << action[a] << ',' << marginal(s, a) << '\n';
    }
    return out.str();
  }

  // Calls visit(states, actions, weight) for every trajectory of `horizon` steps with
  // weight p(s_1) Π_t p(a_t | s_t, z) exp(r(s_t, a_t) / α) p(s_{t+1} | s_t, a_t) (the
  // last step without a next state): p(τ, O | z) up to nothing, for skill z.
  template <typename Visit>
  void for_each_trajectory(int z, int horizon, double alpha, const double (&reward)[S][A], Visit&& visit) const {
    std::vector<int> states(static_cast<std::size_t>(horizon));
    std::vector<int> actions(static_cast<std::size_t>(horizon));
    const auto recurse = [&](auto&& self, int t, double weight) -> void {
      if (t == horizon) {
        visit(states, actions, weight);
        return;
      }
      const int s = states[static_cast<std::size_t>(t)];
      for (int a = 0; a < A; ++a) {
        actions[static_cast<std::size_t>(t)] = a;
        const double w = weight * skill[s][z][a] * std::exp(reward[s][a] / alpha);
        if (t + 1 == horizon) {
          self(self, t + 1, w);
          continue;
        }
        for (int n = 0; n < S; ++n) {
          if (p[s][a][n] == 0) continue;
          states[static_cast<std::size_t>(t + 1)] = n;
          self(self, t + 1, w * p[s][a][n]);
        }
      }
    };
    for (int s = 0; s < S; ++s) {
      states[0] = s;
      recurse(recurse, 0, initial[s]);
    }
  }

  // p(O | z) for a latent per episode, summed over every trajectory.
  [[nodiscard]] double evidence(int z, int horizon, double alpha, const double (&reward)[S][A]) const {
    double total = 0;
    for_each_trajectory(z, horizon, alpha, reward, [&](const auto&, const auto&, double w) { total += w; });
    return total;
  }
};

}  // namespace copi::testing
