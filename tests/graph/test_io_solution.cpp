// UAI solution files: both layouts, error paths, and every shipped .MAR / .PR / .MAP /
// .computed file read, written and read back unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/solution_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

using Marginals = std::vector<std::vector<double>>;

Marginals mar_text(const std::string& text) {
  std::istringstream in(text);
  return read_mar(in, "test.MAR");
}
double pr_text(const std::string& text) {
  std::istringstream in(text);
  return read_pr(in, "test.PR");
}
std::vector<std::size_t> mpe_text(const std::string& text) {
  std::istringstream in(text);
  return read_mpe(in, "test.MPE");
}

const auto kReadMar = [](std::istream& in, const std::string& name) { return read_mar(in, name); };
const auto kReadPr = [](std::istream& in, const std::string& name) { return read_pr(in, name); };
const auto kReadMpe = [](std::istream& in, const std::string& name) { return read_mpe(in, name); };

TEST(SolutionErrors, WrongTaskWord) {
  test::expect_input_error(kReadMar, "MPE\n1 0\n", "expected the task word MAR, got 'MPE'", 1, 1);
}

TEST(SolutionErrors, TruncatedMarginals) {
  test::expect_input_error(kReadMar, "MAR\n2 2 0.5 0.5 2 0.5\n",
                           "unexpected end of file: expected a marginal probability of variable 1", 3, 1);
}

TEST(SolutionErrors, NonNumericProbability) {
  test::expect_input_error(kReadMar, "MAR\n1 2 0.5 abc\n", "expected a marginal probability of variable 0, got 'abc'",
                           2, 9);
}

TEST(SolutionErrors, NegativeProbability) {
  test::expect_input_error(kReadMar, "MAR\n1 2 1.5\n  -0.5\n", "expected a marginal probability of variable 0, got '-0.5'",
                           3, 3);
}

TEST(SolutionErrors, NaNLog10Z) {
  test::expect_input_error(kReadPr, "PR\nnan\n", "expected log10 of Z (a number), got 'nan'", 2, 1);
}

TEST(SolutionErrors, MissingLog10Z) {
  test::expect_input_error(kReadPr, "PR\n", "unexpected end of file: expected log10 of Z (a number)", 2, 1);
}

TEST(SolutionErrors, TextAfterLog10Z) {
  test::expect_input_error(kReadPr, "PR\n-5.86 7\n", "unexpected text after the solution: '7'", 2, 7);
}

TEST(SolutionErrors, TruncatedAssignment) {
  test::expect_input_error(kReadMpe, "MPE\n3 0 1\n", "unexpected end of file: expected the state of variable 2", 3, 1);
}

TEST(Solution, WriteMarLayout) {
  std::ostringstream out;
  write_mar(out, {{0.25, 0.75}, {1, 0, 0}});
  EXPECT_EQ(out.str(), "MAR\n2 2 0.25 0.75 3 1 0 0\n");
}

TEST(Solution, WritePrAndMpeLayout) {
  std::ostringstream pr;
  write_pr(pr, -5.861811131124478);
  EXPECT_EQ(pr.str(), "PR\n-5.861811131124478\n");
  std::ostringstream mpe;
  write_mpe(mpe, {1, 0, 2});
  EXPECT_EQ(mpe.str(), "MPE\n3 1 0 2\n");
}

TEST(Solution, RoundTripIsBitExact) {
  const Marginals marginals{{1.0 / 3.0, 2.0 / 3.0}, {0.1, 0.2, 0.7}, {5e-324, 1.0}};
  std::stringstream mar;
  write_mar(mar, marginals);
  EXPECT_EQ(read_mar(mar, "rt.MAR"), marginals);

  for (const double log10_z : {-5.861811131124478, 1e-300, 0.0, -std::numeric_limits<double>::infinity()}) {
    std::stringstream pr;
    write_pr(pr, log10_z);
    EXPECT_EQ(read_pr(pr, "rt.PR"), log10_z);
  }

  const std::vector<std::size_t> assignment{3, 0, 1, 10};
  std::stringstream mpe;
  write_mpe(mpe, assignment);
  EXPECT_EQ(read_mpe(mpe, "rt.MPE"), assignment);
}

