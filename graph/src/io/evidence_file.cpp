// UAI evidence files. The two layouts are told apart by the token count (odd: the
// 2008/2014 line `N v x ...`; even: the 2010 `S` samples), with one refinement: an odd
// count whose first number does not fit the one-line layout but whose tokens form a
// complete 2010 file (an even number of samples) is read as 2010.
#include "copi/graph/io/evidence_file.hpp"

#include <charconv>
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

bool fits_one_line_layout(const std::vector<Token>& tokens) {
  const std::optional<std::size_t> count = parse_size(tokens.front().text);
  return count && (tokens.size() - 1) / 2 == *count;
}

// Structure only (counts), no range checks: does `S` then S samples `N v x ...`
// consume every token exactly?
bool fits_2010_layout(const std::vector<Token>& tokens) {
  const std::optional<std::size_t> samples = parse_size(tokens.front().text);
  if (!samples) return false;
  std::size_t position = 1;
  for (std::size_t sample = 0; sample < *samples; ++sample) {
    if (position >= tokens.size()) return false;
    const std::optional<std::size_t> count = parse_size(tokens[position].text);
    if (!count || *count > (tokens.size() - position - 1) / 2) return false;
    position += 1 + 2 * *count;
  }
  return position == tokens.size();
}

class EvidenceParser {
 public:
  EvidenceParser(const TextScanner& scanner, const std::vector<Token>& tokens,
                 const std::vector<std::size_t>& cardinalities)
      : scanner_(scanner), tokens_(tokens), cards_(cardinalities) {}

  Evidence read_one_line() {
    Evidence evidence = read_sample();
    expect_end();
    return evidence;
  }

  Evidence read_2010() {
    const std::string what = "the number of evidence samples (a non-negative integer)";
    const std::size_t samples = scanner_.to_size(take(what), what);
    Evidence first;
    for (std::size_t sample = 0; sample < samples; ++sample) {
      Evidence evidence = read_sample();
      if (sample == 0) first = std::move(evidence);
    }
    expect_end();
    return first;
  }

 private:
  const Token& take(std::string_view what) {
    if (position_ >= tokens_.size()) scanner_.fail_truncated(what);
    return tokens_[position_++];
  }

  void expect_end() const {
    if (position_ < tokens_.size()) {
      scanner_.fail(tokens_[position_], "unexpected text after the evidence: " + io_detail::quoted(tokens_[position_].text));
    }
  }

  Evidence read_sample() {
    const std::string what = "the number of observed variables (a non-negative integer)";
    const std::size_t count = scanner_.to_size(take(what), what);
    Evidence evidence;
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t missing = count - i;
      const Token& var_token = take(std::to_string(missing) +
                                    (missing == 1 ? " more observation" : " more observations") +
                                    " (variable state)");
      const std::size_t var = scanner_.to_size(var_token, "an evidence variable index (a non-negative integer)");
      if (var >= cards_.size()) {
        scanner_.fail(var_token, "evidence variable " + std::to_string(var) + " out of range (the model has " +
                                     std::to_string(cards_.size()) + " variables)");
      }
      const std::string state_what = "the observed state of variable " + std::to_string(var);
      const Token& state_token = take(state_what);
      const std::size_t state = scanner_.to_size(state_token, state_what + " (a non-negative integer)");
      if (state >= cards_[var]) {
        scanner_.fail(state_token, "state " + std::to_string(state) + " out of range for variable " +
                                       std::to_string(var) + " (it has " + std::to_string(cards_[var]) + " states)");
      }
      const auto [it, inserted] = evidence.emplace(VarId{static_cast<std::uint32_t>(var)}, state);
      if (!inserted && it->second != state) {
        scanner_.fail(var_token, "variable " + std::to_string(var) + " observed twice with different states (" +
                                     std::to_string(it->second) + ", then " + std::to_string(state) + ")");
      }
    }
    return evidence;
  }

  const TextScanner& scanner_;
  const std::vector<Token>& tokens_;
  const std::vector<std::size_t>& cards_;
  std::size_t position_ = 0;
};

}  // namespace

Evidence read_evidence(std::istream& in, const std::string& file_name,
                       const std::vector<std::size_t>& cardinalities) {
  TextScanner scanner(in, file_name);
  const std::vector<Token> tokens = scanner.remaining();
  if (tokens.empty()) return {};
  bool one_line = tokens.size() % 2 == 1;
  if (one_line && !fits_one_line_layout(tokens) && fits_2010_layout(tokens)) one_line = false;
  EvidenceParser parser(scanner, tokens, cardinalities);
  return one_line ? parser.read_one_line() : parser.read_2010();
}

Evidence read_evidence_file(const std::filesystem::path& path,
                            const std::vector<std::size_t>& cardinalities) {
  std::ifstream in = io_detail::open_for_reading(path);
  return read_evidence(in, path.string(), cardinalities);
}

void write_evidence(std::ostream& out, const Evidence& evidence) {
  out << evidence.size();
  for (const auto& [var, state] : evidence) out << ' ' << var.index << ' ' << state;
  out << '\n';
}

}  // namespace copi
