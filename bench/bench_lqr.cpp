// LQR as inference (copi/control/lqr.hpp): one backward Riccati pass per method on a
// random stabilisable system, n states, m actions, horizon T; the floor is the plain
// deterministic Riccati recursion written here with Eigen (no constants, no copies out).
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <random>

#include "copi/control/lqr.hpp"

namespace {

using copi::control::ControlMethod;
using copi::control::LqrMatrix;
using copi::control::LqrProblem;

LqrProblem random_problem(std::size_t n, std::size_t m, std::size_t horizon) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  LqrProblem p;
  p.A = LqrMatrix::identity(n);
  for (double& v : p.A.data) v += 0.1 * normal(rng) / std::sqrt(static_cast<double>(n));
  p.B = LqrMatrix(n, m);
  for (double& v : p.B.data) v = normal(rng);
  p.Q = LqrMatrix::identity(n);
  p.R = LqrMatrix::identity(m, 0.1);
  p.Qf = LqrMatrix::identity(n, 2.0);
  p.noise = LqrMatrix::identity(n, 0.05);
  p.x0.assign(n, 1.0);
  p.horizon = horizon;
  p.temperature = 0.5;
  return p;
}

void solve(benchmark::State& state, ControlMethod method) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto m = static_cast<std::size_t>(state.range(1));
  const auto horizon = static_cast<std::size_t>(state.range(2));
  const LqrProblem p = random_problem(n, m, horizon);
  for (auto _ : state) benchmark::DoNotOptimize(copi::control::solve_lqr(p, method));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * horizon));
}

void BM_LqrExact(benchmark::State& state) { solve(state, ControlMethod::exact); }
void BM_LqrVariational(benchmark::State& state) { solve(state, ControlMethod::variational); }
void BM_LqrMap(benchmark::State& state) { solve(state, ControlMethod::map); }

// The floor: P ← Q + AᵀPA − AᵀPB (R + BᵀPB)⁻¹ BᵀPA with Eigen, gains kept.
void BM_RiccatiFloor(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const auto m = static_cast<Eigen::Index>(state.range(1));
  const auto horizon = static_cast<std::size_t>(state.range(2));
  const LqrProblem p = random_problem(static_cast<std::size_t>(n), static_cast<std::size_t>(m), horizon);
  const Eigen::MatrixXd a = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(p.A.data.data(), n, n);
  const Eigen::MatrixXd b = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(p.B.data.data(), n, m);
  const Eigen::MatrixXd q = Eigen::MatrixXd::Identity(n, n);
  const Eigen::MatrixXd r = 0.1 * Eigen::MatrixXd::Identity(m, m);
  std::vector<Eigen::MatrixXd> gains(horizon);
  for (auto _ : state) {
    Eigen::MatrixXd pm = 2.0 * Eigen::MatrixXd::Identity(n, n);
    for (std::size_t t = horizon; t-- > 0;) {
      const Eigen::MatrixXd pa = pm * a;
      const Eigen::MatrixXd h = r + b.transpose() * pm * b;
      gains[t] = h.llt().solve(b.transpose() * pa);
      pm = q + a.transpose() * pa - (b.transpose() * pa).transpose() * gains[t];
    }
    benchmark::DoNotOptimize(pm.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * horizon));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Args({4, 2, 1000})->Args({20, 5, 1000})->Args({100, 20, 100})->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_LqrExact)->Apply(sizes);
BENCHMARK(BM_LqrVariational)->Apply(sizes);
BENCHMARK(BM_LqrMap)->Apply(sizes);
BENCHMARK(BM_RiccatiFloor)->Apply(sizes);
BENCHMARK_MAIN();
