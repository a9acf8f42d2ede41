// Benchmarks of exact inference (solve_exact), default options (weighted min-fill,
// 2 GiB budget):
//   BM_JunctionTree_<model>        MAR: junction tree calibration, log Z and every
//                                  single-variable marginal
//   BM_VariableElimination_<model> PR: the collect pass alone
//   BM_MaxProduct_<model>          MPE: max-product collect and decoding
// Models: seeded binary Ising grids built in code (20x20 is refused: its junction
// tree needs 8+ GiB with copi's order, ~6 GiB even with the width-20 row order, so
// 18x18 is the largest square grid that fits and 16x16 is a mid-size one), and the
// three slowest shipped UAI problems copi solves within the budget, with their shipped
// evidence (chosen with --survey: CSP_11, CSP_13, DBN_12).
//
// Reading and parsing files happens once, outside the timed loop. Counters:
//   width          induced width of the elimination order
//   largest_table  entries of the largest clique table
//   table_entries  clique + separator entries of the junction tree
//   entries/s      table_entries per second of solve (the natural unit)
//   logZ           natural log of Z (with evidence), a cross-check against libDAI
//   map_log_value  MPE: log of the unnormalised probability of the assignment
//   log_domain     1 when the solve fell back to the (slower) log domain
// The label is the report's algorithm name.
//
// Besides the Google Benchmark flags, the executable has three tool modes, handled
// before benchmark::Initialize (bench/compare_libdai.sh uses them):
//   bench_exact --write-ising SIDE OUT.fg        the SIDE x SIDE grid benchmarked here
//   bench_exact --write-fg MODEL [EVID] OUT.fg  a model with its evidence applied as
//                                              unary indicator factors (for libDAI,
//                                              whose JTREE has no evidence input)
//   bench_exact --survey [DIR]                 one MAR solve of every DIR/*.uai with its
//                                              .evid: width, tables, seconds (or why it
//                                              was refused) - how the problems were chosen
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/inference/exact.hpp"

namespace {

using copi::Evidence;
using copi::FactorGraph;
using copi::Task;

namespace fs = std::filesystem;

const fs::path kUaiDir = fs::path(COPI_SHARED_DATA_DIR) / "uai";

// ---------------------------------------------------------------- Ising grid

// Standard normal draws that are the same on every platform: std::mt19937_64 is
// specified bit for bit, std::normal_distribution is not (so no libstdc++/libc++
// difference). Box-Muller on 53-bit uniforms.
class NormalSource {
 public:
  explicit NormalSource(std::uint64_t seed) : engine_(seed) {}

