// Mean field against independent computations: on random models (binary and
// multi-state, hard zeros, evidence) the ELBO is a lower bound on the brute-force log Z
// and never decreases; at convergence every q_i satisfies its fixed-point equation,
// recomputed here from scratch; the reported ELBO equals the ELBO recomputed from the
// returned marginals. Structured mean field with one cluster is exact, with singleton
// clusters it is naive mean field, and row clusters on a grid land in between.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "copi/graph/error.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/mean_field.hpp"
#include "inference/bp_test_models.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Σ over the factor's entries of Π_{k != skip} q(x_k) · log f(x), per state of the
// scope variable at position `skip` (or the full expectation when skip = arity), and
// the probability mass that meets a hard zero. Written from the table convention
// (first scope variable fastest) without copi's walkers.
struct Expectation {
  std::vector<double> finite;
  std::vector<double> zero_mass;
};

Expectation expected_log(const DiscreteFactor& f, const std::vector<std::vector<double>>& q, std::size_t skip) {
  const std::size_t arity = f.arity();
  const std::size_t out_size = skip < arity ? f.cardinalities()[skip] : 1;
  Expectation e{std::vector<double>(out_size, 0.0), std::vector<double>(out_size, 0.0)};
  for (std::size_t i = 0; i < f.size(); ++i) {
    std::size_t rest = i;
    double w = 1.0;
    std::size_t out = 0;
    for (std::size_t k = 0; k < arity; ++k) {
      const std::size_t x = rest % f.cardinalities()[k];
      rest /= f.cardinalities()[k];
      if (k == skip) {
        out = x;
      } else {
        w *= q[f.scope()[k].index][x];
      }
    }
    if (w == 0.0) continue;
    if (f.log_values()[i] == kNegInf) {
      e.zero_mass[out] += w;
    } else {
      e.finite[out] += w * f.log_values()[i];
    }
  }
  return e;
}

// Evidence as point masses: q of an observed variable is its indicator.
double elbo_of(const FactorGraph& graph, const std::vector<std::vector<double>>& q, const Evidence& evidence) {
  double total = 0.0;
  for (const DiscreteFactor& f : graph.tables()) {
    const Expectation e = expected_log(f, q, f.arity());
    if (e.zero_mass[0] > 0.0) return kNegInf;
    total += e.finite[0];
  }
  for (std::size_t v = 0; v < q.size(); ++v) {
    if (evidence.contains(VarId{static_cast<std::uint32_t>(v)})) continue;
    for (const double p : q[v]) total -= p > 0.0 ? p * std::log(p) : 0.0;
  }
  return total;
}

// The fixed-point residual of q_i: |q_i - softmax(Σ_f E_{q_-i}[log f])| (the hard-zero
// rule of docs/algorithms.md: keep the states meeting the least zero mass).
double fixed_point_residual(const FactorGraph& graph, const std::vector<std::vector<double>>& q, std::size_t v) {
  const std::size_t card = q[v].size();
  std::vector<double> acc(card, 0.0);
  std::vector<double> zero(card, 0.0);
  for (const FactorId fid : graph.factors_of(VarId{static_cast<std::uint32_t>(v)})) {
    const DiscreteFactor& f = graph.table(fid);
    const Expectation e = expected_log(f, q, f.position(VarId{static_cast<std::uint32_t>(v)}));
    for (std::size_t x = 0; x < card; ++x) {
      acc[x] += e.finite[x];
      zero[x] += e.zero_mass[x];
    }
  }
  const double least = *std::min_element(zero.begin(), zero.end());
  double hi = kNegInf;
  for (std::size_t x = 0; x < card; ++x) {
    if (zero[x] <= least) hi = std::max(hi, acc[x]);
  }
  std::vector<double> p(card, 0.0);
  double sum = 0.0;
  for (std::size_t x = 0; x < card; ++x) {
    if (zero[x] <= least) sum += (p[x] = std::exp(acc[x] - hi));
  }
  double residual = 0.0;
  for (std::size_t x = 0; x < card; ++x) residual = std::max(residual, std::abs(p[x] / sum - q[v][x]));
  return residual;
}

