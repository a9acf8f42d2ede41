// Models and checks for the belief propagation tests: seeded random factor-graph
// forests (pairwise and 3-variable factors, shuffled scopes, hard zeros, evidence) with
// the brute-force oracle's answer, Ising / Potts grids, the libDAI BP reference files,
// and comparisons of InferenceResults with those answers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"
#include "inference/brute_force_oracle.hpp"
#include "inference/random_models.hpp"

namespace copi::test::bp {

// ---- random forests ---------------------------------------------------------------------

struct ForestOptions {
  std::size_t max_variables = 12;
  std::size_t max_joint_states = std::size_t{1} << 15;  // keeps the oracle fast
  double hard_zero_probability = 0.08;                  // per table entry
  double new_tree_probability = 0.15;                   // a variable starts a new tree
  double triple_probability = 0.4;                      // a linking factor has 3 variables
  double wide_table_probability = 0.08;                 // log range > 575: log-domain messages
  std::size_t max_observed = 3;
};

namespace forest_detail {

using random_detail::chance;
using random_detail::uniform;

// random_models.hpp's tables (scales 0.1-30 nats, offsets up to +-400, hard zeros), and
// now and then a table spanning thousands of nats, which linear messages cannot hold.
inline DiscreteFactor forest_factor(std::mt19937_64& rng, const FactorGraph& graph,
                                    std::vector<VarId> scope, const ForestOptions& options) {
  DiscreteFactor factor =
      random_detail::random_factor(rng, graph, std::move(scope), options.hard_zero_probability);
  if (chance(rng, options.wide_table_probability)) {
    std::normal_distribution<double> wide(0.0, 400.0);
    for (double& entry : factor.log_values()) {
      if (entry != -std::numeric_limits<double>::infinity()) entry = wide(rng);
    }
  }
  return factor;
}

}  // namespace forest_detail

// A factor graph that is a forest: variables are attached one tree edge at a time by a
// pairwise or 3-variable factor joining one already placed variable and one or two new
// ones (scopes shuffled), some variables start new trees, and unary and constant factors
// (leaves) are sprinkled on. The factor order is shuffled too. Z > 0 (oracle-checked).
inline FactorGraph random_forest(std::mt19937_64& rng, const ForestOptions& options = {}) {
  using namespace forest_detail;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::size_t n = uniform(rng, 1, options.max_variables);
    FactorGraph graph;
    for (std::size_t card : random_detail::random_cardinalities(rng, n, options.max_joint_states)) {
      graph.add_variable(card);
    }
    std::vector<VarId> order(n);
    for (std::size_t v = 0; v < n; ++v) order[v] = VarId{static_cast<std::uint32_t>(v)};
    std::shuffle(order.begin(), order.end(), rng);

    std::vector<DiscreteFactor> factors;
    std::vector<VarId> placed;
    for (std::size_t next = 0; next < n;) {
      if (placed.empty() || chance(rng, options.new_tree_probability)) {
        placed.push_back(order[next++]);  // the root of a new tree
        continue;
      }
      const std::size_t fresh = (n - next >= 2 && chance(rng, options.triple_probability)) ? 2 : 1;
      std::vector<VarId> scope{placed[uniform(rng, 0, placed.size() - 1)]};
      for (std::size_t k = 0; k < fresh; ++k) {
        scope.push_back(order[next]);
        placed.push_back(order[next++]);
      }
      std::shuffle(scope.begin(), scope.end(), rng);
      factors.push_back(forest_factor(rng, graph, std::move(scope), options));
    }
    for (std::size_t v = 0; v < n; ++v) {
      const std::size_t unaries = uniform(rng, 0, 4) / 2;  // 0, 1 or 2 unary factors
      for (std::size_t u = 0; u < unaries; ++u) {
        factors.push_back(forest_factor(rng, graph, {VarId{static_cast<std::uint32_t>(v)}}, options));
      }
    }
    if (chance(rng, 0.3)) {
      factors.push_back(DiscreteFactor::constant(std::normal_distribution<double>(0, 5)(rng)));
    }
    std::shuffle(factors.begin(), factors.end(), rng);
    for (DiscreteFactor& factor : factors) graph.add_factor(std::move(factor));
    if (has_positive_probability(graph)) return graph;
  }
  throw std::logic_error("random forest: no model with Z > 0 after 1000 attempts");
}

