// Latent-variable policies on the 1000 x 1000 slippery gridworld of bench_control.cpp
// (10^6 states, 5 actions), with |Z| = 4 latent values whose tables are seeded random
// rows (p(z|s): 4 per state; p(a|s,z): 20 per state, some zeros).
//
//   BM_LatentBackup/<method>/<flat|step4>/threads:<n>   one backup of every state writing
//        V and the policies: `flat` is the flat MDP's backup (prior p(a|s), the marginal of
//        the latent model) and `step4` the latent-per-step chain backup, which also writes
//        π_hi (4 per state) and π_lo (20 per state); `step4_flat_only` the chain backup
//        writing V and the flat policy alone (what an infinite-horizon iteration and the
//        unkept steps of keep = first do). Private API (detail::StepBackup), as
//        bench_control's BM_Backup. Target (issue 13): step4 ≤ 2x flat.
//   BM_LatentSolve/<method>/<flat|episode4>/threads:<n>   the public API: solve() of the flat
//        MDP (prior p(a|s, z = 0)) vs solve() of the latent-per-episode model, horizon 4,
//        keep = first. Targets: episode4 ≤ 4.4x flat on one thread, and ≥ 1.8x faster on
//        two threads than on one.
// Run the two sides in one process (they share the gridworld) and compare the ratios.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "../control/src/leaf_chain.hpp"   // private: the chain backup alone
#include "../control/src/step_backup.hpp"
#include "copi/control/latent.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "gridworld.hpp"

namespace {

using copi::control::ControlMethod;
using copi::control::Mdp;
using copi::control::SolveOptions;

constexpr std::size_t kSide = 1000;
constexpr std::size_t kLatents = 4;

std::vector<double> random_rows(std::mt19937_64& rng, std::size_t rows, std::size_t width) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> table(rows * width);
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) {
      table[r * width + i] = i > 0 && u(rng) < 0.2 ? 0.0 : 0.05 + u(rng);
      sum += table[r * width + i];
    }
    for (std::size_t i = 0; i < width; ++i) table[r * width + i] /= sum;
  }
  return table;
}

struct Problem {
  Mdp mdp;
  copi::control::StepModel model;
  std::vector<double> marginal;
  copi::control::EpisodeLatent episode;
};

Problem& problem() {
  static Problem p = [] {
    Problem q;
    q.mdp = copi::bench::build_gridworld(kSide);
    std::mt19937_64 rng(1);
    const std::size_t S = q.mdp.num_states;
    const std::size_t A = q.mdp.num_actions;
    std::vector<double> skill = random_rows(rng, S * kLatents, A);
    q.model = copi::control::latent_per_step(q.mdp, kLatents, random_rows(rng, S, kLatents), skill);
    q.marginal = copi::control::marginal_action_prior(q.model, S);
    q.episode.prior.assign(kLatents, 1.0 / kLatents);
    q.episode.skill = std::move(skill);
    return q;
  }();
  return p;
}

void bm_backup(benchmark::State& state, ControlMethod method, bool latent, bool leaf_tables, std::size_t threads) {
  using copi::control::detail::LeafChain;
  using copi::control::detail::StepBackup;
  using copi::control::detail::StepTerms;
  Problem& p = problem();
  const Mdp& mdp = p.mdp;
  const StepTerms terms = StepTerms::replaced(mdp, {}, p.marginal);
  const LeafChain chain(p.model);
  const StepBackup backup(mdp, terms, method, latent ? &chain : nullptr);
  StepBackup::Scratch scratch;
  std::vector<double> next(mdp.num_states, 0.0);
  std::vector<double> value(mdp.num_states);
  std::vector<double> policy(mdp.rows());
  std::vector<std::vector<double>> leaves;
  std::vector<double*> leaf_out;
  for (std::size_t k = 0; k < chain.leaves(); ++k) leaves.emplace_back(mdp.num_states * chain.block(k));
  for (auto& leaf : leaves) leaf_out.push_back(leaf_tables ? leaf.data() : nullptr);
  copi::detail::with_threads(threads, [&](std::size_t pool) {
    const auto run = [&](const std::vector<double>& from, std::vector<double>& to) {
      if (latent) {
        backup.run_chain(from, to, policy, leaf_out, pool, scratch);
      } else {
        backup.run(from, to, &policy, pool, scratch);
      }
    };
    run(std::vector<double>(mdp.num_states, 0.0), next);
    run(next, value);  // warm: pages touched once
    for (auto _ : state) {
      run(next, value);
      benchmark::DoNotOptimize(value.data());
      benchmark::ClobberMemory();
    }
  });
  state.counters["backups/s"] =
      benchmark::Counter(static_cast<double>(mdp.num_states), benchmark::Counter::kIsIterationInvariantRate);
}

void bm_solve(benchmark::State& state, ControlMethod method, bool latent, std::size_t threads) {
  Problem& p = problem();
  Mdp& mdp = p.mdp;
  mdp.horizon = 4;
  SolveOptions options;
  options.method = method;
  options.threads = threads;
  options.keep = copi::control::KeepSteps::first;
  Mdp flat = mdp;  // one z's flat solve: the prior p(a|s, z = 0)
  flat.action_prior.resize(mdp.rows());
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      flat.action_prior[s * mdp.num_actions + a] = p.episode.skill[(s * kLatents) * mdp.num_actions + a];
    }
  }
  for (auto _ : state) {
    if (latent) {
      benchmark::DoNotOptimize(copi::control::solve(mdp, p.episode, options).log_partition);
    } else {
      benchmark::DoNotOptimize(copi::control::solve(flat, options).log_partition);
    }
  }
  mdp.horizon = 1;
}

void register_all() {
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (const int variant : {0, 1, 2}) {
      const bool latent = variant > 0;
      const bool leaf_tables = variant == 1;
      for (const std::size_t threads : {1, 2}) {
        const std::string name = "BM_LatentBackup/" + copi::control::to_string(method) +
                                 (variant == 0 ? "/flat" : variant == 1 ? "/step4" : "/step4_flat_only") +
                                 "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(),
                                     [=](benchmark::State& s) { bm_backup(s, method, latent, leaf_tables, threads); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational}) {
    for (const bool latent : {false, true}) {
      for (const std::size_t threads : {1, 2}) {
        const std::string name = "BM_LatentSolve/" + copi::control::to_string(method) +
                                 (latent ? "/episode4" : "/flat") + "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& s) { bm_solve(s, method, latent, threads); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