// The cluster's own factors times, for each factor it shares with others (pairwise
// models: the other side is one variable's q), exp(E_{q_other}[log f]) on its variable
// (-inf where it meets a zero): equation (1)'s distribution, as a small model.
FactorGraph cluster_model(const FactorGraph& graph, const std::vector<VarId>& cluster,
                          const std::vector<std::vector<double>>& q) {
  FactorGraph local;
  std::map<VarId, VarId> local_of;
  for (const VarId v : cluster) local_of[v] = local.add_variable(graph.cardinality(v));
  for (const DiscreteFactor& f : graph.tables()) {
    std::vector<VarId> inside;
    for (const VarId v : f.scope()) {
      if (local_of.contains(v)) inside.push_back(v);
    }
    if (inside.empty()) continue;
    if (inside.size() == f.arity()) {
      std::vector<VarId> scope;
      for (const VarId v : f.scope()) scope.push_back(local_of[v]);
      local.add_factor(DiscreteFactor(scope, f.cardinalities(), f.log_values()));
      continue;
    }
    const Expectation e = expected_log(f, q, f.position(inside[0]));
    std::vector<double> values(e.finite.size());
    for (std::size_t x = 0; x < values.size(); ++x) values[x] = e.zero_mass[x] > 0.0 ? kNegInf : e.finite[x];
    local.add_factor(DiscreteFactor({local_of[inside[0]]}, {values.size()}, values));
  }
  return local;
}

// The cluster's variables' marginals under equation (1), by enumeration.
std::vector<std::vector<double>> cluster_fixed_point(const FactorGraph& graph, const std::vector<VarId>& cluster,
                                                     const std::vector<std::vector<double>>& q) {
  return brute_force(cluster_model(graph, cluster, q)).marginals;
}

// The structured ELBO at a fixed point, for pairwise models, from enumeration alone:
// with p_c ∝ Π own f · Π exp(E_{q_other}[log f]) and H(q_c) = log Z_c − E[own log f] −
// Σ_{crossing f} E_q[log f], the ELBO Σ_f E_q[log f] + Σ_c H(q_c) is
// Σ_c log Z_c − Σ_{f crossing two clusters} E_q[log f].
double elbo_of_structured(const FactorGraph& graph, const std::vector<std::vector<VarId>>& clusters,
                          const std::vector<std::vector<double>>& q) {
  std::map<VarId, std::size_t> cluster_of;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    for (const VarId v : clusters[c]) cluster_of[v] = c;
  }
  double total = 0.0;
  for (const std::vector<VarId>& cluster : clusters) {
    total += static_cast<double>(brute_force(cluster_model(graph, cluster, q)).log_z);
  }
  for (const DiscreteFactor& f : graph.tables()) {
    if (f.arity() == 2 && cluster_of[f.scope()[0]] != cluster_of[f.scope()[1]]) {
      total -= expected_log(f, q, f.arity()).finite[0];
    }
  }
  return total;
}

MeanFieldOptions tight() {
  MeanFieldOptions options;
  options.tolerance = 1e-12;
  options.max_iterations = 5000;
  return options;
}

