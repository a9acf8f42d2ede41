// Embedding copi's control module: a 6x6 gridworld MDP built in code (slippery moves,
// an absorbing goal), solved as inference with the structured variational method
// (soft Bellman backups), printed as a value map with the most likely action arrows.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

int main() {
  constexpr int kSide = 6;
  constexpr int kGoal = kSide * kSide - 1;
  const int dx[] = {0, 0, 0, -1, 1};  // stay, up, down, left, right
  const int dy[] = {0, -1, 1, 0, 0};
  const char* arrows[] = {"o", "^", "v", "<", ">"};

  copi::control::Mdp mdp;
  mdp.num_states = kSide * kSide;
  mdp.num_actions = 5;
  std::vector<copi::control::Transition> transitions;
  const auto move = [&](int s, int a) {
    const int x = std::clamp(s % kSide + dx[a], 0, kSide - 1);
    const int y = std::clamp(s / kSide + dy[a], 0, kSide - 1);
    return static_cast<std::uint32_t>(y * kSide + x);
  };
  for (int s = 0; s < kSide * kSide; ++s) {
    for (int a = 0; a < 5; ++a) {
      if (s == kGoal) {  // absorbing
        transitions.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(s), 1.0});
        continue;
      }
      // The intended move with probability 0.8, each other move 0.05.
      for (int b = 0; b < 5; ++b) {
        transitions.push_back({static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(a), move(s, b), a == b ? 0.8 : 0.05});
      }
    }
  }
  copi::control::set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), -1.0);
  for (int a = 0; a < 5; ++a) mdp.reward[kGoal * 5 + a] = 0.0;
  mdp.initial.assign(mdp.num_states, 0.0);
  mdp.initial[0] = 1.0;
  mdp.discount = 0.95;
  mdp.alpha = 0.1;

  const copi::control::ControlSolution solution =
      copi::control::solve(mdp, {.method = copi::control::ControlMethod::variational});
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const int s = y * kSide + x;
      int best = 0;
      for (int a = 1; a < 5; ++a) {
        if (solution.policy[0][s * 5 + a] > solution.policy[0][s * 5 + best]) best = a;
      }
      std::printf("%7.2f %s ", solution.value[0][s], s == kGoal ? "*" : arrows[best]);
    }
    std::printf("\n");
  }
  std::printf("%zu backups, converged: %s, objective %.4f\n", solution.iterations, solution.converged ? "yes" : "no",
              solution.objective);
  // The soft-optimal agent heads for the goal: right or down from the start.
  const double toward = solution.policy[0][2] + solution.policy[0][4];
  return solution.converged && toward > 0.9 ? 0 : 1;
}