  double operator()(double sigma) {
    if (spare_) {
      const double z = *spare_;
      spare_.reset();
      return sigma * z;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    return sigma * r * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }

  std::mt19937_64 engine_;
  std::optional<double> spare_;
};

// side x side binary Ising grid, open boundary, the family of
// ../shared/data/libdai/README.md: spins s = 2x - 1, unary exp(h_i s_i) with
// h ~ N(0, 0.1^2), pairwise exp(J_ij s_i s_j) with J ~ N(0, 0.5^2). Edges in row-major
// order (right neighbour, then lower neighbour); J drawn for all edges first, then h;
// unary factors first in the graph, then the couplings (make_models.py's order).
FactorGraph make_ising_grid(std::size_t side, std::uint64_t seed) {
  NormalSource normal(seed);
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  for (std::size_t r = 0; r < side; ++r) {
    for (std::size_t c = 0; c < side; ++c) {
      const std::size_t i = r * side + c;
      if (c + 1 < side) edges.emplace_back(i, i + 1);
      if (r + 1 < side) edges.emplace_back(i, i + side);
    }
  }
  std::vector<double> couplings(edges.size());
  for (double& j : couplings) j = normal(0.5);
  std::vector<double> fields(side * side);
  for (double& h : fields) h = normal(0.1);

  FactorGraph graph;
  std::vector<copi::VarId> vars;
  for (std::size_t i = 0; i < side * side; ++i) vars.push_back(graph.add_variable(2));
  for (std::size_t i = 0; i < vars.size(); ++i) {
    graph.add_factor(copi::DiscreteFactor({vars[i]}, {2}, {-fields[i], fields[i]}));
  }
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const double j = couplings[e];
    // Entry x_a + 2 x_b (first scope variable fastest): J s_a s_b.
    graph.add_factor(copi::DiscreteFactor({vars[edges[e].first], vars[edges[e].second]}, {2, 2}, {j, -j, -j, j}));
  }
  return graph;
}

constexpr std::uint64_t kIsingSeed = 20;

const FactorGraph& ising_grid(std::size_t side) {
  static std::map<std::size_t, std::unique_ptr<FactorGraph>> cache;
  auto& slot = cache[side];
  if (!slot) slot = std::make_unique<FactorGraph>(make_ising_grid(side, kIsingSeed));
  return *slot;
}

// ---------------------------------------------------------------- UAI problems

struct Problem {
  copi::ModelTables tables;
  FactorGraph graph;
  Evidence evidence;
};

// The model and its shipped evidence (MODEL.evid, when present), read once.
std::unique_ptr<Problem> read_problem(const fs::path& model, const std::optional<fs::path>& evidence_file) {
  auto problem = std::make_unique<Problem>();
  problem->tables = copi::read_model_file(model);
  problem->graph = copi::to_factor_graph(problem->tables);
  if (evidence_file) problem->evidence = copi::read_evidence_file(*evidence_file, problem->tables.cardinalities);
  return problem;
}

std::optional<fs::path> shipped_evidence(const fs::path& model) {
  fs::path evid = model;
  evid += ".evid";
  if (fs::exists(evid)) return evid;
  return std::nullopt;
}

const Problem& uai_problem(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Problem>> cache;
  auto& slot = cache[name];
  if (!slot) {
    const fs::path model = kUaiDir / (name + ".uai");
    slot = read_problem(model, shipped_evidence(model));
  }
  return *slot;
}

// ---------------------------------------------------------------- benchmarks

void run_exact(benchmark::State& state, const FactorGraph& graph, const Evidence& evidence, Task task) {
  const copi::ExactOptions options;
  copi::InferenceResult result;
  for (auto _ : state) {
    try {
      result = copi::solve_exact(graph, evidence, task, options);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    benchmark::DoNotOptimize(result);
    benchmark::ClobberMemory();
  }
  if (state.error_occurred()) return;
  const double entries = copi::exact_memory_estimate(graph, evidence, options) / sizeof(double);
  state.counters["width"] = static_cast<double>(result.report.induced_width);
  state.counters["largest_table"] = static_cast<double>(result.report.largest_table);
  state.counters["table_entries"] = entries;
  state.counters["entries/s"] = benchmark::Counter(entries, benchmark::Counter::kIsIterationInvariantRate);
  // 1 when the linear-domain pass hit UnderflowRisk and the solve was redone in the log domain.
  state.counters["log_domain"] = result.report.algorithm.find("log domain") != std::string::npos ? 1.0 : 0.0;
  state.SetLabel(result.report.algorithm);
  if (result.log_z) state.counters["logZ"] = *result.log_z;
  if (result.map_log_value) state.counters["map_log_value"] = *result.map_log_value;
}

void bm_ising(benchmark::State& state, std::size_t side) {
  run_exact(state, ising_grid(side), {}, Task::marginals);
}

// 20x20 first: the model, refused (the error names the memory it would need).
constexpr std::size_t kIsingSides[] = {20, 18, 16};

void register_ising_benchmarks() {
  for (const std::size_t side : kIsingSides) {
    const std::string name = "BM_JunctionTree_Ising" + std::to_string(side) + "x" + std::to_string(side);
    benchmark::RegisterBenchmark(name.c_str(), bm_ising, side)->Unit(benchmark::kMillisecond);
  }
}

// One benchmark per problem, registered in main(): BM_<Algorithm>_<Problem>.
void bm_uai(benchmark::State& state, const std::string& name, Task task) {
  const Problem* problem = nullptr;
  try {
    problem = &uai_problem(name);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    for (auto _ : state) {
    }
    return;
  }
  run_exact(state, problem->graph, problem->evidence, task);
}

struct UaiBenchmark {
  const char* name;  // benchmark name
  const char* problem;
  Task task;
};

// The three slowest shipped problems (copi, MAR) that fit the default 2 GiB budget,
// measured with `bench_exact --survey` (MAR seconds, one run each: CSP_11 3.7,
// CSP_13 3.7, DBN_12 2.3, then ObjectDetection_12 1.6, ObjectDetection_11 1.3;
// linkage_21 and linkage_24 are refused).
constexpr UaiBenchmark kUaiBenchmarks[] = {
    {"BM_JunctionTree_CSP_11", "CSP_11", Task::marginals},
    {"BM_JunctionTree_CSP_13", "CSP_13", Task::marginals},
    {"BM_JunctionTree_DBN_12", "DBN_12", Task::marginals},
    {"BM_VariableElimination_CSP_11", "CSP_11", Task::partition},
    {"BM_MaxProduct_CSP_11", "CSP_11", Task::mpe},
};

void register_uai_benchmarks() {
  for (const UaiBenchmark& b : kUaiBenchmarks) {
    benchmark::RegisterBenchmark(b.name, bm_uai, std::string(b.problem), b.task)->Unit(benchmark::kMillisecond);
  }
}

// ---------------------------------------------------------------- tool modes

// Evidence as unary indicator factors, so that a reader without evidence input sees
// the same distribution (P(x, e) up to the observed variables' point masses).
void apply_evidence_as_factors(copi::ModelTables& tables, const Evidence& evidence) {
  for (const auto& [var, state] : evidence) {
    std::vector<double> indicator(tables.cardinalities[var.index], 0.0);
    indicator[state] = 1.0;
    tables.factors.push_back({{var.index}, std::move(indicator)});
  }
}

int write_fg_mode(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s --write-fg MODEL [EVIDENCE] OUT.fg\n", argv[0]);
    return 2;
  }
  const std::optional<fs::path> evid = argc == 5 ? std::optional<fs::path>(argv[3]) : std::nullopt;
  const std::unique_ptr<Problem> problem = read_problem(argv[2], evid);
  apply_evidence_as_factors(problem->tables, problem->evidence);
  copi::write_model_file(argv[argc - 1], problem->tables);
  return 0;
}

int write_ising_mode(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s --write-ising SIDE OUT.fg\n", argv[0]);
    return 2;
  }
  const std::size_t side = std::stoul(argv[2]);
  copi::write_model_file(argv[3], copi::to_model_tables(ising_grid(side)));
  return 0;
}

