// The algorithm registry: one table of algorithms and options that the language, the
// command line and other programs drive with strings. Checked: every option reaches
// the algorithm (a value set by name changes what runs), every bad setting is reported
// (not just the first) in the user's words, choice words accept '-' for '_', and the
// auto policy says what it chose.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/algorithms.hpp"
#include "copi/inference/exact.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test::bp {
namespace {

std::vector<OptionSetting> settings(std::initializer_list<OptionSetting> list) { return list; }

TEST(AlgorithmRegistry, TableListsEveryAlgorithmWithUniqueOptionsAndThreads) {
  std::vector<std::string> names;
  for (const AlgorithmSpec& spec : inference_algorithms()) {
    names.push_back(spec.name);
    std::set<std::string> options;
    for (const OptionSpec& option : spec.options) EXPECT_TRUE(options.insert(option.name).second) << option.name;
    EXPECT_TRUE(options.contains("threads")) << spec.name;
    EXPECT_FALSE(spec.summary.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"auto", "exact", "bp", "meanfield", "structured", "trw", "gbp", "ep", "enumerate"}));
  EXPECT_EQ(find_inference_algorithm("bpp"), nullptr);
}

TEST(AlgorithmRegistry, OptionsSetByNameReachTheAlgorithm) {
  const FactorGraph grid = random_ising_grid(6, 6, 1.0, 0.5, 5);
  // max_iter = 1 stops loopy BP after one sweep.
  const InferenceResult one = configure_inference_algorithm("bp", settings({{"max_iter", "1"}, {"schedule", "parallel"}}))
                                  .run(grid, {}, Task::marginals);
  EXPECT_EQ(one.report.iterations, 1u);
  EXPECT_EQ(one.report.termination, Termination::max_iterations);
  // The schedule by name.
  const InferenceResult sequential =
      configure_inference_algorithm("bp", settings({{"schedule", "sequential"}})).run(grid, {}, Task::marginals);
  EXPECT_NE(sequential.report.algorithm.find("sequential"), std::string::npos) << sequential.report.algorithm;
  // A memory limit of 1 KiB refuses the junction tree of a 6x6 grid.
  EXPECT_THROW((void)configure_inference_algorithm("exact", settings({{"memory_limit", "1K"}})).run(grid, {}, Task::partition),
               ResourceError);
  // max_states caps enumeration (2^36 joint states here).
  EXPECT_THROW((void)configure_inference_algorithm("enumerate", settings({{"max_states", "1000"}}))
                   .run(grid, {}, Task::partition),
               ResourceError);
  // threads: the count in effect is reported.
  const InferenceResult two = configure_inference_algorithm("bp", settings({{"threads", "2"}})).run(grid, {}, Task::marginals);
  EXPECT_EQ(two.report.threads, 2u);
}

TEST(AlgorithmRegistry, ChoiceWordsAcceptHyphensForUnderscores) {
  const InferenceAlgorithm hyphen = configure_inference_algorithm("exact", settings({{"heuristic", "min-fill"}}));
  const InferenceAlgorithm underscore = configure_inference_algorithm("exact", settings({{"heuristic", "min_fill"}}));
  EXPECT_EQ(hyphen, underscore);
  EXPECT_EQ(hyphen.values().word("heuristic", ""), "min_fill");
  // Keys too: --max-iter and max_iter name the same option.
  EXPECT_EQ(configure_inference_algorithm("bp", settings({{"max-iter", "7"}})).values().count("max_iter", 0), 7u);
}

TEST(AlgorithmRegistry, EveryProblemIsReportedInTheUsersWords) {
  const std::vector<OptionSetting> given{
      {"damping", "1.5"}, {"schedule", "fastest"}, {"dampin", "0.1"}, {"tol", "-1"}, {"max_iter", "0"},
      {"max_iter", "3.5"}, {"threads", "0"}, {"time_limit", "abc"}};
  const AlgorithmCheck check = check_inference_algorithm("bp", given);
  EXPECT_FALSE(check.algorithm.has_value());
  ASSERT_EQ(check.problems.size(), given.size());
  const auto message = [&](std::size_t i) { return check.problems[i].message; };
  EXPECT_EQ(message(0), "must be a number in [0, 1)");
  EXPECT_EQ(message(1), "must be one of auto, parallel, sequential, or residual");
  EXPECT_EQ(check.problems[2].part, OptionProblem::Part::key);
  EXPECT_EQ(message(2),
            "bp has no option 'dampin' (did you mean 'damping'?); its options: schedule, damping, tol, max_iter, "
            "time_limit, or threads");
  EXPECT_EQ(message(3), "must be a number >= 0");
  EXPECT_EQ(message(4), "must be an integer >= 1");
  EXPECT_EQ(message(5), "'max_iter' is given twice");
  EXPECT_EQ(message(6), "must be an integer in [1, 4096]");
  EXPECT_EQ(message(7), "must be a number > 0");
  for (std::size_t i = 0; i < given.size(); ++i) EXPECT_EQ(check.problems[i].index, i);
  // Without positions: one message with all of them.
  try {
    (void)configure_inference_algorithm("bp", settings({{"damping", "1.5"}, {"schedul", "auto"}}));
    ADD_FAILURE() << "accepted damping = 1.5";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "bp: damping = 1.5 must be a number in [0, 1); bp has no option 'schedul' (did you mean 'schedule'?); "
              "its options: schedule, damping, tol, max_iter, time_limit, or threads");
  }
}

