// DiscreteFactor: constructor validation, value semantics, lookup by assignment; and
// the error hierarchy of error.hpp that every core function throws into.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/error.hpp"

namespace copi {
namespace {

using Sizes = std::vector<std::size_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(CoreDiscreteFactor, DuplicateScopeVariableThrowsInputError) {
  EXPECT_THROW(DiscreteFactor({VarId{3}, VarId{3}}, {2, 2}, std::vector<double>(4, 0.0)), InputError);
  EXPECT_THROW(DiscreteFactor({VarId{1}, VarId{2}, VarId{1}}, {2, 3, 2}, std::vector<double>(12, 0.0)),
               InputError);
}

TEST(CoreDiscreteFactor, TableSizeMismatchThrowsInputError) {
  EXPECT_THROW(DiscreteFactor({VarId{0}, VarId{1}}, {2, 3}, std::vector<double>(5, 0.0)), InputError);
  EXPECT_THROW(DiscreteFactor({VarId{0}, VarId{1}}, {2, 3}, std::vector<double>(7, 0.0)), InputError);
  EXPECT_THROW(DiscreteFactor({}, {}, {}), InputError);
  EXPECT_THROW(DiscreteFactor({}, {}, {0.0, 0.0}), InputError);
}

TEST(CoreDiscreteFactor, ScopeAndCardinalityCountMismatchThrowsInputError) {
  EXPECT_THROW(DiscreteFactor({VarId{0}, VarId{1}}, {2}, std::vector<double>(2, 0.0)), InputError);
  EXPECT_THROW(DiscreteFactor({VarId{0}}, {2, 2}, std::vector<double>(4, 0.0)), InputError);
}

TEST(CoreDiscreteFactor, ZeroCardinalityThrowsInputError) {
  EXPECT_THROW(DiscreteFactor({VarId{0}}, {0}, {}), InputError);
  EXPECT_THROW(DiscreteFactor({VarId{0}, VarId{1}}, {2, 0}, {}), InputError);
}

TEST(CoreDiscreteFactor, NanAndPositiveInfinityThrowInputError) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(DiscreteFactor({VarId{0}}, {3}, {0.0, nan, 1.0}), InputError);
  EXPECT_THROW(DiscreteFactor({VarId{0}}, {3}, {0.0, 1.0, kInf}), InputError);
  EXPECT_THROW(DiscreteFactor::constant(nan), InputError);
  EXPECT_THROW(DiscreteFactor::constant(kInf), InputError);
}

TEST(CoreDiscreteFactor, NegativeInfinityIsALegalHardZero) {
  const DiscreteFactor f({VarId{0}}, {3}, {-kInf, 0.5, -kInf});
  EXPECT_EQ(f.log_values()[0], -kInf);
  EXPECT_EQ(f.log_values()[1], 0.5);
  const DiscreteFactor zero = DiscreteFactor::constant(-kInf);
  EXPECT_EQ(zero.log_values(), std::vector<double>{-kInf});
}

TEST(CoreDiscreteFactor, OverflowingTableThrowsResourceError) {
  const std::size_t big = std::size_t{1} << (std::numeric_limits<std::size_t>::digits / 2);
  EXPECT_THROW(DiscreteFactor({VarId{0}, VarId{1}, VarId{2}}, {big, big, 2}, {0.0}), ResourceError);
}

TEST(CoreDiscreteFactor, DefaultIsTheConstantOne) {
  const DiscreteFactor one;
  EXPECT_EQ(one.arity(), 0u);
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.log_values(), std::vector<double>{0.0});
  EXPECT_EQ(one.log_value(Sizes{}), 0.0);
  EXPECT_EQ(one, DiscreteFactor::constant(0.0));

  const DiscreteFactor c = DiscreteFactor::constant(-2.5);
  EXPECT_TRUE(c.scope().empty());
  EXPECT_TRUE(c.cardinalities().empty());
  EXPECT_EQ(c.log_values(), std::vector<double>{-2.5});
  EXPECT_NE(c, one);
}