TEST(MeanField, RandomModelsBoundLogZAndReachTheirFixedPoint) {
  int converged = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    const RandomProblem problem = random_problem(seed);
    MeanFieldOptions options = tight();
    if (seed % 3 == 0) {
      options.init = MeanFieldInit::random;
      options.seed = seed;
    }
    if (seed % 4 == 0) options.damping = 0.3;
    const InferenceResult r = mean_field(problem.graph, problem.evidence, Task::marginals, options);
    ASSERT_TRUE(r.log_z.has_value());
    EXPECT_EQ(r.log_z_kind, LogZKind::lower_bound);
    EXPECT_LE(*r.log_z, static_cast<double>(problem.oracle.log_z) + 1e-9) << "seed " << seed;
    for (std::size_t k = 1; k < r.report.bounds.size(); ++k) {
      EXPECT_GE(r.report.bounds[k], r.report.bounds[k - 1] - 1e-9 * std::max(1.0, std::abs(r.report.bounds[k - 1])))
          << "seed " << seed << " sweep " << k;
    }
    const double recomputed = elbo_of(problem.graph, r.marginals, problem.evidence);
    if (std::isfinite(recomputed)) {
      EXPECT_NEAR(*r.log_z, recomputed, 1e-9 * std::max(1.0, std::abs(recomputed))) << "seed " << seed;
    } else {
      EXPECT_EQ(*r.log_z, kNegInf) << "seed " << seed;
    }
    if (r.report.termination != Termination::converged) continue;
    ++converged;
    for (std::size_t v = 0; v < problem.graph.num_variables(); ++v) {
      if (problem.evidence.contains(VarId{static_cast<std::uint32_t>(v)})) continue;
      EXPECT_LT(fixed_point_residual(problem.graph, r.marginals, v), 1e-8) << "seed " << seed << " var " << v;
    }
  }
  EXPECT_GE(converged, 140);  // coordinate ascent converges; a few may crawl
}

TEST(MeanField, OneClusterHoldingEverythingIsExact) {
  for (std::uint64_t seed = 200; seed < 240; ++seed) {
    const RandomProblem problem = random_problem(seed);
    MeanFieldOptions options;
    std::vector<VarId> all;
    for (std::uint32_t v = 0; v < problem.graph.num_variables(); ++v) all.push_back(VarId{v});
    options.clusters = {all};
    const InferenceResult r = mean_field(problem.graph, problem.evidence, Task::marginals, options);
    EXPECT_NEAR(*r.log_z, static_cast<double>(problem.oracle.log_z), 1e-9) << "seed " << seed;
    for (std::size_t v = 0; v < r.marginals.size(); ++v) {
      for (std::size_t x = 0; x < r.marginals[v].size(); ++x) {
        EXPECT_NEAR(r.marginals[v][x], problem.oracle.marginals[v][x], 1e-9) << "seed " << seed;
      }
    }
  }
}

TEST(MeanField, SingletonClustersAreNaiveMeanField) {
  for (std::uint64_t seed = 300; seed < 330; ++seed) {
    const RandomProblem problem = random_problem(seed);
    MeanFieldOptions singletons = tight();
    for (std::uint32_t v = 0; v < problem.graph.num_variables(); ++v) singletons.clusters.push_back({VarId{v}});
    const InferenceResult naive = mean_field(problem.graph, problem.evidence, Task::marginals, tight());
    const InferenceResult listed = mean_field(problem.graph, problem.evidence, Task::marginals, singletons);
    if (std::isfinite(*naive.log_z)) {
      EXPECT_NEAR(*listed.log_z, *naive.log_z, 1e-9 * std::max(1.0, std::abs(*naive.log_z))) << "seed " << seed;
    }
    for (std::size_t v = 0; v < naive.marginals.size(); ++v) {
      for (std::size_t x = 0; x < naive.marginals[v].size(); ++x) {
        EXPECT_NEAR(listed.marginals[v][x], naive.marginals[v][x], 1e-9) << "seed " << seed;
      }
    }
  }
}

TEST(MeanField, RowClustersOnAGridLandBetweenNaiveAndExact) {
  const std::size_t n = 6;
  const FactorGraph grid = bp::random_ising_grid(n, n, 0.8, 0.4, 17);
  const double exact = *solve_exact(grid, {}, Task::partition).log_z;
  const InferenceResult naive = mean_field(grid, {}, Task::marginals, tight());
  MeanFieldOptions rows = tight();
  for (std::uint32_t i = 0; i < n; ++i) {
    std::vector<VarId> row;
    for (std::uint32_t j = 0; j < n; ++j) row.push_back(VarId{i * static_cast<std::uint32_t>(n) + j});
    rows.clusters.push_back(row);
  }
  const InferenceResult structured = mean_field(grid, {}, Task::marginals, rows);
  EXPECT_EQ(structured.report.termination, Termination::converged);
  EXPECT_LT(*naive.log_z, *structured.log_z);
  EXPECT_LT(*structured.log_z, exact);
  for (std::size_t k = 1; k < structured.report.bounds.size(); ++k) {
    EXPECT_GE(structured.report.bounds[k], structured.report.bounds[k - 1] - 1e-12);
  }
}

