// Seeded random linear-Gaussian models, each built twice from the same parameters: as a
// FactorGraph (LinearGaussianFactor, GaussianFactor::normal, canonical GaussianFactor)
// and as the list of DenseTerm the dense oracle assembles by hand. Shapes: forests whose
// factors join separate components (multi-parent conditionals included), chains, stars;
// and a loopy, diagonally dominant grid of scalar canonical potentials.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/graph/gaussian_factor.hpp"
#include "copi/graph/variable.hpp"
#include "inference/gaussian_oracles.hpp"

namespace copi::test {

struct GaussModel {
  std::vector<std::size_t> dims;
  std::vector<DenseTerm> terms;
  FactorGraph graph;
  RealEvidence evidence;
  std::vector<Eigen::VectorXd> observed;  // per variable; empty when unobserved
};

enum class GaussShape { forest, chain, star };

inline Eigen::MatrixXd random_matrix(std::mt19937_64& rng, Eigen::Index r, Eigen::Index c, double scale = 1.0) {
  std::normal_distribution<double> g(0.0, scale);
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < r; ++i)
    for (Eigen::Index j = 0; j < c; ++j) m(i, j) = g(rng);
  return m;
}

inline Eigen::MatrixXd random_spd(std::mt19937_64& rng, Eigen::Index d) {
  const Eigen::MatrixXd b = random_matrix(rng, d, d, 0.7);
  const double floor = std::uniform_real_distribution<double>(0.2, 1.0)(rng);
  return b * b.transpose() + floor * Eigen::MatrixXd::Identity(d, d);
}

inline std::vector<VarId> ids_of(const std::vector<std::size_t>& blocks) {
  std::vector<VarId> ids;
  for (std::size_t b : blocks) ids.push_back(VarId{static_cast<std::uint32_t>(b)});
  return ids;
}

// Adds a term to both representations.
inline void add_term(GaussModel& m, DenseTerm term, bool root_as_normal) {
  if (term.canonical) {
    std::vector<std::size_t> d;
    for (std::size_t b : term.parents) d.push_back(m.dims[b]);
    m.graph.add_factor(GaussianFactor(ids_of(term.parents), d, term.eta, term.lambda, term.log_c));
  } else if (term.parents.empty() && root_as_normal) {
    m.graph.add_factor(GaussianFactor::normal(ids_of({term.child}), {m.dims[term.child]}, term.b, term.sigma));
  } else {
    std::vector<std::size_t> pd;
    for (std::size_t b : term.parents) pd.push_back(m.dims[b]);
    m.graph.add_factor(LinearGaussianFactor(VarId{static_cast<std::uint32_t>(term.child)}, m.dims[term.child],
                                            ids_of(term.parents), pd, term.a, term.b, term.sigma));
  }
  m.terms.push_back(std::move(term));
}

// n variables of dimension 1–3; every variable gets a prior or a conditional on up to
// two earlier variables from different components (so the factor graph stays a forest),
// some get an extra canonical unary potential (rank-deficient Λ at times), and about a
// third are observed.
inline GaussModel random_tree(std::uint64_t seed, GaussShape shape, std::size_t n) {
  std::mt19937_64 rng(seed);
  GaussModel m;
  std::uniform_int_distribution<std::size_t> dim(1, 3);
  for (std::size_t i = 0; i < n; ++i) {
    m.dims.push_back(dim(rng));
    m.graph.add_variable(Variable::real("v" + std::to_string(i), m.dims.back()));
  }
  std::vector<std::size_t> comp(n);
  std::iota(comp.begin(), comp.end(), 0);
  auto find = [&](std::size_t x) {
    while (comp[x] != x) x = comp[x];
    return x;
  };
  std::bernoulli_distribution coin(0.5);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::size_t> parents;
    if (i > 0) {
      if (shape == GaussShape::chain) {
        parents = {i - 1};
      } else if (shape == GaussShape::star) {
        parents = {0};
      } else {
        const std::size_t k = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
        for (std::size_t tries = 0; tries < 10 && parents.size() < k; ++tries) {
          const std::size_t p = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
          bool fresh = true;
          for (std::size_t q : parents) fresh = fresh && find(q) != find(p);
          if (fresh) parents.push_back(p);
        }
      }
    }
    for (std::size_t p : parents) comp[find(p)] = i;
    DenseTerm t;
    t.child = i;
    t.parents = parents;
    std::size_t pdim = 0;
    for (std::size_t p : parents) pdim += m.dims[p];
    const auto d = static_cast<Eigen::Index>(m.dims[i]);
    t.a = random_matrix(rng, d, static_cast<Eigen::Index>(pdim), 0.8);
    t.b = random_matrix(rng, d, 1, 2.0).col(0);
    t.sigma = random_spd(rng, d);
    add_term(m, std::move(t), coin(rng));
  }
  std::bernoulli_distribution extra(0.3);
  for (std::size_t i = 0; i < n; ++i) {
    if (!extra(rng)) continue;
    const auto d = static_cast<Eigen::Index>(m.dims[i]);
    DenseTerm t;
    t.canonical = true;
    t.parents = {i};
    const Eigen::MatrixXd v = random_matrix(rng, d, coin(rng) ? 1 : d, 0.8);
    t.lambda = v * v.transpose();
    t.eta = random_matrix(rng, d, 1, 1.0).col(0);
    t.log_c = std::normal_distribution<double>(0.0, 1.0)(rng);
    add_term(m, std::move(t), false);
  }
  m.observed.resize(n);
  std::bernoulli_distribution observe(0.3);
  for (std::size_t i = 0; i < n; ++i) {
    if (!observe(rng)) continue;
    m.observed[i] = random_matrix(rng, static_cast<Eigen::Index>(m.dims[i]), 1, 2.0).col(0);
    m.evidence[VarId{static_cast<std::uint32_t>(i)}] = m.observed[i];
  }
  return m;
}

