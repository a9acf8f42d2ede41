// The parser fuzzer's corpus (fuzz/corpus: the examples, the language reference's
// examples and whatever the fuzzer found) as a regression test: every input compiles
// to a model or to diagnostics with a position, and never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "copi/dsl/model.hpp"

namespace copi::dsl {
namespace {

TEST(DslFuzzCorpus, EveryInputCompilesOrReportsPositionedErrors) {
  const std::filesystem::path corpus = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus";
  std::size_t inputs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const CompileResult result = compile_text(text.str(), "fuzz.copi", "/nonexistent-copi-fuzz-dir");
    EXPECT_EQ(result.model.has_value(), result.diagnostics.empty()) << entry.path();
    for (const Diagnostic& d : result.diagnostics) {
      EXPECT_FALSE(d.message.empty()) << entry.path();
      // Parse and checker errors are pinned to the text (missing files have no line).
      if (d.file == "fuzz.copi") {
        EXPECT_GT(d.line, 0u) << entry.path() << ": " << d.message;
      }
    }
    ++inputs;
  }
  EXPECT_GE(inputs, 10u);
}

}  // namespace
}  // namespace copi::dsl