TEST(MeanField, ParallelColouringIsDeterministicAndConverges) {
  const FactorGraph grid = bp::random_ising_grid(24, 24, 0.5, 0.3, 23);
  MeanFieldOptions options = tight();
  options.schedule = MeanFieldSchedule::parallel;
  options.threads = 1;
  const InferenceResult one = mean_field(grid, {}, Task::marginals, options);
  options.threads = 2;
  const InferenceResult two = mean_field(grid, {}, Task::marginals, options);
  EXPECT_EQ(one.marginals, two.marginals);
  EXPECT_EQ(*one.log_z, *two.log_z);
  EXPECT_EQ(one.report.bounds, two.report.bounds);
  EXPECT_EQ(two.report.threads, 2u);
  EXPECT_EQ(one.report.termination, Termination::converged);
  // The colouring updates whole colour classes at once: a different path, the same kind of fixed point.
  for (std::size_t v = 0; v < grid.num_variables(); ++v) {
    EXPECT_LT(fixed_point_residual(grid, one.marginals, v), 1e-8);
  }
}

// A random pairwise model: cardinalities 2-3, unary and pairwise factors on random
// pairs (some hard zeros), so that random clusters hold trees and cycles alike.
FactorGraph random_pairwise(std::mt19937_64& rng, std::size_t n) {
  FactorGraph graph;
  std::uniform_int_distribution<std::size_t> card(2, 3);
  std::normal_distribution<double> value(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::size_t v = 0; v < n; ++v) graph.add_variable(card(rng));
  const auto table = [&](std::size_t size) {
    std::vector<double> t(size);
    for (double& x : t) x = unit(rng) < 0.05 ? kNegInf : value(rng);
    if (std::all_of(t.begin(), t.end(), [](double x) { return x == kNegInf; })) t[0] = 0.0;
    return t;
  };
  for (std::uint32_t v = 0; v < n; ++v) graph.add_factor(DiscreteFactor({VarId{v}}, {graph.cardinality(VarId{v})}, table(graph.cardinality(VarId{v}))));
  for (std::size_t e = 0; e < 2 * n; ++e) {
    const auto a = static_cast<std::uint32_t>(rng() % n);
    const auto b = static_cast<std::uint32_t>(rng() % n);
    if (a == b) continue;
    const std::size_t ca = graph.cardinality(VarId{a});
    const std::size_t cb = graph.cardinality(VarId{b});
    graph.add_factor(DiscreteFactor({VarId{a}, VarId{b}}, {ca, cb}, table(ca * cb)));
  }
  return graph;
}

TEST(MeanField, EveryClusterIsTheExactDistributionOfItsFactorsAndMessagesAtConvergence) {
  // Structured mean field's fixed point, recomputed by enumeration: q_c is the exact
  // distribution of c's own factors times exp(E_{q_other}[log f]) of each crossing f.
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    const FactorGraph graph = random_pairwise(rng, 9);
    if (!has_positive_probability(graph)) continue;
    MeanFieldOptions options = tight();
    std::vector<std::uint32_t> order(graph.num_variables());
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i < order.size();) {
      const std::size_t size = 1 + rng() % 4;
      std::vector<VarId> cluster;
      for (std::size_t k = 0; k < size && i < order.size(); ++k, ++i) cluster.push_back(VarId{order[i]});
      options.clusters.push_back(cluster);
    }
    InferenceResult r;
    try {
      r = mean_field(graph, {}, Task::marginals, options);
    } catch (const NumericError&) {
      continue;  // hard zeros left a cluster no configuration: the documented refusal
    }
    if (r.report.termination != Termination::converged || !std::isfinite(*r.log_z)) continue;
    ++checked;
    EXPECT_NEAR(*r.log_z, elbo_of_structured(graph, options.clusters, r.marginals), 1e-8) << "seed " << seed;
    for (const std::vector<VarId>& cluster : options.clusters) {
      const std::vector<std::vector<double>> exact = cluster_fixed_point(graph, cluster, r.marginals);
      for (std::size_t k = 0; k < cluster.size(); ++k) {
        for (std::size_t x = 0; x < exact[k].size(); ++x) {
          EXPECT_NEAR(r.marginals[cluster[k].index][x], exact[k][x], 1e-8) << "seed " << seed;
        }
      }
    }
  }
  EXPECT_GE(checked, 40);
}

