// A message about a .copi file, pinned to file:line:col. The parser and the checker
// collect them (they never print); the CLI prints them like a compiler.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace copi::dsl {

struct Diagnostic {
  std::string file;
  std::size_t line = 0;  // 1-based
  std::size_t col = 0;   // 1-based
  std::string message;
  std::string source_line;  // the text of that line, for the caret

  // "file:line:col: error: message" followed by the source line and a caret.
  [[nodiscard]] std::string str() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace copi::dsl
