// FactorGraph: variable and factor validation, name lookup, and the neighbourhoods
// (factors_of) checked against a scan of every factor scope.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();

DiscreteFactor uniform_factor(std::vector<VarId> scope, Sizes cards) {
  std::size_t size = 1;
  for (const std::size_t c : cards) size *= c;
  return DiscreteFactor(std::move(scope), std::move(cards), std::vector<double>(size, 0.0));
}

TEST(CoreFactorGraph, AddVariableAssignsSequentialIdsAndFindsNames) {
  FactorGraph graph;
  const VarId a = graph.add_variable(3);
  const VarId rain = graph.add_variable(Variable{"rain", 2, {"yes", "no"}});
  const VarId b = graph.add_variable(4);
  EXPECT_EQ(a, VarId{0});
  EXPECT_EQ(rain, VarId{1});
  EXPECT_EQ(b, VarId{2});
  EXPECT_EQ(graph.num_variables(), 3u);
  EXPECT_EQ(graph.variable(a).name, "x0");
  EXPECT_EQ(graph.variable(b).name, "x2");
  EXPECT_EQ(graph.cardinality(a), 3u);
  EXPECT_EQ(graph.cardinality(rain), 2u);
  EXPECT_EQ(graph.cardinality(b), 4u);

  EXPECT_EQ(graph.find_variable("rain"), rain);
  EXPECT_EQ(graph.find_variable("x0"), a);
  EXPECT_EQ(graph.find_variable("x2"), b);
  EXPECT_FALSE(graph.find_variable("x1").has_value());
  EXPECT_FALSE(graph.find_variable("Rain").has_value());
  EXPECT_FALSE(graph.find_variable("").has_value());
  EXPECT_TRUE(graph.factors_of(rain).empty());
}

TEST(CoreFactorGraph, StateNamesUseLabelsOrIndices) {
  const Variable labelled{"rain", 2, {"yes", "no"}};
  EXPECT_EQ(labelled.state_name(0), "yes");
  EXPECT_EQ(labelled.state_name(1), "no");
  const Variable plain{"x", 12, {}};
  EXPECT_EQ(plain.state_name(0), "0");
  EXPECT_EQ(plain.state_name(11), "11");
}

TEST(CoreFactorGraph, DuplicateVariableNameThrowsInputError) {
  FactorGraph graph;
  graph.add_variable(Variable{"rain", 2, {}});
  graph.add_variable(Variable{"wind", 3, {}});
  EXPECT_THROW(graph.add_variable(Variable{"rain", 2, {}}), InputError);
  EXPECT_THROW(graph.add_variable(Variable{"wind", 5, {}}), InputError);
  EXPECT_EQ(graph.num_variables(), 2u) << "a refused variable was added";
  EXPECT_EQ(graph.find_variable("wind"), VarId{1});
  EXPECT_EQ(graph.cardinality(VarId{1}), 3u);
  // The error names the variable.
  try {
    graph.add_variable(Variable{"rain", 4, {}});
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find("rain"), std::string::npos) << error.detail();
  }
}

TEST(CoreFactorGraph, UnnamedVariablesMayRepeat) {
  FactorGraph graph;
  EXPECT_NO_THROW(graph.add_variable(Variable{"", 2, {}}));
  EXPECT_NO_THROW(graph.add_variable(Variable{"", 3, {}}));
  EXPECT_EQ(graph.num_variables(), 2u);
  EXPECT_FALSE(graph.find_variable("").has_value());
}

TEST(CoreFactorGraph, InvalidVariableDomainThrowsInputError) {
  FactorGraph graph;
  EXPECT_THROW(graph.add_variable(Variable{"empty", 0, {}}), InputError);
  EXPECT_THROW(graph.add_variable(std::size_t{0}), InputError);
  EXPECT_THROW(graph.add_variable(Variable{"rain", 3, {"yes", "no"}}), InputError);
  EXPECT_EQ(graph.num_variables(), 0u);
  EXPECT_FALSE(graph.find_variable("rain").has_value());
}

TEST(CoreFactorGraph, AddFactorWithWrongCardinalityThrowsInputError) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  const VarId b = graph.add_variable(3);
  graph.add_factor(uniform_factor({a}, {2}));
  EXPECT_THROW(graph.add_factor(uniform_factor({a, b}, {2, 2})), InputError);
  EXPECT_THROW(graph.add_factor(uniform_factor({b, a}, {3, 3})), InputError);
  EXPECT_EQ(graph.num_factors(), 1u) << "a refused factor was added";
  EXPECT_EQ(graph.factors_of(a), std::vector<FactorId>{FactorId{0}}) << "a refused factor left a neighbour";
  EXPECT_TRUE(graph.factors_of(b).empty()) << "a refused factor left a neighbour";
}

