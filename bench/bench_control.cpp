// Control backups on a 1000 x 1000 slippery gridworld: 10^6 states, 5 actions (stay,
// up, down, left, right). The intended move happens with probability 0.8, each of the
// other four moves with 0.05; a move into the border wall stays in place (those
// outcomes merge), so a row has 3 to 5 successors, 4.996 on average: 2.498e7 CSR entries.
// Reward -0.04 per step (-0.02 for staying), +1 in the far corner; α = 1, γ = 0.99.
// p(s_1) is the corner (0, 0).
//
//   BM_Backup_Gridworld1000/<method>/<values|policy>/threads:<n>    one backup of every
//        state, writing V alone (an infinite-horizon iteration) or V and the policy (a
//        finite-horizon step). Private API: it calls the solver's
//        own detail::StepBackup (control/src/step_backup.hpp) on a fixed V', so the
//        time is the backup alone, the figure the targets are about.
//   BM_SolveStep_Gridworld1000/<method>/threads:<n> the public API: every iteration times
//        solve() with horizon 2 and with horizon 1 and reports the difference (manual
//        time). That is one backup plus what solve() does per extra step: allocating
//        and zeroing V_t and π_t (48 MB) and, for exact only, one backward sweep of the
//        objective's policy evaluation (variational and map take the objective from V_1).
//        Counters t1_ms / t2_ms are the two whole solves.
//   BM_Validate_Gridworld1000   Mdp::validate() alone, which every solve() runs first.
//
// Counters: backups/s = state backups per second (10^6 per iteration; one state backup
// is Q for its 5 actions, V, and π), entries/s = CSR entries per second, mdp_MB = bytes
// of the MDP arrays, peak_rss_MB = the process's peak resident set so far (run one
// benchmark per process, --benchmark_filter=..., for that benchmark's own peak).
// Targets (issue 6): ≤ 25 ms per backup on one thread, ≥ 1.7x on two threads, peak
// memory ≤ 1.5x of the CSR and a few |S|-vectors.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "../control/src/step_backup.hpp"  // private: the backup alone (see above)
#include "gridworld.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace {

using copi::control::ControlMethod;
using copi::control::ControlSolution;
using copi::control::Mdp;
using copi::control::SolveOptions;

constexpr std::size_t kSide = 1000;
using copi::bench::build_gridworld;

Mdp& gridworld() {
  static Mdp mdp = [] {
    Mdp m = build_gridworld(kSide);
    m.validate();
    return m;
  }();
  return mdp;
}

double mdp_megabytes(const Mdp& mdp) {
  const double bytes = static_cast<double>(mdp.row_begin.size() * sizeof(std::uint64_t) +
                                           mdp.next_state.size() * sizeof(std::uint32_t) +
                                           (mdp.probability.size() + mdp.reward.size() + mdp.initial.size() +
                                            mdp.action_prior.size()) *
                                               sizeof(double));
  return bytes / 1e6;
}

double peak_rss_megabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1e3;  // ru_maxrss is in KiB on Linux
}

void add_counters(benchmark::State& state, const Mdp& mdp, std::size_t threads) {
  state.counters["backups/s"] =
      benchmark::Counter(static_cast<double>(mdp.num_states), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(mdp.next_state.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["mdp_MB"] = mdp_megabytes(mdp);
  state.counters["peak_rss_MB"] = peak_rss_megabytes();
  state.counters["threads"] = static_cast<double>(threads);
}

// One backup of every state from a fixed, non-constant V' (the values after one backup),
// writing V alone (an infinite-horizon iteration) or V and π (a finite-horizon step).
void bm_backup(benchmark::State& state, ControlMethod method, std::size_t threads, bool with_policy) {
  const Mdp& mdp = gridworld();
  const copi::control::detail::StepBackup backup(mdp, method);
  copi::control::detail::StepBackup::Scratch scratch;
  std::vector<double> next(mdp.num_states, 0.0);
  std::vector<double> value(mdp.num_states);
  std::vector<double> policy(mdp.rows());
  copi::detail::with_threads(threads, [&](std::size_t pool) {
    backup.run(std::vector<double>(mdp.num_states, 0.0), next, nullptr, pool, scratch);
    backup.run(next, value, &policy, pool, scratch);  // warm: pages touched once
    for (auto _ : state) {
      backup.run(next, value, with_policy ? &policy : nullptr, pool, scratch);
      benchmark::DoNotOptimize(value.data());
      benchmark::DoNotOptimize(policy.data());
      benchmark::ClobberMemory();
    }
  });
  add_counters(state, mdp, threads);
}

double solve_seconds(Mdp& mdp, std::size_t horizon, const SolveOptions& options) {
  mdp.horizon = horizon;
  const auto start = std::chrono::steady_clock::now();
  const ControlSolution solution = copi::control::solve(mdp, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(solution.objective);
  return seconds;
}

// solve() at horizon 2 minus horizon 1: one more step of the public API.
void bm_solve_step(benchmark::State& state, ControlMethod method, std::size_t threads) {
  Mdp& mdp = gridworld();
  const SolveOptions options{.method = method, .threads = threads};
  double total_one = 0.0;
  double total_two = 0.0;
  for (auto _ : state) {
    const double two = solve_seconds(mdp, 2, options);
    const double one = solve_seconds(mdp, 1, options);
    total_one += one;
    total_two += two;
    state.SetIterationTime(std::max(two - one, 1e-9));
  }
  mdp.horizon = 1;
  add_counters(state, mdp, threads);
  const double n = static_cast<double>(state.iterations());
  state.counters["t1_ms"] = 1e3 * total_one / n;
  state.counters["t2_ms"] = 1e3 * total_two / n;
}

// Mdp::validate() alone: solve() runs it first, so it is part of every solve's fixed cost.
void bm_validate(benchmark::State& state) {
  const Mdp& mdp = gridworld();
  for (auto _ : state) mdp.validate();
  add_counters(state, mdp, 1);
}

void register_all() {
  benchmark::RegisterBenchmark("BM_Validate_Gridworld1000", bm_validate)->Unit(benchmark::kMillisecond);
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (const bool with_policy : {false, true}) {
      for (const std::size_t threads : {1, 2}) {
        const std::string suffix = copi::control::to_string(method) + (with_policy ? "/policy" : "/values") +
                                   "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(
            ("BM_Backup_Gridworld1000/" + suffix).c_str(),
            [method, threads, with_policy](benchmark::State& s) { bm_backup(s, method, threads, with_policy); })
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    for (const std::size_t threads : {1, 2}) {
      const std::string suffix = copi::control::to_string(method) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(("BM_SolveStep_Gridworld1000/" + suffix).c_str(),
                                   [method, threads](benchmark::State& s) { bm_solve_step(s, method, threads); })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
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
