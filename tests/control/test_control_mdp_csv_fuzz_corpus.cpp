// The `copi mdp` CSV fuzzer's corpus (fuzz/corpus/mdp_csv/: the cliff example, small
// tables good and broken, and what the fuzzer found) as a regression test: every input,
// split into its tables as the fuzz target does (fuzz/control_inputs.hpp), reads to an
// MDP that validates or is refused with an InputError naming the table's file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "control_inputs.hpp"

namespace copi::control {
namespace {

TEST(ControlMdpCsvFuzzCorpus, EveryInputReadsOrFailsWithAPlace) {
  const std::filesystem::path folder = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / "mdp_csv";
  const fuzz::CorpusRun run = fuzz::run_corpus(folder, fuzz::kMdpCsv);
  for (const std::string& finding : run.findings) ADD_FAILURE() << finding;
  EXPECT_GE(run.accepted, 3u);
  EXPECT_GE(run.refused, 3u);
}

// The same for `copi irl`'s features and demonstrations (fuzz/corpus/irl_csv/), read
// against the fixed small MDP of control_inputs.hpp.
TEST(ControlIrlCsvFuzzCorpus, EveryInputReadsOrFailsWithAPlace) {
  const std::filesystem::path folder = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / "irl_csv";
  const fuzz::CorpusRun run = fuzz::run_corpus(folder, fuzz::kIrlCsv);
  for (const std::string& finding : run.findings) ADD_FAILURE() << finding;
  EXPECT_GE(run.accepted, 3u);
  EXPECT_GE(run.refused, 3u);
}

// The same for `copi mdp --skills/--latent`'s tables (fuzz/corpus/latent_csv/): what is
// accepted validates as the library's latent model and writes back to the same bits.
TEST(ControlLatentCsvFuzzCorpus, EveryInputReadsOrFailsWithAPlace) {
  const std::filesystem::path folder = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / "latent_csv";
  const fuzz::CorpusRun run = fuzz::run_corpus(folder, fuzz::kLatentCsv);
  for (const std::string& finding : run.findings) ADD_FAILURE() << finding;
  EXPECT_GE(run.accepted, 3u);
  EXPECT_GE(run.refused, 3u);
}

}  // namespace
}  // namespace copi::control
