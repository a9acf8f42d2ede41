// Belief propagation on the libDAI models (../shared/data/libdai): 100 sweeps with
// the tolerance at 0, so every run does the same work. Message updates are counted
// as ../shared/data/libdai/README.md counts them: one iteration = 2E updates (E
// factor->variable plus E variable->factor messages, E = factor-variable edges).
//
//   BM_BpParallel_<model>/<threads>   flooding schedule, 1 and 2 threads (wall time)
//   BM_BpSequential_<model>           libDAI's SEQFIX order, one thread
//
// Counters: updates_per_second (the libDAI yardstick), edges, and the bytes of the
// two message arrays and of the factor tables (log values + linear copy), for the
// memory claim. Grain sizes of the parallel loops (512 variables / factors per chunk,
// at least 4 chunks per thread) were chosen by measuring this suite.
#include <benchmark/benchmark.h>

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
    for (const copi::DiscreteFactor& f : m.graph.factors()) {
      m.edges += f.arity();
      m.table_entries += f.size();
      for (const std::size_t c : f.cardinalities()) m.message_entries += c;
    }
    it = cache.emplace(name, std::move(m)).first;
  }
  return it->second;
}

void run(benchmark::State& state, const std::string& name, copi::BpSchedule schedule, std::size_t threads) {
  const Model& m = model(name);
  copi::BpOptions options;
  options.schedule = schedule;
  options.max_iterations = 100;
  options.tolerance = 0.0;
  options.threads = threads;
  std::size_t iterations = 0;
  for (auto _ : state) {
    const copi::InferenceResult result = copi::belief_propagation(m.graph, {}, copi::Task::marginals, options);
    iterations += result.report.iterations;
    benchmark::DoNotOptimize(result.log_z);
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
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("BM_BpSequential_" + name).c_str(),
                                 [name](benchmark::State& s) { run(s, name, copi::BpSchedule::sequential, 1); })
        ->UseRealTime()
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
