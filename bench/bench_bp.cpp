// Belief propagation on the libDAI models (../shared/data/libdai): 100 sweeps with
// the tolerance at 0, so every run does the same work. Message updates are counted
// as ../shared/data/libdai/README.md counts them: one iteration = 2E updates (E
// factor->variable plus E variable->factor messages, E = factor-variable edges).
//
//   BM_BpParallel_<model>/<threads>   flooding schedule, 1 and 2 threads (wall time)
//   BM_BpSequential_<model>           libDAI's SEQFIX order, one thread
//
// Timing: libDAI's figure (daidrv --bench) times BP::run() on an already built
// object, so copi's fixed per-call work (building the edge arrays and linear tables,
// beliefs and the Bethe energy at the end) is taken out by differencing: each
// benchmark iteration runs 101 and 1 sweeps and reports the difference (manual time)
// as the time of 100 sweeps. BM_BpSetup_<model> shows that fixed cost on its own.
//
// Counters: updates_per_second (the libDAI yardstick), edges, and the bytes of the
// two message arrays and of the factor tables (log values + linear copy), for the
// memory claim. Grain sizes of the parallel loops (512 variables / factors per chunk,
// at least 4 chunks per thread) were chosen by measuring this suite.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "copi/inference/belief_propagation.hpp"

namespace {

struct Model {
  copi::FactorGraph graph;
  std::size_t edges = 0;
  std::size_t message_entries = 0;
  std::size_t table_entries = 0;
};

const Model& model(const std::string& name) {
  static std::map<std::string, Model> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    Model m;
    m.graph = copi::to_factor_graph(copi::read_model_file(std::string(COPI_SHARED_DATA_DIR) + "/libdai/" + name + ".fg"));
    for (const copi::DiscreteFactor& f : m.graph.tables()) {
      m.edges += f.arity();
      m.table_entries += f.size();
      for (const std::size_t c : f.cardinalities()) m.message_entries += c;
    }
    it = cache.emplace(name, std::move(m)).first;
  }
  return it->second;
}

double seconds_of(const Model& m, copi::BpOptions options, std::size_t sweeps, std::size_t& done) {
  options.max_iterations = sweeps;
  const auto start = std::chrono::steady_clock::now();
  const copi::InferenceResult result = copi::belief_propagation(m.graph, {}, copi::Task::marginals, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(result.log_z);
  done = result.report.iterations;
  return seconds;
}

void run(benchmark::State& state, const std::string& name, copi::BpSchedule schedule, std::size_t threads) {
  const Model& m = model(name);
  copi::BpOptions options;
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
  state.counters["message_bytes"] = static_cast<double>(2 * m.message_entries * sizeof(double));
  state.counters["table_bytes"] = static_cast<double>(2 * m.table_entries * sizeof(double));
  state.counters["threads"] = static_cast<double>(threads);
}

void register_all() {
  for (const std::string name : {"ising_grid100", "dreg3_10k", "potts5_grid50"}) {
    for (const std::size_t threads : {1, 2}) {
      benchmark::RegisterBenchmark(("BM_BpParallel_" + name + "/threads:" + std::to_string(threads)).c_str(),
                                   [name, threads](benchmark::State& s) {
                                     run(s, name, copi::BpSchedule::parallel, threads);
                                   })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("BM_BpSequential_" + name).c_str(),
                                 [name](benchmark::State& s) { run(s, name, copi::BpSchedule::sequential, 1); })
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    for (const std::size_t threads : {1, 2}) {
      benchmark::RegisterBenchmark(("BM_BpSetup_" + name + "/threads:" + std::to_string(threads)).c_str(),
                                   [name, threads](benchmark::State& s) {
                                     copi::BpOptions options;
                                     options.schedule = copi::BpSchedule::parallel;
                                     options.threads = threads;
                                     std::size_t done = 0;
                                     for (auto _ : s) s.SetIterationTime(seconds_of(model(name), options, 1, done));
                                   })
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
