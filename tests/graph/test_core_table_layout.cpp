// The table-index convention of table_layout.hpp (first scope variable fastest),
// checked against hand-written tables and an index formula written out here.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;

// index = x_0 + c_0 * x_1 + c_0 * c_1 * x_2 + ...: the documented convention.
std::size_t first_fastest_index(const Sizes& cards, const Sizes& states) {
  std::size_t index = 0;
  std::size_t stride = 1;
  for (std::size_t i = 0; i < cards.size(); ++i) {
    index += states[i] * stride;
    stride *= cards[i];
  }
  return index;
}

// Every assignment of `cards`, in lexicographic order with the LAST digit fastest.
// The order differs on purpose from the storage order, so tests do not inherit it.
std::vector<Sizes> all_assignments_last_fastest(const Sizes& cards) {
  std::vector<Sizes> result;
  Sizes states(cards.size(), 0);
  while (true) {
    result.push_back(states);
    std::size_t i = cards.size();
    while (i > 0) {
      --i;
      if (++states[i] < cards[i]) break;
      states[i] = 0;
      if (i == 0) return result;
    }
    if (cards.empty()) return result;
  }
}

Sizes random_cards(std::mt19937& rng, std::size_t max_vars, std::size_t max_card) {
  std::uniform_int_distribution<std::size_t> num_vars(0, max_vars);
  std::uniform_int_distribution<std::size_t> card(1, max_card);
  Sizes cards(num_vars(rng));
  for (std::size_t& c : cards) c = card(rng);
  return cards;
}

TEST(CoreTableLayout, FirstVariableVariesFastestOnHandWritten2x3) {
  // Scope (x0, x1), cardinalities (2, 3). Storage order: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2).
  const Sizes cards{2, 3};
  EXPECT_EQ(table_index(cards, Sizes{0, 0}), 0u);
  EXPECT_EQ(table_index(cards, Sizes{1, 0}), 1u);
  EXPECT_EQ(table_index(cards, Sizes{0, 1}), 2u);
  EXPECT_EQ(table_index(cards, Sizes{1, 1}), 3u);
  EXPECT_EQ(table_index(cards, Sizes{0, 2}), 4u);
  EXPECT_EQ(table_index(cards, Sizes{1, 2}), 5u);

  EXPECT_EQ(table_states(cards, 1), (Sizes{1, 0}));
  EXPECT_EQ(table_states(cards, 2), (Sizes{0, 1}));
  EXPECT_EQ(table_states(cards, 5), (Sizes{1, 2}));

  // The same table as a factor: f(x0, x1) = 10 * x0 + x1 listed in storage order.
  const DiscreteFactor f({VarId{0}, VarId{1}}, {2, 3}, {0, 10, 1, 11, 2, 12});
  for (std::size_t x0 = 0; x0 < 2; ++x0) {
    for (std::size_t x1 = 0; x1 < 3; ++x1) {
      EXPECT_EQ(f.log_value(Sizes{x0, x1}), static_cast<double>(10 * x0 + x1)) << x0 << "," << x1;
    }
  }
}

TEST(CoreTableLayout, StridesAreProductsOfEarlierCardinalities) {
  EXPECT_EQ(table_strides(Sizes{2, 3}), (Sizes{1, 2}));
  EXPECT_EQ(table_strides(Sizes{3, 1, 4, 2}), (Sizes{1, 3, 3, 12}));
  EXPECT_EQ(table_strides(Sizes{5}), (Sizes{1}));
  EXPECT_TRUE(table_strides(Sizes{}).empty());
}

TEST(CoreTableLayout, TableSizeIsProductAndEmptyScopeHasOneEntry) {
  EXPECT_EQ(table_size(Sizes{}), 1u);
  EXPECT_EQ(table_size(Sizes{1, 1, 1}), 1u);
  EXPECT_EQ(table_size(Sizes{2, 3, 4}), 24u);
  EXPECT_EQ(table_size(Sizes{4, 1, 3}), 12u);
}

TEST(CoreTableLayout, TableSizeOverflowThrowsResourceError) {
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  constexpr std::size_t kHalfBits = std::size_t{1} << (std::numeric_limits<std::size_t>::digits / 2);
  EXPECT_THROW((void)table_size(Sizes{kHalfBits, kHalfBits}), ResourceError);
  EXPECT_THROW((void)table_size(Sizes{kMax, 2}), ResourceError);
  EXPECT_THROW((void)table_size(Sizes{2, kMax}), ResourceError);
  EXPECT_THROW((void)table_size(Sizes{3, 5, kMax / 8}), ResourceError);
  // Large but representable products are not refused.
  EXPECT_EQ(table_size(Sizes{kMax, 1}), kMax);
  EXPECT_EQ(table_size(Sizes{kHalfBits, kHalfBits / 2}), kMax / 2 + 1);
  // ResourceError is a copi::Error, so the CLI's single handler catches it.
  EXPECT_THROW((void)table_size(Sizes{kMax, kMax}), Error);
}

