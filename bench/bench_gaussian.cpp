// Continuous inference (copi/inference/gaussian_bp.hpp, expectation_propagation.hpp).
//
// Kalman smoothing: a 10⁵-step chain with a 4-d state (constant-acceleration-like A,
// 2-d observations) through the whole library call gaussian_bp (the graph built once,
// outside the timing), against the floor: a plain Kalman filter + RTS smoother written
// here with fixed-size Eigen matrices (Matrix4d, Matrix2d), log likelihood included.
// The counter `x_floor` is the library's total time over the floor's, the floor run
// (warm) beside each library run, both in this thread's CPU time (target ≤ 5).
// A dynamic-size (MatrixXd) RTS is reported too, for reference.
//
// TrueSkill season: 10³ players, 10⁵ one-vs-one games in order, one sequential EP pass
// (max_iterations 1: assumed-density filtering, which is how TrueSkill runs online),
// one thread. The game is written as TrueSkill's factor graph once the two performance
// variables p_i ~ N(s_i, β²) are integrated out: P(p_i − p_j > ε | s) =
// Φ((s_i − s_j − ε) / (√2 β)), one probit site on the projection (s_i − s_j)/(√2 β)
// with offset −ε/(√2 β) — the same update TrueSkill makes. The variant with explicit
// performance variables (two linear-Gaussian factors and a step site per game) is run
// as well. Target ≤ 1 s.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cmath>
#include <ctime>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/factor_graph.hpp"
#include "copi/graph/gaussian_factor.hpp"
#include "copi/graph/site_factor.hpp"
#include "copi/graph/variable.hpp"
#include "copi/inference/expectation_propagation.hpp"
#include "copi/inference/gaussian_bp.hpp"

