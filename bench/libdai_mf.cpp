// libdai_mf: runs libDAI's naive mean field (MF) on one .fg file, for copi's reference
// files (bench/make_mf_refs.sh) and its speed comparison (bench/compare_libdai_mf.sh).
// Not part of the CMake build: those scripts compile it against the libDAI that
// ../shared/peers/libdai/ensure.sh builds.
//
//   libdai_mf FILE.fg 'MF[...]' [--seed S] [--dump OUT]
//     rnd_seed(S) (default 1; libDAI shuffles the update order of every pass with its
//     global generator), init(), run(). Prints and dumps log Z (MF::logZ(), the ELBO
//     Σ_i H[b_i] + Σ_I E_b[log f_I]), convergence (final maxdiff <= tol), the number of
//     passes and the variable beliefs, in the layout of ../shared/data/libdai's
//     reference files.
//   libdai_mf --bench-mf FILE.fg ITERS REPS
//     Times REPS calls of MF::run() doing exactly ITERS passes (tol = -1, so that no
//     pass can stop the loop; damping 0, uniform init, NAIVE updates) on an object
//     built and init()ed beforehand. One pass updates every variable once, so a run is
//     ITERS * N variable updates. Prints the median wall and thread-CPU seconds and the
//     variable updates per second of each.
#include <dai/alldai.h>
#include <dai/mf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_now() {  // thread CPU time: robust against other processes sharing the cores
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void write_reference(FILE* out, const dai::FactorGraph& fg, const dai::MF& alg, double log_z, int converged,
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
  if (parsed.first != "MF") {
    std::fprintf(stderr, "expected MF[...], got %s\n", spec.c_str());
    std::exit(2);
  }
  return parsed.second;
}

int bench(const char* file, std::size_t iterations, int reps) {
  dai::FactorGraph fg;
  fg.ReadFromFile(file);
  dai::PropertySet props;
  props.set("tol", std::string("-1"));  // never stop early
  props.set("maxiter", iterations);
  props.set("damping", std::string("0"));
  props.set("init", std::string("UNIFORM"));
  props.set("updates", std::string("NAIVE"));
  props.set("verbose", static_cast<std::size_t>(0));
  dai::rnd_seed(1);
  dai::MF alg(fg, props);
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
  const double updates = static_cast<double>(fg.nrVars()) * static_cast<double>(iterations);
  std::printf("model %s vars %zu factors %zu edges %zu iters %zu reps %d logZ %.17g\n", file, fg.nrVars(),
              fg.nrFactors(), fg.nrEdges(), iterations, reps, alg.logZ());
  const double w = median(wall);
  const double c = median(cpu);
  std::printf("run_wall median_s %.4f s_per_pass %.4e var_updates_per_s %.4e\n", w, w / iterations, updates / w);
  std::printf("run_cpu median_s %.4f s_per_pass %.4e var_updates_per_s %.4e\n", c, c / iterations, updates / c);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t seed = 1;
  const char* dump = nullptr;
  std::vector<const char*> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoul(argv[++i], nullptr, 10);
    } else if (arg == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else {
      positional.push_back(argv[i]);
    }
  }
  if (positional.size() == 4 && std::string(positional[0]) == "--bench-mf") {
    return bench(positional[1], std::strtoul(positional[2], nullptr, 10), std::atoi(positional[3]));
  }
  if (positional.size() != 2) {
    std::fprintf(stderr,
                 "usage: libdai_mf FILE.fg 'MF[...]' [--seed S] [--dump OUT]\n"
                 "       libdai_mf --bench-mf FILE.fg ITERS REPS\n");
    return 1;
  }
  dai::FactorGraph fg;
  fg.ReadFromFile(positional[0]);
  dai::rnd_seed(seed);
  const dai::PropertySet props = properties(positional[1]);
  dai::MF alg(fg, props);
  alg.init();
  const double t0 = wall_now();
  const double max_diff = alg.run();
  const double seconds = wall_now() - t0;
  const int converged = max_diff <= props.getStringAs<dai::Real>("tol") ? 1 : 0;
  std::printf("method %s\nvars %zu factors %zu edges %zu\nlogZ %.17g\nconverged %d iterations %zu maxdiff %.3e time_s %.6f\n",
              alg.identify().c_str(), fg.nrVars(), fg.nrFactors(), fg.nrEdges(), alg.logZ(), converged,
              alg.Iterations(), max_diff, seconds);
  if (dump != nullptr) {
    FILE* out = std::fopen(dump, "w");
    if (out == nullptr) {
      std::perror(dump);
      return 1;
    }
    write_reference(out, fg, alg, alg.logZ(), converged, alg.Iterations());
    std::fclose(out);
  }
  return 0;
}
