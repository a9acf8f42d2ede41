// libdai_jtree: times libDAI's junction tree on one .fg file, doing the same work that
// copi's solve_exact(Task::marginals) does in bench_exact: plan (elimination order),
// build and fill the clique tables, calibrate (HUGIN), read log Z and every variable
// marginal. Not part of the CMake build: bench/compare_libdai.sh compiles it against
// the libDAI that ../shared/peers/libdai/ensure.sh builds.
//
//   libdai_jtree FILE.fg REPS ['JTREE[updates=HUGIN,verbose=0]']
//
// Prints one line per phase with the median over REPS of the thread CPU time and the
// wall time (seconds), and the junction tree's size:
//   model FILE vars N factors M cliques K largest_table L table_entries T logZ Z
//   total    cpu_median_s ... wall_median_s ... cpu_s <each rep>
//   construct / run / beliefs  (the parts of total; total also counts freeing the tables)
#include <dai/alldai.h>
#include <dai/jtree.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_now() {  // thread CPU time, like Google Benchmark's cpu_time
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double entries_of(const dai::VarSet& vars) {
  double entries = 1.0;
  for (dai::VarSet::const_iterator v = vars.begin(); v != vars.end(); ++v) entries *= static_cast<double>(v->states());
  return entries;
}

struct Phase {
  const char* name;
  std::vector<double> cpu;
  std::vector<double> wall;
};

void print_phase(const Phase& phase) {
  std::printf("%-10s cpu_median_s %.6f wall_median_s %.6f cpu_s", phase.name, median(phase.cpu), median(phase.wall));
  for (std::size_t r = 0; r < phase.cpu.size(); ++r) std::printf(" %.6f", phase.cpu[r]);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILE.fg REPS ['JTREE[updates=HUGIN,verbose=0]']\n", argv[0]);
    return 2;
  }
  const char* file = argv[1];
  const int reps = std::atoi(argv[2]);
  const std::string method = argc >= 4 ? argv[3] : "JTREE[updates=HUGIN,verbose=0]";
  if (reps < 1) {
    std::fprintf(stderr, "REPS must be at least 1\n");
    return 2;
  }
  dai::FactorGraph fg;
  fg.ReadFromFile(file);

  Phase total{"total", {}, {}};
  Phase construct{"construct", {}, {}};
  Phase run{"run", {}, {}};
  Phase beliefs{"beliefs", {}, {}};
  double log_z = 0.0;
  double checksum = 0.0;
  std::size_t cliques = 0;
  double largest = 0.0;
  double entries = 0.0;
  try {
    for (int r = 0; r < reps; ++r) {
      const double c0 = cpu_now(), w0 = wall_now();
      std::unique_ptr<dai::InfAlg> alg(dai::newInfAlgFromString(method, fg));  // elimination order + clique tables
      const double c1 = cpu_now(), w1 = wall_now();
      alg->init();
      alg->run();  // HUGIN collect + distribute, log Z
      const double c2 = cpu_now(), w2 = wall_now();
      log_z = alg->logZ();
      std::vector<dai::Factor> marginals;
      marginals.reserve(fg.nrVars());
      for (std::size_t i = 0; i < fg.nrVars(); ++i) marginals.push_back(alg->beliefV(i));
      const double c3 = cpu_now(), w3 = wall_now();
      if (const auto* jt = dynamic_cast<const dai::JTree*>(alg.get())) {  // untimed: sizes for the table
        cliques = jt->nrORs();
        largest = 0.0;
        entries = 0.0;
        for (std::size_t a = 0; a < jt->nrORs(); ++a) {
          const double e = entries_of(jt->OR(a).vars());
          largest = std::max(largest, e);
          entries += e;
        }
        for (std::size_t b = 0; b < jt->nrIRs(); ++b) entries += entries_of(jt->IR(b));
      }
      const double c4 = cpu_now(), w4 = wall_now();
      alg.reset();  // freeing the tables is part of a solve, as in copi's solve_exact
      const double c5 = cpu_now(), w5 = wall_now();
      total.cpu.push_back((c3 - c0) + (c5 - c4));
      total.wall.push_back((w3 - w0) + (w5 - w4));
      construct.cpu.push_back(c1 - c0);
      construct.wall.push_back(w1 - w0);
      run.cpu.push_back(c2 - c1);
      run.wall.push_back(w2 - w1);
      beliefs.cpu.push_back(c3 - c2);
      beliefs.wall.push_back(w3 - w2);
      checksum = 0.0;
      for (const dai::Factor& m : marginals) checksum += static_cast<double>(m[0]);
    }
  } catch (const std::exception& e) {  // dai::Exception (maxmem exceeded) or std::bad_alloc
    std::printf("model %s method %s refused: %s\n", file, method.c_str(), e.what());
    return 3;
  }
  std::printf("model %s method %s vars %zu factors %zu cliques %zu largest_table %.0f table_entries %.0f "
              "logZ %.17g sum_p0 %.17g reps %d\n",
              file, method.c_str(), fg.nrVars(), fg.nrFactors(), cliques, largest, entries, log_z, checksum, reps);
  print_phase(total);
  print_phase(construct);
  print_phase(run);
  print_phase(beliefs);
  return 0;
}
