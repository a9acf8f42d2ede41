// The file-reader fuzzers' corpora (fuzz/corpus/<target>/: seeds from the shipped
// examples and ../shared/data, and what the fuzzers found) as regression tests. Each
// input goes through the fuzz target's own code (fuzz/graph_inputs.hpp): it must read
// — and then validate and survive a write/read round trip — or be refused with a
// copi::Error naming file:line. Crashes and sanitizer reports fail the run itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "graph_inputs.hpp"

namespace copi {
namespace {

void expect_corpus_handled(const std::string& target, const fuzz::Reader& reader) {
  const std::filesystem::path folder = std::filesystem::path(COPI_SOURCE_DIR) / "fuzz" / "corpus" / target;
  const fuzz::CorpusRun run = fuzz::run_corpus(folder, reader);
  for (const std::string& finding : run.findings) ADD_FAILURE() << finding;
  // Both outcomes are represented, so neither path is tested vacuously.
  EXPECT_GE(run.accepted, 3u) << target;
  EXPECT_GE(run.refused, 3u) << target;
}

TEST(IoFuzzCorpus, UaiInputsReadOrFailWithAPlace) { expect_corpus_handled("uai", fuzz::kUai); }

TEST(IoFuzzCorpus, FgInputsReadOrFailWithAPlace) { expect_corpus_handled("fg", fuzz::kFg); }

TEST(IoFuzzCorpus, EvidenceInputsReadOrFailWithAPlace) { expect_corpus_handled("evidence", fuzz::kEvidence); }

TEST(IoFuzzCorpus, EvidenceWithDecodedCardinalitiesReadOrFailWithAPlace) {
  expect_corpus_handled("evidence_cards", fuzz::kEvidenceCards);
}

TEST(IoFuzzCorpus, SolutionInputsReadOrFailWithAPlace) { expect_corpus_handled("solution", fuzz::kSolution); }

TEST(IoFuzzCorpus, ClusterFileInputsReadOrFailWithAPlace) { expect_corpus_handled("clusters", fuzz::kClusters); }

// The harness itself: a finding is reported, not swallowed.
TEST(IoFuzzCorpus, HarnessReportsErrorsWithoutAPlaceAndForeignExceptions) {
  const fuzz::Reader unplaced{"x.in", [](std::string_view, const std::string&) { throw InputError("no place"); }};
  EXPECT_EQ(fuzz::run_reader(unplaced, "").handling, fuzz::Handling::finding);
  const fuzz::Reader foreign{"x.in", [](std::string_view, const std::string&) { throw std::out_of_range("at"); }};
  EXPECT_EQ(fuzz::run_reader(foreign, "").handling, fuzz::Handling::finding);
  const fuzz::Reader resource{"x.in", [](std::string_view, const std::string&) { throw ResourceError("too big"); }};
  EXPECT_EQ(fuzz::run_reader(resource, "").handling, fuzz::Handling::finding);
  const fuzz::Reader placed{"x.in", [](std::string_view, const std::string& name) {
                              throw InputError("bad", SourceLocation{name, 3, 1});
                            }};
  EXPECT_EQ(fuzz::run_reader(placed, "").handling, fuzz::Handling::refused);
  const fuzz::Reader placed_resource{"x.in", [](std::string_view, const std::string&) {
                                       throw ResourceError("x.in:12:4: too big");
                                     }};
  EXPECT_EQ(fuzz::run_reader(placed_resource, "").handling, fuzz::Handling::refused);
  const fuzz::Reader other_file{"x.in", [](std::string_view, const std::string&) {
                                  throw InputError("bad", SourceLocation{"y.in", 3, 1});
                                }};
  EXPECT_EQ(fuzz::run_reader(other_file, "").handling, fuzz::Handling::finding);
  const fuzz::Reader second_table{"x.in", [](std::string_view, const std::string& name) {
                                    throw InputError("bad", SourceLocation{name + ".rewards.csv", 2, 0});
                                  }};
  EXPECT_EQ(fuzz::run_reader(second_table, "").handling, fuzz::Handling::refused);
  const fuzz::Reader lineless{"x.in", [](std::string_view, const std::string&) {
                                throw ResourceError("x.in: too big");
                              }};
  EXPECT_EQ(fuzz::run_reader(lineless, "").handling, fuzz::Handling::finding);
}

}  // namespace
}  // namespace copi
