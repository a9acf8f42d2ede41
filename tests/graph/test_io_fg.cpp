// libDAI .fg reader and writer: error paths with line:col, comments anywhere, label
// mapping, and the table convention (first variable fastest, as copi).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

ModelTables read_fg_text(const std::string& text) {
  std::istringstream in(text);
  return read_fg(in, "test.fg");
}

std::string write_fg_text(const ModelTables& tables) {
  std::ostringstream out;
  write_fg(out, tables);
  return out.str();
}

void expect_fg_error(const std::string& text, const std::string& fragment, std::size_t line, std::size_t col) {
  test::expect_input_error([](std::istream& in, const std::string& name) { return read_fg(in, name); }, text,
                           fragment, line, col);
}

// f(x0, x1) = 1 + 10 x0 + x1, cardinalities (2, 3), listed with x0 fastest.
const std::string kFgTwoByThree = "1\n\n2\n0 1\n2 3\n6\n0 1\n1 11\n2 2\n3 12\n4 3\n5 13\n";

TEST(FgErrors, EmptyFile) {
  expect_fg_error("", "unexpected end of file: expected the number of factors", 1, 1);
}

TEST(FgErrors, InconsistentCardinalityAcrossFactors) {
  expect_fg_error("2\n\n1\n0\n2\n0\n\n2\n1 0\n2 3\n0\n", "label 0 has cardinality 3 in factor 1 but 2 in factor 0",
                  10, 3);
}

TEST(FgErrors, EntryIndexOutOfRange) {
  expect_fg_error("1\n\n1\n0\n2\n1\n2 0.5\n", "entry index 2 out of range (the table of factor 0 has 2 entries)", 7,
                  1);
}

TEST(FgErrors, DuplicateEntryIndex) {
  expect_fg_error("1\n\n1\n0\n2\n2\n1 0.5\n1 0.25\n", "entry index 1 listed twice in factor 0", 8, 1);
}

TEST(FgErrors, TruncatedEntryList) {
  expect_fg_error("1\n\n1\n0\n2\n2\n0 0.5\n", "unexpected end of file: expected 1 more entry (index value) for factor 0",
                  8, 1);
}

TEST(FgErrors, TruncatedEntryValue) {
  expect_fg_error("1\n\n1\n0\n2\n1\n0", "unexpected end of file: expected the value of entry 0 of factor 0", 7, 2);
}

TEST(FgErrors, MoreListedEntriesThanTheTableHas) {
  expect_fg_error("1\n\n1\n0\n2\n3\n", "factor 0 lists 3 entries but its table has only 2", 6, 1);
}

TEST(FgErrors, NegativeEntry) {
  expect_fg_error("1\n\n1\n0\n2\n1\n0 -1.5\n", "negative table entry -1.5", 7, 3);
}

TEST(FgErrors, NaNEntry) {
  expect_fg_error("1\n\n1\n0\n2\n1\n1 NaN\n", "table entry 'NaN' is not a number", 7, 3);
}

TEST(FgErrors, NonIntegerLabel) {
  expect_fg_error("1\n\n2\n0 x1\n", "expected a variable label of factor 0 (a non-negative integer), got 'x1'", 4, 3);
}

TEST(FgErrors, NegativeLabel) {
  expect_fg_error("1\n\n1\n-1\n", "expected a variable label of factor 0 (a non-negative integer), got '-1'", 4, 1);
}

TEST(FgErrors, DuplicateLabelInOneFactor) {
  expect_fg_error("1\n\n2\n4 4\n", "variable label 4 appears twice in factor 0", 4, 3);
}

// Labels repeat across factors but not within one; a long scope is checked in
// O(n log n), not by a search per label.
TEST(FgErrors, RepeatIsWithinOneFactorOnly) {
  const std::size_t n = 100000;
  std::string labels;
  std::string cards;
  for (std::size_t label = 0; label < n; ++label) {
    labels += std::to_string(n - label) + " ";
    cards += "1 ";
  }
  const std::string big = std::to_string(n) + "\n" + labels + "\n" + cards + "\n1\n0 2.5\n";
  const ModelTables tables = read_fg_text("2\n" + big + "2\n7 9\n1 1\n0\n");
  ASSERT_EQ(tables.factors.size(), 2u);
  EXPECT_EQ(tables.cardinalities.size(), n);
  EXPECT_EQ(tables.factors[1].scope, (std::vector<std::size_t>{6, 8}));  // labels 7, 9 -> indices 6, 8
  expect_fg_error("2\n" + big + "3\n7 9 7\n", "variable label 7 appears twice in factor 1", 8, 5);
}

TEST(FgErrors, ZeroCardinality) {
  expect_fg_error("1\n\n1\n7\n0\n", "cardinality must be a positive integer, got '0' for label 7", 5, 1);
}

TEST(FgErrors, TrailingGarbageAfterLastFactor) {
  expect_fg_error(kFgTwoByThree + "\n5\n", "unexpected text after the last factor: '5'", 14, 1);
}

