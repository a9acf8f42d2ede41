// Loopy belief propagation against libDAI's BP fixed points (COPI_SHARED_DATA_DIR/libdai,
// tol 1e-9, maxiter 10000, no damping): marginals and the Bethe log Z of the parallel
// (PARALL) and sequential (SEQFIX) schedules, the residual schedule reaching the same
// fixed point, non-convergence on K8, and the three large models (suites named Heavy*).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

namespace fs = std::filesystem;

const fs::path kLibdai = fs::path(COPI_SHARED_DATA_DIR) / "libdai";
constexpr double kMarginalTolerance = 1e-6;
constexpr double kLogZTolerance = 1e-6;

FactorGraph load(const std::string& model) { return to_factor_graph(read_model_file(kLibdai / (model + ".fg"))); }

// libDAI's settings: tol 1e-9, maxiter 10000, damping 0.
BpOptions libdai_options(BpSchedule schedule) {
  BpOptions options;
  options.schedule = schedule;
  options.tolerance = 1e-9;
  options.max_iterations = 10000;
  options.damping = 0.0;
  return options;
}

std::string reference_suffix(BpSchedule schedule) {
  return schedule == BpSchedule::sequential ? ".bp_seqfix.ref" : ".bp_parall.ref";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs BP on the model with libDAI's settings and compares with the reference of the
// same schedule (the residual schedule is compared with PARALL's fixed point).
void expect_matches_libdai(const std::string& model, BpSchedule schedule, double log_z_tolerance) {
  const FactorGraph graph = load(model);
  const BpSchedule reference_schedule = schedule == BpSchedule::residual ? BpSchedule::parallel : schedule;
  const LibdaiBpReference ref = read_libdai_bp_reference(kLibdai / (model + reference_suffix(reference_schedule)));
  ASSERT_TRUE(ref.converged) << model;

  const auto start = std::chrono::steady_clock::now();
  const InferenceResult result = belief_propagation(graph, {}, Task::marginals, libdai_options(schedule));
  const double seconds = seconds_since(start);
  EXPECT_TRUE(result.report.converged()) << model << ' ' << to_string(schedule) << ": " << result.report.brief();
  EXPECT_EQ(result.report.termination, Termination::converged) << model;
  EXPECT_TRUE(marginals_near_reference(graph, result.marginals, ref, kMarginalTolerance))
      << model << ' ' << to_string(schedule);
  EXPECT_TRUE(marginals_are_distributions(graph, result.marginals)) << model;
  ASSERT_TRUE(result.log_z) << model;
  EXPECT_NEAR(*result.log_z, ref.log_z, log_z_tolerance) << model << ' ' << to_string(schedule);

  const InferenceResult pr = belief_propagation(graph, {}, Task::partition, libdai_options(schedule));
  ASSERT_TRUE(pr.log_z) << model;
  EXPECT_NEAR(*pr.log_z, ref.log_z, log_z_tolerance) << model << " (Task::partition)";
  std::cout << "[ info ] " << model << ' ' << to_string(schedule) << ": " << result.report.iterations
            << " iterations (libDAI " << ref.iterations << "), log Z " << *result.log_z << " - " << ref.log_z
            << " = " << *result.log_z - ref.log_z << ", " << seconds << " s\n";
}

const std::vector<std::string> kSmallConvergent = {"small_tree", "small_loopy", "small_ising4x4",
                                                   "small_potts3x3"};

class BpLibdaiReference : public ::testing::TestWithParam<std::string> {};

TEST_P(BpLibdaiReference, ParallelMatchesLibdaiParall) {
  expect_matches_libdai(GetParam(), BpSchedule::parallel, kLogZTolerance);
}

TEST_P(BpLibdaiReference, SequentialMatchesLibdaiSeqfix) {
  expect_matches_libdai(GetParam(), BpSchedule::sequential, kLogZTolerance);
}

// Residual BP reaches the same fixed point as flooding (the fixed point does not
// depend on the schedule; PARALL and SEQFIX agree to ~3e-9).
TEST_P(BpLibdaiReference, ResidualReachesTheParallelFixedPoint) {
  expect_matches_libdai(GetParam(), BpSchedule::residual, kLogZTolerance);
  const FactorGraph graph = load(GetParam());
  const InferenceResult parallel = belief_propagation(graph, {}, Task::marginals, libdai_options(BpSchedule::parallel));
  const InferenceResult residual = belief_propagation(graph, {}, Task::marginals, libdai_options(BpSchedule::residual));
  EXPECT_LE(max_abs_difference(parallel.marginals, residual.marginals), 1e-6);
  ASSERT_TRUE(parallel.log_z && residual.log_z);
  EXPECT_NEAR(*parallel.log_z, *residual.log_z, 1e-6);
}

INSTANTIATE_TEST_SUITE_P(SmallModels, BpLibdaiReference, ::testing::ValuesIn(kSmallConvergent),
                         [](const auto& info) { return info.param; });

// small_tree is a tree: the two-pass schedule gives libDAI's (exact) answer at once.
TEST(BpLibdaiTree, TwoPassOnSmallTreeMatchesLibdai) {
  const FactorGraph graph = load("small_tree");
  ASSERT_TRUE(is_forest(graph));
  const LibdaiBpReference ref = read_libdai_bp_reference(kLibdai / "small_tree.bp_parall.ref");
  const InferenceResult result = belief_propagation(graph, {}, Task::marginals);
  EXPECT_NE(result.report.algorithm.find("two-pass"), std::string::npos) << result.report.algorithm;
  EXPECT_TRUE(marginals_near_reference(graph, result.marginals, ref, 1e-12));
  ASSERT_TRUE(result.log_z);
  EXPECT_NEAR(*result.log_z, ref.log_z, 1e-12);
  for (const std::string loopy : {"small_loopy", "small_ising4x4", "small_potts3x3", "small_complete8"}) {
    EXPECT_FALSE(is_forest(load(loopy))) << loopy;
  }
}

// K8 with J ~ N(0, 1.5^2): undamped BP oscillates under both schedules (libDAI: not
// converged after 10000 passes). The run must say so, not claim convergence.
TEST(BpLibdaiNonConvergence, CompleteGraphK8DoesNotConverge) {
  const FactorGraph graph = load("small_complete8");
  for (const BpSchedule schedule : {BpSchedule::parallel, BpSchedule::sequential}) {
    const LibdaiBpReference ref = read_libdai_bp_reference(kLibdai / ("small_complete8" + reference_suffix(schedule)));
    ASSERT_FALSE(ref.converged);
    const InferenceResult result = belief_propagation(graph, {}, Task::marginals, libdai_options(schedule));
    EXPECT_FALSE(result.report.converged()) << to_string(schedule);
    EXPECT_EQ(result.report.termination, Termination::max_iterations) << to_string(schedule);
    EXPECT_EQ(result.report.iterations, 10000u) << to_string(schedule);
    EXPECT_EQ(result.report.residuals.size(), 10000u) << to_string(schedule);
    // Still a usable (if unconverged) answer: finite distributions and log Z.
    EXPECT_TRUE(marginals_are_distributions(graph, result.marginals)) << to_string(schedule);
    ASSERT_TRUE(result.log_z);
    EXPECT_TRUE(std::isfinite(*result.log_z));
  }
}

// ---- the large models: one test each, labelled heavy ------------------------------------

// |log Z| is 5e3-9e3 here; copi agrees with libDAI to ~1e-9 absolute, so the small
// models' absolute 1e-6 holds as is.
TEST(HeavyBpLibdaiReference, IsingGrid100) {
  expect_matches_libdai("ising_grid100", BpSchedule::parallel, kLogZTolerance);
}

TEST(HeavyBpLibdaiReference, Dreg3_10k) {
  expect_matches_libdai("dreg3_10k", BpSchedule::parallel, kLogZTolerance);
}

TEST(HeavyBpLibdaiReference, PottsGrid50) {
  expect_matches_libdai("potts5_grid50", BpSchedule::parallel, kLogZTolerance);
}

TEST(HeavyBpLibdaiReference, IsingGrid100Sequential) {
  expect_matches_libdai("ising_grid100", BpSchedule::sequential, kLogZTolerance);
}

TEST(HeavyBpLibdaiReference, Dreg3_10kSequential) {
  expect_matches_libdai("dreg3_10k", BpSchedule::sequential, kLogZTolerance);
}

TEST(HeavyBpLibdaiReference, PottsGrid50Sequential) {
  expect_matches_libdai("potts5_grid50", BpSchedule::sequential, kLogZTolerance);
}

// The shipped 100x100 grid: flooding with 1 and 2 threads gives bit-identical answers.
TEST(HeavyBpThreads, IsingGrid100OneAndTwoThreadsBitIdentical) {
  const FactorGraph graph = load("ising_grid100");
  BpOptions options = libdai_options(BpSchedule::parallel);
  options.threads = 1;
  const InferenceResult one = belief_propagation(graph, {}, Task::marginals, options);
  options.threads = 2;
  const InferenceResult two = belief_propagation(graph, {}, Task::marginals, options);
  EXPECT_EQ(two.report.threads, 2u);
  EXPECT_EQ(one.report.iterations, two.report.iterations);
  EXPECT_EQ(one.report.residuals, two.report.residuals);
  EXPECT_EQ(one.marginals, two.marginals);  // exact equality, entry by entry
  ASSERT_TRUE(one.log_z && two.log_z);
  EXPECT_EQ(*one.log_z, *two.log_z);
}

}  // namespace
}  // namespace copi::test::bp
