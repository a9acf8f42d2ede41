// UAI solution files (.MAR, .PR, .MPE/.MAP). The 2014 layout is `TASK` then one
// answer; older files put a sample count S after the task word and then S answers
// (the first is returned). Which layout a file uses is decided from its structure.
#include "copi/graph/io/solution_file.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "copi/graph/error.hpp"
#include "text_scanner.hpp"

namespace copi {
namespace {

using io_detail::parse_size;
using io_detail::TextScanner;
using io_detail::Token;

class SolutionParser {
 public:
  SolutionParser(std::istream& in, const std::string& file_name)
      : scanner_(in, file_name), tokens_(scanner_.remaining()) {}

  // Consumes the task word; `expected` names the accepted words for the message.
  void read_task(std::initializer_list<std::string_view> words, std::string_view expected) {
    const std::string what = "the task word " + std::string(expected);
    const Token& token = take(what);
    for (const std::string_view word : words) {
      if (token.text == word) return;
    }
    scanner_.fail_expected(token, what);
  }

  [[nodiscard]] const std::vector<Token>& tokens() const { return tokens_; }
  [[nodiscard]] std::size_t position() const { return position_; }

  const Token& take(std::string_view what) {
    if (position_ >= tokens_.size()) scanner_.fail_truncated(what);
    return tokens_[position_++];
  }
  std::size_t take_size(std::string_view what) { return scanner_.to_size(take(what), what); }

  // A finite non-negative number (a probability).
  double take_probability(std::size_t var) {
    const std::string what = "a marginal probability of variable " + std::to_string(var);
    const Token& token = take(what);
    const double value = scanner_.to_number(token, what);
    if (!std::isfinite(value) || value < 0.0) scanner_.fail_expected(token, what);
    return value;
  }

  void expect_end() {
    if (position_ < tokens_.size()) {
      scanner_.fail(tokens_[position_], "unexpected text after the solution: " +
                                            io_detail::quoted(tokens_[position_].text));
    }
  }

  const TextScanner& scanner() const { return scanner_; }

