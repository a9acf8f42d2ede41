#include "csv_source.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <stdexcept>

namespace copi::dsl {
namespace {

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

}  // namespace

CsvNumbers read_csv_file(const std::filesystem::path& path, const std::optional<std::string>& column) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open CSV file '" + path.string() + "'");
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path.string() + ":1: the CSV file is empty");
  const std::vector<std::string> header = split(line);
  std::size_t selected = 0;
  if (column) {
    const auto it = std::find(header.begin(), header.end(), *column);
    if (it == header.end()) throw std::runtime_error(path.string() + ":1: no column '" + *column + "' in the header");
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
      throw std::runtime_error(path.string() + ":" + std::to_string(line_number) + ": " + std::to_string(cells.size()) +
                               " cells, the header has " + std::to_string(header.size()));
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (column && c != selected) continue;
      double v = 0;
      const auto [end, ec] = std::from_chars(cells[c].data(), cells[c].data() + cells[c].size(), v);
      if (ec != std::errc() || end != cells[c].data() + cells[c].size()) {
        throw std::runtime_error(path.string() + ":" + std::to_string(line_number) + ": '" + cells[c] +
                                 "' is not a number");
      }
      out.values.push_back(v);
    }
  }
  return out;
}

}  // namespace copi::dsl
