// Private. Parsing one .copi text into its AST; the file keeps the text, the AST and
// the positions (for diagnostics) together.
#pragma once

#include <memory>
#include <string>

#include "ast.hpp"
#include "parse_state.hpp"

namespace copi::dsl {

struct ParsedFile {
  std::string file;
  // What the parser reads: the source with every non-ASCII byte replaced by 0x01, so
  // Boost.Spirit's character classes (ASCII only) never see one; UTF-8 in comments
  // stays harmless and anywhere else becomes a syntax error at its own position.
  std::string text;
  std::string original;  // the source as written, for the lines shown in diagnostics
  ast::Program program;
  std::unique_ptr<parser::ParseState> state;  // refers to `text`
  bool ok = false;
};

// Never throws on bad syntax: the diagnostics are in state->diagnostics().
std::unique_ptr<ParsedFile> parse_text(std::string file, std::string text);

}  // namespace copi::dsl
