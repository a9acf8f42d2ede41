// Private. A small CSV table with a fixed header, as the MDP files use it: comma
// separated cells (no quoting of commas), blank lines skipped, spaces, tabs and double
// quotes around a cell dropped, CRLF accepted. Every cell remembers its line and
// column, so that messages point at it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"

namespace copi::control::detail {

template <std::size_t N>
struct CsvRow {
  std::array<std::string, N> cells;
  std::array<std::uint32_t, N> columns{};  // 1-based column of each cell
  std::size_t line = 0;                    // 1-based
};

template <std::size_t N>
struct CsvTable {
  std::string name;  // the file, for messages
  std::vector<CsvRow<N>> rows;

  [[nodiscard]] SourceLocation at(const CsvRow<N>& row, std::size_t cell) const {
    return SourceLocation{name, row.line, row.columns[cell]};
  }
};

// Splits one line; `columns` gets the 1-based column of each cell's first character
// (after the dropped padding).
void split_csv_line(const std::string& line, std::vector<std::string>& cells, std::vector<std::uint32_t>& columns);

// Calls visit(row) for each data row of a table whose first line must be `header`
// exactly (after trimming), in file order, one row at a time: a table of 10^7 rows is
// never held as text. Returns the number of data rows. Throws InputError at the file,
// line and column.
template <std::size_t N, typename Visit>
std::size_t for_each_csv_row(const std::string& name, std::istream& in, const std::array<const char*, N>& header,
                             Visit&& visit) {
  std::string line;
  std::vector<std::string> cells;
  std::vector<std::uint32_t> columns;
  std::string want;
  for (const char* h : header) want += (want.empty() ? "" : ",") + std::string(h);
  if (!std::getline(in, line)) {
    throw InputError("empty file, expected the header '" + want + "'", SourceLocation{name, 1, 1});
  }
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // a UTF-8 byte order mark
  split_csv_line(line, cells, columns);
  bool same = cells.size() == N;
  for (std::size_t i = 0; same && i < N; ++i) same = cells[i] == header[i];
  if (!same) throw InputError("expected the header '" + want + "'", SourceLocation{name, 1, 1});
  std::size_t number = 1;
  std::size_t rows = 0;
  CsvRow<N> row;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    split_csv_line(line, cells, columns);
    if (cells.size() != N) {
      throw InputError(std::to_string(cells.size()) + (cells.size() == 1 ? " cell" : " cells") + ", expected " +
                           std::to_string(N) + " (" + want + ")",
                       SourceLocation{name, number, 1});
    }
    for (std::size_t i = 0; i < N; ++i) {
      row.cells[i].swap(cells[i]);
      row.columns[i] = columns[i];
    }
    row.line = number;
    visit(static_cast<const CsvRow<N>&>(row));
    ++rows;
  }
  if (in.bad()) throw InputError("cannot read the file", SourceLocation{name, number, 0});
  return rows;
}

// The whole table in memory (small tables: rewards, initial, prior, features).
template <std::size_t N>
CsvTable<N> read_csv_table(const std::string& name, std::istream& in, const std::array<const char*, N>& header) {
  CsvTable<N> table{name, {}};
  for_each_csv_row<N>(name, in, header, [&](const CsvRow<N>& row) { table.rows.push_back(row); });
  return table;
}

// The cell as a finite number; InputError at the cell otherwise. `what` names the
// column in the message ("probability", "reward").
double parse_csv_number(const std::string& text, const SourceLocation& where, const char* what);

// Shortest text that reads back as the same double.
std::string exact(double value);
// "line 3", "lines 3, 4 and 9" (at most six listed), for messages about rows.
std::string line_list(std::vector<std::size_t> lines);

template <std::size_t N>
double csv_number(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell, const char* what) {
  return parse_csv_number(row.cells[cell], table.at(row, cell), what);
}

}  // namespace copi::control::detail
