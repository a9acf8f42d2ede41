// Seeded random discrete models for testing exact inference against the brute-force
// oracle: up to 14 variables of cardinality 2-4, factors over 1-3 variables whose scopes
// are listed in shuffled order, hard zeros, log values over a wide range, isolated
// variables, constant factors, and evidence that is checked to have positive probability.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "inference/brute_force_oracle.hpp"

namespace copi::test {

struct RandomModelOptions {
  std::size_t max_variables = 14;
  std::size_t max_joint_states = std::size_t{1} << 16;  // keeps the oracle fast
  std::size_t max_arity = 3;
  double hard_zero_probability = 0.08;  // per table entry
  std::size_t max_observed = 3;
};

struct RandomProblem {
  std::uint64_t seed = 0;
  FactorGraph graph;
  Evidence evidence;
  OracleAnswer oracle;  // brute force with the evidence applied
};

namespace random_detail {

inline std::size_t uniform(std::mt19937_64& rng, std::size_t low, std::size_t high) {
  return std::uniform_int_distribution<std::size_t>(low, high)(rng);
}

inline bool chance(std::mt19937_64& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

// Cardinalities 2-4 whose product stays within the joint-state budget.
inline std::vector<std::size_t> random_cardinalities(std::mt19937_64& rng, std::size_t n,
                                                     std::size_t max_joint_states) {
  std::vector<std::size_t> cards(n);
  for (auto& card : cards) card = uniform(rng, 2, 4);
  auto product = [&] {
    double p = 1;
    for (std::size_t card : cards) p *= static_cast<double>(card);
    return p;
  };
  while (product() > static_cast<double>(max_joint_states)) {
    std::vector<std::size_t> shrinkable;
    for (std::size_t v = 0; v < n; ++v) {
      if (cards[v] > 2) shrinkable.push_back(v);
    }
    if (shrinkable.empty()) throw std::logic_error("random model: too many variables");
    --cards[shrinkable[uniform(rng, 0, shrinkable.size() - 1)]];
  }
  return cards;
}

// A log table: a per-factor scale (0.1 to 30 nats) and offset (up to +-400 nats, so
// that exp() of a raw entry would overflow or underflow), with hard zeros.
inline std::vector<double> random_log_table(std::mt19937_64& rng, std::size_t size,
                                            double hard_zero_probability) {
  static constexpr double kScales[] = {0.1, 1.0, 3.0, 10.0, 30.0};
  const double scale = kScales[uniform(rng, 0, std::size(kScales) - 1)];
  const double offset =
      chance(rng, 0.3) ? std::uniform_real_distribution<double>(-400.0, 400.0)(rng) : 0.0;
  std::normal_distribution<double> normal(offset, scale);
  std::vector<double> table(size);
  for (double& entry : table) {
    entry = chance(rng, hard_zero_probability) ? -std::numeric_limits<double>::infinity()
                                               : normal(rng);
  }
  return table;
}

inline std::vector<VarId> random_scope(std::mt19937_64& rng, std::size_t num_variables,
                                       std::size_t arity) {
  std::vector<VarId> all(num_variables);
  for (std::size_t v = 0; v < num_variables; ++v) all[v] = VarId{static_cast<std::uint32_t>(v)};
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(arity);  // shuffled order: scopes are deliberately not sorted
  return all;
}

inline DiscreteFactor random_factor(std::mt19937_64& rng, const FactorGraph& graph,
                                    std::vector<VarId> scope, double hard_zero_probability) {
  std::vector<std::size_t> cards;
  std::size_t size = 1;
  for (VarId var : scope) {
    cards.push_back(graph.cardinality(var));
    size *= cards.back();
  }
  return DiscreteFactor(std::move(scope), std::move(cards),
                        random_log_table(rng, size, hard_zero_probability));
}

}  // namespace random_detail

// A random model with Z > 0 (checked by the oracle; resampled otherwise).
inline FactorGraph random_model(std::mt19937_64& rng, const RandomModelOptions& options = {}) {
  using namespace random_detail;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::size_t n = uniform(rng, 1, options.max_variables);
    FactorGraph graph;
    for (std::size_t card : random_cardinalities(rng, n, options.max_joint_states)) {
      graph.add_variable(card);
    }
    // Leave roughly one variable in ten out of every factor (it multiplies Z by its
    // cardinality); the others get factors until each is covered.
    std::vector<bool> wanted(n);
    for (std::size_t v = 0; v < n; ++v) wanted[v] = !chance(rng, 0.1);
    const std::size_t extra = uniform(rng, 0, 2 * n);
    std::vector<bool> covered(n, false);
    auto add = [&](std::vector<VarId> scope) {
      for (VarId var : scope) covered[var.index] = true;
      graph.add_factor(random_factor(rng, graph, std::move(scope), options.hard_zero_probability));
    };
    for (std::size_t f = 0; f < extra; ++f) {
      const std::size_t arity = uniform(rng, 1, std::min(options.max_arity, n));
      std::vector<VarId> scope = random_scope(rng, n, arity);
      const bool touches_unwanted = std::any_of(scope.begin(), scope.end(),
                                                [&](VarId var) { return !wanted[var.index]; });
      if (!touches_unwanted) add(std::move(scope));
    }
    for (std::size_t v = 0; v < n; ++v) {
      if (wanted[v] && !covered[v]) add({VarId{static_cast<std::uint32_t>(v)}});
    }
    if (chance(rng, 0.3)) {
      graph.add_factor(DiscreteFactor::constant(std::normal_distribution<double>(0, 5)(rng)));
    }
    if (chance(rng, 0.1)) graph.add_factor(DiscreteFactor());
    if (has_positive_probability(graph)) return graph;
  }
  throw std::logic_error("random model: no model with Z > 0 after 1000 attempts");
}

// Evidence on up to max_observed variables with positive probability (oracle-checked),
// with the oracle's answer under it.
inline std::pair<Evidence, OracleAnswer> random_possible_evidence(std::mt19937_64& rng,
                                                                  const FactorGraph& graph,
                                                                  std::size_t max_observed) {
  using namespace random_detail;
  const std::size_t n = graph.num_variables();
  for (int attempt = 0; attempt < 200; ++attempt) {
    const std::size_t count = uniform(rng, 0, std::min(max_observed, n));
    const std::vector<VarId> vars = random_scope(rng, n, count);
    Evidence evidence;
    for (VarId var : vars) evidence[var] = uniform(rng, 0, graph.cardinality(var) - 1);
    if (has_positive_probability(graph, evidence)) {
      OracleAnswer answer = brute_force(graph, evidence);
      return {std::move(evidence), std::move(answer)};
    }
  }
  return {Evidence{}, brute_force(graph)};  // the model itself has Z > 0
}

inline RandomProblem random_problem(std::uint64_t seed, const RandomModelOptions& options = {}) {
  std::mt19937_64 rng(seed);
  RandomProblem problem;
  problem.seed = seed;
  problem.graph = random_model(rng, options);
  std::tie(problem.evidence, problem.oracle) =
      random_possible_evidence(rng, problem.graph, options.max_observed);
  return problem;
}

// A random model plus a pairwise factor forbidding one joint state of two variables,
// and evidence setting exactly those two states: each observation alone has positive
// probability, together they have probability zero.
inline RandomProblem impossible_evidence_problem(std::uint64_t seed) {
  using namespace random_detail;
  std::mt19937_64 rng(seed);
  RandomModelOptions options;
  options.max_variables = 8;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    FactorGraph graph = random_model(rng, options);
    const std::size_t n = graph.num_variables();
    if (n < 2) continue;
    const std::vector<VarId> pair = random_scope(rng, n, 2);
    const std::size_t a = uniform(rng, 0, graph.cardinality(pair[0]) - 1);
    const std::size_t b = uniform(rng, 0, graph.cardinality(pair[1]) - 1);
    if (!has_positive_probability(graph, {{pair[0], a}}) ||
        !has_positive_probability(graph, {{pair[1], b}})) {
      continue;
    }
    const std::size_t ca = graph.cardinality(pair[0]);
    std::vector<double> table(ca * graph.cardinality(pair[1]), 0.0);
    table[a + ca * b] = -std::numeric_limits<double>::infinity();  // first variable fastest
    graph.add_factor(DiscreteFactor(pair, {ca, graph.cardinality(pair[1])}, std::move(table)));
    RandomProblem problem;
    problem.seed = seed;
    problem.evidence = {{pair[0], a}, {pair[1], b}};
    problem.oracle = brute_force(graph, problem.evidence);
    problem.graph = std::move(graph);
    if (problem.oracle.log_z != -std::numeric_limits<long double>::infinity()) {
      throw std::logic_error("impossible evidence problem: evidence is possible");
    }
    return problem;
  }
  throw std::logic_error("impossible evidence problem: no model found");
}

}  // namespace copi::test
