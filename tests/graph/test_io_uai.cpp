// UAI model reader: every error path pins its message and line:col; the table
// convention (UAI: last scope variable fastest) is checked entry by entry.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

ModelTables read_uai_text(const std::string& text) {
  std::istringstream in(text);
  return read_uai(in, "test.uai");
}

void expect_uai_error(const std::string& text, const std::string& fragment, std::size_t line, std::size_t col) {
  test::expect_input_error([](std::istream& in, const std::string& name) { return read_uai(in, name); }, text,
                           fragment, line, col);
}

// Two variables (cards 2 and 3), one factor over (0, 1): the header of most cases.
const std::string kHeader = "MARKOV\n2\n2 3\n1\n2 0 1\n6\n";

TEST(UaiErrors, EmptyFileExpectsHeader) {
  expect_uai_error("", "unexpected end of file: expected MARKOV or BAYES", 1, 1);
}

TEST(UaiErrors, BadHeaderWord) {
  expect_uai_error("MARKOF\n2\n2 2\n0\n", "expected MARKOV or BAYES, got 'MARKOF'", 1, 1);
}

TEST(UaiErrors, NonIntegerVariableCount) {
  expect_uai_error("MARKOV\n2.5\n", "expected the number of variables (a non-negative integer), got '2.5'", 2, 1);
}

TEST(UaiErrors, ZeroCardinality) {
  expect_uai_error("MARKOV\n3\n2 0 2\n0\n", "cardinality must be a positive integer, got '0' for variable 1", 3, 3);
}

TEST(UaiErrors, NonNumericCardinalityWithCrLfLineEnds) {
  expect_uai_error("MARKOV\r\n2\r\n2 x\r\n", "expected the cardinality of variable 1 (a positive integer), got 'x'",
                   3, 3);
}

TEST(UaiErrors, MissingFactorCount) {
  expect_uai_error("MARKOV\n2\n2 2\n", "unexpected end of file: expected the number of factors", 4, 1);
}

TEST(UaiErrors, ScopeVariableOutOfRange) {
  expect_uai_error("MARKOV\n10\n2 2 2 2 2 2 2 2 2 2\n1\n2 3 12\n",
                   "scope variable 12 out of range (the model has 10 variables)", 5, 5);
}

TEST(UaiErrors, DuplicateScopeVariable) {
  expect_uai_error("MARKOV\n4\n2 2 2 2\n2\n1 0\n3 2 3 2\n", "variable 2 appears twice in the scope of factor 1", 6,
                   7);
}

// A repeat is within one scope: factors 0 and 1 may share variables, and a scope
// may hold every variable of a large model (each found once, not searched for).
TEST(UaiErrors, RepeatIsWithinOneScopeOnly) {
  const std::size_t n = 100000;
  std::string cards;
  std::string scope;
  for (std::size_t var = 0; var < n; ++var) {
    cards += "1 ";
    scope += " " + std::to_string(var);
  }
  const std::string head = "MARKOV\n" + std::to_string(n) + "\n" + cards + "\n2\n" + std::to_string(n) + scope + "\n";
  const ModelTables tables = read_uai_text(head + "2 7 9\n1\n2.5\n1\n4\n");
  ASSERT_EQ(tables.factors.size(), 2u);
  EXPECT_EQ(tables.factors[0].scope.size(), n);
  EXPECT_EQ(tables.factors[1].scope, (std::vector<std::size_t>{7, 9}));
  expect_uai_error(head + "3 7 9 7\n", "variable 7 appears twice in the scope of factor 1", 6, 7);
}

TEST(UaiErrors, TruncatedScope) {
  expect_uai_error("MARKOV\n2\n2 2\n2\n1 0\n2 1",
                   "unexpected end of file: expected a variable index in the scope of factor 1", 6, 4);
}

TEST(UaiErrors, TableSizeDisagreesWithScope) {
  expect_uai_error("MARKOV\n2\n2 3\n1\n2 0 1\n8\n1 2 3 4 5 6 7 8\n", "table of factor 0 has 8 entries, expected 6", 6,
                   1);
}

TEST(UaiErrors, TruncatedTableAtEndOfFile) {
  expect_uai_error(kHeader + "1 2\n", "unexpected end of file: expected 4 more table entries for factor 0", 8, 1);
}

TEST(UaiErrors, TruncatedTableWithoutFinalNewline) {
  expect_uai_error(kHeader + "1 2 3 11 12", "unexpected end of file: expected 1 more table entry for factor 0", 7,
                   12);
}

TEST(UaiErrors, NonNumericEntry) {
  expect_uai_error(kHeader + "1 2 abc 11 12 13\n", "expected a table entry (non-negative number), got 'abc'", 7, 5);
}

TEST(UaiErrors, NegativeEntry) {
  expect_uai_error(kHeader + "1 2 3 -0.5 12 13\n", "negative table entry -0.5", 7, 7);
}

TEST(UaiErrors, NaNEntry) {
  expect_uai_error(kHeader + "1 nan 3 11 12 13\n", "table entry 'nan' is not a number", 7, 3);
}

TEST(UaiErrors, InfiniteEntry) {
  expect_uai_error(kHeader + "1 2 3 11 12 inf\n", "table entry 'inf' is infinite", 7, 13);
}

