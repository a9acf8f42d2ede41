// How the fuzz target of the language's CSV reader (dsl/src/csv_source.cpp, behind
// `csv("file")` and `csv("file", "column")`) feeds it one input, shared with the
// corpus regression test in tests/dsl/. Each input is read whole and by its last
// header column; when both succeed, the column must be that slice of the whole table.
#pragma once

#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "csv_source.hpp"
#include "fuzz_support.hpp"

namespace copi::fuzz {

// The header's cells as the reader splits them (commas; quotes, '\r' and surrounding
// blanks dropped), written independently of it.
inline std::vector<std::string> csv_header(std::string_view text) {
  const std::string_view line = text.substr(0, text.find('\n'));
  std::vector<std::string> cells(1);
  for (const char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else if (c != '"' && c != '\r') {
      cells.back().push_back(c);
    }
  }
  for (std::string& cell : cells) {
    const std::size_t first = cell.find_first_not_of(" \t");
    cell = first == std::string::npos ? "" : cell.substr(first, cell.find_last_not_of(" \t") - first + 1);
  }
  return cells;
}

inline dsl::CsvNumbers read_csv_text(std::string_view text, const std::string& file_name,
                                     const std::optional<std::string>& column) {
  std::istringstream in{std::string(text)};
  return dsl::read_csv(in, file_name, column);
}

inline void read_csv_input(std::string_view text, const std::string& file_name) {
  const std::vector<std::string> header = csv_header(text);
  const std::string& name = header.back();
  std::size_t index = 0;
  while (header[index] != name) ++index;  // the first column of that name, as the reader picks

  dsl::CsvNumbers whole;
  try {
    whole = read_csv_text(text, file_name, std::nullopt);
  } catch (const Error&) {
    // Another column may be what failed: the one column must then read or fail by itself.
    (void)read_csv_text(text, file_name, name);
    throw;
  }
  if (whole.columns != header.size() || whole.values.size() % whole.columns != 0) {
    throw PropertyViolation("the CSV table is not " + std::to_string(header.size()) + " columns wide");
  }
  dsl::CsvNumbers one;
  try {
    one = read_csv_text(text, file_name, name);
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the whole table reads but its column '") + name + "' does not: " +
                            error.what());
  }
  std::vector<double> slice;
  for (std::size_t i = index; i < whole.values.size(); i += whole.columns) slice.push_back(whole.values[i]);
  if (one.columns != 1 || one.values != slice) {
    throw PropertyViolation("column '" + name + "' read alone differs from the whole table's column");
  }
}

inline constexpr Reader kCsv{"fuzz.csv", &read_csv_input};

}  // namespace copi::fuzz
