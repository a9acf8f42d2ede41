// Evidence: validation messages, clamping (inconsistent entries become hard zeros and
// the clamped model's marginals are the conditionals of the original, checked by
// enumerating every joint assignment) and reduction (checked entry by entry).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Entry of `f` at a full assignment (indexed by VarId::index), first variable fastest.
double entry_at(const DiscreteFactor& f, const Sizes& full) {
  std::size_t index = 0;
  std::size_t stride = 1;
  for (std::size_t i = 0; i < f.arity(); ++i) {
    index += full[f.scope()[i].index] * stride;
    stride *= f.cardinalities()[i];
  }
  return f.log_values().at(index);
}

void decode_into(const DiscreteFactor& f, std::size_t index, Sizes& full) {
  for (std::size_t i = 0; i < f.arity(); ++i) {
    full[f.scope()[i].index] = index % f.cardinalities()[i];
    index /= f.cardinalities()[i];
  }
}

bool consistent(const Sizes& full, const Evidence& evidence) {
  return std::all_of(evidence.begin(), evidence.end(),
                     [&](const auto& observed) { return full[observed.first.index] == observed.second; });
}

// Calls visit(full) for every joint assignment of the graph's variables.
template <typename Visit>
void for_each_assignment(const FactorGraph& graph, Visit visit) {
  Sizes full(graph.num_variables(), 0);
  while (true) {
    visit(full);
    std::size_t i = 0;
    for (; i < full.size(); ++i) {
      if (++full[i] < graph.cardinality(VarId{static_cast<std::uint32_t>(i)})) break;
      full[i] = 0;
    }
    if (i == full.size()) return;
  }
}

long double log_joint(const FactorGraph& graph, const Sizes& full) {
  long double total = 0.0L;
  for (const DiscreteFactor& f : graph.tables()) total += entry_at(f, full);
  return total;
}

// A graph with random cardinalities 1-3, random shuffled scopes (arity 0-3) and values
// in [-2, 2] with some -inf; with few factors, some variables are in none.
FactorGraph random_graph(std::mt19937& rng, double p_zero) {
  FactorGraph graph;
  std::uniform_int_distribution<std::size_t> card(1, 3);
  const std::size_t num_vars = std::uniform_int_distribution<std::size_t>(1, 6)(rng);
  for (std::size_t i = 0; i < num_vars; ++i) graph.add_variable(card(rng));
  const std::size_t num_factors = std::uniform_int_distribution<std::size_t>(0, 5)(rng);
  std::uniform_real_distribution<double> value(-2.0, 2.0);
  std::bernoulli_distribution zero(p_zero);
  for (std::size_t k = 0; k < num_factors; ++k) {
    std::vector<VarId> ids;
    for (std::uint32_t i = 0; i < num_vars; ++i) ids.push_back(VarId{i});
    std::shuffle(ids.begin(), ids.end(), rng);
    ids.resize(std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(3, num_vars))(rng));
    Sizes cards;
    std::size_t size = 1;
    for (const VarId v : ids) {
      cards.push_back(graph.cardinality(v));
      size *= cards.back();
    }
    std::vector<double> values(size);
    for (double& v : values) v = zero(rng) ? -kInf : value(rng);
    graph.add_factor(DiscreteFactor(ids, cards, values));
  }
  return graph;
}

Evidence random_evidence(std::mt19937& rng, const FactorGraph& graph) {
  Evidence evidence;
  std::bernoulli_distribution observe(0.4);
  for (std::uint32_t i = 0; i < graph.num_variables(); ++i) {
    const VarId v{i};
    if (observe(rng)) evidence[v] = std::uniform_int_distribution<std::size_t>(0, graph.cardinality(v) - 1)(rng);
  }
  return evidence;
}