 private:
  TextScanner scanner_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;
};

// Where one MAR answer (`n c p.. c p..`) starting at `start` ends, from counts alone.
std::optional<std::size_t> mar_answer_end(const std::vector<Token>& tokens, std::size_t start) {
  if (start >= tokens.size()) return std::nullopt;
  const std::optional<std::size_t> count = parse_size(tokens[start].text);
  if (!count) return std::nullopt;
  std::size_t position = start + 1;
  for (std::size_t var = 0; var < *count; ++var) {
    if (position >= tokens.size()) return std::nullopt;
    const std::optional<std::size_t> card = parse_size(tokens[position].text);
    if (!card || *card >= tokens.size() - position) return std::nullopt;
    position += 1 + *card;
  }
  return position;
}

std::optional<std::size_t> mpe_answer_end(const std::vector<Token>& tokens, std::size_t start) {
  if (start >= tokens.size()) return std::nullopt;
  const std::optional<std::size_t> count = parse_size(tokens[start].text);
  if (!count || *count >= tokens.size() - start) return std::nullopt;
  return start + 1 + *count;
}

std::optional<std::size_t> pr_answer_end(const std::vector<Token>& tokens, std::size_t start) {
  if (start >= tokens.size()) return std::nullopt;
  return start + 1;
}

// True when the tokens from `start` do not form one answer but do form `S` followed
// by S answers (the pre-2014 layout). Anything else is parsed as the 2014 layout, so
// its errors are reported against that.
template <typename AnswerEnd>
bool is_old_layout(const std::vector<Token>& tokens, std::size_t start, AnswerEnd answer_end) {
  if (answer_end(tokens, start) == tokens.size()) return false;
  const std::optional<std::size_t> samples = start < tokens.size() ? parse_size(tokens[start].text) : std::nullopt;
  if (!samples || *samples == 0) return false;
  std::size_t position = start + 1;
  for (std::size_t sample = 0; sample < *samples; ++sample) {
    const std::optional<std::size_t> end = answer_end(tokens, position);
    if (!end) return false;
    position = *end;
  }
  return position == tokens.size();
}

std::vector<std::vector<double>> read_mar_answer(SolutionParser& parser) {
  const std::size_t count = parser.take_size("the number of variables (a non-negative integer)");
  std::vector<std::vector<double>> marginals;
  for (std::size_t var = 0; var < count; ++var) {
    const std::size_t card =
        parser.take_size("the cardinality of variable " + std::to_string(var) + " (a non-negative integer)");
    std::vector<double> marginal;
    for (std::size_t state = 0; state < card; ++state) marginal.push_back(parser.take_probability(var));
    marginals.push_back(std::move(marginal));
  }
  return marginals;
}

std::vector<std::size_t> read_mpe_answer(SolutionParser& parser) {
  const std::size_t count = parser.take_size("the number of variables (a non-negative integer)");
  std::vector<std::size_t> assignment;
  for (std::size_t var = 0; var < count; ++var) {
    assignment.push_back(
        parser.take_size("the state of variable " + std::to_string(var) + " (a non-negative integer)"));
  }
  return assignment;
}

double read_log10_z(SolutionParser& parser) {
  const std::string what = "log10 of Z (a number)";
  const Token& token = parser.take(what);
  const double value = parser.scanner().to_number(token, what);
  // -inf is a legal answer (Z = 0); NaN and +inf are not.
  if (std::isnan(value) || value == INFINITY) parser.scanner().fail_expected(token, what);
  return value;
}

// Older layout: S, then S answers; returns the first.
template <typename ReadAnswer>
auto read_samples(SolutionParser& parser, ReadAnswer read_answer) {
  const std::string what = "the number of solution samples (a positive integer)";
  const Token& token = parser.take(what);
  const std::size_t samples = parser.scanner().to_size(token, what);
  if (samples == 0) parser.scanner().fail_expected(token, what);
  auto first = read_answer(parser);
  for (std::size_t sample = 1; sample < samples; ++sample) read_answer(parser);
  return first;
}

}  // namespace

void write_mar(std::ostream& out, const std::vector<std::vector<double>>& marginals) {
  out << "MAR\n" << marginals.size();
  for (const std::vector<double>& marginal : marginals) {
    out << ' ' << marginal.size();
    for (const double p : marginal) {
      out << ' ';
      io_detail::write_double(out, p);
    }
  }
  out << '\n';
}

void write_pr(std::ostream& out, double log10_z) {
  out << "PR\n";
  io_detail::write_double(out, log10_z);
  out << '\n';
}

void write_mpe(std::ostream& out, const std::vector<std::size_t>& assignment) {
  out << "MPE\n" << assignment.size();
  for (const std::size_t state : assignment) out << ' ' << state;
  out << '\n';
}

std::vector<std::vector<double>> read_mar(std::istream& in, const std::string& file_name) {
  SolutionParser parser(in, file_name);
  parser.read_task({"MAR"}, "MAR");
  std::vector<std::vector<double>> marginals = is_old_layout(parser.tokens(), parser.position(), mar_answer_end)
                                                   ? read_samples(parser, read_mar_answer)
                                                   : read_mar_answer(parser);
  parser.expect_end();
  return marginals;
}

double read_pr(std::istream& in, const std::string& file_name) {
  SolutionParser parser(in, file_name);
  parser.read_task({"PR"}, "PR");
  const bool old_layout = is_old_layout(parser.tokens(), parser.position(), pr_answer_end);
  const double log10_z = old_layout ? read_samples(parser, read_log10_z) : read_log10_z(parser);
  parser.expect_end();
  return log10_z;
}

std::vector<std::size_t> read_mpe(std::istream& in, const std::string& file_name) {
  SolutionParser parser(in, file_name);
  parser.read_task({"MPE", "MAP"}, "MPE or MAP");
  const bool old_layout = is_old_layout(parser.tokens(), parser.position(), mpe_answer_end);
  std::vector<std::size_t> assignment = old_layout ? read_samples(parser, read_mpe_answer) : read_mpe_answer(parser);
  parser.expect_end();
  return assignment;
}

std::vector<std::vector<double>> read_mar_file(const std::filesystem::path& path) {
  std::ifstream in = io_detail::open_for_reading(path);
  return read_mar(in, path.string());
}

double read_pr_file(const std::filesystem::path& path) {
  std::ifstream in = io_detail::open_for_reading(path);
  return read_pr(in, path.string());
}

std::vector<std::size_t> read_mpe_file(const std::filesystem::path& path) {
  std::ifstream in = io_detail::open_for_reading(path);
  return read_mpe(in, path.string());
}

}  // namespace copi
