#include "parse.hpp"

#include "grammar.hpp"
#include "suggest.hpp"

namespace copi::dsl {

std::unique_ptr<ParsedFile> parse_text(std::string file, std::string text) {
  auto parsed = std::make_unique<ParsedFile>();
  parsed->file = std::move(file);
  parsed->original = std::move(text);
  parsed->text = parsed->original;
  for (char& c : parsed->text) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '\x01';
  }
  parsed->state = std::make_unique<parser::ParseState>(parsed->file, parsed->text, parsed->original);
  parser::iterator_type first = parsed->text.begin();
  const parser::iterator_type last = parsed->text.end();
  const auto parser = boost::spirit::x3::with<parser::parse_state_tag>(std::ref(*parsed->state))[parser::program()];
  bool ok = false;
  try {
    ok = boost::spirit::x3::phrase_parse(first, last, parser, parser::skipper(), parsed->program);
  } catch (const boost::spirit::x3::expectation_failure<parser::iterator_type>& failure) {
    const auto where = parsed->state->skip_blank(failure.where());
    parsed->state->diagnostics().push_back(parsed->state->at(
        where, "expected " + failure.which() + keyword_hint(failure.which(), parsed->state->word_at(where))));
  }
  if (!ok && parsed->state->diagnostics().empty()) {
    parsed->state->diagnostics().push_back(parsed->state->at(parsed->state->skip_blank(first), "syntax error"));
  }
  // A block comment that never closes makes the skipper stop short of it, so the
  // parser reports "expected a statement" there: say what really happened.
  for (Diagnostic& d : parsed->state->diagnostics()) {
    const std::size_t line_start = [&] {
      std::size_t pos = 0;
      for (std::size_t l = 1; l < d.line; ++l) pos = parsed->text.find('\n', pos) + 1;
      return pos;
    }();
    const std::size_t at = parsed->text.find_first_not_of(" \t\r\n", line_start + d.col - 1);
    if (at != std::string::npos && parsed->text.compare(at, 2, "/*") == 0 &&
        parsed->text.find("*/", at + 2) == std::string::npos) {
      d = parsed->state->at(parsed->text.begin() + static_cast<std::ptrdiff_t>(at), "unterminated comment: '/*' without '*/'");
    }
  }
  parsed->ok = ok && parsed->state->diagnostics().empty();
  return parsed;
}

}  // namespace copi::dsl
