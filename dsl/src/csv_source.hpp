// Private. Numbers from a CSV file for `csv("file")` / `csv("file", "column")`: a
// header line of column names, then rows of numbers. Errors name file:line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace copi::dsl {

struct CsvNumbers {
  std::vector<double> values;  // row-major
  std::size_t columns = 0;
};

// With a column name: that column only. Throws std::runtime_error with a message
// naming file:line on bad input.
CsvNumbers read_csv_file(const std::filesystem::path& path, const std::optional<std::string>& column);

}  // namespace copi::dsl