TEST(FgErrors, PositionsCountCommentLines) {
  expect_fg_error("# header\n1\n# between\n\n1 # arity\n0\n2\n1\n# entries\n0 abc # trailing\n",
                  "expected a table entry (non-negative number), got 'abc'", 10, 3);
}

TEST(Fg, CommentsAnywhere) {
  const ModelTables tables = read_fg_text(
      "# top\n2\n# before factor 0\n\n1\n3\n2\n2 # listed entries\n0 0.5\n1 2\n# between factors\n\n"
      "0\n\n\n1\n0 2.5\n# trailing comment");
  EXPECT_EQ(tables.cardinalities, (std::vector<std::size_t>{2}));
  EXPECT_EQ(tables.names, (std::vector<std::string>{"3"}));
  ASSERT_EQ(tables.factors.size(), 2U);
  EXPECT_EQ(tables.factors[0].values, (std::vector<double>{0.5, 2}));
  EXPECT_TRUE(tables.factors[1].scope.empty());
  EXPECT_EQ(tables.factors[1].values, (std::vector<double>{2.5}));
}

TEST(Fg, LabelsMapToIndicesInNumericOrder) {
  // Labels 10 and 9: numeric order puts 9 first (a string sort would not).
  const ModelTables tables = read_fg_text("2\n\n2\n10 9\n2 3\n1\n5 7\n\n1\n10\n2\n0\n");
  EXPECT_EQ(tables.names, (std::vector<std::string>{"9", "10"}));
  EXPECT_EQ(tables.cardinalities, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(tables.factors[0].scope, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(tables.factors[0].values, (std::vector<double>{0, 0, 0, 0, 0, 7}));  // unlisted entries are 0
  EXPECT_EQ(tables.factors[1].values, (std::vector<double>{0, 0}));
}

TEST(FgConvention, FirstVariableVariesFastest) {
  const ModelTables tables = read_fg_text(kFgTwoByThree);
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

TEST(FgConvention, UaiAndFgOfTheSameFunctionGiveEqualGraphs) {
  std::istringstream uai_in("MARKOV\n2\n2 3\n1\n2 0 1\n6\n1 2 3 11 12 13\n");
  const ModelTables from_uai = read_uai(uai_in, "same.uai");
  ModelTables from_fg = read_fg_text(kFgTwoByThree);
  from_fg.names.clear();  // .fg keeps labels as names; UAI has none
  EXPECT_EQ(to_factor_graph(from_uai), to_factor_graph(from_fg));
  EXPECT_EQ(from_uai, from_fg);
}

TEST(FgWriter, WritesNonzeroEntriesWithIndexLabels) {
  ModelTables tables;
  tables.cardinalities = {2, 3};
  tables.factors = {TableFactor{{1, 0}, {0.5, 0, 0.1, 1.0 / 3.0, 0, 7}}, TableFactor{{}, {2.5}}};
  EXPECT_EQ(write_fg_text(tables),
            "2\n\n2\n1 0\n3 2\n4\n0 0.5\n2 0.1\n3 0.3333333333333333\n5 7\n\n0\n\n\n1\n0 2.5\n");
}

TEST(FgWriter, IncreasingIntegerNamesBecomeLabels) {
  ModelTables tables;
  tables.cardinalities = {2, 2};
  tables.names = {"4", "17"};
  tables.factors = {TableFactor{{0, 1}, {1, 2, 3, 4}}};
  const std::string text = write_fg_text(tables);
  EXPECT_NE(text.find("\n4 17\n"), std::string::npos) << text;
  EXPECT_EQ(read_fg_text(text), tables);
}

TEST(FgWriter, OtherNamesFallBackToIndices) {
  for (const std::vector<std::string>& names : {std::vector<std::string>{"a", "b"}, std::vector<std::string>{"5", "3"},
                                                std::vector<std::string>{"01", "2"}}) {
    ModelTables tables;
    tables.cardinalities = {2, 2};
    tables.names = names;
    tables.factors = {TableFactor{{0, 1}, {1, 2, 3, 4}}};
    const ModelTables back = read_fg_text(write_fg_text(tables));
    EXPECT_EQ(back.names, (std::vector<std::string>{"0", "1"}));
    EXPECT_EQ(back.factors, tables.factors);
  }
}

TEST(FgWriter, VariableInNoFactorGetsAFactorOfOnes) {
  ModelTables tables;
  tables.cardinalities = {2, 3};
  tables.factors = {TableFactor{{0}, {1, 2}}};
  const ModelTables back = read_fg_text(write_fg_text(tables));
  EXPECT_EQ(back.cardinalities, tables.cardinalities);
  ASSERT_EQ(back.factors.size(), 2U);
  EXPECT_EQ(back.factors[0], tables.factors[0]);
  EXPECT_EQ(back.factors[1], (TableFactor{{1}, {1, 1, 1}}));
}

}  // namespace
}  // namespace copi
