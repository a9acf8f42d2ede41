// The CSV fuzzer's corpus (fuzz/corpus/csv/) as a regression test: every input, read
// whole and by its last header column as the fuzz target does (fuzz/dsl_inputs.hpp),
// reads consistently or is refused with an InputError naming file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dsl_inputs.hpp"

namespace copi::dsl {
namespace {

TEST(DslCsvFuzzCorpus, EveryInputReadsOrFailsWithAPlace) {
  const std::filesystem::path folder = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / "csv";
  const fuzz::CorpusRun run = fuzz::run_corpus(folder, fuzz::kCsv);
  for (const std::string& finding : run.findings) ADD_FAILURE() << finding;
  EXPECT_GE(run.accepted, 3u);
  EXPECT_GE(run.refused, 3u);
}

}  // namespace
}  // namespace copi::dsl
