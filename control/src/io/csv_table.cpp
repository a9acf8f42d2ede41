#include "csv_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace copi::control::detail {

void split_csv_line(const std::string& line, std::vector<std::string>& cells, std::vector<std::uint32_t>& columns) {
  cells.clear();
  columns.clear();
  std::size_t begin = 0;
  while (true) {
    std::size_t end = line.find(',', begin);
    const bool last = end == std::string::npos;
    if (last) end = line.size();
    std::size_t first = begin;
    std::size_t stop = end;
    const auto padding = [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\r'; };
    while (first < stop && padding(line[first])) ++first;
    while (stop > first && padding(line[stop - 1])) --stop;
    cells.emplace_back(line, first, stop - first);
    columns.push_back(static_cast<std::uint32_t>(first + 1));
    if (last) break;
    begin = end + 1;
  }
}

std::string exact(double value) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::string line_list(std::vector<std::size_t> lines) {
  std::sort(lines.begin(), lines.end());
  constexpr std::size_t kShown = 6;
  std::string text = lines.size() == 1 ? "line " : "lines ";
  for (std::size_t i = 0; i < lines.size() && i < kShown; ++i) {
    if (i > 0) text += i + 1 == lines.size() ? " and " : ", ";
    text += std::to_string(lines[i]);
  }
  if (lines.size() > kShown) text += ", ... (" + std::to_string(lines.size()) + " rows)";
  return text;
}

double parse_csv_number(const std::string& text, const SourceLocation& where, const char* what) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') {
    ++begin;  // from_chars takes no plus sign; "+-1" is not a number
    if (begin != end && *begin == '-') throw InputError(std::string(what) + " '" + text + "' is not a number", where);
  }
  double value = 0.0;
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    throw InputError(std::string(what) + " '" + text + "' is not a number", where);
  }
  if (!std::isfinite(value)) throw InputError(std::string(what) + " '" + text + "' is not a finite number", where);
  return value;
}

}  // namespace copi::control::detail
