// The slippery gridworld of the control benchmarks (bench_control.cpp describes it):
// side x side states, 5 actions (stay, up, down, left, right), the intended move with
// probability 0.8 and each other with 0.05, walls merge outcomes; reward -0.04 per step
// (-0.02 for staying), +1 in the far corner; α = 1, γ = 0.99, horizon 1, p(s_1) the corner.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "copi/control/mdp.hpp"

namespace copi::bench {

using copi::control::Mdp;

inline constexpr std::size_t kGridActions = 5;

// CSR rows built directly (10^6 states: no Transition list, no sort of 2.5e7 entries).
inline Mdp build_gridworld(std::size_t side) {
  Mdp mdp;
  mdp.num_states = side * side;
  mdp.num_actions = kGridActions;
  mdp.row_begin.reserve(mdp.rows() + 1);
  mdp.next_state.reserve(mdp.rows() * kGridActions);
  mdp.probability.reserve(mdp.rows() * kGridActions);
  mdp.reward.resize(mdp.rows());
  mdp.row_begin.push_back(0);
  const std::array<int, kGridActions> dx = {0, 0, 0, -1, 1};  // stay, up, down, left, right
  const std::array<int, kGridActions> dy = {0, -1, 1, 0, 0};
  const int n = static_cast<int>(side);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const std::size_t s = static_cast<std::size_t>(y) * side + static_cast<std::size_t>(x);
      for (std::size_t a = 0; a < kGridActions; ++a) {
        std::array<std::uint32_t, kGridActions> to{};
        std::array<double, kGridActions> p{};
        std::size_t count = 0;
        for (std::size_t move = 0; move < kGridActions; ++move) {
          const int nx = x + dx[move];
          const int ny = y + dy[move];
          const bool wall = nx < 0 || ny < 0 || nx >= n || ny >= n;
          const auto target = static_cast<std::uint32_t>(wall ? s : static_cast<std::size_t>(ny) * side + static_cast<std::size_t>(nx));
          const double probability = move == a ? 0.8 : 0.05;
          std::size_t k = 0;
          while (k < count && to[k] != target) ++k;
          if (k == count) to[count++] = target;
          p[k] += probability;
        }
        // successors sorted by next state, as set_transitions leaves them (insertion sort)
        for (std::size_t i = 1; i < count; ++i) {
          for (std::size_t k = i; k > 0 && to[k - 1] > to[k]; --k) {
            std::swap(to[k - 1], to[k]);
            std::swap(p[k - 1], p[k]);
          }
        }
        for (std::size_t k = 0; k < count; ++k) {
          mdp.next_state.push_back(to[k]);
          mdp.probability.push_back(p[k]);
        }
        mdp.row_begin.push_back(mdp.next_state.size());
        mdp.reward[s * kGridActions + a] = a == 0 ? -0.02 : -0.04;
      }
    }
  }
  for (std::size_t a = 0; a < kGridActions; ++a) mdp.reward[(mdp.num_states - 1) * kGridActions + a] = 1.0;
  mdp.initial.assign(mdp.num_states, 0.0);
  mdp.initial[0] = 1.0;
  mdp.alpha = 1.0;
  mdp.discount = 0.99;
  mdp.horizon = 1;
  return mdp;
}

}  // namespace copi::bench
