#include "parse_state.hpp"

#include <algorithm>
#include <cctype>

namespace copi::dsl {

std::string Diagnostic::str() const {
  std::string out = file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message + "\n";
  if (!source_line.empty() && source_line.size() <= 240) {
    out += "  " + source_line + "\n  ";
    for (std::size_t i = 0; i + 1 < col && i < source_line.size(); ++i) out += source_line[i] == '\t' ? '\t' : ' ';
    out += "^\n";
  }
  return out;
}

namespace parser {

Diagnostic ParseState::at(iterator where, std::string message) const {
  const std::size_t offset = static_cast<std::size_t>(where - text_.begin());
  const auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const std::size_t line_index = static_cast<std::size_t>(after - line_starts_.begin()) - 1;
  const std::size_t line_start = line_starts_[line_index];
  Diagnostic d;
  d.file = file_;
  d.message = std::move(message);
  d.line = line_index + 1;
  d.col = offset - line_start + 1;
  std::size_t line_end = line_start;
  while (line_end < text_.size() && text_[line_end] != '\n' && text_[line_end] != '\r') ++line_end;
  d.source_line = display_.substr(line_start, line_end - line_start);
  return d;
}

ParseState::iterator ParseState::skip_blank(iterator start) const {
  const iterator end = text_.end();
  iterator where = start;
  while (where != end) {
    if (*where == ' ' || *where == '\t' || *where == '\r' || *where == '\n') {
      ++where;
    } else if (*where == '/' && where + 1 != end && where[1] == '/') {
      while (where != end && *where != '\n') ++where;
    } else if (*where == '/' && where + 1 != end && where[1] == '*') {
      const auto close = text_.find("*/", static_cast<std::size_t>(where - text_.begin()) + 2);
      if (close == std::string::npos) break;  // an unterminated comment is the error
      where = text_.begin() + static_cast<std::ptrdiff_t>(close + 2);
    } else {
      break;
    }
  }
  // At the end of the input the place to point at is where the last token ended.
  return where == end ? start : where;
}

std::string ParseState::word_at(iterator where) const {
  const auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  if (where == text_.end() || std::isdigit(static_cast<unsigned char>(*where)) != 0) return "";
  iterator end = where;
  while (end != text_.end() && name_char(*end)) ++end;
  return std::string(where, end);
}

Diagnostic ParseState::at(const boost::spirit::x3::position_tagged& node, std::string message) const {
  if (node.id_first < 0) return at(text_.begin(), std::move(message));
  return at(positions_.position_of(node).begin(), std::move(message));
}

}  // namespace parser
}  // namespace copi::dsl