// A side × side grid of scalar variables: unary N-like potentials (Λ = 1, random η) and
// pairwise canonical potentials Λ = [[|ρ|, ρ], [ρ, |ρ|]] (PSD) on grid edges, so the
// joint precision is diagonally dominant (1 + Σ|ρ| on the diagonal): Gaussian BP
// converges and its means are exact (Weiss & Freeman 2001).
inline GaussModel loopy_grid(std::uint64_t seed, std::size_t side) {
  std::mt19937_64 rng(seed);
  GaussModel m;
  const std::size_t n = side * side;
  for (std::size_t i = 0; i < n; ++i) {
    m.dims.push_back(1);
    m.graph.add_variable(Variable::real("g" + std::to_string(i), 1));
  }
  std::uniform_real_distribution<double> rho(-0.9, 0.9);
  for (std::size_t i = 0; i < n; ++i) {
    DenseTerm t;
    t.canonical = true;
    t.parents = {i};
    t.lambda = Eigen::MatrixXd::Identity(1, 1);
    t.eta = random_matrix(rng, 1, 1, 2.0).col(0);
    add_term(m, std::move(t), false);
  }
  auto edge = [&](std::size_t i, std::size_t j) {
    DenseTerm t;
    t.canonical = true;
    t.parents = {i, j};
    const double r = rho(rng);
    t.lambda = Eigen::MatrixXd(2, 2);
    t.lambda << std::abs(r), r, r, std::abs(r);
    t.eta = Eigen::VectorXd::Zero(2);
    add_term(m, std::move(t), false);
  };
  for (std::size_t r = 0; r < side; ++r)
    for (std::size_t c = 0; c < side; ++c) {
      if (c + 1 < side) edge(r * side + c, r * side + c + 1);
      if (r + 1 < side) edge(r * side + c, (r + 1) * side + c);
    }
  m.observed.resize(n);
  return m;
}

// The tracking model: x_t ∈ ℝ², x_0 ~ N([0, 1], I), x_{t+1} = A x_t + N(0, Q)
// with A = [[1, 1], [0, 1]], Q = 0.1·[[1/3, 1/2], [1/2, 1]], y_t = x_t[0] + N(0, 0.5),
// y simulated from the model with a seeded generator.
struct KalmanModel {
  Eigen::VectorXd m0;
  Eigen::MatrixXd p0, a, q, h, r;
  std::vector<Eigen::VectorXd> ys;
  FactorGraph graph;
  RealEvidence evidence;
  std::vector<VarId> xs;
};

inline KalmanModel kalman_model(std::size_t t_len, std::uint64_t seed) {
  KalmanModel k;
  k.m0 = Eigen::Vector2d(0.0, 1.0);
  k.p0 = Eigen::Matrix2d::Identity();
  k.a = Eigen::Matrix2d{{1.0, 1.0}, {0.0, 1.0}};
  k.q = 0.1 * Eigen::Matrix2d{{1.0 / 3.0, 0.5}, {0.5, 1.0}};
  k.h = Eigen::RowVector2d(1.0, 0.0);
  k.r = Eigen::MatrixXd::Constant(1, 1, 0.5);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  const Eigen::MatrixXd lq = k.q.llt().matrixL();
  Eigen::VectorXd x = k.m0 + Eigen::Vector2d(g(rng), g(rng));
  k.graph.reserve(2 * t_len, 2 * t_len);
  for (std::size_t t = 0; t < t_len; ++t) {
    if (t > 0) x = k.a * x + lq * Eigen::Vector2d(g(rng), g(rng));
    k.ys.push_back(Eigen::VectorXd::Constant(1, x(0) + std::sqrt(0.5) * g(rng)));
    k.xs.push_back(k.graph.add_variable(Variable::real("x" + std::to_string(t), 2)));
    const VarId y = k.graph.add_variable(Variable::real("y" + std::to_string(t), 1));
    if (t == 0) {
      k.graph.add_factor(GaussianFactor::normal({k.xs[0]}, {2}, k.m0, k.p0));
    } else {
      k.graph.add_factor(
          LinearGaussianFactor(k.xs[t], 2, {k.xs[t - 1]}, {2}, k.a, Eigen::Vector2d::Zero(), k.q));
    }
    k.graph.add_factor(LinearGaussianFactor(y, 1, {k.xs[t]}, {2}, k.h, Eigen::VectorXd::Zero(1), k.r));
    k.evidence[y] = k.ys.back();
  }
  return k;
}

}  // namespace copi::test