TEST(UaiErrors, EntryOutOfDoubleRange) {
  expect_uai_error(kHeader + "1e999 2 3 11 12 13\n", "number '1e999' is out of the range of a double", 7, 1);
}

TEST(UaiErrors, TrailingGarbageAfterLastTable) {
  expect_uai_error(kHeader + "1 2 3 11 12 13\n  extra\n", "unexpected text after the last table: 'extra'", 8, 3);
}

TEST(UaiErrors, BayesRowNotSummingToOne) {
  const std::string text =
      "BAYES\n2\n2 2\n2\n1 0\n2 0 1\n"
      "2\n0.3 0.7\n"
      "4\n0.9 0.1\n0.5 0.4\n";
  expect_uai_error(text, "CPT row 1 of factor 1 (child variable 1) sums to 0.9", 11, 1);
}

TEST(UaiErrors, BayesRowJustOutsideTolerance) {
  expect_uai_error("BAYES\n1\n2\n1\n1 0\n2\n0.3 0.700002\n", "CPT row 0 of factor 0 (child variable 0) sums to", 7,
                   1);
}

TEST(Uai, BayesRowsWithinToleranceAreAccepted) {
  const ModelTables tables = read_uai_text("BAYES\n1\n2\n1\n1 0\n2\n0.3 0.7000004\n");
  EXPECT_EQ(tables.kind, ModelKind::bayes);
  EXPECT_EQ(tables.factors[0].values, (std::vector<double>{0.3, 0.7000004}));
}

TEST(Uai, TokensMaySpreadOverLinesArbitrarily) {
  const ModelTables spread = read_uai_text("MARKOV 2\n2\n3 1 2\n0\n1 6 1 2\n3\n11\t12 13");
  const ModelTables tidy = read_uai_text(kHeader + "1 2 3 11 12 13\n");
  EXPECT_EQ(spread, tidy);
}

// f(x0, x1) = 1 + 10 x0 + x1 over cardinalities (2, 3). UAI lists x1 fastest:
// (0,0) (0,1) (0,2) (1,0) (1,1) (1,2).
TEST(UaiConvention, LastScopeVariableVariesFastestInTheFile) {
  const ModelTables tables = read_uai_text(kHeader + "1 2 3 11 12 13\n");
  ASSERT_EQ(tables.factors.size(), 1U);
  EXPECT_EQ(tables.factors[0].scope, (std::vector<std::size_t>{0, 1}));
  // copi order: x0 fastest, index = x0 + 2 x1.
  EXPECT_EQ(tables.factors[0].values, (std::vector<double>{1, 11, 2, 12, 3, 13}));

  const FactorGraph graph = to_factor_graph(tables);
  const DiscreteFactor& factor = graph.table(FactorId{0});
  for (std::size_t x0 = 0; x0 < 2; ++x0) {
    for (std::size_t x1 = 0; x1 < 3; ++x1) {
      const std::vector<std::size_t> states{x0, x1};
      EXPECT_EQ(factor.log_value(states), std::log(1.0 + 10.0 * static_cast<double>(x0) + static_cast<double>(x1)))
          << "x0=" << x0 << " x1=" << x1;
    }
  }
}

TEST(UaiConvention, ReversedScopeKeepsFileOrder) {
  // Scope (x1, x0): the file lists x0 fastest, i.e. (x1,x0) = (0,0) (0,1) (1,0) ...
  const ModelTables tables = read_uai_text("MARKOV\n2\n2 3\n1\n2 1 0\n6\n1 11 2 12 3 13\n");
  EXPECT_EQ(tables.factors[0].scope, (std::vector<std::size_t>{1, 0}));
  const FactorGraph graph = to_factor_graph(tables);
  const DiscreteFactor& factor = graph.table(FactorId{0});
  EXPECT_EQ(factor.scope(), (std::vector<VarId>{VarId{1}, VarId{0}}));
  for (std::size_t x0 = 0; x0 < 2; ++x0) {
    for (std::size_t x1 = 0; x1 < 3; ++x1) {
      const std::vector<std::size_t> states{x1, x0};
      EXPECT_EQ(factor.log_value(states), std::log(1.0 + 10.0 * static_cast<double>(x0) + static_cast<double>(x1)));
    }
  }
}

TEST(UaiConvention, WriterRestoresTheFileOrder) {
  const ModelTables tables = read_uai_text(kHeader + "1 2 3 11 12 13\n");
  std::ostringstream out;
  write_uai(out, tables);
  EXPECT_EQ(out.str(), "MARKOV\n2\n2 3\n1\n2 0 1\n\n6\n1 2 3\n11 12 13\n");
}

TEST(Uai, ConstantFactorAndZeroEntries) {
  const ModelTables tables = read_uai_text("MARKOV\n1\n2\n2\n0\n1 0\n1\n2.5\n2\n0 -0\n");
  ASSERT_EQ(tables.factors.size(), 2U);
  EXPECT_TRUE(tables.factors[0].scope.empty());
  EXPECT_EQ(tables.factors[0].values, (std::vector<double>{2.5}));
  EXPECT_FALSE(std::signbit(tables.factors[1].values[1]));  // -0 read as +0
  const FactorGraph graph = to_factor_graph(tables);
  EXPECT_EQ(graph.table(FactorId{1}).log_values()[0], -INFINITY);
}

}  // namespace
}  // namespace copi