// Per-variable marginals from enumeration, restricted to assignments accepted by `keep`.
// Returns an empty vector when the restricted mass is zero.
template <typename Keep>
std::vector<std::vector<long double>> brute_force_marginals(const FactorGraph& graph, Keep keep) {
  std::vector<std::vector<long double>> marginals(graph.num_variables());
  for (std::uint32_t i = 0; i < graph.num_variables(); ++i) marginals[i].assign(graph.cardinality(VarId{i}), 0.0L);
  long double z = 0.0L;
  for_each_assignment(graph, [&](const Sizes& full) {
    if (!keep(full)) return;
    const long double p = std::exp(log_joint(graph, full));
    z += p;
    for (std::size_t i = 0; i < full.size(); ++i) marginals[i][full[i]] += p;
  });
  if (z == 0.0L) return {};
  for (auto& m : marginals) {
    for (long double& p : m) p /= z;
  }
  return marginals;
}

FactorGraph three_variable_graph() {
  FactorGraph graph;
  const VarId a = graph.add_variable(Variable{"a", 2, {}});
  const VarId b = graph.add_variable(Variable{"b", 3, {}});
  graph.add_variable(Variable{"rain", 3, {"none", "light", "heavy"}});
  std::vector<double> values(6);
  std::iota(values.begin(), values.end(), 0.0);
  graph.add_factor(DiscreteFactor({a, b}, {2, 3}, values));  // value = own index a + 2b
  graph.add_factor(DiscreteFactor({b}, {3}, {0.5, -kInf, 1.5}));
  return graph;
}

std::string input_error_detail(auto action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.detail();
  }
  ADD_FAILURE() << "no InputError";
  return {};
}

// ---- validate_evidence

TEST(CoreEvidence, ValidEvidencePasses) {
  const FactorGraph graph = three_variable_graph();
  EXPECT_NO_THROW(validate_evidence(graph, {}));
  EXPECT_NO_THROW(validate_evidence(graph, {{VarId{0}, 1}, {VarId{1}, 2}, {VarId{2}, 0}}));
}

TEST(CoreEvidence, UnknownVariableErrorNamesTheId) {
  FactorGraph graph;
  for (int i = 0; i < 3; ++i) graph.add_variable(2);
  const std::string detail = input_error_detail([&] { validate_evidence(graph, {{VarId{17}, 0}}); });
  EXPECT_NE(detail.find("17"), std::string::npos) << detail;
}

TEST(CoreEvidence, StateOutOfRangeErrorNamesTheVariable) {
  const FactorGraph graph = three_variable_graph();
  const std::string detail = input_error_detail([&] { validate_evidence(graph, {{VarId{2}, 3}}); });
  EXPECT_NE(detail.find("rain"), std::string::npos) << detail;
  EXPECT_NE(detail.find('3'), std::string::npos) << detail;
  const std::string second = input_error_detail([&] { validate_evidence(graph, {{VarId{0}, 0}, {VarId{1}, 7}}); });
  EXPECT_NE(second.find("'b'"), std::string::npos) << second;
  EXPECT_NE(second.find('7'), std::string::npos) << second;
}

TEST(CoreEvidence, ClampAndReduceRejectInvalidEvidence) {
  const FactorGraph graph = three_variable_graph();
  EXPECT_THROW((void)clamp_evidence(graph, {{VarId{0}, 2}}), InputError);
  EXPECT_THROW((void)clamp_evidence(graph, {{VarId{3}, 0}}), InputError);
  EXPECT_THROW((void)reduce_evidence(graph, {{VarId{1}, 3}}), InputError);
  EXPECT_THROW((void)reduce_evidence(graph, {{VarId{9}, 0}}), InputError);
}

// ---- clamp_evidence