TEST(CoreFactorGraph, AddFactorWithUnknownVariableThrowsInputError) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  EXPECT_THROW(graph.add_factor(uniform_factor({a, VarId{1}}, {2, 2})), InputError);
  EXPECT_THROW(graph.add_factor(uniform_factor({VarId{17}}, {2})), InputError);
  EXPECT_EQ(graph.num_factors(), 0u);
  EXPECT_TRUE(graph.factors_of(a).empty()) << "a refused factor left a neighbour";
}

TEST(CoreFactorGraph, FactorsAreStoredAsGiven) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  const VarId b = graph.add_variable(3);
  const DiscreteFactor f({b, a}, {3, 2}, {0.0, -1.0, -kInf, 2.0, 0.5, 0.25});
  const FactorId id0 = graph.add_factor(DiscreteFactor::constant(1.5));
  const FactorId id1 = graph.add_factor(f);
  EXPECT_EQ(id0, FactorId{0});
  EXPECT_EQ(id1, FactorId{1});
  EXPECT_EQ(graph.num_factors(), 2u);
  EXPECT_EQ(graph.table(id1), f);
  EXPECT_EQ(graph.table(id0), DiscreteFactor::constant(1.5));
  ASSERT_EQ(graph.factors().size(), 2u);
  EXPECT_EQ(graph.table(FactorId{1}), f);
  ASSERT_EQ(graph.variables().size(), 2u);
  EXPECT_EQ(graph.variables()[1].cardinality, 3u);
  // The constant factor mentions no variable.
  EXPECT_EQ(graph.factors_of(a), std::vector<FactorId>{id1});
  EXPECT_EQ(graph.factors_of(b), std::vector<FactorId>{id1});
}

TEST(CoreFactorGraph, FactorsOfMatchesScopesOnRandomGraphs) {
  std::mt19937 rng(606);
  std::uniform_int_distribution<std::size_t> card(1, 4);
  for (int trial = 0; trial < 50; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    FactorGraph graph;
    const std::size_t num_vars = std::uniform_int_distribution<std::size_t>(1, 8)(rng);
    for (std::size_t i = 0; i < num_vars; ++i) graph.add_variable(card(rng));
    const std::size_t num_factors = std::uniform_int_distribution<std::size_t>(0, 10)(rng);
    for (std::size_t k = 0; k < num_factors; ++k) {
      std::vector<VarId> ids;
      for (std::uint32_t i = 0; i < num_vars; ++i) ids.push_back(VarId{i});
      std::shuffle(ids.begin(), ids.end(), rng);
      ids.resize(std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(3, num_vars))(rng));
      Sizes cards;
      for (const VarId v : ids) cards.push_back(graph.cardinality(v));
      graph.add_factor(uniform_factor(ids, cards));
    }
    ASSERT_EQ(graph.num_factors(), num_factors);
    for (std::uint32_t i = 0; i < num_vars; ++i) {
      std::vector<FactorId> expected;
      for (std::uint32_t k = 0; k < num_factors; ++k) {
        const auto& scope = scope_of(graph.factors()[k]);
        if (std::find(scope.begin(), scope.end(), VarId{i}) != scope.end()) expected.push_back(FactorId{k});
      }
      EXPECT_EQ(graph.factors_of(VarId{i}), expected) << "variable " << i;
    }
  }
}

TEST(CoreFactorGraph, LogJointStatesIsLogOfTheProductOfCardinalities) {
  FactorGraph graph;
  EXPECT_EQ(graph.log_joint_states(), 0.0);
  graph.add_variable(3);
  graph.add_variable(1);
  graph.add_variable(4);
  graph.add_variable(2);
  EXPECT_NEAR(graph.log_joint_states(), std::log(24.0), 1e-12);
}

TEST(CoreFactorGraph, CopiesCompareEqualAndDivergeIndependently) {
  FactorGraph graph;
  const VarId a = graph.add_variable(2);
  graph.add_factor(DiscreteFactor({a}, {2}, {0.0, -1.0}));
  FactorGraph copy = graph;
  EXPECT_EQ(copy, graph);
  copy.table(FactorId{0}).log_values()[1] = -2.0;
  EXPECT_FALSE(copy == graph);
  EXPECT_EQ(graph.table(FactorId{0}).log_values()[1], -1.0);
  // A copy keeps working: its name index and neighbourhoods are its own.
  FactorGraph extended = graph;
  const VarId b = extended.add_variable(Variable{"b", 3, {}});
  extended.add_factor(uniform_factor({b, a}, {3, 2}));
  EXPECT_EQ(extended.find_variable("b"), b);
  EXPECT_FALSE(graph.find_variable("b").has_value());
  EXPECT_EQ(extended.factors_of(a), (std::vector<FactorId>{FactorId{0}, FactorId{1}}));
  EXPECT_EQ(graph.factors_of(a), std::vector<FactorId>{FactorId{0}});
}

}  // namespace
}  // namespace copi
