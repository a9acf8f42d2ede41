// Inverse RL on a 100 x 100 slippery gridworld: 10^4 states, 5 actions (stay, up, down,
// left, right; the intended move with probability 0.8, each other one 0.05, a move into
// the border stays), horizon 50, α = 1. Features: 25 one-hot regions of 20 x 20 cells
// (state features); the true θ_k = sin(1.7 k + 0.3) (a fixed spread in [-1, 1]).
// Demonstrations: 1,000 rollouts of 50 steps of the true soft-optimal policy (seed 7)
// from states drawn uniformly (p(s_1) uniform).
//
//   BM_IrlGradient_Gridworld100/threads:<n>   one IrlObjective::evaluate with the gradient
//        (one backward solve, one forward sweep, the contractions) at the true θ.
//   BM_BackwardSolve_Gridworld100/threads:<n> the 50 backups of one backward solve alone
//        (the solver's private detail::StepBackup writing V_t and π_t): "one backup" of
//        the target — a gradient evaluation should cost at most 3 of these.
//   BM_Solve_Gridworld100/threads:<n>         the public solve(): the backward solve plus
//        the objective's policy evaluation and the allocation of V_t, π_t.
//   BM_IrlFit_Gridworld100/threads:<n>        fit_irl from θ = 0 to a relative gradient
//        norm of 1e-6; counters: evaluations, relative gradient norm.
//
// bench/compare_irl_numpy.py fits the same problem with plain NumPy/SciPy.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "../control/src/step_backup.hpp"  // private: the backward solve alone
#include "copi/control/irl.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/control/tasks.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace {

using namespace copi::control;

constexpr std::size_t kSide = 100;
constexpr std::size_t kActions = 5;
constexpr std::size_t kHorizon = 50;
constexpr std::size_t kBlock = 20;  // region side
constexpr std::size_t kEpisodes = 1000;

Mdp build_gridworld() {
  Mdp mdp;
  mdp.num_states = kSide * kSide;
  mdp.num_actions = kActions;
  mdp.row_begin.push_back(0);
  const std::array<int, kActions> dr = {0, -1, 1, 0, 0};  // stay, up, down, left, right
  const std::array<int, kActions> dc = {0, 0, 0, -1, 1};
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    const int r = static_cast<int>(s / kSide);
    const int c = static_cast<int>(s % kSide);
    for (std::size_t a = 0; a < kActions; ++a) {
      std::array<double, kActions> p{};
      std::array<std::uint32_t, kActions> to{};
      std::size_t n = 0;
      for (std::size_t b = 0; b < kActions; ++b) {
        int nr = r + dr[b];
        int nc = c + dc[b];
        if (nr < 0 || nc < 0 || nr >= static_cast<int>(kSide) || nc >= static_cast<int>(kSide)) {
          nr = r;
          nc = c;
        }
        const auto next = static_cast<std::uint32_t>(nr * static_cast<int>(kSide) + nc);
        const double q = b == a ? 0.8 : 0.05;
        std::size_t i = 0;
        while (i < n && to[i] != next) ++i;
        if (i == n) {
          to[n] = next;
          p[n++] = 0.0;
        }
        p[i] += q;
      }
      // Successors in increasing order, as set_transitions would sort them.
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) {
          if (to[j] < to[i]) {
            std::swap(to[i], to[j]);
            std::swap(p[i], p[j]);
          }
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        mdp.next_state.push_back(to[i]);
        mdp.probability.push_back(p[i]);
      }
      mdp.row_begin.push_back(mdp.next_state.size());
    }
  }
  mdp.reward.assign(mdp.rows(), 0.0);
  mdp.initial.assign(mdp.num_states, 1.0 / static_cast<double>(mdp.num_states));
  mdp.horizon = kHorizon;
  return mdp;
}

Features region_features() {
  const std::size_t per_side = kSide / kBlock;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < per_side * per_side; ++k) names.push_back("region" + std::to_string(k));
  std::vector<FeatureEntry> entries;
  for (std::uint32_t s = 0; s < kSide * kSide; ++s) {
    const std::size_t k = (s / kSide / kBlock) * per_side + (s % kSide) / kBlock;
    entries.push_back({s, static_cast<std::uint32_t>(k), 1.0});
  }
  return make_features(FeatureKind::state, names, kSide * kSide, entries);
}

