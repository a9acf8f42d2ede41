// SparseConditionalFactor against the dense table written out by hand, and each of
// its refusals; the graph's densified() and require_discrete() around it.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <limits>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/graph/sparse_conditional_factor.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// p(c | a, b): c has 3 states, a 2, b 2; rows (a, b) with a fastest:
//   row 0 (a=0,b=0): c=0 0.5, c=2 0.5
//   row 1 (a=1,b=0): c=1 1.0
//   row 2 (a=0,b=1): c=0 0.2, c=1 0.3, c=2 0.5
//   row 3 (a=1,b=1): c=2 1.0
struct Example {
  VarId c{0}, a{1}, b{2};
  std::vector<std::uint64_t> row_begin{0, 2, 3, 6, 7};
  std::vector<std::uint32_t> child{0, 2, 1, 0, 1, 2, 2};
  std::vector<double> probability{0.5, 0.5, 1.0, 0.2, 0.3, 0.5, 1.0};

  [[nodiscard]] SparseConditionalFactor factor() const {
    return {c, 3, {a, b}, {2, 2}, row_begin, child, probability};
  }
  // The same distribution as a dense table over (c, a, b), c fastest, written out.
  [[nodiscard]] static std::vector<double> dense_probabilities() {
    return {0.5, 0.0, 0.5,   // a=0, b=0
            0.0, 1.0, 0.0,   // a=1, b=0
            0.2, 0.3, 0.5,   // a=0, b=1
            0.0, 0.0, 1.0};  // a=1, b=1
  }
};

TEST(SparseConditionalFactor, DensifyGivesTheTableWrittenOutByHand) {
  const Example e;
  const DiscreteFactor dense = e.factor().densify();
  EXPECT_EQ(dense.scope(), (std::vector<VarId>{e.c, e.a, e.b}));
  EXPECT_EQ(dense.cardinalities(), (std::vector<std::size_t>{3, 2, 2}));
  const std::vector<double> p = Example::dense_probabilities();
  ASSERT_EQ(dense.size(), p.size());
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_EQ(dense.log_values()[i], p[i] > 0.0 ? std::log(p[i]) : kNegInf) << "entry " << i;
  }
  EXPECT_EQ(e.factor().dense_size(), 12U);
  EXPECT_EQ(e.factor().rows(), 4U);
  EXPECT_EQ(e.factor().entries(), 7U);
}

TEST(SparseConditionalFactor, LogValueOfEveryAssignmentMatchesTheHandWrittenTable) {
  const Example e;
  const SparseConditionalFactor f = e.factor();
  const std::vector<double> p = Example::dense_probabilities();
  for (std::size_t b = 0; b < 2; ++b) {
    for (std::size_t a = 0; a < 2; ++a) {
      for (std::size_t c = 0; c < 3; ++c) {
        const std::vector<std::size_t> states{c, a, b};
        const double expected = p[c + 3 * (a + 2 * b)];
        EXPECT_EQ(f.log_value(states), expected > 0.0 ? std::log(expected) : kNegInf) << c << a << b;
      }
    }
  }
}

TEST(SparseConditionalFactor, LogValueOfAStateOutOfRangeIsRefused) {
  const std::vector<std::size_t> states{3, 0, 0};
  EXPECT_THROW((void)Example().factor().log_value(states), InputError);
}

void expect_rejected(const std::function<void()>& make, const std::string& fragment) {
  try {
    make();
    ADD_FAILURE() << "accepted; expected an error containing '" << fragment << "'";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(SparseConditionalFactor, MalformedArraysAreRefusedNamingTheRow) {
  const Example e;
  const VarId c = e.c, a = e.a, b = e.b;
  const auto make = [&](std::vector<std::uint64_t> rb, std::vector<std::uint32_t> ch, std::vector<double> pr) {
    return [=] { (void)SparseConditionalFactor(c, 3, {a, b}, {2, 2}, rb, ch, pr); };
  };
  expect_rejected(make({0, 2, 3, 6}, e.child, e.probability), "row offsets for 4 parent configurations");
  expect_rejected(make({1, 2, 3, 6, 7}, e.child, e.probability), "start at 0");
  expect_rejected(make({0, 2, 3, 6, 6}, e.child, e.probability), "end at the number of entries");
  expect_rejected(make({0, 2, 1, 6, 7}, e.child, e.probability), "row 1: row offsets decrease");
  expect_rejected(make(e.row_begin, {0, 2, 3, 0, 1, 2, 2}, e.probability), "row 1: child state 3 of 3");
  expect_rejected(make(e.row_begin, {0, 2, 1, 1, 0, 2, 2}, e.probability), "row 2: child states must increase");
  expect_rejected(make(e.row_begin, e.child, {0.5, 0.5, 1.0, 0.2, 0.3, 0.4, 1.0}), "row 2: probabilities sum to 0.9");
  expect_rejected(make(e.row_begin, e.child, {1.5, -0.5, 1.0, 0.2, 0.3, 0.5, 1.0}), "row 0: probability 1.5");
  expect_rejected(make(e.row_begin, e.child, {0.5, 0.5, 1.0}), "differ in number");
  expect_rejected([&] { (void)SparseConditionalFactor(c, 3, {a, c}, {2, 3}, {0, 1, 2, 3, 4, 5, 6}, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}); },
                  "appears twice");
}

FactorGraph example_graph() {
  FactorGraph g;
  g.add_variable(Variable{"c", 3, {}});
  g.add_variable(Variable{"a", 2, {}});
  g.add_variable(Variable{"b", 2, {}});
  g.add_factor(Example().factor());
  return g;
}

TEST(SparseConditionalFactor, GraphChecksCardinalitiesAndDensifiesOnRequest) {
  FactorGraph g = example_graph();
  EXPECT_TRUE(g.has_sparse_factors());
  EXPECT_FALSE(g.is_discrete());
  const FactorGraph dense = g.densified();
  EXPECT_FALSE(dense.has_sparse_factors());
  EXPECT_TRUE(dense.is_discrete());
  EXPECT_EQ(dense.table(FactorId{0}), Example().factor().densify());
  // A scope of other cardinalities than the variables'.
  FactorGraph wrong;
  wrong.add_variable(Variable{"c", 4, {}});
  wrong.add_variable(Variable{"a", 2, {}});
  wrong.add_variable(Variable{"b", 2, {}});
  EXPECT_THROW(wrong.add_factor(Example().factor()), InputError);
}

TEST(SparseConditionalFactor, DirectDiscreteCallersAreToldWhatToDo) {
  const FactorGraph g = example_graph();
  try {
    g.require_discrete("bp");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("bp: factor 0 (sparse conditional on c, a, b) is sparse"), std::string::npos)
        << error.what();
  }
}

TEST(SparseConditionalFactor, DensifyingBeyondTheLimitIsAResourceErrorNamingTheFactor) {
  const FactorGraph g = example_graph();
  try {
    (void)g.densified(11);
    ADD_FAILURE() << "accepted";
  } catch (const ResourceError& error) {
    EXPECT_NE(std::string(error.what()).find("factor 0 (sparse conditional on c, a, b) would have 12 entries"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace copi
