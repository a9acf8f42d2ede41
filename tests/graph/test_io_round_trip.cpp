// Every shipped model survives a trip through the other format bit for bit:
// uai -> fg -> uai and fg -> uai -> fg reproduce the ModelTables exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "copi/graph/io/model_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

std::vector<std::filesystem::path> shipped(const std::string& folder, const std::string& extension) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_data(folder))) {
    if (entry.path().extension() == extension) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// operator== on doubles would let -0 == +0 pass; compare the bits.
void expect_bitwise_equal(const ModelTables& a, const ModelTables& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.cardinalities, b.cardinalities);
  EXPECT_EQ(a.names, b.names);
  ASSERT_EQ(a.factors.size(), b.factors.size());
  for (std::size_t f = 0; f < a.factors.size(); ++f) {
    ASSERT_EQ(a.factors[f].scope, b.factors[f].scope) << "factor " << f;
    ASSERT_EQ(a.factors[f].values.size(), b.factors[f].values.size()) << "factor " << f;
    for (std::size_t i = 0; i < a.factors[f].values.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint64_t>(a.factors[f].values[i]), std::bit_cast<std::uint64_t>(b.factors[f].values[i]))
          << "factor " << f << " entry " << i << ": " << a.factors[f].values[i] << " vs " << b.factors[f].values[i];
    }
  }
}

ModelTables through_fg(const ModelTables& tables) {
  std::stringstream text;
  write_fg(text, tables);
  return read_fg(text, "through.fg");
}

ModelTables through_uai(const ModelTables& tables) {
  std::stringstream text;
  write_uai(text, tables);
  return read_uai(text, "through.uai");
}

std::vector<std::string> index_names(std::size_t count) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

void check_uai_round_trip(const std::filesystem::path& path) {
  SCOPED_TRACE(path.string());
  const ModelTables original = read_model_file(path);
  ASSERT_FALSE(original.factors.empty());
  expect_bitwise_equal(through_uai(original), original);  // keeps BAYES too

  const ModelTables via_fg = through_fg(original);
  ModelTables expected_fg = original;
  expected_fg.kind = ModelKind::markov;  // .fg has no BAYES
  expected_fg.names = index_names(original.cardinalities.size());
  expect_bitwise_equal(via_fg, expected_fg);

  ModelTables back = through_uai(via_fg);
  EXPECT_TRUE(back.names.empty());
  back.kind = original.kind;
  expect_bitwise_equal(back, original);
}

void check_fg_round_trip(const std::filesystem::path& path) {
  SCOPED_TRACE(path.string());
  const ModelTables original = read_model_file(path);
  ASSERT_FALSE(original.factors.empty());
  // The shipped models use labels 0..n-1, which UAI's indices reproduce.
  EXPECT_EQ(original.names, index_names(original.cardinalities.size()));
  const ModelTables via_uai = through_uai(original);
  EXPECT_TRUE(via_uai.names.empty());
  expect_bitwise_equal(through_fg(via_uai), original);
  expect_bitwise_equal(through_fg(original), original);
}

TEST(IoRoundTrip, EveryShippedUaiModelThroughFg) {
  const std::vector<std::filesystem::path> paths = shipped("uai", ".uai");
  EXPECT_GE(paths.size(), 37U);
  for (const auto& path : paths) check_uai_round_trip(path);
}

TEST(IoRoundTrip, EveryShippedBayesNetThroughFg) {
  const std::vector<std::filesystem::path> paths = shipped("bif", ".uai");
  EXPECT_EQ(paths.size(), 7U);
  for (const auto& path : paths) {
    EXPECT_EQ(read_model_file(path).kind, ModelKind::bayes) << path;
    check_uai_round_trip(path);
  }
}

TEST(IoRoundTrip, EverySmallShippedFgModelThroughUai) {
  std::size_t count = 0;
  for (const auto& path : shipped("libdai", ".fg")) {
    if (path.filename().string().rfind("small_", 0) != 0) continue;
    check_fg_round_trip(path);
    ++count;
  }
  EXPECT_EQ(count, 5U);
}

// The three large libDAI models (2-3 MB each).
TEST(HeavyIoRoundTrip, EveryLargeShippedFgModelThroughUai) {
  std::size_t count = 0;
  for (const auto& path : shipped("libdai", ".fg")) {
    if (path.filename().string().rfind("small_", 0) == 0) continue;
    check_fg_round_trip(path);
    ++count;
  }
  EXPECT_EQ(count, 3U);
}

TEST(IoShipped, SmallTreeMatchesItsDescription) {
  // README: 12 variables, 14 factors, one entry exactly 0, one constant factor 2.5.
  const ModelTables tables = read_model_file(test::shared_data("libdai/small_tree.fg"));
  EXPECT_EQ(tables.cardinalities.size(), 12U);
  ASSERT_EQ(tables.factors.size(), 14U);
  std::size_t zeros = 0;
  std::size_t constants = 0;
  for (const TableFactor& factor : tables.factors) {
    zeros += static_cast<std::size_t>(std::count(factor.values.begin(), factor.values.end(), 0.0));
    if (factor.scope.empty()) {
      ++constants;
      EXPECT_EQ(factor.values, (std::vector<double>{2.5}));
    }
  }
  EXPECT_EQ(zeros, 1U);
  EXPECT_EQ(constants, 1U);
  // The first factor lists labels "2 1 0" with x2 fastest: entry 2 is (x2,x1,x0) = (0,1,0).
  EXPECT_EQ(tables.factors[0].scope, (std::vector<std::size_t>{2, 1, 0}));
  EXPECT_EQ(tables.factors[0].values[1], 0.0);
  EXPECT_EQ(tables.factors[0].values[2], 9.1491340288755492);
}

TEST(IoShipped, AlarmCptRowsWithinToleranceAreAccepted) {
  const ModelTables alarm = read_model_file(test::shared_data("bif/alarm.uai"));
  EXPECT_EQ(alarm.kind, ModelKind::bayes);
  EXPECT_EQ(alarm.cardinalities.size(), 37U);
  EXPECT_EQ(alarm.factors.size(), 37U);
}

TEST(IoShipped, CrLfFilesReadLikeTheOthers) {
  // Pedigree_12 and Pedigree_13 are shipped with Windows line ends.
  const ModelTables tables = read_model_file(test::shared_data("uai/Pedigree_12.uai"));
  EXPECT_EQ(tables.cardinalities.size(), 385U);
  EXPECT_EQ(tables.factors.size(), 385U);
}

}  // namespace
}  // namespace copi