TEST(CoreDiscreteFactor, PositionAndContainsFollowTheScope) {
  const DiscreteFactor f({VarId{7}, VarId{2}, VarId{5}}, {2, 1, 3}, std::vector<double>(6, 0.0));
  EXPECT_EQ(f.arity(), 3u);
  EXPECT_EQ(f.size(), 6u);
  EXPECT_EQ(f.position(VarId{7}), 0u);
  EXPECT_EQ(f.position(VarId{2}), 1u);
  EXPECT_EQ(f.position(VarId{5}), 2u);
  EXPECT_EQ(f.position(VarId{0}), f.arity());
  EXPECT_TRUE(f.contains(VarId{5}));
  EXPECT_FALSE(f.contains(VarId{3}));
}

TEST(CoreDiscreteFactor, LogValueReadsTheFirstFastestEntry) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> value(-3.0, 3.0);
  const Sizes cards{3, 2, 4};
  std::vector<double> table(24);
  for (double& v : table) v = value(rng);
  const DiscreteFactor f({VarId{4}, VarId{0}, VarId{9}}, cards, table);
  for (std::size_t a = 0; a < 3; ++a) {
    for (std::size_t b = 0; b < 2; ++b) {
      for (std::size_t c = 0; c < 4; ++c) {
        EXPECT_EQ(f.log_value(Sizes{a, b, c}), table[a + 3 * b + 6 * c]) << a << b << c;
      }
    }
  }
}

TEST(CoreDiscreteFactor, IsAValueType) {
  const DiscreteFactor f({VarId{0}, VarId{1}}, {2, 2}, {0.0, -1.0, -kInf, 2.0});
  DiscreteFactor copy = f;
  EXPECT_EQ(copy, f);
  copy.log_values()[3] = 2.5;
  EXPECT_NE(copy, f);
  EXPECT_EQ(f.log_values()[3], 2.0) << "modifying a copy changed the original";
  // Same table, different scope order: a different factor.
  const DiscreteFactor swapped({VarId{1}, VarId{0}}, {2, 2}, {0.0, -1.0, -kInf, 2.0});
  EXPECT_NE(swapped, f);
}

TEST(CoreError, SourceLocationPrintsTheKnownParts) {
  EXPECT_EQ((SourceLocation{"model.uai", 3, 7}.str()), "model.uai:3:7");
  EXPECT_EQ((SourceLocation{"model.uai", 3, 0}.str()), "model.uai:3");
  EXPECT_EQ((SourceLocation{"model.uai", 0, 0}.str()), "model.uai");
  EXPECT_EQ((SourceLocation{"", 4, 2}.str()), "4:2");
  EXPECT_EQ((SourceLocation{}.str()), "");
}

TEST(CoreError, InputErrorCarriesLocationAndDetail) {
  const InputError located("bad token", SourceLocation{"a.fg", 2, 5});
  EXPECT_EQ(std::string(located.what()), "a.fg:2:5: bad token");
  EXPECT_EQ(located.detail(), "bad token");
  EXPECT_EQ(located.where().line, 2u);
  EXPECT_EQ(located.where().col, 5u);

  const InputError bare("no location");
  EXPECT_EQ(std::string(bare.what()), "no location");
  EXPECT_EQ(bare.detail(), "no location");
}

TEST(CoreError, AllErrorsShareOneHierarchy) {
  EXPECT_THROW(throw InputError("x"), Error);
  EXPECT_THROW(throw ResourceError("x"), Error);
  EXPECT_THROW(throw NumericError("x"), Error);
  EXPECT_THROW(throw NumericError("x"), std::runtime_error);
  // A factor constructor failure is catchable as the base class with its message.
  try {
    DiscreteFactor({VarId{3}, VarId{3}}, {2, 2}, std::vector<double>(4, 0.0));
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find('3'), std::string::npos) << error.what();
  }
}

TEST(CoreDiscreteFactor, LogValueReadsTheTableAndRefusesAStateOutOfRange) {
  // Scope (a: 2 states, b: 3 states), a fastest: entry a + 2 b.
  const DiscreteFactor f({VarId{0}, VarId{1}}, {2, 3}, {0.0, -1.0, -2.0, -3.0, -4.0, -5.0});
  EXPECT_EQ(f.log_value(Sizes{1, 2}), -5.0);
  EXPECT_EQ(f.log_value(Sizes{0, 1}), -2.0);
  EXPECT_THROW((void)f.log_value(Sizes{2, 0}), InputError);  // a has 2 states
  EXPECT_THROW((void)f.log_value(Sizes{0, 3}), InputError);  // b has 3
  EXPECT_THROW((void)f.log_value(Sizes{0}), InputError);     // one state per scope variable
}

}  // namespace
}  // namespace copi