namespace {

// This thread's CPU time: the ratio to the floor stays meaningful on a loaded machine.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

constexpr std::size_t kSteps = 100000;
constexpr double kLog2Pi = 1.8378770664093454835606594728112;

using Mat4 = Eigen::Matrix4d;
using Vec4 = Eigen::Vector4d;
using Mat24 = Eigen::Matrix<double, 2, 4>;

struct Chain {
  Mat4 a, q, p0;
  Vec4 m0;
  Mat24 h;
  Eigen::Matrix2d r;
  std::vector<Eigen::Vector2d> ys;
};

Chain make_chain() {
  Chain c;
  const double dt = 0.1;
  c.a << 1, dt, 0, 0,  //
      0, 1, 0, 0,      //
      0, 0, 1, dt,     //
      0, 0, 0, 1;
  c.q << dt * dt * dt / 3, dt * dt / 2, 0, 0,  //
      dt * dt / 2, dt, 0, 0,                   //
      0, 0, dt * dt * dt / 3, dt * dt / 2,     //
      0, 0, dt * dt / 2, dt;
  c.q *= 0.5;
  c.p0 = Mat4::Identity();
  c.m0 = Vec4(0, 1, 0, -1);
  c.h << 1, 0, 0, 0,  //
      0, 0, 1, 0;
  c.r = 0.3 * Eigen::Matrix2d::Identity();
  std::mt19937_64 rng(11);
  std::normal_distribution<double> g(0.0, 1.0);
  const Mat4 lq = c.q.llt().matrixL();
  Vec4 x = c.m0;
  for (std::size_t t = 0; t < kSteps; ++t) {
    if (t > 0) x = c.a * x + lq * Vec4(g(rng), g(rng), g(rng), g(rng));
    c.ys.emplace_back(c.h * x + std::sqrt(0.3) * Eigen::Vector2d(g(rng), g(rng)));
  }
  return c;
}

struct ChainGraph {
  copi::FactorGraph graph;
  copi::RealEvidence evidence;
};

ChainGraph chain_graph(const Chain& c) {
  ChainGraph cg;
  cg.graph.reserve(2 * kSteps, 2 * kSteps);
  copi::VarId prev{};
  for (std::size_t t = 0; t < kSteps; ++t) {
    const copi::VarId x = cg.graph.add_variable(copi::Variable::real("x" + std::to_string(t), 4));
    const copi::VarId y = cg.graph.add_variable(copi::Variable::real("y" + std::to_string(t), 2));
    if (t == 0) {
      cg.graph.add_factor(copi::GaussianFactor::normal({x}, {4}, c.m0, c.p0));
    } else {
      cg.graph.add_factor(copi::LinearGaussianFactor(x, 4, {prev}, {4}, c.a, Eigen::VectorXd::Zero(4), c.q));
    }
    cg.graph.add_factor(copi::LinearGaussianFactor(y, 2, {x}, {4}, c.h, Eigen::VectorXd::Zero(2), c.r));
    cg.evidence[y] = c.ys[t];
    prev = x;
  }
  return cg;
}

// The floor: filter forward, smooth backward, fixed-size matrices, every smoothed mean
// and covariance kept (as the library's result keeps them), log likelihood by the
// prediction-error decomposition.
struct Smoothed {
  std::vector<Vec4> mean;
  std::vector<Mat4> cov;
  double log_likelihood = 0.0;
};

void rts_fixed(const Chain& c, Smoothed& out, std::vector<Vec4>& mp, std::vector<Mat4>& pp, std::vector<Vec4>& mf,
               std::vector<Mat4>& pf) {
  out.log_likelihood = 0.0;
  for (std::size_t t = 0; t < kSteps; ++t) {
    mp[t] = t == 0 ? c.m0 : Vec4(c.a * mf[t - 1]);
    pp[t] = t == 0 ? c.p0 : Mat4(c.a * pf[t - 1] * c.a.transpose() + c.q);
    const Eigen::Vector2d innov = c.ys[t] - c.h * mp[t];
    const Eigen::Matrix2d s = c.h * pp[t] * c.h.transpose() + c.r;
    const Eigen::LLT<Eigen::Matrix2d> llt(s);
    const Eigen::Matrix2d l = llt.matrixL();
    out.log_likelihood += -0.5 * (2 * kLog2Pi + 2 * std::log(l(0, 0) * l(1, 1)) + innov.dot(llt.solve(innov)));
    const Eigen::Matrix<double, 4, 2> k = pp[t] * c.h.transpose() * llt.solve(Eigen::Matrix2d::Identity());
    mf[t] = mp[t] + k * innov;
    pf[t] = pp[t] - k * s * k.transpose();
  }
  out.mean[kSteps - 1] = mf[kSteps - 1];
  out.cov[kSteps - 1] = pf[kSteps - 1];
  for (std::size_t t = kSteps - 1; t-- > 0;) {
    const Mat4 g = pf[t] * c.a.transpose() * pp[t + 1].llt().solve(Mat4::Identity());
    out.mean[t] = mf[t] + g * (out.mean[t + 1] - mp[t + 1]);
    out.cov[t] = pf[t] + g * (out.cov[t + 1] - pp[t + 1]) * g.transpose();
  }
}

// The floor's time for one run, in this thread's CPU seconds (buffers preallocated:
// its best case).
struct Floor {
  explicit Floor(const Chain& chain) : c(chain) {}
  double seconds() {
    const double t0 = thread_seconds();
    rts_fixed(c, out, mp, pp, mf, pf);
    benchmark::DoNotOptimize(out.log_likelihood);
    return thread_seconds() - t0;
  }
  const Chain& c;
  Smoothed out{std::vector<Vec4>(kSteps), std::vector<Mat4>(kSteps), 0.0};
  std::vector<Vec4> mp = std::vector<Vec4>(kSteps), mf = std::vector<Vec4>(kSteps);
  std::vector<Mat4> pp = std::vector<Mat4>(kSteps), pf = std::vector<Mat4>(kSteps);
};

void BM_KalmanRtsFloorFixed(benchmark::State& state) {
  const Chain c = make_chain();
  Smoothed out{std::vector<Vec4>(kSteps), std::vector<Mat4>(kSteps), 0.0};
  std::vector<Vec4> mp(kSteps), mf(kSteps);
  std::vector<Mat4> pp(kSteps), pf(kSteps);
  for (auto _ : state) {
    rts_fixed(c, out, mp, pp, mf, pf);
    benchmark::DoNotOptimize(out.log_likelihood);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kSteps));
}
BENCHMARK(BM_KalmanRtsFloorFixed)->Unit(benchmark::kMillisecond);