inline RandomProblem random_forest_problem(std::uint64_t seed, const ForestOptions& options = {}) {
  std::mt19937_64 rng(seed);
  RandomProblem problem;
  problem.seed = seed;
  problem.graph = random_forest(rng, options);
  std::tie(problem.evidence, problem.oracle) =
      random_possible_evidence(rng, problem.graph, options.max_observed);
  return problem;
}

// Pairs of variables joined by a path of factors (same connected component), from a
// union-find over the scopes. Adding a factor on such a pair closes a cycle.
inline std::vector<std::pair<VarId, VarId>> connected_pairs(const FactorGraph& graph) {
  std::vector<std::size_t> parent(graph.num_variables());
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  auto find = [&](std::size_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const DiscreteFactor& factor : graph.tables()) {
    for (std::size_t i = 1; i < factor.arity(); ++i) {
      parent[find(factor.scope()[i].index)] = find(factor.scope()[0].index);
    }
  }
  std::vector<std::pair<VarId, VarId>> pairs;
  for (std::uint32_t a = 0; a < graph.num_variables(); ++a) {
    for (std::uint32_t b = a + 1; b < graph.num_variables(); ++b) {
      if (find(a) == find(b)) pairs.emplace_back(VarId{a}, VarId{b});
    }
  }
  return pairs;
}

inline std::string describe(const RandomProblem& problem) {
  std::ostringstream out;
  out << "seed " << problem.seed << ": " << problem.graph.num_variables() << " variables (cards";
  for (const Variable& var : problem.graph.variables()) out << ' ' << var.cardinality;
  out << "), factors";
  for (const DiscreteFactor& factor : problem.graph.tables()) {
    out << " {";
    for (std::size_t i = 0; i < factor.arity(); ++i) out << (i ? " " : "") << factor.scope()[i].index;
    out << '}';
  }
  out << ", evidence {";
  for (const auto& [var, state] : problem.evidence) out << ' ' << var.index << '=' << state;
  out << " }";
  return out.str();
}

// ---- grids --------------------------------------------------------------------------------

// A rows x cols binary grid with open boundary; state 0 is spin -1, state 1 spin +1
// (libDAI's convention): unary exp(h s), pairwise exp(J s s'). Unary factors first
// (row-major), then horizontal and vertical couplings interleaved row by row.
template <typename CouplingFn, typename FieldFn>
FactorGraph ising_grid(std::size_t rows, std::size_t cols, CouplingFn coupling, FieldFn field) {
  FactorGraph graph;
  auto id = [&](std::size_t r, std::size_t c) { return VarId{static_cast<std::uint32_t>(r * cols + c)}; };
  for (std::size_t v = 0; v < rows * cols; ++v) graph.add_variable(2);
  for (std::size_t v = 0; v < rows * cols; ++v) {
    const double h = field();
    graph.add_factor(DiscreteFactor({VarId{static_cast<std::uint32_t>(v)}}, {2}, {-h, h}));
  }
  auto couple = [&](VarId a, VarId b) {
    const double j = coupling();
    // index = x_a + 2 x_b; equal spins give +J.
    graph.add_factor(DiscreteFactor({a, b}, {2, 2}, {j, -j, -j, j}));
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      if (c + 1 < cols) couple(id(r, c), id(r, c + 1));
      if (r + 1 < rows) couple(id(r, c), id(r + 1, c));
    }
  }
  return graph;
}

// A seeded Ising grid with J ~ N(0, sigma_j^2) and h ~ N(0, sigma_h^2).
inline FactorGraph random_ising_grid(std::size_t rows, std::size_t cols, double sigma_j, double sigma_h,
                                     std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> j(0.0, sigma_j);
  std::normal_distribution<double> h(0.0, sigma_h);
  return ising_grid(rows, cols, [&] { return j(rng); }, [&] { return h(rng); });
}

