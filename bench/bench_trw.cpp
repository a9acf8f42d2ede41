// Tree-reweighted BP on ising_grid100 (../shared/data/libdai): 100 sweeps with the
// tolerance at 0, so every run does the same work. Updates are counted as for BP
// (bench_bp.cpp, ../shared/data/libdai/README.md): one iteration = 2E message updates,
// E = factor-variable edges of the input model (49600 here), the count libDAI's TRWBP
// is measured with too (bench/compare_libdai_trw.sh prints both side by side).
//
//   BM_TrwParallel_<model>/threads:N  flooding schedule, 1 and 2 threads (wall time)
//   BM_TrwSequential_<model>          SEQFIX order, one thread
//   BM_TrwSetup_<model>/threads:N     the fixed per-call work on its own: the pairwise
//                                     model, 100 Wilson spanning trees (parallel over
//                                     trees), the edge layout, one sweep and the bound
//
// Timing: each benchmark iteration runs 101 and 1 sweeps and reports the difference
// (manual time) as the time of 100 sweeps, so the fixed per-call work is left out, as
// libDAI's figure (TRWBP::run() on a constructed object) leaves it out.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "copi/inference/tree_reweighted.hpp"

namespace {

struct Model {
  copi::FactorGraph graph;
  std::size_t edges = 0;
};

const Model& model(const std::string& name) {
  static std::map<std::string, Model> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    Model m;
    m.graph = copi::to_factor_graph(copi::read_model_file(std::string(COPI_SHARED_DATA_DIR) + "/libdai/" + name + ".fg"));
    for (const copi::DiscreteFactor& f : m.graph.tables()) m.edges += f.arity();
    it = cache.emplace(name, std::move(m)).first;
  }
  return it->second;
}

double seconds_of(const Model& m, copi::TrwOptions options, std::size_t sweeps, std::size_t& done) {
  options.max_iterations = sweeps;
  const auto start = std::chrono::steady_clock::now();
  const copi::InferenceResult result = copi::tree_reweighted_bp(m.graph, {}, copi::Task::marginals, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(result.log_z);
  done = result.report.iterations;
  return seconds;
}

void run(benchmark::State& state, const std::string& name, copi::TrwSchedule schedule, std::size_t threads) {
  const Model& m = model(name);
  copi::TrwOptions options;
  options.schedule = schedule;
  options.tolerance = 0.0;
  options.threads = threads;
  std::size_t iterations = 0;
  for (auto _ : state) {
    std::size_t long_run = 0;
    std::size_t short_run = 0;
    const double t101 = seconds_of(m, options, 101, long_run);
    const double t1 = seconds_of(m, options, 1, short_run);
    state.SetIterationTime(std::max(t101 - t1, 1e-9));
    iterations += long_run - short_run;
  }
  state.counters["updates_per_second"] =
      benchmark::Counter(static_cast<double>(2 * m.edges * iterations), benchmark::Counter::kIsRate);
  state.counters["edges"] = static_cast<double>(m.edges);
  state.counters["threads"] = static_cast<double>(threads);
}

void register_all() {
  for (const std::string name : {"ising_grid100"}) {
    for (const std::size_t threads : {1, 2}) {
      benchmark::RegisterBenchmark(("BM_TrwParallel_" + name + "/threads:" + std::to_string(threads)).c_str(),
                                   [name, threads](benchmark::State& s) {
                                     run(s, name, copi::TrwSchedule::parallel, threads);
                                   })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BM_TrwSetup_" + name + "/threads:" + std::to_string(threads)).c_str(),
                                   [name, threads](benchmark::State& s) {
                                     copi::TrwOptions options;
                                     options.schedule = copi::TrwSchedule::parallel;
                                     options.threads = threads;
                                     std::size_t done = 0;
                                     for (auto _ : s) s.SetIterationTime(seconds_of(model(name), options, 1, done));
                                   })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("BM_TrwSequential_" + name).c_str(),
                                 [name](benchmark::State& s) { run(s, name, copi::TrwSchedule::sequential, 1); })
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
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