// A chain cluster solved by the linear-domain tree kernel until a crossing factor's
// message spans more than the linear domain can hold (kLinearLogRange): from then on
// the cluster's junction tree takes over, reading the kernel's last messages. The fixed
// point, the ELBO and its monotone trace are checked by enumeration as above.
TEST(MeanField, AChainClusterHandsOverToItsJunctionTreeWhenMessagesOutgrowTheLinearDomain) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  const VarId b = graph.add_variable(2);
  const VarId c = graph.add_variable(2);
  const VarId z = graph.add_variable(2);
  const VarId w = graph.add_variable(3);
  graph.add_factor(DiscreteFactor({a, b}, {2, 2}, {0.0, -0.7, -0.4, 0.3}));
  graph.add_factor(DiscreteFactor({b, c}, {2, 2}, {0.2, -0.5, -0.1, 0.4}));
  graph.add_factor(DiscreteFactor({z, a}, {2, 2}, {0.0, -1000.0, -1000.0, 0.0}));  // spans 1000
  graph.add_factor(DiscreteFactor({z}, {2}, {0.0, -3.0}));
  graph.add_factor(DiscreteFactor({c, w}, {2, 3}, {0.1, -0.3, 0.5, 0.0, -0.2, 0.4}));
  MeanFieldOptions options = tight();
  options.clusters = {{a, b, c}};  // z and w: singletons, updated after the chain
  const InferenceResult r = mean_field(graph, {}, Task::marginals, options);
  ASSERT_EQ(r.report.termination, Termination::converged);
  ASSERT_GE(r.report.bounds.size(), 3u);  // sweep 1 by the kernel (z uniform), then the junction tree
  for (std::size_t k = 1; k < r.report.bounds.size(); ++k) {
    EXPECT_GE(r.report.bounds[k], r.report.bounds[k - 1] - 1e-9 * std::max(1.0, std::abs(r.report.bounds[k - 1])));
  }
  const std::vector<std::vector<VarId>> clusters = {{a, b, c}, {z}, {w}};
  EXPECT_NEAR(*r.log_z, elbo_of_structured(graph, clusters, r.marginals), 1e-8);
  EXPECT_LE(*r.log_z, static_cast<double>(brute_force(graph).log_z) + 1e-9);
  for (const std::vector<VarId>& cluster : clusters) {
    const std::vector<std::vector<double>> exact = cluster_fixed_point(graph, cluster, r.marginals);
    for (std::size_t k = 0; k < cluster.size(); ++k) {
      for (std::size_t x = 0; x < exact[k].size(); ++x) EXPECT_NEAR(r.marginals[cluster[k].index][x], exact[k][x], 1e-8);
    }
  }
}

TEST(MeanField, OptionsAndTasksAreChecked) {
  const FactorGraph grid = bp::random_ising_grid(2, 2, 0.5, 0.3, 1);
  MeanFieldOptions bad;
  bad.damping = 1.0;
  EXPECT_THROW((void)mean_field(grid, {}, Task::marginals, bad), InputError);
  EXPECT_THROW((void)mean_field(grid, {}, Task::mpe), InputError);
  MeanFieldOptions twice;
  twice.clusters = {{VarId{0}, VarId{1}}, {VarId{1}}};
  EXPECT_THROW((void)mean_field(grid, {}, Task::marginals, twice), InputError);
  MeanFieldOptions unknown;
  unknown.clusters = {{VarId{9}}};
  EXPECT_THROW((void)mean_field(grid, {}, Task::marginals, unknown), InputError);
}

}  // namespace
}  // namespace copi::test