TEST(CoreEvidence, ClampOfHandWrittenGraph) {
  const FactorGraph graph = three_variable_graph();
  const FactorGraph clamped = clamp_evidence(graph, {{VarId{1}, 1}, {VarId{2}, 2}});
  ASSERT_EQ(clamped.num_variables(), 3u);
  ASSERT_EQ(clamped.num_factors(), 3u) << "rain is in no factor and needs an indicator";
  // Only b = 1 survives: entries a + 2 at indices 2, 3.
  EXPECT_EQ(clamped.table(FactorId{0}).log_values(), (std::vector<double>{-kInf, -kInf, 2, 3, -kInf, -kInf}));
  EXPECT_EQ(clamped.table(FactorId{1}).log_values(), (std::vector<double>{-kInf, -kInf, -kInf}));
  const DiscreteFactor& indicator = clamped.table(FactorId{2});
  EXPECT_EQ(indicator.scope(), std::vector<VarId>{VarId{2}});
  EXPECT_EQ(indicator.log_values(), (std::vector<double>{-kInf, -kInf, 0.0}));
  EXPECT_EQ(clamped.factors_of(VarId{2}), std::vector<FactorId>{FactorId{2}});

  const FactorGraph both = clamp_evidence(graph, {{VarId{0}, 0}, {VarId{1}, 2}});
  EXPECT_EQ(both.num_factors(), 2u);
  EXPECT_EQ(both.table(FactorId{0}).log_values(), (std::vector<double>{-kInf, -kInf, -kInf, -kInf, 4, -kInf}));
  EXPECT_EQ(both.table(FactorId{1}).log_values(), (std::vector<double>{-kInf, -kInf, 1.5}));
}

TEST(CoreEvidence, ClampOfNoEvidenceIsTheIdentity) {
  const FactorGraph graph = three_variable_graph();
  EXPECT_EQ(clamp_evidence(graph, {}), graph);
  EXPECT_EQ(reduce_evidence(graph, {}), graph);
}

TEST(CoreEvidence, ClampSetsExactlyTheInconsistentEntriesToMinusInfinity) {
  std::mt19937 rng(1001);
  for (int trial = 0; trial < 150; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng, 0.15);
    const Evidence evidence = random_evidence(rng, graph);
    const FactorGraph clamped = clamp_evidence(graph, evidence);

    ASSERT_EQ(clamped.num_variables(), graph.num_variables());
    for (std::uint32_t i = 0; i < graph.num_variables(); ++i) {
      EXPECT_EQ(clamped.variable(VarId{i}), graph.variable(VarId{i}));
    }
    std::vector<VarId> isolated_observed;
    for (const auto& [var, state] : evidence) {
      if (graph.factors_of(var).empty()) isolated_observed.push_back(var);
    }
    ASSERT_EQ(clamped.num_factors(), graph.num_factors() + isolated_observed.size());

    Sizes full(graph.num_variables(), 0);
    for (std::uint32_t k = 0; k < graph.num_factors(); ++k) {
      const DiscreteFactor& before = graph.table(FactorId{k});
      const DiscreteFactor& after = clamped.table(FactorId{k});
      ASSERT_EQ(after.scope(), before.scope());
      ASSERT_EQ(after.cardinalities(), before.cardinalities());
      for (std::size_t i = 0; i < before.size(); ++i) {
        decode_into(before, i, full);
        bool ok = true;
        for (const VarId v : before.scope()) {
          if (const auto it = evidence.find(v); it != evidence.end() && it->second != full[v.index]) ok = false;
        }
        EXPECT_EQ(after.log_values()[i], ok ? before.log_values()[i] : -kInf) << "factor " << k << " entry " << i;
      }
    }
    // The added factors: one indicator per observed variable that is in no factor.
    for (std::uint32_t k = static_cast<std::uint32_t>(graph.num_factors()); k < clamped.num_factors(); ++k) {
      const DiscreteFactor& added = clamped.table(FactorId{k});
      ASSERT_EQ(added.arity(), 1u);
      const VarId var = added.scope()[0];
      const auto where = std::find(isolated_observed.begin(), isolated_observed.end(), var);
      ASSERT_NE(where, isolated_observed.end()) << "unexpected or repeated indicator on " << var.index;
      isolated_observed.erase(where);
      std::vector<double> expected(graph.cardinality(var), -kInf);
      expected[evidence.at(var)] = 0.0;
      EXPECT_EQ(added.log_values(), expected);
    }
    EXPECT_TRUE(isolated_observed.empty());
  }
}

