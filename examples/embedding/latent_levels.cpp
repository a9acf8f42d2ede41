// Embedding copi's control module with a step structure of your own: two latent levels
// below the state, z1 -> z2 -> a (an "intention" choosing a "skill" choosing the
// action), written as a copi::control::StepModel — an ordered chain of leaves, each
// with its prior p(x_k | s, x_{k-1}) — over a small random MDP. The exact solve gives
// log p(O) and the leaf policies π(z1|s), π(z2|s,z1), π(a|s,z2); this program checks
// them against a brute-force sum over every trajectory (s, z1, z2, a)_{1..T} and exits
// non-zero on a mismatch.
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "copi/control/latent.hpp"

namespace {

std::vector<double> random_rows(std::mt19937_64& rng, std::size_t rows, std::size_t width) {
  std::uniform_real_distribution<double> u(0.1, 1.0);
  std::vector<double> table(rows * width);
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) sum += table[r * width + i] = u(rng);
    for (std::size_t i = 0; i < width; ++i) table[r * width + i] /= sum;
  }
  return table;
}

}  // namespace

int main() {
  using namespace copi::control;
  constexpr std::size_t S = 3, A = 2, Z1 = 2, Z2 = 3, T = 3;
  std::mt19937_64 rng(2026);
  Mdp mdp;
  mdp.num_states = S;
  mdp.num_actions = A;
  std::vector<Transition> transitions;
  const std::vector<double> p = random_rows(rng, S * A, S);
  for (std::uint32_t row = 0; row < S * A; ++row) {
    for (std::uint32_t next = 0; next < S; ++next) {
      transitions.push_back({row / static_cast<std::uint32_t>(A), row % static_cast<std::uint32_t>(A), next, p[row * S + next]});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward = {-1.0, 0.5, 0.2, -0.3, 1.0, -2.0};
  mdp.initial = {0.5, 0.3, 0.2};
  mdp.horizon = T;
  mdp.alpha = 0.7;

  // The step structure: leaves in order, the last being the action.
  StepModel model;
  model.leaves.push_back({"intention", Z1, random_rows(rng, S, Z1), {"explore", "exploit"}});
  model.leaves.push_back({"skill", Z2, random_rows(rng, S * Z1, Z2), {}});
  model.leaves.push_back({"action", A, random_rows(rng, S * Z2, A), {}});

  SolveOptions options;
  options.method = ControlMethod::exact;
  const StepModelSolution solution = solve(mdp, model, options);

  // Brute force: β_t(s) = Σ over (z1, z2, a, s') of the step's weights times β_{t+1}(s'),
  // written out as nested sums over every choice.
  const auto& p1 = model.leaves[0].prior;
  const auto& p2 = model.leaves[1].prior;
  const auto& pa = model.leaves[2].prior;
  std::function<double(std::size_t, std::size_t)> beta = [&](std::size_t t, std::size_t s) -> double {
    if (t == T) return 1.0;
    double total = 0.0;
    for (std::size_t z1 = 0; z1 < Z1; ++z1) {
      for (std::size_t z2 = 0; z2 < Z2; ++z2) {
        for (std::size_t a = 0; a < A; ++a) {
          double future = 0.0;
          for (std::size_t next = 0; next < S; ++next) future += p[(s * A + a) * S + next] * beta(t + 1, next);
          total += p1[s * Z1 + z1] * p2[(s * Z1 + z1) * Z2 + z2] * pa[(s * Z2 + z2) * A + a] *
                   std::exp(mdp.reward[s * A + a] / mdp.alpha) * future;
        }
      }
    }
    return total;
  };
  double evidence = 0.0;
  for (std::size_t s = 0; s < S; ++s) evidence += mdp.initial[s] * beta(0, s);
  double worst = std::abs(std::log(evidence) - solution.flat.log_partition);
  // π(z1 | s) at the first step: the share of β_1(s) that goes through z1.
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t z1 = 0; z1 < Z1; ++z1) {
      double share = 0.0;
      for (std::size_t z2 = 0; z2 < Z2; ++z2) {
        for (std::size_t a = 0; a < A; ++a) {
          double future = 0.0;
          for (std::size_t next = 0; next < S; ++next) future += p[(s * A + a) * S + next] * beta(1, next);
          share += p1[s * Z1 + z1] * p2[(s * Z1 + z1) * Z2 + z2] * pa[(s * Z2 + z2) * A + a] *
                   std::exp(mdp.reward[s * A + a] / mdp.alpha) * future;
        }
      }
      const double enumerated = share / beta(0, s);
      const double solved = solution.leaf_policy[0][0][s * Z1 + z1];
      worst = std::max(worst, std::abs(enumerated - solved));
      std::printf("state %zu  pi(%s) = %.12f  (enumerated %.12f)\n", s, model.leaves[0].labels[z1].c_str(), solved,
                  enumerated);
    }
  }
  std::printf("log p(O) = %.12f  (enumerated %.12f)\n", solution.flat.log_partition, std::log(evidence));
  std::printf("largest difference: %.3g\n", worst);
  return worst < 1e-10 ? 0 : 1;
}