std::vector<double> true_weights(std::size_t count) {
  std::vector<double> theta(count);
  for (std::size_t k = 0; k < count; ++k) theta[k] = std::sin(1.7 * static_cast<double>(k) + 0.3);
  return theta;
}

struct Problem {
  IrlProblem irl;
  std::vector<Episode> episodes;
};

const Problem& problem() {
  static const Problem built = [] {
    Problem p;
    p.irl.mdp = build_gridworld();
    p.irl.features = region_features();
    Mdp truth = p.irl.mdp;
    const std::vector<double> theta = true_weights(p.irl.features.count());
    for (std::size_t row = 0; row < truth.rows(); ++row) {
      const std::size_t s = row / kActions;
      truth.reward[row] = theta[p.irl.features.feature[p.irl.features.begin[s]]];
    }
    const ControlSolution solution = solve(truth);
    for (const Rollout& r : sample_rollouts(truth, solution, kEpisodes, 7, kHorizon)) {
      p.episodes.push_back({r.states, r.actions});
    }
    p.irl.empirical = empirical_feature_counts(p.irl.mdp, p.irl.features, p.episodes);
    p.irl.initial = initial_from_episodes(p.irl.mdp.num_states, p.episodes);
    return p;
  }();
  return built;
}

void bm_gradient(benchmark::State& state) {
  const Problem& p = problem();
  IrlObjective objective(p.irl, ControlMethod::variational, 1e-12, static_cast<std::size_t>(state.range(0)));
  const std::vector<double> theta = true_weights(p.irl.features.count());
  std::vector<double> gradient(theta.size());
  for (auto _ : state) benchmark::DoNotOptimize(objective.evaluate(theta, gradient));
}

void bm_backward(benchmark::State& state) {
  const Problem& p = problem();
  const auto threads = static_cast<std::size_t>(state.range(0));
  const detail::StepBackup backup(p.irl.mdp, ControlMethod::variational);
  detail::StepBackup::Scratch scratch;
  std::vector<std::vector<double>> value(kHorizon, std::vector<double>(p.irl.mdp.num_states));
  std::vector<std::vector<double>> policy(kHorizon, std::vector<double>(p.irl.mdp.rows()));
  const std::vector<double> zero(p.irl.mdp.num_states, 0.0);
  copi::detail::with_threads(threads, [&](std::size_t pool) {
    for (auto _ : state) {
      for (std::size_t t = kHorizon; t-- > 0;) backup.run(t + 1 < kHorizon ? value[t + 1] : zero, value[t], &policy[t], pool, scratch);
      benchmark::DoNotOptimize(value[0].data());
    }
    return 0;
  });
}

void bm_solve(benchmark::State& state) {
  const Problem& p = problem();
  SolveOptions options;
  options.threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(solve(p.irl.mdp, options).objective);
}

void bm_fit(benchmark::State& state) {
  const Problem& p = problem();
  IrlOptions options;
  options.threads = static_cast<std::size_t>(state.range(0));
  options.tolerance = 1e-6;
  IrlResult fit;
  for (auto _ : state) fit = fit_irl(p.irl, options);
  state.counters["evaluations"] = static_cast<double>(fit.iterations);
  state.counters["relative_gradient_norm"] = fit.relative_gradient_norm;
}

}  // namespace

int main(int argc, char** argv) {
  for (const int threads : {1, 2}) {
    const std::string suffix = "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("BM_IrlGradient_Gridworld100" + suffix).c_str(), bm_gradient)
        ->Arg(threads)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_BackwardSolve_Gridworld100" + suffix).c_str(), bm_backward)
        ->Arg(threads)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Solve_Gridworld100" + suffix).c_str(), bm_solve)
        ->Arg(threads)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_IrlFit_Gridworld100" + suffix).c_str(), bm_fit)
        ->Arg(threads)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(3);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