// The same recursion with dynamic-size matrices (what a generic smoother would use).
void BM_KalmanRtsDynamic(benchmark::State& state) {
  const Chain c = make_chain();
  const Eigen::MatrixXd a = c.a, q = c.q, h = c.h, r = c.r;
  std::vector<Eigen::VectorXd> mp(kSteps), mf(kSteps), ms(kSteps);
  std::vector<Eigen::MatrixXd> pp(kSteps), pf(kSteps), ps(kSteps);
  for (auto _ : state) {
    double ll = 0.0;
    for (std::size_t t = 0; t < kSteps; ++t) {
      mp[t] = t == 0 ? Eigen::VectorXd(c.m0) : Eigen::VectorXd(a * mf[t - 1]);
      pp[t] = t == 0 ? Eigen::MatrixXd(c.p0) : Eigen::MatrixXd(a * pf[t - 1] * a.transpose() + q);
      const Eigen::VectorXd innov = c.ys[t] - h * mp[t];
      const Eigen::MatrixXd s = h * pp[t] * h.transpose() + r;
      const Eigen::LLT<Eigen::MatrixXd> llt(s);
      ll += -0.5 * (2 * kLog2Pi + std::log(s.determinant()) + innov.dot(llt.solve(innov)));
      const Eigen::MatrixXd k = pp[t] * h.transpose() * llt.solve(Eigen::MatrixXd::Identity(2, 2));
      mf[t] = mp[t] + k * innov;
      pf[t] = pp[t] - k * s * k.transpose();
    }
    ms[kSteps - 1] = mf[kSteps - 1];
    ps[kSteps - 1] = pf[kSteps - 1];
    for (std::size_t t = kSteps - 1; t-- > 0;) {
      const Eigen::MatrixXd g = pf[t] * a.transpose() * pp[t + 1].llt().solve(Eigen::MatrixXd::Identity(4, 4));
      ms[t] = mf[t] + g * (ms[t + 1] - mp[t + 1]);
      ps[t] = pf[t] + g * (ps[t + 1] - pp[t + 1]) * g.transpose();
    }
    benchmark::DoNotOptimize(ll);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kSteps));
}
BENCHMARK(BM_KalmanRtsDynamic)->Unit(benchmark::kMillisecond);

void BM_KalmanGaussianBp(benchmark::State& state) {
  const Chain c = make_chain();
  const ChainGraph cg = chain_graph(c);
  copi::GaussianBpOptions opt;
  opt.threads = 1;
  // The floor runs once per iteration too, untimed by the framework: the ratio compares
  // the two in the same stretch of time (this VM's speed drifts by tens of percent
  // within a minute, so a floor measured once up front made the ratio drift with it).
  Floor floor(c);
  double total = 0.0;
  double floor_total = 0.0;
  for (auto _ : state) {
    state.PauseTiming();
    floor.seconds();  // warms the floor's caches after the library's run: its best case
    floor_total += floor.seconds();
    state.ResumeTiming();
    const double t0 = thread_seconds();
    benchmark::DoNotOptimize(copi::gaussian_bp(cg.graph, {}, cg.evidence, copi::Task::marginals, opt));
    total += thread_seconds() - t0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kSteps));
  state.counters["x_floor"] = total / floor_total;
  state.counters["floor_ms"] = floor_total / static_cast<double>(state.iterations()) * 1e3;
}
BENCHMARK(BM_KalmanGaussianBp)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------
// TrueSkill season.

constexpr std::size_t kPlayers = 1000;
constexpr std::size_t kGames = 100000;

struct Season {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> games;  // (winner, loser), in order
};

