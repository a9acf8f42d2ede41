// Private. What the parser carries in its context: the file name and text (to turn
// iterators into line:col), the X3 position cache that annotates AST nodes, and the
// diagnostics collected so far.
#pragma once

#include <string>
#include <vector>

#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>

#include "copi/dsl/diagnostic.hpp"

namespace copi::dsl::parser {

struct parse_state_tag;

class ParseState {
 public:
  using iterator = std::string::const_iterator;

  // `display` has the same length as `text` and supplies the source lines shown.
  ParseState(std::string file, const std::string& text, const std::string& display)
      : file_(std::move(file)), text_(text), display_(display), positions_(text.begin(), text.end()) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  boost::spirit::x3::position_cache<std::vector<iterator>>& positions() { return positions_; }
  const boost::spirit::x3::position_cache<std::vector<iterator>>& positions() const { return positions_; }
  const std::string& file() const { return file_; }

  // A diagnostic at an iterator into the text.
  Diagnostic at(iterator where, std::string message) const;
  // The first position at or after `where` that is not whitespace or a comment: X3
  // reports a failure before the skipper ran, the user wants the offending token.
  iterator skip_blank(iterator where) const;
  // The name (letters, digits, '_') that starts at `where`; empty if none does.
  std::string word_at(iterator where) const;
  // A diagnostic at the start of an annotated AST node.
  Diagnostic at(const boost::spirit::x3::position_tagged& node, std::string message) const;

  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  const std::string& text_;
  const std::string& display_;
  boost::spirit::x3::position_cache<std::vector<iterator>> positions_;
  Diagnostics diagnostics_;
  // Offsets of each line's first character: a position of any node (every observation
  // of a large evidence loop) costs a binary search, not a scan of the text.
  std::vector<std::size_t> line_starts_;
};

}  // namespace copi::dsl::parser