TEST(CoreEvidence, ClampedMarginalsAreTheConditionalsOfTheOriginal) {
  std::mt19937 rng(2002);
  int compared = 0;
  for (int trial = 0; trial < 150; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng, 0.1);
    const Evidence evidence = random_evidence(rng, graph);
    const FactorGraph clamped = clamp_evidence(graph, evidence);

    // Joint of the clamped model: the original where consistent, zero elsewhere.
    for_each_assignment(graph, [&](const Sizes& full) {
      const long double got = log_joint(clamped, full);
      if (!consistent(full, evidence)) {
        EXPECT_EQ(got, -std::numeric_limits<long double>::infinity());
      } else {
        const long double want = log_joint(graph, full);
        if (std::isinf(want)) {
          EXPECT_EQ(got, want);
        } else {
          EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), 1e-12);
        }
      }
    });

    const auto conditional = brute_force_marginals(graph, [&](const Sizes& full) { return consistent(full, evidence); });
    const auto clamped_marginals = brute_force_marginals(clamped, [](const Sizes&) { return true; });
    ASSERT_EQ(clamped_marginals.empty(), conditional.empty()) << "evidence probability zero in one model only";
    if (conditional.empty()) continue;
    ++compared;
    for (std::size_t i = 0; i < conditional.size(); ++i) {
      for (std::size_t s = 0; s < conditional[i].size(); ++s) {
        EXPECT_NEAR(static_cast<double>(clamped_marginals[i][s]), static_cast<double>(conditional[i][s]), 1e-12)
            << "variable " << i << " state " << s;
      }
      const auto it = evidence.find(VarId{static_cast<std::uint32_t>(i)});
      if (it != evidence.end()) {
        EXPECT_NEAR(static_cast<double>(clamped_marginals[i][it->second]), 1.0, 1e-12)
            << "observed variable " << i << " is not a point mass";
      }
    }
  }
  EXPECT_GT(compared, 50) << "too few trials with positive evidence probability";
}

// ---- reduce_evidence

TEST(CoreEvidence, ReduceOfHandWrittenGraph) {
  const FactorGraph graph = three_variable_graph();
  const FactorGraph reduced = reduce_evidence(graph, {{VarId{1}, 2}, {VarId{2}, 0}});
  ASSERT_EQ(reduced.num_variables(), 3u);
  EXPECT_EQ(reduced.variable(VarId{2}), graph.variable(VarId{2}));
  EXPECT_EQ(reduced.find_variable("rain"), VarId{2});
  ASSERT_EQ(reduced.num_factors(), 2u);
  // f(a, b) at b = 2: a + 4.
  EXPECT_EQ(reduced.table(FactorId{0}), DiscreteFactor({VarId{0}}, {2}, {4.0, 5.0}));
  // g(b) at b = 2: fully observed, a constant.
  EXPECT_EQ(reduced.table(FactorId{1}), DiscreteFactor::constant(1.5));
  EXPECT_TRUE(reduced.factors_of(VarId{1}).empty());
  EXPECT_TRUE(reduced.factors_of(VarId{2}).empty());
  EXPECT_EQ(reduced.factors_of(VarId{0}), std::vector<FactorId>{FactorId{0}});
}

