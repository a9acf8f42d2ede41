// Private. Numbers from a CSV file for `csv("file")` / `csv("file", "column")`: a
// header line of column names, then rows of numbers. Errors are InputErrors at the
// file's line:col.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace copi::dsl {

struct CsvNumbers {
  std::vector<double> values;  // row-major
  std::size_t columns = 0;
};

// With a column name: that column only; when the header has no such column and
// `missing` is given, that value once per row. `file_name` only labels error locations.
CsvNumbers read_csv(std::istream& in, const std::string& file_name, const std::optional<std::string>& column,
                    std::optional<double> missing = std::nullopt);
CsvNumbers read_csv_file(const std::filesystem::path& path, const std::optional<std::string>& column,
                         std::optional<double> missing = std::nullopt);

}  // namespace copi::dsl
