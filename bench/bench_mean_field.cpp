// Mean field on the libDAI models (../shared/data/libdai), 100 sweeps with the
// tolerance at 0, so that every run does the same work (a run stops early only at an
// exact fixed point; the sweeps actually done are counted).
//
//   BM_MfNaiveParallel_<model>/threads:N   naive, colouring schedule, 1 and 2 threads
//   BM_MfNaiveSequential_<model>           naive, index order, one thread
//   BM_MfRowsSequential_ising_grid100      structured, the 100 rows as clusters (labels
//                                          row-major: cluster i = labels 100 i .. 100 i + 99),
//                                          in row order, one thread
//   BM_MfRowsParallel_ising_grid100/threads:N  the same clusters by colour (even rows,
//                                          then odd rows), 1 and 2 threads
//   BM_BpFlooding_ising_grid100/threads:N  one flooding BP iteration (BpSchedule::parallel),
//                                          the yardstick of the structured sweep
//   BM_MfSetup_<model>                     the fixed per-call work on its own (one sweep)
//
// Timing, as bench_bp: libDAI's figure (libdai_mf --bench-mf) times MF::run() on an
// object built beforehand, so copi's fixed per-call work (the factors' parts, the
// colouring, the row kernels, the first ELBO, the marginals at the end) is taken out by
// differencing: each benchmark iteration runs 101 sweeps and 1 sweep and reports the
// difference (manual time) as the time of 100 sweeps. A copi sweep includes its ELBO
// (copi computes it after every sweep for the monotonicity check and report.bounds);
// a libDAI pass computes none.
//
// Counters: var_updates_per_second (variables x sweeps / s: one libDAI pass updates
// every variable once), ms_per_sweep (BP: ms per iteration), vars, threads.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/mean_field.hpp"

namespace {

constexpr std::size_t kSweeps = 100;

const copi::FactorGraph& model(const std::string& name) {
  static std::map<std::string, copi::FactorGraph> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache
             .emplace(name, copi::to_factor_graph(copi::read_model_file(std::string(COPI_SHARED_DATA_DIR) +
                                                                        "/libdai/" + name + ".fg")))
             .first;
  }
  return it->second;
}

// The rows of a side x side grid whose variables are named by row-major label.
std::vector<std::vector<copi::VarId>> row_clusters(const copi::FactorGraph& graph, std::size_t side) {
  std::vector<std::vector<copi::VarId>> rows(side);
  for (std::size_t r = 0; r < side; ++r) {
    for (std::size_t c = 0; c < side; ++c) {
      const std::optional<copi::VarId> v = graph.find_variable(std::to_string(r * side + c));
      if (!v) throw std::runtime_error("no variable labelled " + std::to_string(r * side + c));
      rows[r].push_back(*v);
    }
  }
  return rows;
}

template <typename Options, typename Solve>
double seconds_of(Options options, std::size_t sweeps, std::size_t& done, Solve solve) {
  options.max_iterations = sweeps;
  const auto start = std::chrono::steady_clock::now();
  const copi::InferenceResult result = solve(options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(result.log_z);
  done = result.report.iterations;
  return seconds;
}

// Runs (kSweeps + 1) and 1 sweeps per benchmark iteration and reports the difference.
template <typename Options, typename Solve>
void differenced(benchmark::State& state, const Options& options, std::size_t vars, Solve solve) {
  std::size_t sweeps = 0;
  double seconds = 0.0;
  for (auto _ : state) {
    std::size_t long_run = 0;
    std::size_t short_run = 0;
    const double t_long = seconds_of(options, kSweeps + 1, long_run, solve);
    const double t_short = seconds_of(options, 1, short_run, solve);
    const double t = std::max(t_long - t_short, 1e-9);
    state.SetIterationTime(t);
    seconds += t;
    sweeps += long_run - short_run;
  }
  state.counters["var_updates_per_second"] =
      benchmark::Counter(static_cast<double>(vars * sweeps), benchmark::Counter::kIsRate);
  state.counters["ms_per_sweep"] = sweeps > 0 ? 1e3 * seconds / static_cast<double>(sweeps) : 0.0;
  state.counters["vars"] = static_cast<double>(vars);
  state.counters["threads"] = static_cast<double>(options.threads);
}

void mean_field_run(benchmark::State& state, const std::string& name, copi::MeanFieldSchedule schedule,
                    std::size_t threads, bool rows) {
  const copi::FactorGraph& graph = model(name);
  copi::MeanFieldOptions options;
  options.schedule = schedule;
  options.tolerance = 0.0;
  options.threads = threads;
  if (rows) options.clusters = row_clusters(graph, 100);
  differenced(state, options, graph.num_variables(), [&](const copi::MeanFieldOptions& o) {
    return copi::mean_field(graph, {}, copi::Task::partition, o);
  });
}

void bp_run(benchmark::State& state, const std::string& name, std::size_t threads) {
  const copi::FactorGraph& graph = model(name);
  copi::BpOptions options;
  options.schedule = copi::BpSchedule::parallel;
  options.tolerance = 0.0;
  options.threads = threads;
  differenced(state, options, graph.num_variables(), [&](const copi::BpOptions& o) {
    return copi::belief_propagation(graph, {}, copi::Task::marginals, o);
  });
}

void register_all() {
  using copi::MeanFieldSchedule;
  const auto add = [](const std::string& name, auto body) {
    benchmark::RegisterBenchmark(name.c_str(), body)->UseManualTime()->Unit(benchmark::kMillisecond);
  };
  for (const std::string name : {"ising_grid100", "potts5_grid50"}) {
    for (const std::size_t threads : {1, 2}) {
      add("BM_MfNaiveParallel_" + name + "/threads:" + std::to_string(threads), [name, threads](benchmark::State& s) {
        mean_field_run(s, name, MeanFieldSchedule::parallel, threads, false);
      });
    }
    add("BM_MfNaiveSequential_" + name,
        [name](benchmark::State& s) { mean_field_run(s, name, MeanFieldSchedule::sequential, 1, false); });
    add("BM_MfSetup_" + name, [name](benchmark::State& s) {
      copi::MeanFieldOptions options;
      options.threads = 1;
      options.max_iterations = 1;
      for (auto _ : s) {
        const auto start = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(copi::mean_field(model(name), {}, copi::Task::partition, options).log_z);
        s.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    });
  }
  const std::string grid = "ising_grid100";
  add("BM_MfRowsSequential_" + grid,
      [grid](benchmark::State& s) { mean_field_run(s, grid, MeanFieldSchedule::sequential, 1, true); });
  for (const std::size_t threads : {1, 2}) {
    add("BM_MfRowsParallel_" + grid + "/threads:" + std::to_string(threads), [grid, threads](benchmark::State& s) {
      mean_field_run(s, grid, MeanFieldSchedule::parallel, threads, true);
    });
    add("BM_BpFlooding_" + grid + "/threads:" + std::to_string(threads),
        [grid, threads](benchmark::State& s) { bp_run(s, grid, threads); });
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
