// interaction_graph: its edges are exactly the variable pairs that share a factor,
// computed here from the scopes; excluded vertices get no edge.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/graph/interaction_graph.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;
using Edge = std::pair<std::size_t, std::size_t>;

DiscreteFactor uniform_factor(std::vector<VarId> scope, Sizes cards) {
  std::size_t size = 1;
  for (const std::size_t c : cards) size *= c;
  return DiscreteFactor(std::move(scope), std::move(cards), std::vector<double>(size, 0.0));
}

std::set<Edge> edges_of(const InteractionGraph& g) {
  std::set<Edge> result;
  auto [it, end] = boost::edges(g);
  for (; it != end; ++it) {
    const std::size_t s = boost::source(*it, g);
    const std::size_t t = boost::target(*it, g);
    result.emplace(std::min(s, t), std::max(s, t));
  }
  return result;
}

// Pairs of distinct, non-excluded variables that appear together in some scope.
std::set<Edge> expected_edges(const FactorGraph& graph, const std::vector<bool>& excluded) {
  std::set<Edge> result;
  for (const DiscreteFactor& f : graph.tables()) {
    for (const VarId u : f.scope()) {
      for (const VarId v : f.scope()) {
        if (u.index < v.index && !excluded[u.index] && !excluded[v.index]) result.emplace(u.index, v.index);
      }
    }
  }
  return result;
}

FactorGraph random_graph(std::mt19937& rng) {
  FactorGraph graph;
  std::uniform_int_distribution<std::size_t> card(1, 3);
  const std::size_t num_vars = std::uniform_int_distribution<std::size_t>(1, 9)(rng);
  for (std::size_t i = 0; i < num_vars; ++i) graph.add_variable(card(rng));
  const std::size_t num_factors = std::uniform_int_distribution<std::size_t>(0, 8)(rng);
  for (std::size_t k = 0; k < num_factors; ++k) {
    std::vector<VarId> ids;
    for (std::uint32_t i = 0; i < num_vars; ++i) ids.push_back(VarId{i});
    std::shuffle(ids.begin(), ids.end(), rng);
    ids.resize(std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(4, num_vars))(rng));
    Sizes cards;
    for (const VarId v : ids) cards.push_back(graph.cardinality(v));
    graph.add_factor(uniform_factor(ids, cards));
  }
  return graph;
}

TEST(CoreInteractionGraph, HandWrittenGraphHasTheSharedPairs) {
  FactorGraph graph;
  for (int i = 0; i < 7; ++i) graph.add_variable(2);
  graph.add_factor(uniform_factor({VarId{1}, VarId{0}}, {2, 2}));
  graph.add_factor(uniform_factor({VarId{1}, VarId{2}}, {2, 2}));
  graph.add_factor(uniform_factor({VarId{4}, VarId{2}, VarId{3}}, {2, 2, 2}));
  graph.add_factor(uniform_factor({VarId{5}}, {2}));
  graph.add_factor(uniform_factor({VarId{0}, VarId{1}}, {2, 2}));  // a repeated pair: still one edge
  const InteractionGraph g = interaction_graph(graph);
  EXPECT_EQ(boost::num_vertices(g), 7u);
  EXPECT_EQ(boost::num_edges(g), 5u);
  EXPECT_EQ(edges_of(g), (std::set<Edge>{{0, 1}, {1, 2}, {2, 3}, {2, 4}, {3, 4}}));
  EXPECT_EQ(boost::out_degree(5, g), 0u) << "a unary factor made an edge";
  EXPECT_EQ(boost::out_degree(6, g), 0u);
  EXPECT_EQ(boost::out_degree(2, g), 3u);
}

TEST(CoreInteractionGraph, HandWrittenGraphWithExcludedVertex) {
  FactorGraph graph;
  for (int i = 0; i < 5; ++i) graph.add_variable(2);
  graph.add_factor(uniform_factor({VarId{0}, VarId{1}, VarId{2}}, {2, 2, 2}));
  graph.add_factor(uniform_factor({VarId{2}, VarId{3}}, {2, 2}));
  graph.add_factor(uniform_factor({VarId{4}, VarId{3}}, {2, 2}));
  const InteractionGraph g = interaction_graph(graph, {false, false, true, false, false});
  EXPECT_EQ(boost::num_vertices(g), 5u);
  EXPECT_EQ(edges_of(g), (std::set<Edge>{{0, 1}, {3, 4}}));
  EXPECT_EQ(boost::out_degree(2, g), 0u);
}

TEST(CoreInteractionGraph, EdgesArePairsSharingAFactorOnRandomGraphs) {
  std::mt19937 rng(909);
  for (int trial = 0; trial < 100; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng);
    const std::vector<bool> none(graph.num_variables(), false);
    const InteractionGraph g = interaction_graph(graph);
    ASSERT_EQ(boost::num_vertices(g), graph.num_variables());
    const std::set<Edge> expected = expected_edges(graph, none);
    EXPECT_EQ(edges_of(g), expected);
    EXPECT_EQ(boost::num_edges(g), expected.size()) << "parallel edges or self loops";
    // An explicit all-false mask means the same as no mask.
    EXPECT_EQ(edges_of(interaction_graph(graph, none)), expected);
  }
}

TEST(CoreInteractionGraph, ExcludedVerticesGetNoEdgesOnRandomGraphs) {
  std::mt19937 rng(910);
  std::bernoulli_distribution exclude(0.3);
  for (int trial = 0; trial < 100; ++trial) {
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const FactorGraph graph = random_graph(rng);
    std::vector<bool> excluded(graph.num_variables());
    for (std::size_t i = 0; i < excluded.size(); ++i) excluded[i] = exclude(rng);
    const InteractionGraph g = interaction_graph(graph, excluded);
    ASSERT_EQ(boost::num_vertices(g), graph.num_variables());
    EXPECT_EQ(edges_of(g), expected_edges(graph, excluded));
    for (std::size_t v = 0; v < excluded.size(); ++v) {
      if (excluded[v]) {
        EXPECT_EQ(boost::out_degree(v, g), 0u) << "excluded vertex " << v;
      }
    }
  }
}

}  // namespace
}  // namespace copi
