// libdai_trwbp: runs libDAI's tree-reweighted BP (TRWBP) on one .fg file, for copi's
// reference files (bench/make_trw_refs.sh) and its speed comparison
// (bench/compare_libdai_trw.sh). Not part of the CMake build: those scripts compile it
// against the libDAI that ../shared/peers/libdai/ensure.sh builds.
//
//   libdai_trwbp FILE.fg 'TRWBP[...]' [--seed S] [--weights IN] [--dump OUT] [--dump-weights OUT]
//     Runs TRWBP to convergence. Its factor weights (edge appearance probabilities) are
//     libDAI's own, sampled from `nrtrees` random spanning trees after rnd_seed(S), or
//     read from IN (one weight per factor, file order). Prints and dumps log Z,
//     convergence and the variable beliefs in the layout of ../shared/data/libdai's
//     reference files; --dump-weights writes the weights used (%.17g, one per line).
//   libdai_trwbp --bench FILE.fg 'TRWBP[...]' ITERS REPS [--seed S]
//     Times REPS runs of exactly ITERS iterations (tol = -1) of TRWBP::run() on an
//     already constructed object (its weights sampled once), like daidrv --bench times
//     BP: median wall and thread-CPU seconds and factor-variable updates per second,
//     counted as 2E per iteration (E = factor-variable edges).
#include <dai/alldai.h>
#include <dai/trwbp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void write_reference(FILE* out, const dai::FactorGraph& fg, const dai::TRWBP& alg, double log_z, int converged,
                     std::size_t iterations) {
  std::fprintf(out, "logZ %.17g\nconverged %d iterations %zu\n", log_z, converged, iterations);
  for (std::size_t i = 0; i < fg.nrVars(); ++i) {
    const dai::Factor b = alg.beliefV(i);
    std::fprintf(out, "%ld %zu", static_cast<long>(fg.var(i).label()), fg.var(i).states());
    for (std::size_t s = 0; s < b.nrStates(); ++s) std::fprintf(out, " %.17g", static_cast<double>(b[s]));
    std::fprintf(out, "\n");
  }
}

dai::PropertySet properties(const std::string& spec) {
  const std::pair<std::string, dai::PropertySet> parsed = dai::parseNameProperties(spec);
  if (parsed.first != "TRWBP") {
    std::fprintf(stderr, "expected TRWBP[...], got %s\n", spec.c_str());
    std::exit(2);
  }
  return parsed.second;
}

std::vector<dai::Real> read_weights(const char* path, std::size_t factors) {
  std::ifstream in(path);
  std::vector<dai::Real> weights;
  double w = 0;
  while (in >> w) weights.push_back(w);
  if (weights.size() != factors) {
    std::fprintf(stderr, "%s: %zu weights for %zu factors\n", path, weights.size(), factors);
    std::exit(2);
  }
  return weights;
}

int bench(const char* file, const std::string& spec, std::size_t iterations, int reps, std::size_t seed) {
  dai::FactorGraph fg;
  fg.ReadFromFile(file);
  dai::PropertySet props = properties(spec);
  props.set("tol", std::string("-1"));  // never stop early
  props.set("maxiter", iterations);
  dai::rnd_seed(seed);
  dai::TRWBP alg(fg, props);
  std::vector<double> wall;
  std::vector<double> cpu;
  for (int r = 0; r < reps; ++r) {
    alg.init();
    const double c0 = cpu_now();
    const double t0 = wall_now();
    alg.run();
    wall.push_back(wall_now() - t0);
    cpu.push_back(cpu_now() - c0);
    if (alg.Iterations() != iterations) {
      std::fprintf(stderr, "iteration count mismatch\n");
      return 2;
    }
  }
  const double edges = static_cast<double>(fg.nrEdges());
  std::printf("model %s vars %zu factors %zu edges %zu iters %zu reps %d logZ %.17g\n", file, fg.nrVars(),
              fg.nrFactors(), fg.nrEdges(), iterations, reps, alg.logZ());
  const double w = median(wall);
  const double c = median(cpu);
  std::printf("run_wall median_s %.4f s_per_iter %.4e fv_plus_vf_updates_per_s %.4e\n", w, w / iterations,
              2 * edges * iterations / w);
  std::printf("run_cpu median_s %.4f s_per_iter %.4e fv_plus_vf_updates_per_s %.4e\n", c, c / iterations,
              2 * edges * iterations / c);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t seed = 1;
  const char* weights = nullptr;
  const char* dump = nullptr;
  const char* dump_weights = nullptr;
  std::vector<const char*> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--weights" && i + 1 < argc) {
      weights = argv[++i];
    } else if (arg == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else if (arg == "--dump-weights" && i + 1 < argc) {
      dump_weights = argv[++i];
    } else {
      positional.push_back(argv[i]);
    }
  }
  if (positional.size() == 5 && std::string(positional[0]) == "--bench") {
    return bench(positional[1], positional[2], std::strtoul(positional[3], nullptr, 10), std::atoi(positional[4]),
                 seed);
  }
  if (positional.size() != 2) {
    std::fprintf(stderr,
                 "usage: libdai_trwbp FILE.fg 'TRWBP[...]' [--seed S] [--weights IN] [--dump OUT] "
                 "[--dump-weights OUT]\n       libdai_trwbp --bench FILE.fg 'TRWBP[...]' ITERS REPS [--seed S]\n");
    return 1;
  }
  dai::FactorGraph fg;
  fg.ReadFromFile(positional[0]);
  dai::rnd_seed(seed);
  dai::TRWBP alg(fg, properties(positional[1]));
  if (weights != nullptr) alg.setWeights(read_weights(weights, fg.nrFactors()));
  for (std::size_t I = 0; I < fg.nrFactors(); ++I) {
    if (!(alg.Weight(I) > 0)) {
      std::fprintf(stderr, "factor %zu has weight %g: no sampled tree contains it (use more trees)\n", I,
                   static_cast<double>(alg.Weight(I)));
      return 2;
    }
  }
  alg.init();
  const double t0 = wall_now();
  const double max_diff = alg.run();
  const double seconds = wall_now() - t0;
  const int converged = max_diff <= alg.getProperties().getAs<dai::Real>("tol") ? 1 : 0;
  const double log_z = alg.logZ();
  std::printf("method %s\nconverged %d iterations %zu maxdiff %.3e time_s %.6f\nlogZ %.17g\n", alg.identify().c_str(),
              converged, alg.Iterations(), static_cast<double>(max_diff), seconds, log_z);
  if (dump != nullptr) {
    FILE* out = std::fopen(dump, "w");
    write_reference(out, fg, alg, log_z, converged, alg.Iterations());
    std::fclose(out);
  }
  if (dump_weights != nullptr) {
    FILE* out = std::fopen(dump_weights, "w");
    for (std::size_t I = 0; I < fg.nrFactors(); ++I) std::fprintf(out, "%.17g\n", static_cast<double>(alg.Weight(I)));
    std::fclose(out);
  }
  return 0;
}