TEST(CoreEvidence, ReduceMatchesByHandReductionOnRandomGraphs) {
  std::mt19937 rng(3003);
  for (int trial = 0; trial < 150; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng, 0.15);
    const Evidence evidence = random_evidence(rng, graph);
    const FactorGraph reduced = reduce_evidence(graph, evidence);

    ASSERT_EQ(reduced.num_variables(), graph.num_variables());
    ASSERT_EQ(reduced.num_factors(), graph.num_factors());
    for (std::uint32_t i = 0; i < graph.num_variables(); ++i) {
      EXPECT_EQ(reduced.variable(VarId{i}), graph.variable(VarId{i}));
      if (evidence.count(VarId{i}) != 0) {
        EXPECT_TRUE(reduced.factors_of(VarId{i}).empty()) << "variable " << i;
      }
    }
    Sizes full(graph.num_variables(), 0);
    for (const auto& [var, state] : evidence) full[var.index] = state;
    for (std::uint32_t k = 0; k < graph.num_factors(); ++k) {
      const DiscreteFactor& before = graph.table(FactorId{k});
      const DiscreteFactor& after = reduced.table(FactorId{k});
      std::vector<VarId> expected_scope;
      for (const VarId v : before.scope()) {
        if (evidence.count(v) == 0) expected_scope.push_back(v);
      }
      ASSERT_EQ(after.scope(), expected_scope) << "factor " << k;
      std::size_t expected_size = 1;
      for (const VarId v : expected_scope) expected_size *= graph.cardinality(v);
      ASSERT_EQ(after.size(), expected_size);
      for (std::size_t r = 0; r < after.size(); ++r) {
        decode_into(after, r, full);
        EXPECT_EQ(after.log_values()[r], entry_at(before, full)) << "factor " << k << " entry " << r;
      }
    }
    // Joint semantics: on every consistent assignment the two models agree.
    for_each_assignment(graph, [&](const Sizes& assignment) {
      if (!consistent(assignment, evidence)) return;
      const long double want = log_joint(graph, assignment);
      const long double got = log_joint(reduced, assignment);
      if (std::isinf(want)) {
        EXPECT_EQ(got, want);
      } else {
        EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), 1e-12);
      }
    });
  }
}

// ---- reduce_model (what exact inference and belief propagation run on)