TEST(CoreTableLayout, IndexMatchesDocumentedFormulaOnEveryAssignment) {
  std::mt19937 rng(20240611);
  for (int trial = 0; trial < 60; ++trial) {
    const Sizes cards = random_cards(rng, 5, 4);
    SCOPED_TRACE(testing::Message() << "trial " << trial << ", " << cards.size() << " variables");
    std::set<std::size_t> seen;
    for (const Sizes& states : all_assignments_last_fastest(cards)) {
      const std::size_t index = table_index(cards, states);
      EXPECT_EQ(index, first_fastest_index(cards, states));
      EXPECT_LT(index, table_size(cards));
      seen.insert(index);
    }
    EXPECT_EQ(seen.size(), table_size(cards)) << "table_index is not a bijection";
  }
}

TEST(CoreTableLayout, IndexAndStatesAreInverse) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const Sizes cards = random_cards(rng, 5, 4);
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    const std::size_t size = table_size(cards);
    for (std::size_t index = 0; index < size; ++index) {
      const Sizes states = table_states(cards, index);
      ASSERT_EQ(states.size(), cards.size());
      for (std::size_t i = 0; i < cards.size(); ++i) EXPECT_LT(states[i], cards[i]);
      EXPECT_EQ(first_fastest_index(cards, states), index);
      EXPECT_EQ(table_index(cards, states), index);
    }
    for (const Sizes& states : all_assignments_last_fastest(cards)) {
      EXPECT_EQ(table_states(cards, table_index(cards, states)), states);
    }
  }
}

// One table sees the walk's scope in its own order, another sees a subset of it
// (stride 0 for the variables it lacks); the walker must track both.
TEST(CoreTableLayout, MultiIndexWalkerVisitsEveryAssignmentOnceInStorageOrder) {
  const Sizes cards{3, 1, 2, 4};
  // Table B has scope (v3, v0, v2, v1); table C has scope (v2, v0).
  const Sizes b_cards{4, 3, 2, 1};
  const Sizes b_own = {1, 4, 12, 24};  // strides of (v3, v0, v2, v1) in B
  const Sizes b_strides{b_own[1], b_own[3], b_own[2], b_own[0]};  // per walk variable v0..v3
  const Sizes c_cards{2, 3};
  const Sizes c_strides{2, 0, 1, 0};  // v0 has stride 2 in C, v2 stride 1, v1 and v3 absent
  MultiIndexWalker walk(cards, {Sizes{1, 3, 3, 6}, b_strides, c_strides});

  std::size_t visits = 0;
  std::set<Sizes> seen;
  do {
    const Sizes& s = walk.states();
    ASSERT_EQ(s.size(), 4u);
    EXPECT_EQ(s, table_states(cards, visits)) << "visit " << visits << " is out of storage order";
    EXPECT_EQ(walk.offsets()[0], visits);
    EXPECT_EQ(walk.offsets()[1], first_fastest_index(b_cards, Sizes{s[3], s[0], s[2], s[1]}));
    EXPECT_EQ(walk.offsets()[2], first_fastest_index(c_cards, Sizes{s[2], s[0]}));
    seen.insert(s);
    ++visits;
    ASSERT_LE(visits, 24u) << "walker does not stop";
  } while (walk.next());
  EXPECT_EQ(visits, 24u);
  EXPECT_EQ(seen.size(), 24u);
}

TEST(CoreTableLayout, MultiIndexWalkerOnEmptyScopeVisitsOnce) {
  MultiIndexWalker walk(Sizes{}, {Sizes{}, Sizes{}});
  EXPECT_TRUE(walk.states().empty());
  EXPECT_EQ(walk.offsets(), (Sizes{0, 0}));
  EXPECT_FALSE(walk.next());
}

TEST(CoreTableLayout, MultiIndexWalkerTracksRandomSubTables) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 80; ++trial) {
    const Sizes cards = random_cards(rng, 5, 4);
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    // A sub-table over a random subset of the walk variables, in shuffled order.
    std::vector<std::size_t> members(cards.size());
    for (std::size_t i = 0; i < members.size(); ++i) members[i] = i;
    std::shuffle(members.begin(), members.end(), rng);
    members.resize(std::uniform_int_distribution<std::size_t>(0, members.size())(rng));
    Sizes sub_cards;
    for (const std::size_t m : members) sub_cards.push_back(cards[m]);
    Sizes sub_strides(cards.size(), 0);
    std::size_t stride = 1;
    for (const std::size_t m : members) {
      sub_strides[m] = stride;
      stride *= cards[m];
    }

    MultiIndexWalker walk(cards, {sub_strides});
    std::size_t visits = 0;
    do {
      const Sizes& s = walk.states();
      Sizes sub_states;
      for (const std::size_t m : members) sub_states.push_back(s[m]);
      EXPECT_EQ(first_fastest_index(cards, s), visits);
      EXPECT_EQ(walk.offsets()[0], first_fastest_index(sub_cards, sub_states));
      ++visits;
      ASSERT_LE(visits, table_size(cards));
    } while (walk.next());
    EXPECT_EQ(visits, table_size(cards));
  }
}

}  // namespace
}  // namespace copi