// ---- libDAI BP references -----------------------------------------------------------------

struct LibdaiBpReference {
  double log_z = 0;
  bool converged = false;
  std::size_t iterations = 0;
  std::map<std::string, std::vector<double>> marginals;  // by label, as text
};

// `logZ v`, `converged c iterations i`, then `label card p_0 ... p_{card-1}` lines.
inline LibdaiBpReference read_libdai_bp_reference(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  LibdaiBpReference ref;
  std::string word, word2, line;
  int converged = -1;
  if (!(in >> word >> ref.log_z) || word != "logZ") {
    throw std::runtime_error(path.string() + ": no logZ line");
  }
  if (!(in >> word >> converged >> word2 >> ref.iterations) || word != "converged" ||
      word2 != "iterations" || (converged != 0 && converged != 1)) {
    throw std::runtime_error(path.string() + ": no 'converged c iterations i' line");
  }
  ref.converged = converged == 1;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string label;
    std::size_t card = 0;
    if (!(fields >> label >> card)) continue;
    std::vector<double>& p = ref.marginals[label];
    p.resize(card);
    for (double& value : p) fields >> value;
    if (!fields) throw std::runtime_error(path.string() + ": short line for label " + label);
  }
  return ref;
}

// Largest |p_copi - p_libdai| over every variable and state; the variables are matched by
// name (the .fg reader names them by label). Fails on a missing variable or a card mismatch.
inline ::testing::AssertionResult marginals_near_reference(const FactorGraph& graph,
                                                           const std::vector<std::vector<double>>& got,
                                                           const LibdaiBpReference& ref, double tolerance) {
  if (got.size() != graph.num_variables() || ref.marginals.size() != graph.num_variables()) {
    return ::testing::AssertionFailure() << got.size() << " marginals, " << ref.marginals.size()
                                         << " in the reference, " << graph.num_variables() << " variables";
  }
  double worst = 0;
  std::string worst_label;
  for (const auto& [label, expected] : ref.marginals) {
    const std::optional<VarId> var = graph.find_variable(label);
    if (!var) return ::testing::AssertionFailure() << "no variable named " << label;
    const std::vector<double>& p = got[var->index];
    if (p.size() != expected.size()) {
      return ::testing::AssertionFailure() << "variable " << label << " has " << p.size() << " states, reference "
                                           << expected.size();
    }
    for (std::size_t s = 0; s < p.size(); ++s) {
      const double diff = std::abs(p[s] - expected[s]);
      if (!(diff <= worst)) {  // also catches NaN
        worst = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
        worst_label = label;
      }
    }
  }
  if (worst <= tolerance) return ::testing::AssertionSuccess() << "max |dp| " << worst;
  return ::testing::AssertionFailure() << "max |dp| " << worst << " (variable " << worst_label << ") > "
                                       << tolerance;
}

// ---- result checks ------------------------------------------------------------------------

inline double max_abs_difference(const std::vector<std::vector<double>>& a,
                                 const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::size_t v = 0; v < a.size(); ++v) {
    if (a[v].size() != b[v].size()) return std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < a[v].size(); ++s) {
      const double diff = std::abs(a[v][s] - b[v][s]);
      if (!(diff <= worst)) worst = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
    }
  }
  return worst;
}

// Every marginal is a finite distribution (entries in [0, 1], sum 1 within 1e-9).
inline ::testing::AssertionResult marginals_are_distributions(const FactorGraph& graph,
                                                              const std::vector<std::vector<double>>& marginals) {
  if (marginals.size() != graph.num_variables()) {
    return ::testing::AssertionFailure() << marginals.size() << " marginals for " << graph.num_variables()
                                         << " variables";
  }
  for (std::size_t v = 0; v < marginals.size(); ++v) {
    if (marginals[v].size() != graph.variables()[v].cardinality) {
      return ::testing::AssertionFailure() << "variable " << v << " has " << marginals[v].size() << " states";
    }
    double sum = 0;
    for (std::size_t s = 0; s < marginals[v].size(); ++s) {
      const double p = marginals[v][s];
      if (!std::isfinite(p) || p < 0 || p > 1) {
        return ::testing::AssertionFailure() << "p(x" << v << " = " << s << ") = " << p;
      }
      sum += p;
    }
    if (!(std::abs(sum - 1) <= 1e-9)) {
      return ::testing::AssertionFailure() << "marginal of x" << v << " sums to " << sum;
    }
  }
  return ::testing::AssertionSuccess();
}

