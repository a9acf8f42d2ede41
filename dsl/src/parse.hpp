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
  std::string text;
  ast::Program program;
  std::unique_ptr<parser::ParseState> state;  // refers to `text`
  bool ok = false;
};

// Never throws on bad syntax: the diagnostics are in state->diagnostics().
std::unique_ptr<ParsedFile> parse_text(std::string file, std::string text);

}  // namespace copi::dsl
