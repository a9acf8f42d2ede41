// The directed-cycle check of p(child | parents) statements (dsl/src, private): it
// finds exactly the cycles a brute-force reachability search finds, returns a real
// path, and its work stays linear for chains and grids written in order or in reverse
// (near-linear in a random order) — counted in nodes expanded, not timed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "../../dsl/src/conditional_graph.hpp"

namespace copi::dsl {
namespace {

using Edges = std::set<std::pair<std::uint32_t, std::uint32_t>>;  // (parent, child)

// Whether `to` is reachable from `from` along the edges (depth-first, from scratch).
bool reaches(const Edges& edges, std::uint32_t from, std::uint32_t to) {
  std::vector<std::uint32_t> stack{from};
  std::set<std::uint32_t> seen{from};
  while (!stack.empty()) {
    const std::uint32_t node = stack.back();
    stack.pop_back();
    if (node == to) return true;
    for (const auto& [parent, child] : edges) {
      if (parent == node && seen.insert(child).second) stack.push_back(child);
    }
  }
  return false;
}

TEST(DslConditionalGraph, FindsExactlyTheCyclesBruteForceFinds) {
  std::mt19937 rng(12345);
  std::size_t total_cycles = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const std::uint32_t n = 3 + static_cast<std::uint32_t>(trial % 12);
    ConditionalGraph graph;
    Edges edges;
    std::size_t cycles = 0;
    // Each node gets one statement, in a random order, with up to three random parents.
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t v = 0; v < n; ++v) order[v] = v;
    std::shuffle(order.begin(), order.end(), rng);
    for (const std::uint32_t child : order) {
      std::vector<std::uint32_t> parents;
      const int count = static_cast<int>(rng() % 4);
      for (int k = 0; k < count; ++k) {
        const std::uint32_t p = rng() % n;
        if (p != child && std::find(parents.begin(), parents.end(), p) == parents.end()) parents.push_back(p);
      }
      bool expected = false;
      for (const std::uint32_t p : parents) expected = expected || reaches(edges, child, p);
      const std::vector<std::uint32_t> cycle = graph.cycle_through(child, parents);
      ASSERT_EQ(!cycle.empty(), expected) << "trial " << trial << " child " << child;
      if (!cycle.empty()) {
        ++cycles;
        // child -> ... -> a parent, along edges that exist.
        EXPECT_EQ(cycle.front(), child);
        EXPECT_NE(std::find(parents.begin(), parents.end(), cycle.back()), parents.end());
        for (std::size_t k = 0; k + 1 < cycle.size(); ++k) {
          EXPECT_TRUE(edges.contains({cycle[k], cycle[k + 1]})) << cycle[k] << " -> " << cycle[k + 1];
        }
        continue;  // a statement closing a cycle is refused: its edges are not added
      }
      graph.add(child, parents);
      for (const std::uint32_t p : parents) edges.insert({p, child});
    }
    total_cycles += cycles;
  }
  EXPECT_GT(total_cycles, 10u);  // the trials did meet cycles
}

TEST(DslConditionalGraph, TwoAndThreeStatementCycles) {
  ConditionalGraph graph;
  const std::uint32_t a = 0, b = 1, c = 2;
  graph.add(a, std::vector<std::uint32_t>{b});  // p(a | b)
  EXPECT_EQ(graph.cycle_through(b, std::vector<std::uint32_t>{a}), (std::vector<std::uint32_t>{b, a}));
  graph.add(b, std::vector<std::uint32_t>{c});  // p(b | c)
  EXPECT_EQ(graph.cycle_through(c, std::vector<std::uint32_t>{a}), (std::vector<std::uint32_t>{c, b, a}));
  // An undirected cycle is no directed one: p(d | b, c) with b and c both under c's
  // tree is fine.
  EXPECT_TRUE(graph.cycle_through(3, std::vector<std::uint32_t>{a, b, c}).empty());
}

constexpr std::uint32_t kLong = 200000;

TEST(DslConditionalGraph, ChainInOrderIsLinear) {
  ConditionalGraph graph;
  for (std::uint32_t k = 0; k + 1 < kLong; ++k) {
    const std::vector<std::uint32_t> parent{k};
    ASSERT_TRUE(graph.cycle_through(k + 1, parent).empty());
    graph.add(k + 1, parent);
  }
  EXPECT_LE(graph.nodes_expanded(), 2 * std::size_t{kLong});
  // Closing it finds the whole chain.
  EXPECT_EQ(graph.cycle_through(0, std::vector<std::uint32_t>{kLong - 1}).size(), kLong);
}

TEST(DslConditionalGraph, ChainInReverseOrderIsLinear) {
  ConditionalGraph graph;
  for (std::uint32_t k = kLong - 1; k > 0; --k) {
    const std::vector<std::uint32_t> parent{k};
    ASSERT_TRUE(graph.cycle_through(k - 1, parent).empty());
    graph.add(k - 1, parent);
  }
  EXPECT_LE(graph.nodes_expanded(), 2 * std::size_t{kLong});
}

// Links of one chain added in a random order join two pieces each time; the search
// stops within about twice the smaller piece, so the total is O(n log n).
TEST(DslConditionalGraph, ChainInRandomOrderIsNearLinear) {
  std::vector<std::uint32_t> links(kLong - 1);
  for (std::uint32_t k = 0; k + 1 < kLong; ++k) links[k] = k;
  std::shuffle(links.begin(), links.end(), std::mt19937(7));
  ConditionalGraph graph;
  for (const std::uint32_t k : links) {
    const std::vector<std::uint32_t> parent{k};
    ASSERT_TRUE(graph.cycle_through(k + 1, parent).empty());
    graph.add(k + 1, parent);
  }
  EXPECT_LE(graph.nodes_expanded(), 4 * std::size_t{kLong} * 18);  // 18 > log2(2e5)
}

// p(x[i][j] | x[i-1][j], x[i][j-1]) row by row, and p(x[i][j] | x[i+1][j], x[i][j+1])
// in the same order.
TEST(DslConditionalGraph, GridInEitherOrderIsLinear) {
  constexpr std::uint32_t n = 400;
  const auto id = [](std::uint32_t i, std::uint32_t j) { return i * n + j; };
  ConditionalGraph forward;
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t j = 0; j < n; ++j) {
      std::vector<std::uint32_t> parents;
      if (i > 0) parents.push_back(id(i - 1, j));
      if (j > 0) parents.push_back(id(i, j - 1));
      ASSERT_TRUE(forward.cycle_through(id(i, j), parents).empty());
      forward.add(id(i, j), parents);
    }
  }
  EXPECT_LE(forward.nodes_expanded(), 3 * std::size_t{n} * n);
  // Arrows towards the corner the statements start from: each child already has every
  // cell before it as a descendant, while its parents have no parents yet.
  ConditionalGraph backward;
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t j = 0; j < n; ++j) {
      std::vector<std::uint32_t> parents;
      if (i + 1 < n) parents.push_back(id(i + 1, j));
      if (j + 1 < n) parents.push_back(id(i, j + 1));
      ASSERT_TRUE(backward.cycle_through(id(i, j), parents).empty());
      backward.add(id(i, j), parents);
    }
  }
  // A few expansions a statement (the parents' side runs out after its two seeds);
  // quadratic work would be ~n^4 / 2 here.
  EXPECT_LE(backward.nodes_expanded(), 5 * std::size_t{n} * n);
}

}  // namespace
}  // namespace copi::dsl