// Marginals and log Z against the oracle; observed variables must be exact point masses.
inline ::testing::AssertionResult matches_oracle(const InferenceResult& result, const RandomProblem& problem,
                                                 double tolerance) {
  const OracleAnswer& oracle = problem.oracle;
  if (result.marginals.size() != oracle.marginals.size()) {
    return ::testing::AssertionFailure() << "marginals for " << result.marginals.size() << " variables, expected "
                                         << oracle.marginals.size();
  }
  for (std::size_t v = 0; v < result.marginals.size(); ++v) {
    const std::vector<double>& got = result.marginals[v];
    if (got.size() != oracle.marginals[v].size()) {
      return ::testing::AssertionFailure() << "variable " << v << " has " << got.size() << " states";
    }
    const auto observed = problem.evidence.find(VarId{static_cast<std::uint32_t>(v)});
    for (std::size_t s = 0; s < got.size(); ++s) {
      if (observed != problem.evidence.end() && got[s] != (s == observed->second ? 1.0 : 0.0)) {
        return ::testing::AssertionFailure() << "observed x" << v << " = " << observed->second
                                             << " is not a point mass: p(" << s << ") = " << got[s];
      }
      const double error = std::abs(got[s] - oracle.marginals[v][s]);
      if (!(error <= tolerance)) {
        return ::testing::AssertionFailure() << "p(x" << v << " = " << s << ") = " << got[s] << ", oracle "
                                             << oracle.marginals[v][s] << " (|diff| " << error << ")";
      }
    }
  }
  if (!result.log_z) return ::testing::AssertionFailure() << "no log Z";
  const double expected = static_cast<double>(oracle.log_z);
  if (!(std::abs(*result.log_z - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "log Z " << *result.log_z << ", oracle " << expected << " (|diff| "
                                         << std::abs(*result.log_z - expected) << ")";
  }
  return ::testing::AssertionSuccess();
}

// The MPE assignment respects the evidence and its log value (by the oracle) is the
// oracle's maximum; map_log_value agrees. Ties may pick different assignments.
inline ::testing::AssertionResult mpe_matches_oracle(const InferenceResult& result, const RandomProblem& problem,
                                                     double tolerance) {
  const FactorGraph& graph = problem.graph;
  if (result.map.size() != graph.num_variables()) {
    return ::testing::AssertionFailure() << "MPE assignment of length " << result.map.size();
  }
  for (std::size_t v = 0; v < result.map.size(); ++v) {
    if (result.map[v] >= graph.variables()[v].cardinality) {
      return ::testing::AssertionFailure() << "MPE state " << result.map[v] << " of x" << v << " out of range";
    }
  }
  for (const auto& [var, state] : problem.evidence) {
    if (result.map[var.index] != state) {
      return ::testing::AssertionFailure() << "MPE sets observed x" << var.index << " to " << result.map[var.index]
                                           << ", evidence says " << state;
    }
  }
  const double expected = static_cast<double>(problem.oracle.max_log_value);
  const double value = static_cast<double>(oracle_log_value(graph, result.map));
  if (!(std::abs(value - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "MPE assignment has log value " << value << ", the maximum is "
                                         << expected << " (|diff| " << std::abs(value - expected) << ")";
  }
  if (!result.map_log_value || !(std::abs(*result.map_log_value - expected) <= tolerance)) {
    return ::testing::AssertionFailure() << "map_log_value "
                                         << (result.map_log_value ? std::to_string(*result.map_log_value) : "none")
                                         << ", the maximum is " << expected;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace copi::test::bp
