// The MDP's numbers and the solve options as text (issue 10 item 3): ranges checked
// by the library's tables, every problem reported; and the memory estimate that refuses
// a solve before it allocates.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/control/mdp_settings.hpp"
#include "copi/control/methods.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

Mdp two_states() {
  Mdp mdp;
  mdp.num_states = 2;
  mdp.num_actions = 2;
  set_transitions(mdp, {{0, 0, 0, 1.0}, {0, 1, 1, 1.0}, {1, 0, 1, 1.0}, {1, 1, 0, 1.0}});
  mdp.reward = {0.0, -1.0, 1.0, 0.5};
  mdp.initial = {1.0, 0.0};
  return mdp;
}

std::vector<std::string> messages(const std::vector<OptionProblem>& problems) {
  std::vector<std::string> out;
  for (const OptionProblem& p : problems) out.push_back(p.message);
  return out;
}

TEST(ControlSettings, MdpNumbersAreCheckedAgainstTheirRanges) {
  Mdp mdp = two_states();
  EXPECT_TRUE(apply_mdp_settings(mdp, std::vector<OptionSetting>{{"horizon", "7"}, {"discount", "0.5"}, {"alpha", "2e-3"}})
                  .empty());
  EXPECT_EQ(mdp.horizon, 7u);
  EXPECT_EQ(mdp.discount, 0.5);
  EXPECT_EQ(mdp.alpha, 2e-3);
  Mdp untouched = two_states();
  const auto problems = apply_mdp_settings(
      untouched, std::vector<OptionSetting>{{"horizon", "-3"}, {"discount", "nan"}, {"alpha", "0"}, {"horizon", "2"}});
  EXPECT_EQ(messages(problems), (std::vector<std::string>{"must be an integer >= 1", "must be a number in (0, 1]",
                                                          "must be a number in [1e-100, 1e+100]", "'horizon' is given twice"}));
  EXPECT_FALSE(untouched.horizon.has_value());  // nothing set when anything is wrong
  EXPECT_EQ(messages(apply_mdp_settings(untouched, std::vector<OptionSetting>{{"temprature", "1"}})),
            (std::vector<std::string>{"the MDP has no option 'temprature'; its options: horizon, discount, or alpha"}));
  for (const char* horizon : {"0", "2.5", "1e30", "inf"}) {
    EXPECT_EQ(apply_mdp_settings(untouched, std::vector<OptionSetting>{{"horizon", horizon}}).size(), 1u) << horizon;
  }
  EXPECT_TRUE(apply_mdp_settings(untouched, std::vector<OptionSetting>{{"discount", "1"}}).empty());
}

TEST(ControlSettings, SolveOptionsComeFromTheMethodTable) {
  const SolveOptions options = configure_control_method(
      "exact", std::vector<OptionSetting>{{"tol", "1e-6"}, {"max_iter", "50"}, {"memory_limit", "1M"}, {"threads", "2"}});
  EXPECT_EQ(options.method, ControlMethod::exact);
  EXPECT_EQ(options.tolerance, 1e-6);
  EXPECT_EQ(options.max_iterations, 50u);
  EXPECT_EQ(options.memory_limit_bytes, 1024u * 1024u);
  EXPECT_EQ(options.threads, 2u);
  const MethodCheck bad = check_control_method(
      "map", std::vector<OptionSetting>{{"tol", "-1"}, {"max_iter", "0"}, {"memory_limit", "12"}, {"threads", "0"}});
  EXPECT_FALSE(bad.options.has_value());
  EXPECT_EQ(messages(bad.problems), (std::vector<std::string>{"must be a number > 0", "must be an integer >= 1",
                                                              "must be a size >= 1024", "must be an integer in [1, 4096]"}));
}

// The validate() messages of the options name the field and the accepted range.
TEST(ControlSettings, SolveOptionsValidateNamesTheFieldAndRange) {
  const auto message = [](const SolveOptions& options) {
    try {
      options.validate();
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(SolveOptions{.tolerance = -1.0}), "tolerance = -1: must be a finite number > 0");
  EXPECT_EQ(message(SolveOptions{.max_iterations = 0}), "max_iterations = 0: must be an integer >= 1");
  EXPECT_EQ(message(SolveOptions{}), "accepted");
}

// A horizon of 10^12 steps would need some 10^14 bytes: solve() refuses it from the
// estimate (ResourceError) instead of failing inside an allocation.
TEST(ControlSettings, SolvesBeyondTheMemoryLimitAreRefusedBeforeAllocating) {
  Mdp mdp = two_states();
  mdp.horizon = 1'000'000'000'000;
  try {
    (void)solve(mdp, SolveOptions{.threads = 1});
    ADD_FAILURE() << "accepted";
  } catch (const ResourceError& error) {
    EXPECT_NE(std::string(error.what()).find("V, the policy for 1000000000000 steps of 2 states x 2 actions), over the "
                                             "memory limit of 2 GiB"),
              std::string::npos)
        << error.what();
  }
  // The estimate: a vector of n doubles is 24 bytes plus a block of 8 n + 8 rounded up
  // to 16 (at least 32); V and π per step, Q too when asked, plus the working arrays.
  mdp.horizon = 10;
  const double v = 24 + 32;  // 2 doubles
  const double pi = 24 + 48;  // 4 doubles
  const double working = 4 + 13 * 4 + 5 * 8 * 2;  // row lengths, 13 bytes per CSR entry (codes, slices), 5 state vectors
  EXPECT_EQ(solve_memory_estimate(mdp, SolveOptions{.method = ControlMethod::map}), 10 * (v + pi) + working);
  EXPECT_EQ(solve_memory_estimate(mdp, SolveOptions{.method = ControlMethod::map, .action_values = true}),
            10 * (v + 2 * pi) + working);
  // The limit is a limit: just above the estimate solves, just below refuses.
  const auto bytes = static_cast<std::size_t>(solve_memory_estimate(mdp, SolveOptions{.method = ControlMethod::map}));
  EXPECT_NO_THROW((void)solve(mdp, SolveOptions{.method = ControlMethod::map, .threads = 1, .memory_limit_bytes = bytes}));
  EXPECT_THROW((void)solve(mdp, SolveOptions{.method = ControlMethod::map, .threads = 1, .memory_limit_bytes = bytes - 1}),
               ResourceError);
}

}  // namespace
}  // namespace copi::control