int survey_mode(int argc, char** argv) {
  const fs::path dir = argc >= 3 ? fs::path(argv[2]) : kUaiDir;
  std::vector<fs::path> models;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".uai") models.push_back(entry.path());
  }
  std::sort(models.begin(), models.end());
  std::printf("%-24s %6s %5s %6s %14s %14s %10s  %s\n", "problem", "vars", "evid", "width", "largest_table",
              "table_entries", "MAR_s", "logZ / note");
  for (const fs::path& model : models) {
    std::printf("%-24s ", model.stem().string().c_str());
    std::fflush(stdout);
    try {
      const std::unique_ptr<Problem> problem = read_problem(model, shipped_evidence(model));
      std::printf("%6zu %5zu ", problem->graph.num_variables(), problem->evidence.size());
      std::fflush(stdout);
      const auto start = std::chrono::steady_clock::now();
      const copi::InferenceResult result = copi::solve_exact(problem->graph, problem->evidence, Task::marginals);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double entries = copi::exact_memory_estimate(problem->graph, problem->evidence) / sizeof(double);
      std::printf("%6zu %14zu %14.0f %10.4f  %.10g  %s\n", result.report.induced_width, result.report.largest_table,
                  entries, seconds, result.log_z.value_or(NAN), result.report.algorithm.c_str());
    } catch (const std::exception& e) {
      std::printf("refused: %s\n", e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2) {
      const std::string mode = argv[1];
      if (mode == "--write-fg") return write_fg_mode(argc, argv);
      if (mode == "--write-ising") return write_ising_mode(argc, argv);
      if (mode == "--survey") return survey_mode(argc, argv);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
  register_ising_benchmarks();
  register_uai_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