// a (2 states), b (3), c (2). Factors, first scope variable fastest:
//   0: f(a, b)    = a + 2b             (0 .. 5)
//   1: g(b)       = 10 + b
//   2: h(c)       = (7, 8)             untouched by evidence on a, b
//   3: constant 1.5
//   4: k(c, b, a) = c + 2b + 6a        (0 .. 11)
FactorGraph reduction_example() {
  FactorGraph graph;
  graph.add_variable(Variable{"a", 2, {}});
  graph.add_variable(Variable{"b", 3, {}});
  graph.add_variable(Variable{"c", 2, {}});
  graph.add_factor(DiscreteFactor({VarId{0}, VarId{1}}, {2, 3}, {0, 1, 2, 3, 4, 5}));
  graph.add_factor(DiscreteFactor({VarId{1}}, {3}, {10, 11, 12}));
  graph.add_factor(DiscreteFactor({VarId{2}}, {2}, {7, 8}));
  graph.add_factor(DiscreteFactor::constant(1.5));
  graph.add_factor(DiscreteFactor({VarId{2}, VarId{1}, VarId{0}}, {2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  return graph;
}

TEST(CoreEvidence, ReduceModelOfHandWrittenGraph) {
  const FactorGraph graph = reduction_example();
  // b = 2 only: f -> (a) = (4, 5); g -> the constant 12; h kept as it is; the constant
  // 1.5 folds in; k -> (c, a) = c + 4 + 6a = (4, 5, 10, 11).
  const ReducedModel model = reduce_model(graph, {{VarId{1}, 2}});
  EXPECT_EQ(model.observed(), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(model.log_constant(), 13.5);
  EXPECT_FALSE(model.impossible());
  ASSERT_EQ(model.factors().size(), 3u);
  EXPECT_EQ(*model.factors()[0], DiscreteFactor({VarId{0}}, {2}, {4, 5}));
  EXPECT_EQ(model.factors()[1], &graph.table(FactorId{2})) << "an untouched factor is not copied";
  EXPECT_EQ(*model.factors()[2], DiscreteFactor({VarId{2}, VarId{0}}, {2, 2}, {4, 5, 10, 11}));

  // b = 2 and a = 1, two variables of k's scope in one reduction: k -> (c) = c + 10;
  // f -> the constant 5, so the constant is 12 + 1.5 + 5.
  const ReducedModel both = reduce_model(graph, {{VarId{1}, 2}, {VarId{0}, 1}});
  EXPECT_EQ(both.observed(), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(both.log_constant(), 18.5);
  ASSERT_EQ(both.factors().size(), 2u);
  EXPECT_EQ(both.factors()[0], &graph.table(FactorId{2}));
  EXPECT_EQ(*both.factors()[1], DiscreteFactor({VarId{2}}, {2}, {10, 11}));

  // No evidence: every non-constant factor, uncopied; only the 1.5 is folded.
  const ReducedModel none = reduce_model(graph, {});
  EXPECT_EQ(none.log_constant(), 1.5);
  EXPECT_EQ(none.factors(), (std::vector<const DiscreteFactor*>{&graph.table(FactorId{0}), &graph.table(FactorId{1}),
                                                                &graph.table(FactorId{2}), &graph.table(FactorId{4})}));
}

TEST(CoreEvidence, ReducedModelSurvivesAMove) {
  const FactorGraph graph = reduction_example();
  ReducedModel model = reduce_model(graph, {{VarId{1}, 0}});
  const ReducedModel moved = std::move(model);
  ASSERT_EQ(moved.factors().size(), 3u);
  EXPECT_EQ(*moved.factors()[0], DiscreteFactor({VarId{0}}, {2}, {0, 1}));
  EXPECT_EQ(*moved.factors()[2], DiscreteFactor({VarId{2}, VarId{0}}, {2, 2}, {0, 1, 6, 7}));
  EXPECT_EQ(moved.log_constant(), 11.5);
}

TEST(CoreEvidence, ReduceModelFlagsEvidenceOfProbabilityZero) {
  FactorGraph graph = reduction_example();
  // A fully observed factor at a hard zero: g(b = 1) = -inf.
  graph.table(FactorId{1}).log_values()[1] = -kInf;
  const ReducedModel observed_zero = reduce_model(graph, {{VarId{1}, 1}});
  EXPECT_EQ(observed_zero.log_constant(), -kInf);
  EXPECT_TRUE(observed_zero.impossible());
  EXPECT_FALSE(reduce_model(graph, {{VarId{1}, 2}}).impossible());
  // A factor left -inf everywhere by the evidence: f(a, b = 0) = -inf for both a.
  graph.table(FactorId{0}).log_values()[0] = -kInf;
  graph.table(FactorId{0}).log_values()[1] = -kInf;
  const ReducedModel left_zero = reduce_model(graph, {{VarId{1}, 0}});
  EXPECT_TRUE(std::isfinite(left_zero.log_constant()));
  EXPECT_TRUE(left_zero.impossible());
  // A model that is zero everywhere without any evidence.
  graph.table(FactorId{2}).log_values() = {-kInf, -kInf};
  EXPECT_TRUE(reduce_model(graph, {}).impossible());
}

TEST(CoreEvidence, ReduceModelRejectsInvalidEvidence) {
  const FactorGraph graph = reduction_example();
  EXPECT_THROW((void)reduce_model(graph, {{VarId{1}, 3}}), InputError);
  EXPECT_THROW((void)reduce_model(graph, {{VarId{3}, 0}}), InputError);
}

// The reduction agrees with reduce_evidence (checked entry by entry above) on random
// graphs: the same non-constant factors in order, the constants summed.
TEST(CoreEvidence, ReduceModelMatchesReduceEvidenceOnRandomGraphs) {
  std::mt19937 rng(4004);
  for (int trial = 0; trial < 150; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng, 0.15);
    const Evidence evidence = random_evidence(rng, graph);
    const FactorGraph reduced = reduce_evidence(graph, evidence);
    const ReducedModel model = reduce_model(graph, evidence);
    std::vector<DiscreteFactor> expected;
    double constant = 0.0;  // summed in graph order, as the reduction does
    for (const DiscreteFactor& f : reduced.tables()) {
      if (f.arity() == 0) {
        constant += f.log_values()[0];
      } else {
        expected.push_back(f);
      }
    }
    ASSERT_EQ(model.factors().size(), expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(*model.factors()[k], expected[k]) << "factor " << k;
    EXPECT_EQ(model.log_constant(), constant);
    for (std::uint32_t i = 0; i < graph.num_variables(); ++i) {
      EXPECT_EQ(model.observed()[i], evidence.contains(VarId{i})) << "variable " << i;
    }
  }
}

}  // namespace
}  // namespace copi