Season make_season() {
  std::mt19937_64 rng(2026);
  std::normal_distribution<double> g(0.0, 1.0);
  const double beta = 25.0 / 6.0;
  std::vector<double> skill(kPlayers);
  for (double& s : skill) s = 25.0 + 25.0 / 3.0 * g(rng);
  std::uniform_int_distribution<std::uint32_t> pick(0, kPlayers - 1);
  Season season;
  season.games.reserve(kGames);
  while (season.games.size() < kGames) {
    const std::uint32_t i = pick(rng);
    const std::uint32_t j = pick(rng);
    if (i == j) continue;
    const double d = skill[i] + beta * g(rng) - skill[j] - beta * g(rng);
    season.games.emplace_back(d > 0 ? std::make_pair(i, j) : std::make_pair(j, i));
  }
  return season;
}

struct Defaults {
  double sigma = 25.0 / 3.0;
  double beta = 25.0 / 6.0;
  double eps = 0.7404666;  // √2 β Φ⁻¹(0.55), draw probability 0.1
};

copi::FactorGraph season_probit(const Season& season) {
  const Defaults d;
  copi::FactorGraph g;
  g.reserve(kPlayers, kPlayers + kGames);
  for (std::size_t i = 0; i < kPlayers; ++i) {
    const copi::VarId s = g.add_variable(copi::Variable::real("s" + std::to_string(i), 1));
    g.add_factor(copi::GaussianFactor::normal({s}, {1}, Eigen::VectorXd::Constant(1, 25.0),
                                              Eigen::MatrixXd::Constant(1, 1, d.sigma * d.sigma)));
  }
  const double scale = 1.0 / (std::numbers::sqrt2 * d.beta);
  for (const auto& [w, l] : season.games)
    g.add_factor(copi::SiteFactor({copi::VarId{w}, copi::VarId{l}}, {1, 1}, Eigen::Vector2d(scale, -scale),
                                  -d.eps * scale, copi::ProbitSite{}));
  return g;
}

copi::FactorGraph season_performances(const Season& season) {
  const Defaults d;
  copi::FactorGraph g;
  g.reserve(kPlayers + 2 * kGames, kPlayers + 3 * kGames);
  for (std::size_t i = 0; i < kPlayers; ++i) {
    const copi::VarId s = g.add_variable(copi::Variable::real("s" + std::to_string(i), 1));
    g.add_factor(copi::GaussianFactor::normal({s}, {1}, Eigen::VectorXd::Constant(1, 25.0),
                                              Eigen::MatrixXd::Constant(1, 1, d.sigma * d.sigma)));
  }
  const Eigen::MatrixXd one = Eigen::MatrixXd::Ones(1, 1);
  std::size_t k = 0;
  for (const auto& [w, l] : season.games) {
    const copi::VarId pw = g.add_variable(copi::Variable::real("p" + std::to_string(k++), 1));
    const copi::VarId pl = g.add_variable(copi::Variable::real("p" + std::to_string(k++), 1));
    g.add_factor(copi::LinearGaussianFactor(pw, 1, {copi::VarId{w}}, {1}, one, Eigen::VectorXd::Zero(1),
                                            d.beta * d.beta * one));
    g.add_factor(copi::LinearGaussianFactor(pl, 1, {copi::VarId{l}}, {1}, one, Eigen::VectorXd::Zero(1),
                                            d.beta * d.beta * one));
    g.add_factor(copi::SiteFactor({pw, pl}, {1, 1}, Eigen::Vector2d(1.0, -1.0), 0.0, copi::StepSite{d.eps, true}));
  }
  return g;
}

void run_season(benchmark::State& state, const copi::FactorGraph& g) {
  copi::EpOptions opt;
  opt.schedule = copi::EpSchedule::sequential;
  opt.max_iterations = 1;
  opt.threads = 1;
  for (auto _ : state)
    benchmark::DoNotOptimize(copi::expectation_propagation(g, {}, {}, copi::Task::marginals, opt));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kGames));
}

void BM_TrueSkillSeasonProbit(benchmark::State& state) {
  const copi::FactorGraph g = season_probit(make_season());
  run_season(state, g);
}
BENCHMARK(BM_TrueSkillSeasonProbit)->Unit(benchmark::kMillisecond);

void BM_TrueSkillSeasonPerformances(benchmark::State& state) {
  const copi::FactorGraph g = season_performances(make_season());
  run_season(state, g);
}
BENCHMARK(BM_TrueSkillSeasonPerformances)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
