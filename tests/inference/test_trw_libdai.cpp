// Tree-reweighted BP against libDAI's TRWBP (tests/data/libdai_trwbp, made by
// bench/make_trw_refs.sh): on the libDAI models of COPI_SHARED_DATA_DIR/libdai, with the
// edge appearance probabilities libDAI sampled (100 spanning trees) given to copi as
// factor weights, copi's fixed point must have libDAI's beliefs and TRW bound (log Z).
// Both schedules reach it; the large models and slow K8 are in suites named Heavy*.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/inference/tree_reweighted.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

namespace fs = std::filesystem;

const fs::path kModels = fs::path(COPI_SHARED_DATA_DIR) / "libdai";
const fs::path kReferences = fs::path(COPI_SOURCE_DIR) / "tests" / "data" / "libdai_trwbp";

// "trees N", then per factor the number of sampled trees containing it: weight count / N.
std::vector<double> read_weights(const fs::path& path) {
  std::ifstream in(path);
  std::string word;
  double trees = 0;
  if (!(in >> word >> trees) || word != "trees" || !(trees > 0)) throw std::runtime_error(path.string() + ": no trees line");
  std::vector<double> weights;
  double count = 0;
  while (in >> count) weights.push_back(count / trees);
  return weights;
}

// The beliefs the reference lists (all variables, or every 10th for the large models).
::testing::AssertionResult beliefs_near(const FactorGraph& graph, const std::vector<std::vector<double>>& got,
                                        const LibdaiBpReference& ref, double tolerance) {
  double worst = 0;
  for (const auto& [label, expected] : ref.marginals) {
    const std::optional<VarId> var = graph.find_variable(label);
    if (!var) return ::testing::AssertionFailure() << "no variable named " << label;
    const std::vector<double>& p = got[var->index];
    if (p.size() != expected.size()) return ::testing::AssertionFailure() << label << ": cardinality";
    for (std::size_t s = 0; s < p.size(); ++s) {
      const double diff = std::abs(p[s] - expected[s]);
      if (!(diff <= tolerance)) {
        return ::testing::AssertionFailure() << "p(" << label << " = " << s << ") = " << p[s] << ", libDAI "
                                             << expected[s];
      }
      worst = std::max(worst, diff);
    }
  }
  return ::testing::AssertionSuccess() << "max |dp| " << worst;
}

void expect_matches_libdai(const std::string& model, TrwSchedule schedule, double tolerance,
                           std::size_t max_iterations) {
  const FactorGraph graph = to_factor_graph(read_model_file(kModels / (model + ".fg")));
  const LibdaiBpReference ref = read_libdai_bp_reference(kReferences / (model + ".trwbp.ref"));
  ASSERT_TRUE(ref.converged) << model;
  TrwOptions options;
  options.factor_weights = read_weights(kReferences / (model + ".trwbp.weights"));
  ASSERT_EQ(options.factor_weights.size(), graph.num_factors()) << model;
  options.schedule = schedule;
  options.tolerance = tolerance;
  options.max_iterations = max_iterations;
  const auto start = std::chrono::steady_clock::now();
  const InferenceResult result = tree_reweighted_bp(graph, {}, Task::marginals, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result.report.converged()) << model << ": " << result.report.full();
  EXPECT_EQ(result.log_z_kind, LogZKind::upper_bound);
  EXPECT_TRUE(beliefs_near(graph, result.marginals, ref, 1e-6)) << model << ' ' << to_string(schedule);
  ASSERT_TRUE(result.log_z);
  EXPECT_NEAR(*result.log_z, ref.log_z, 1e-6) << model << ' ' << to_string(schedule);
  std::cout << "[ info ] " << model << ' ' << to_string(schedule) << ": " << result.report.iterations
            << " iterations (libDAI SEQFIX " << ref.iterations << "), log Z " << *result.log_z << " - " << ref.log_z
            << " = " << *result.log_z - ref.log_z << ", " << seconds << " s\n";
}

class TrwLibdaiReference : public ::testing::TestWithParam<std::string> {};

TEST_P(TrwLibdaiReference, SequentialMatchesLibdai) {
  expect_matches_libdai(GetParam(), TrwSchedule::sequential, 1e-12, 10000);
}

TEST_P(TrwLibdaiReference, ParallelMatchesLibdai) {
  expect_matches_libdai(GetParam(), TrwSchedule::parallel, 1e-12, 10000);
}

INSTANTIATE_TEST_SUITE_P(SmallModels, TrwLibdaiReference, ::testing::Values("small_ising4x4", "small_potts3x3"),
                         [](const auto& info) { return info.param; });

// K8 with strong frustrated couplings: both libDAI and copi approach the fixed point
// slowly (libDAI needs ~340000 SEQFIX sweeps to a belief change of 1e-13).
TEST(HeavyTrwLibdaiReference, CompleteGraphK8MatchesLibdai) {
  expect_matches_libdai("small_complete8", TrwSchedule::sequential, 1e-11, 2000000);
}

// The TRW bounds are above the exact log Z (libDAI's junction tree): libDAI's with its
// sampled weights, and copi's with its default (exact uniform spanning-tree) weights,
// which give the tighter bound.
TEST(TrwLibdaiReference, BoundsAboveExactLogZ) {
  for (const std::string model : {"small_ising4x4", "small_potts3x3", "small_complete8"}) {
    const LibdaiBpReference exact = read_libdai_bp_reference(kModels / (model + ".exact.ref"));
    const LibdaiBpReference trw = read_libdai_bp_reference(kReferences / (model + ".trwbp.ref"));
    EXPECT_GT(trw.log_z, exact.log_z) << model;
    if (model == "small_complete8") continue;  // slow to converge: CompleteGraphK8MatchesLibdai
    const FactorGraph graph = to_factor_graph(read_model_file(kModels / (model + ".fg")));
    const InferenceResult result = tree_reweighted_bp(graph, {}, Task::partition);
    ASSERT_TRUE(result.report.converged()) << model;
    EXPECT_GT(*result.log_z, exact.log_z) << model;
    EXPECT_LT(*result.log_z, trw.log_z) << model;
    std::cout << "[ info ] " << model << ": exact log Z " << exact.log_z << ", TRW bound " << *result.log_z
              << " (uniform spanning trees), " << trw.log_z << " (libDAI's 100 sampled trees)\n";
  }
}

TEST(HeavyTrwLibdaiReference, IsingGrid100) {
  expect_matches_libdai("ising_grid100", TrwSchedule::sequential, 1e-11, 10000);
  expect_matches_libdai("ising_grid100", TrwSchedule::parallel, 1e-11, 10000);
}

TEST(HeavyTrwLibdaiReference, PottsGrid50) {
  expect_matches_libdai("potts5_grid50", TrwSchedule::sequential, 1e-11, 10000);
}

TEST(HeavyTrwLibdaiReference, Dreg3_10k) {
  expect_matches_libdai("dreg3_10k", TrwSchedule::sequential, 1e-11, 10000);
}

}  // namespace
}  // namespace copi::test::bp
