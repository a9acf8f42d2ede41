#include "text_scanner.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <system_error>

namespace copi::io_detail {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxShown)) + "...'";
}

std::string format_double(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

void write_double(std::ostream& out, double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.write(buffer.data(), result.ptr - buffer.data());
}

std::ifstream open_for_reading(const std::filesystem::path& path) {
  std::error_code error;
  const SourceLocation where{path.string(), 0, 0};
  if (!std::filesystem::exists(path, error)) {
    throw InputError("cannot open '" + path.string() + "': no such file", where);
  }
  if (std::filesystem::is_directory(path, error)) {
    throw InputError("cannot open '" + path.string() + "': it is a directory", where);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path.string() + "' for reading", where);
  return in;
}

TextScanner::TextScanner(std::istream& in, std::string file_name, bool hash_comments)
    : file_(std::move(file_name)), hash_comments_(hash_comments) {
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text_ = std::move(buffer).str();
}

void TextScanner::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '\n') {
      ++pos_;
      ++line_;
      line_start_ = pos_;
    } else if (is_space(c)) {
      ++pos_;
    } else if (hash_comments_ && c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      return;
    }
  }
}

std::optional<Token> TextScanner::next() {
  skip_space_and_comments();
  if (pos_ >= text_.size()) return std::nullopt;
  const std::size_t start = pos_;
  while (pos_ < text_.size() && !is_space(text_[pos_]) && !(hash_comments_ && text_[pos_] == '#')) ++pos_;
  return Token{std::string_view(text_).substr(start, pos_ - start), line_, start - line_start_ + 1};
}

bool TextScanner::at_end() {
  skip_space_and_comments();
  return pos_ >= text_.size();
}

Token TextScanner::expect(std::string_view what) {
  const std::optional<Token> token = next();
  if (!token) fail_truncated(what);
  return *token;
}

std::vector<Token> TextScanner::remaining() {
  std::vector<Token> tokens;
  while (const std::optional<Token> token = next()) tokens.push_back(*token);
  return tokens;
}

SourceLocation TextScanner::where(const Token& token) const {
  return SourceLocation{file_, token.line, token.col};
}

SourceLocation TextScanner::end_location() const {
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return SourceLocation{file_, line, text_.size() - line_start + 1};
}

void TextScanner::fail(const Token& token, const std::string& message) const {
  throw InputError(message, where(token));
}

void TextScanner::fail_at_end(const std::string& message) const {
  throw InputError(message, end_location());
}

void TextScanner::fail_truncated(std::string_view what) const {
  fail_at_end("unexpected end of file: expected " + std::string(what));
}

void TextScanner::fail_expected(const Token& token, std::string_view what) const {
  fail(token, "expected " + std::string(what) + ", got " + quoted(token.text));
}

std::size_t TextScanner::to_size(const Token& token, std::string_view what) const {
  std::size_t value = 0;
  const char* first = token.text.data();
  const char* last = first + token.text.size();
  const auto [ptr, error] = std::from_chars(first, last, value);
  if (error != std::errc() || ptr != last) fail_expected(token, what);
  return value;
}

double TextScanner::to_number(const Token& token, std::string_view what) const {
  const char* first = token.text.data();
  const char* last = first + token.text.size();
  // from_chars rejects a leading '+', which C's strtod (and so most writers) allows.
  if (first != last && *first == '+' && last - first > 1 && first[1] != '-') ++first;
  double value = 0.0;
  const auto [ptr, error] = std::from_chars(first, last, value);
  if (error == std::errc::result_out_of_range && ptr == last) {
    fail(token, "number " + quoted(token.text) + " is out of the range of a double");
  }
  if (error != std::errc() || ptr != last) fail_expected(token, what);
  return value;
}

double TextScanner::to_table_entry(const Token& token) const {
  const double value = to_number(token, "a table entry (non-negative number)");
  if (std::isnan(value)) fail(token, "table entry " + quoted(token.text) + " is not a number");
  if (std::isinf(value)) fail(token, "table entry " + quoted(token.text) + " is infinite");
  if (value < 0.0) fail(token, "negative table entry " + std::string(token.text));
  return value == 0.0 ? 0.0 : value;  // -0 -> +0, so writers never see a sign bit
}

std::size_t TextScanner::read_size(std::string_view what) {
  return to_size(expect(what), what);
}

void TextScanner::expect_end(std::string_view what) {
  if (const std::optional<Token> token = next()) {
    fail(*token, "unexpected " + std::string(what) + ": " + quoted(token->text));
  }
}

}  // namespace copi::io_detail
