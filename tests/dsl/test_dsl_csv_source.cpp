// The CSV reader behind `csv(...)` (dsl/src/csv_source.hpp), read from text: errors
// are InputErrors at file:line (they were std::runtime_errors with the place only in
// the text), numbers out of a double's range say so, NaN is refused, a leading '+' is
// a sign.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "csv_source.hpp"

namespace copi::dsl {
namespace {

CsvNumbers read_text(const std::string& text, const std::optional<std::string>& column = std::nullopt) {
  std::istringstream in(text);
  return read_csv(in, "data.csv", column);
}

void expect_error(const std::string& text, const std::optional<std::string>& column, std::size_t line,
                  const std::string& message) {
  SCOPED_TRACE(text);
  try {
    (void)read_text(text, column);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(error.where().file, "data.csv");
    EXPECT_EQ(error.where().line, line);
    EXPECT_EQ(error.detail(), message);
    EXPECT_EQ(std::string(error.what()), "data.csv:" + std::to_string(line) + ": " + message);
  }
}

TEST(DslCsvSource, ReadsTheTableOrOneColumn) {
  const std::string text = "a, \"b\" ,c\r\n1,+2.5,-3e-2\r\n\r\n4,5,inf\r\n";
  const CsvNumbers all = read_text(text);
  EXPECT_EQ(all.columns, 3u);
  EXPECT_EQ(all.values, (std::vector<double>{1, 2.5, -0.03, 4, 5, std::numeric_limits<double>::infinity()}));
  const CsvNumbers b = read_text(text, "b");
  EXPECT_EQ(b.columns, 1u);
  EXPECT_EQ(b.values, (std::vector<double>{2.5, 5}));
}

TEST(DslCsvSource, EveryErrorIsAnInputErrorAtItsLine) {
  expect_error("", std::nullopt, 1, "the CSV file is empty");
  expect_error("a,b\n1,2\n", "c", 1, "no column 'c' in the header");
  expect_error("a,b\n1,2\n\n3\n", std::nullopt, 4, "1 cells, the header has 2");
  expect_error("a,b\n1,2\n3,x\n", std::nullopt, 3, "'x' is not a number");
  // Only the selected column is converted; the others are still counted.
  expect_error("a,b\n1,x\n2,3,4\n", "a", 3, "3 cells, the header has 2");
}

TEST(DslCsvSource, OutOfRangeNumbersSaySo) {
  expect_error("v\n1e999\n", std::nullopt, 2, "'1e999' is out of the range of a double");
}

TEST(DslCsvSource, NanIsNotANumber) {
  expect_error("v\n1\nnan\n", std::nullopt, 3, "'nan' is not a number");
}

TEST(DslCsvSource, LongCellsAreCutInMessages) {
  expect_error("v\n" + std::string(100, 'z') + "\n", std::nullopt, 2,
               "'" + std::string(40, 'z') + "...' is not a number");
}

}  // namespace
}  // namespace copi::dsl
