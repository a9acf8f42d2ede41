// The parser fuzzer's corpus (fuzz/corpus/parser: the examples, the language reference's
// examples and whatever the fuzzer found) as a regression test: every input compiles
// to a model or to diagnostics, and never crashes. Every diagnostic is pinned to a
// line and column of the input: the corpus is compiled from a folder that does not
// exist, so includes and CSV files fail at the statement that names them (there is no
// other file a diagnostic could be about).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "copi/dsl/model.hpp"

namespace copi::dsl {
namespace {

TEST(DslFuzzCorpus, EveryInputCompilesOrReportsPositionedErrors) {
  const std::filesystem::path corpus = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / "parser";
  const std::filesystem::path directory = "/nonexistent-copi-fuzz-dir";
  // The name diagnostics carry: compile_text joins the folder and the file name.
  const std::string file = (directory / "fuzz.copi").lexically_normal().string();
  std::size_t inputs = 0;
  std::size_t inputs_with_diagnostics = 0;
  std::size_t positions_checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const CompileResult result = compile_text(text.str(), "fuzz.copi", directory);
    EXPECT_EQ(result.model.has_value(), result.diagnostics.empty()) << entry.path();
    for (const Diagnostic& d : result.diagnostics) {
      EXPECT_FALSE(d.message.empty()) << entry.path();
      EXPECT_EQ(d.file, file) << entry.path() << ": " << d.message;
      EXPECT_GT(d.line, 0u) << entry.path() << ": " << d.message;
      EXPECT_GT(d.col, 0u) << entry.path() << ": " << d.message;
      ++positions_checked;
    }
    inputs_with_diagnostics += result.diagnostics.empty() ? 0 : 1;
    ++inputs;
  }
  EXPECT_GE(inputs, 10u);
  // Most of the fuzzer's finds are broken inputs: the position checks above ran.
  EXPECT_GE(inputs_with_diagnostics, 100u);
  EXPECT_GE(positions_checked, inputs_with_diagnostics);
}

}  // namespace
}  // namespace copi::dsl
