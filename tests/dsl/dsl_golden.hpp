// Golden diagnostics: a broken .copi text paired with the exact diagnostics it must
// produce (file, line:col, message and the source line for the caret). Side files
// (includes, CSV) are written to a fresh folder first; "$DIR" in an expected message
// stands for that folder.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {

enum class Pending { none, column, message };

struct Expected {
  std::size_t line = 0;
  std::size_t col = 0;
  std::string message;
  std::string file = "broken.copi";  // relative to the case's folder
};

struct SideFile {
  std::string name;
  std::string text;
};

struct GoldenCase {
  std::string name;
  std::string text;
  std::vector<Expected> expected;
  std::vector<SideFile> files = {};
  Pending pending = Pending::none;
};

inline std::ostream& operator<<(std::ostream& out, const GoldenCase& c) { return out << c.name; }

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Line `line` (1-based) of `text` without its end of line; empty past the end.
inline std::string line_of(const std::string& text, std::size_t line) {
  std::size_t start = 0;
  for (std::size_t l = 1; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  const std::size_t end = text.find_first_of("\r\n", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

inline void check_case(const GoldenCase& golden, bool check_pending) {
  DslTempDir dir;
  for (const SideFile& file : golden.files) dir.write(file.name, file.text);
  SCOPED_TRACE("input:\n" + golden.text);
  const dsl::CompileResult result = dsl::compile_text(golden.text, "broken.copi", dir.path());
  EXPECT_FALSE(result.model.has_value());
  ASSERT_EQ(result.diagnostics.size(), golden.expected.size()) << format_diagnostics(result.diagnostics);
  for (std::size_t i = 0; i < golden.expected.size(); ++i) {
    const Expected& want = golden.expected[i];
    const dsl::Diagnostic& got = result.diagnostics[i];
    SCOPED_TRACE("diagnostic " + std::to_string(i) + ": " + got.str());
    EXPECT_EQ(got.file, (dir.path() / want.file).lexically_normal().string());
    if (golden.pending != Pending::message || check_pending) {
      EXPECT_EQ(got.message, replace_all(want.message, "$DIR", dir.path().string()));
    }
    EXPECT_EQ(got.line, want.line);
    if (golden.pending != Pending::column || check_pending) {
      EXPECT_EQ(got.col, want.col);
    }
    std::string file_text = golden.text;
    for (const SideFile& file : golden.files) {
      if (file.name == want.file) file_text = file.text;
    }
    EXPECT_EQ(got.source_line, line_of(file_text, want.line));
  }
}

inline std::string golden_case_name(const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; }

}  // namespace copi::test