TEST(AlgorithmRegistry, UnknownAlgorithmSuggestsTheNearestName) {
  const AlgorithmCheck check = check_inference_algorithm("exakt", {});
  EXPECT_EQ(check.unknown_algorithm, "unknown algorithm 'exakt' (did you mean 'exact'?): expected auto, exact, bp, meanfield, structured, trw, gbp, ep, or enumerate");
  EXPECT_THROW((void)configure_inference_algorithm("magic"), InputError);
}

TEST(AlgorithmRegistry, NumbersAndSizesParseAsWritten) {
  EXPECT_EQ(configure_inference_algorithm("exact", settings({{"memory_limit", "2G"}})).values().count("memory_limit", 0),
            std::size_t{2} << 30);
  EXPECT_EQ(configure_inference_algorithm("exact", settings({{"memory_limit", "1e+06"}})).values().count("memory_limit", 0),
            1000000u);
  EXPECT_DOUBLE_EQ(configure_inference_algorithm("bp", settings({{"tol", "+1e-12"}})).values().number("tol", 0), 1e-12);
  for (const char* bad : {"nan", "inf", "1e400", "0x10", "1.0.0", "", " 1"}) {
    EXPECT_FALSE(check_inference_algorithm("bp", settings({{"damping", bad}})).problems.empty()) << bad;
  }
  EXPECT_FALSE(check_inference_algorithm("exact", settings({{"memory_limit", "12Q"}})).problems.empty());
  EXPECT_FALSE(check_inference_algorithm("exact", settings({{"memory_limit", "100"}})).problems.empty());  // < 1 KiB
}

TEST(AlgorithmRegistry, AutoSaysWhatItChose) {
  const FactorGraph small = random_ising_grid(3, 3, 1.0, 0.5, 2);
  const InferenceResult exact = configure_inference_algorithm("auto").run(small, {}, Task::marginals);
  EXPECT_TRUE(exact.report.note.starts_with("auto chose exact inference")) << exact.report.note;
  EXPECT_EQ(exact.report.termination, Termination::exact);
  const InferenceResult reference = solve_exact(small, {}, Task::marginals);
  EXPECT_EQ(*exact.log_z, *reference.log_z);
  // A 1 KiB budget cannot hold the junction tree: belief propagation runs instead.
  const InferenceResult bp = configure_inference_algorithm("auto", settings({{"memory_limit", "1K"}}))
                                 .run(random_ising_grid(8, 8, 1.0, 0.5, 2), {}, Task::marginals);
  EXPECT_TRUE(bp.report.note.starts_with("auto chose belief propagation")) << bp.report.note;
  EXPECT_NE(bp.report.algorithm.find("belief propagation"), std::string::npos) << bp.report.algorithm;
}

TEST(AlgorithmRegistry, LogZKindSaysWhatTheNumberIs) {
  const FactorGraph loopy = random_ising_grid(3, 3, 1.0, 0.5, 4);
  const FactorGraph chain = random_ising_grid(1, 6, 1.0, 0.5, 4);  // a forest
  EXPECT_EQ(configure_inference_algorithm("exact").run(loopy, {}, Task::partition).log_z_kind, LogZKind::exact);
  EXPECT_EQ(configure_inference_algorithm("enumerate").run(loopy, {}, Task::partition).log_z_kind, LogZKind::exact);
  EXPECT_EQ(configure_inference_algorithm("bp").run(loopy, {}, Task::partition).log_z_kind, LogZKind::bethe);
  const InferenceResult forest = configure_inference_algorithm("bp").run(chain, {}, Task::partition);
  EXPECT_EQ(forest.log_z_kind, LogZKind::exact);
  EXPECT_NEAR(*forest.log_z, *solve_exact(chain, {}, Task::partition).log_z, 1e-12);
  EXPECT_EQ(to_string(LogZKind::lower_bound), "lower_bound");
  EXPECT_EQ(to_string(LogZKind::upper_bound), "upper_bound");
}

}  // namespace
}  // namespace copi::test::bp
