#include "csv_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <system_error>

#include "copi/graph/error.hpp"

namespace copi::dsl {
namespace {

// Cells without quotes, '\r' and surrounding blanks.
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (const char c : line) {
    if (c == ',') {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r' && c != '"') {
      cell.push_back(c);
    }
  }
  cells.push_back(cell);
  for (std::string& s : cells) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    s = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }
  return cells;
}

// The text shown in a message: long cells are cut with "...".
std::string shown(const std::string& text) {
  constexpr std::size_t kMaxShown = 40;
  return "'" + (text.size() <= kMaxShown ? text : text.substr(0, kMaxShown) + "...") + "'";
}

double to_number(const std::string& cell, const SourceLocation& where) {
  const char* first = cell.data();
  const char* last = first + cell.size();
  // from_chars rejects a leading '+', which some CSV writers emit.
  if (last - first > 1 && *first == '+' && first[1] != '-') ++first;
  double value = 0;
  const auto [end, error] = std::from_chars(first, last, value);
  if (error == std::errc::result_out_of_range && end == last) {
    throw InputError(shown(cell) + " is out of the range of a double", where);
  }
  if (error != std::errc() || end != last || std::isnan(value)) {
    throw InputError(shown(cell) + " is not a number", where);
  }
  return value;
}

}  // namespace

CsvNumbers read_csv(std::istream& in, const std::string& file_name, const std::optional<std::string>& column,
                    std::optional<double> missing) {
  std::string line;
  if (!std::getline(in, line)) throw InputError("the CSV file is empty", SourceLocation{file_name, 1, 0});
  // Errors name file:line (no column: the cells' positions are not kept).
  const std::vector<std::string> header = split(line);
  std::size_t selected = 0;
  bool absent = false;
  if (column) {
    const auto it = std::find(header.begin(), header.end(), *column);
    if (it == header.end() && !missing) {
      throw InputError("no column '" + *column + "' in the header", SourceLocation{file_name, 1, 0});
    }
    absent = it == header.end();
    selected = static_cast<std::size_t>(it - header.begin());
  }
  CsvNumbers out;
  out.columns = column ? 1 : header.size();
  std::size_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> cells = split(line);
    if (cells.size() != header.size()) {
      throw InputError(std::to_string(cells.size()) + " cells, the header has " + std::to_string(header.size()),
                       SourceLocation{file_name, line_number, 0});
    }
    if (absent) {
      out.values.push_back(*missing);
      continue;
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (column && c != selected) continue;
      out.values.push_back(to_number(cells[c], SourceLocation{file_name, line_number, 0}));
    }
  }
  return out;
}

CsvNumbers read_csv_file(const std::filesystem::path& path, const std::optional<std::string>& column,
                         std::optional<double> missing) {
  std::ifstream in(path, std::ios::binary);
  // No location: the message names the path, and the caller places it at csv(...).
  if (!in) throw InputError("cannot open CSV file '" + path.string() + "'");
  return read_csv(in, path.string(), column, missing);
}

}  // namespace copi::dsl