TEST(Solution, OlderLayoutWithSampleCount) {
  EXPECT_EQ(mar_text("MAR\n1\n2 2 0.3 0.7 1 1\n"), (Marginals{{0.3, 0.7}, {1}}));
  EXPECT_EQ(mar_text("MAR\n1 2 0.3 0.7\n"), (Marginals{{0.3, 0.7}}));  // one variable, 2014 layout
  EXPECT_EQ(pr_text("PR\n1\n-3.5\n"), -3.5);
  EXPECT_EQ(mpe_text("MPE\n1\n3 0 1 1\n"), (std::vector<std::size_t>{0, 1, 1}));
  EXPECT_EQ(mpe_text("MAP\n2 1 0\n"), (std::vector<std::size_t>{1, 0}));
}

std::vector<std::filesystem::path> shipped_with_suffix(const std::string& suffix) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_data("uai"))) {
    const std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      paths.push_back(entry.path());
    }
  }
  return paths;
}

// "<name>.uai.MAR.computed" -> "<name>.uai"
std::vector<std::size_t> model_cards_for(const std::filesystem::path& solution) {
  std::string name = solution.string();
  name = name.substr(0, name.rfind(".uai") + 4);
  return read_model_file(name).cardinalities;
}

TEST(SolutionShipped, EveryMarginalFileReadsAndRoundTrips) {
  std::vector<std::filesystem::path> paths = shipped_with_suffix(".MAR");
  for (const auto& path : shipped_with_suffix(".MAR.computed")) paths.push_back(path);
  EXPECT_EQ(paths.size(), 71U);
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    const Marginals marginals = read_mar_file(path);
    const std::vector<std::size_t> cards = model_cards_for(path);
    ASSERT_EQ(marginals.size(), cards.size());
    for (std::size_t var = 0; var < cards.size(); ++var) {
      ASSERT_EQ(marginals[var].size(), cards[var]) << "variable " << var;
      EXPECT_NEAR(std::accumulate(marginals[var].begin(), marginals[var].end(), 0.0), 1.0, 1e-4) << "variable " << var;
    }
    std::stringstream text;
    write_mar(text, marginals);
    EXPECT_EQ(read_mar(text, "rt.MAR"), marginals);
  }
}

TEST(SolutionShipped, EveryPrFileReadsAndRoundTrips) {
  std::vector<std::filesystem::path> paths = shipped_with_suffix(".PR");
  for (const auto& path : shipped_with_suffix(".PR.computed")) paths.push_back(path);
  EXPECT_EQ(paths.size(), 72U);
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    const double log10_z = read_pr_file(path);
    EXPECT_TRUE(std::isfinite(log10_z));
    std::stringstream text;
    write_pr(text, log10_z);
    EXPECT_EQ(read_pr(text, "rt.PR"), log10_z);
  }
  EXPECT_EQ(read_pr_file(test::shared_data("uai/Promedus_24.uai.PR.computed")), -5.861811131124478);
}

TEST(SolutionShipped, EveryAssignmentFileReadsAndRoundTrips) {
  std::vector<std::filesystem::path> paths = shipped_with_suffix(".MAP");
  for (const auto& path : shipped_with_suffix(".MPE.computed")) paths.push_back(path);
  EXPECT_EQ(paths.size(), 70U);
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    const std::vector<std::size_t> assignment = read_mpe_file(path);
    const std::vector<std::size_t> cards = model_cards_for(path);
    ASSERT_EQ(assignment.size(), cards.size());
    for (std::size_t var = 0; var < cards.size(); ++var) EXPECT_LT(assignment[var], cards[var]) << "variable " << var;
    std::stringstream text;
    write_mpe(text, assignment);
    EXPECT_EQ(read_mpe(text, "rt.MPE"), assignment);
  }
}

}  // namespace
}  // namespace copi
