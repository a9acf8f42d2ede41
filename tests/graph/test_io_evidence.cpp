// UAI evidence files: both layouts, every error path with line:col, and every shipped
// evidence file against its model.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

// Four variables: binary, binary, ternary, binary.
const std::vector<std::size_t> kCards{2, 2, 3, 2};

Evidence read_text(const std::string& text) {
  std::istringstream in(text);
  return read_evidence(in, "test.evid", kCards);
}

void expect_evidence_error(const std::string& text, const std::string& fragment, std::size_t line,
                           std::size_t col) {
  test::expect_input_error(
      [](std::istream& in, const std::string& name) { return read_evidence(in, name, kCards); }, text, fragment,
      line, col);
}

Evidence make(std::initializer_list<std::pair<std::uint32_t, std::size_t>> pairs) {
  Evidence evidence;
  for (const auto& [var, state] : pairs) evidence[VarId{var}] = state;
  return evidence;
}

TEST(EvidenceErrors, VariableOutOfRange) {
  expect_evidence_error("2 0 1 4 0\n", "evidence variable 4 out of range (the model has 4 variables)", 1, 7);
}

TEST(EvidenceErrors, StateOutOfRange) {
  expect_evidence_error("2\n2 2\n1 2\n", "state 2 out of range for variable 1 (it has 2 states)", 3, 3);
}

TEST(EvidenceErrors, SameVariableWithDifferentStates) {
  expect_evidence_error("2 2 1 2 0", "variable 2 observed twice with different states (1, then 0)", 1, 7);
}

TEST(EvidenceErrors, TruncatedObservationList) {
  expect_evidence_error("3 0 1 1 0\n", "unexpected end of file: expected 1 more observation (variable state)", 2, 1);
}

TEST(EvidenceErrors, NonNumericState) {
  expect_evidence_error("1 0 yes\n", "expected the observed state of variable 0 (a non-negative integer), got 'yes'", 1,
                        5);
}

TEST(EvidenceErrors, TextAfterTheEvidence) {
  expect_evidence_error("1 0 1 2 1\n", "unexpected text after the evidence: '2'", 1, 7);
}

TEST(EvidenceErrors, OutOfRangeIn2010Layout) {
  expect_evidence_error("1\n1 9 0\n", "evidence variable 9 out of range (the model has 4 variables)", 2, 3);
}

TEST(Evidence, EmptyFileAndZeroCountsMeanNoEvidence) {
  EXPECT_TRUE(read_text("").empty());
  EXPECT_TRUE(read_text("  \n").empty());
  EXPECT_TRUE(read_text("0\n").empty());    // one-line layout, N = 0
  EXPECT_TRUE(read_text("1\n0\n").empty()); // 2010 layout, one empty sample
}

TEST(Evidence, OneLineLayout) {
  EXPECT_EQ(read_text("2 3 1 2 2\n"), make({{3, 1}, {2, 2}}));
}

TEST(Evidence, RepeatedIdenticalObservationIsAccepted) {
  EXPECT_EQ(read_text("2 1 1 1 1"), make({{1, 1}}));
}

TEST(Evidence, Layout2010UsesTheFirstSample) {
  EXPECT_EQ(read_text("1\n2 3 1 2 2\n"), make({{3, 1}, {2, 2}}));
  // Three samples: the token count is even, the first sample is used.
  EXPECT_EQ(read_text("3\n1 0 1\n1 0 0\n0\n"), make({{0, 1}}));
  // Two samples give an odd token count; the structure still identifies 2010.
  EXPECT_EQ(read_text("2\n1 0 1\n1 2 2\n"), make({{0, 1}}));
}

TEST(Evidence, WriteThenReadIsIdentity) {
  const Evidence evidence = make({{0, 1}, {2, 2}, {3, 0}});
  std::ostringstream out;
  write_evidence(out, evidence);
  EXPECT_EQ(out.str(), "3 0 1 2 2 3 0\n");
  EXPECT_EQ(read_text(out.str()), evidence);
}

std::vector<std::size_t> model_cardinalities(const std::filesystem::path& evidence_path) {
  // "<name>.uai.evid" / "<name>.uai.evid2010" -> "<name>.uai"
  std::filesystem::path model = evidence_path;
  model.replace_extension();
  return read_model_file(model).cardinalities;
}

TEST(EvidenceShipped, EveryEvidenceFileParses) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_data("uai"))) {
    const std::string extension = entry.path().extension().string();
    if (extension != ".evid" && extension != ".evid2010") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(read_evidence_file(entry.path(), model_cardinalities(entry.path())));
    ++count;
  }
  EXPECT_EQ(count, 39U);
}

TEST(EvidenceShipped, Layouts2008And2010Agree) {
  for (const std::string name : {"Promedus_24.uai", "Pedigree_11.uai"}) {
    const std::filesystem::path base = test::shared_data("uai/" + name);
    const std::vector<std::size_t> cards = read_model_file(base).cardinalities;
    const Evidence one_line = read_evidence_file(base.string() + ".evid", cards);
    const Evidence layout_2010 = read_evidence_file(base.string() + ".evid2010", cards);
    EXPECT_FALSE(one_line.empty()) << name;
    EXPECT_EQ(one_line, layout_2010) << name;
  }
  const std::filesystem::path promedus = test::shared_data("uai/Promedus_24.uai");
  EXPECT_EQ(read_evidence_file(promedus.string() + ".evid", read_model_file(promedus).cardinalities),
            make({{63, 1}, {25, 1}, {66, 1}, {44, 1}}));
  const std::filesystem::path pedigree = test::shared_data("uai/Pedigree_11.uai");
  EXPECT_EQ(read_evidence_file(pedigree.string() + ".evid", read_model_file(pedigree).cardinalities).size(), 37U);
}

TEST(EvidenceShipped, Relational3IsShippedIn2010Layout) {
  const std::filesystem::path model = test::shared_data("uai/relational_3.uai");
  const Evidence evidence = read_evidence_file(model.string() + ".evid", read_model_file(model).cardinalities);
  EXPECT_EQ(evidence, make({{756, 1}, {646, 1}, {1, 1}, {219, 1}, {929, 1}, {932, 1}, {971, 1}}));
}

TEST(EvidenceShipped, MissingFileNamesThePath) {
  try {
    read_evidence_file("/nonexistent/dir/x.evid", kCards);
    FAIL() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find("cannot open '/nonexistent/dir/x.evid'"), std::string::npos) << error.detail();
    EXPECT_EQ(error.where().file, "/nonexistent/dir/x.evid");
  }
}

}  // namespace
}  // namespace copi
