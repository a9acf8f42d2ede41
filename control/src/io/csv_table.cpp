#include "csv_table.hpp"

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
