// Parse + check + lower of generated Ising grids written in the language: the model
// text is a few lines, so this measures the lowering (loops, expression evaluation,
// building the factor graph), which never builds a per-factor AST.
//
//   BM_Dsl_IsingGrid/100    10^4 variables, ~3*10^4 factors   (target < 0.05 s)
//   BM_Dsl_IsingGrid/1000   10^6 variables, ~3*10^6 factors   (target < 3 s, < 1.5 GiB)
//
// Counter peak_rss_mib is the process's peak resident memory (getrusage): run the
// 1000 case alone (--benchmark_filter=IsingGrid/1000) for a meaningful figure.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "copi/dsl/model.hpp"

namespace {

std::string ising_text(int n) {
  return "param N = " + std::to_string(n) + ", J = 0.4, h = 0.1\n" +
         "var x[N][N] : {-1, +1}\n"
         "for i in 0..N-1, j in 0..N-1 {\n"
         "  factor h * x[i][j]\n"
         "  if j < N-1: factor J * x[i][j] * x[i][j+1]\n"
         "  if i < N-1: factor J * x[i][j] * x[i+1][j]\n"
         "}\n";
}

void BM_Dsl_IsingGrid(benchmark::State& state) {
  const std::string text = ising_text(static_cast<int>(state.range(0)));
  std::size_t factors = 0;
  for (auto _ : state) {
    const copi::dsl::CompileResult result = copi::dsl::compile_text(text, "ising.copi");
    if (!result.model) {
      state.SkipWithError(result.diagnostics.front().message.c_str());
      return;
    }
    factors = result.model->graph.num_factors();
    benchmark::DoNotOptimize(factors);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["factors"] = static_cast<double>(factors);
  state.counters["factors_per_second"] =
      benchmark::Counter(static_cast<double>(factors) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["peak_rss_mib"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}
BENCHMARK(BM_Dsl_IsingGrid)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
