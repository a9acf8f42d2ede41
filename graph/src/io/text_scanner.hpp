// Private tokenizer shared by the text readers (UAI, libDAI .fg, evidence, solutions):
// whitespace-separated tokens with their 1-based line:col, optional `#` comments, and
// conversions that report "expected <what>, got '<token>'" as an InputError.
#pragma once

#include <charconv>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "copi/graph/error.hpp"

namespace copi::io_detail {

struct Token {
  std::string_view text;  // points into the scanner's buffer
  std::size_t line = 0;
  std::size_t col = 0;
};

class TextScanner {
 public:
  // Reads the whole stream. With `hash_comments`, `#` starts a comment that runs to
  // the end of the line, wherever it appears.
  TextScanner(std::istream& in, std::string file_name, bool hash_comments = false);

  // The next token, or nullopt at the end of the input.
  std::optional<Token> next();
  // True when only whitespace (and comments) remain.
  [[nodiscard]] bool at_end();
  // The next token; at the end throws "unexpected end of file: expected <what>".
  Token expect(std::string_view what);
  // Every remaining token (for formats whose layout depends on the token count).
  std::vector<Token> remaining();

  [[nodiscard]] const std::string& file_name() const { return file_; }
  [[nodiscard]] SourceLocation where(const Token& token) const;
  // Just past the last character of the input.
  [[nodiscard]] SourceLocation end_location() const;

  [[noreturn]] void fail(const Token& token, const std::string& message) const;
  [[noreturn]] void fail_at_end(const std::string& message) const;
  // "unexpected end of file: expected <what>" at the end of the input.
  [[noreturn]] void fail_truncated(std::string_view what) const;
  // "expected <what>, got '<token>'" at the token.
  [[noreturn]] void fail_expected(const Token& token, std::string_view what) const;

  // A decimal non-negative integer, or fail_expected(token, what).
  [[nodiscard]] std::size_t to_size(const Token& token, std::string_view what) const;
  // Any number from_chars accepts (including inf / nan), or fail_expected.
  [[nodiscard]] double to_number(const Token& token, std::string_view what) const;
  // A finite, non-negative number (-0 becomes +0); names NaN, inf and negatives.
  [[nodiscard]] double to_table_entry(const Token& token) const;

  // expect() then to_size(), with the same description for both failures.
  std::size_t read_size(std::string_view what);
  // Throws "unexpected <what>: '<token>'" unless the input is exhausted.
  void expect_end(std::string_view what);

 private:
  void skip_space_and_comments();

  std::string text_;
  std::string file_;
  bool hash_comments_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
};

// The token text for a message: long tokens are cut with "...".
std::string quoted(std::string_view text);

// Shortest text that parses back to exactly `value` (std::to_chars).
std::string format_double(double value);
void write_double(std::ostream& out, double value);

// Opens a file for reading; InputError "cannot open '<path>' ..." otherwise.
std::ifstream open_for_reading(const std::filesystem::path& path);

// The whole text as a non-negative integer (no sign, no trailing characters), or nullopt:
// how the layout detection of evidence and solution files tries a token.
inline std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t value = 0;
  const char* last = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), last, value);
  if (error != std::errc() || ptr != last) return std::nullopt;
  return value;
}

// The number of entries of a table over `cards` (all positive), or nullopt when it
// does not fit a size_t: how readers refuse such a scope with a placed error rather
// than table_size()'s unplaced ResourceError.
inline std::optional<std::size_t> checked_table_size(const std::vector<std::size_t>& cards) {
  std::size_t size = 1;
  for (const std::size_t card : cards) {
    if (size > std::numeric_limits<std::size_t>::max() / card) return std::nullopt;
    size *= card;
  }
  return size;
}

// "2 x 3 x 4": a table's cardinalities for a message.
inline std::string product_text(const std::vector<std::size_t>& cards) {
  std::string text;
  for (const std::size_t card : cards) text += (text.empty() ? "" : " x ") + std::to_string(card);
  return text;
}

}  // namespace copi::io_detail
