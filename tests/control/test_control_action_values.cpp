// Q(s, a) returned with SolveOptions::action_values (issue 10 item 11), against
// independent oracles: for exact, the trajectory sums (exp(Q_t(s,a)/α) p(a|s) is the
// total weight of the futures that start with a, eq. 6-7); for variational and map,
// the backward recursion written out in control_oracles.hpp. Unavailable actions get
// -inf; V and π follow from Q as the header says.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "control_oracles.hpp"
#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {
namespace {

using namespace oracles;  // NOLINT: the oracles are this file's vocabulary

constexpr std::uint64_t kQSeeds = 120;

void expect_q_near(double actual, double expected, const std::string& where) {
  if (expected == -kInf) {
    EXPECT_EQ(actual, -kInf) << where;
  } else {
    EXPECT_NEAR(actual, expected, tolerance_for(expected, 1e-10)) << where;
  }
}

TEST(ControlActionValues, ExactQIsTheLogOfTheFutureSumsOfEachAction) {
  for (std::uint64_t seed = 0; seed < kQSeeds; ++seed) {
    const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
    const ControlSolution solution =
        solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1, .action_values = true});
    ASSERT_EQ(solution.action_value.size(), *mdp.horizon);
    for (std::size_t t = 0; t < *mdp.horizon; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        const FutureSums sums = enumerated_futures(mdp, s, t);
        for (std::size_t a = 0; a < mdp.num_actions; ++a) {
          const double prior = prior_of(mdp, s, a);
          const double expected = prior > 0.0 ? mdp.alpha * std::log(sums.action_weight[a] / prior) : -kInf;
          expect_q_near(solution.action_value[t][s * mdp.num_actions + a], expected,
                        "seed " + std::to_string(seed) + " t " + std::to_string(t) + " s " + std::to_string(s));
        }
      }
    }
  }
}

// Variational and map: Q_t = r + γ E[V_{t+1}] with V from the oracle's own backward
// recursion (not the solver's values); V and π follow from Q.
TEST(ControlActionValues, VariationalAndMapQMatchTheRecursionWrittenOut) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map, ControlMethod::exact}) {
    for (std::uint64_t seed = 0; seed < kQSeeds; ++seed) {
      const Mdp mdp = random_tiny_mdp(seed, shape_for(seed));
      const std::size_t T = *mdp.horizon;
      const std::size_t A = mdp.num_actions;
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1, .action_values = true});
      std::vector<double> next(mdp.num_states, 0.0);
      for (std::size_t t = T; t-- > 0;) {
        const std::vector<double> q = bellman_action_values(mdp, method, next);
        const std::string where = to_string(method) + " seed " + std::to_string(seed) + " t " + std::to_string(t);
        for (std::size_t row = 0; row < mdp.rows(); ++row) expect_q_near(solution.action_value[t][row], q[row], where);
        // π(a|s) = p(a|s) exp((Q - V)/α) (map: one-hot on the best), from the returned Q and V.
        for (std::size_t s = 0; s < mdp.num_states && method != ControlMethod::map; ++s) {
          for (std::size_t a = 0; a < A; ++a) {
            const double q_sa = solution.action_value[t][s * A + a];
            const double pi = q_sa == -kInf ? 0.0 : prior_of(mdp, s, a) * std::exp((q_sa - solution.value[t][s]) / mdp.alpha);
            EXPECT_NEAR(solution.policy[t][s * A + a], pi, 1e-10) << where;
          }
        }
        next = bellman_backup(mdp, method, next);
      }
    }
  }
}

TEST(ControlActionValues, InfiniteHorizonQIsTheBackupOfTheReturnedValues) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    for (std::uint64_t seed = 0; seed < kQSeeds; ++seed) {
      TinyShape shape;
      shape.infinite = true;
      shape.prior = seed % 2 == 1;
      shape.forbid = (seed / 2) % 2 == 1;
      const Mdp mdp = random_tiny_mdp(seed, shape);
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1, .action_values = true});
      ASSERT_EQ(solution.action_value.size(), 1u);
      const std::vector<double> q = bellman_action_values(mdp, method, solution.value[0]);
      for (std::size_t row = 0; row < mdp.rows(); ++row) {
        expect_q_near(solution.action_value[0][row], q[row], to_string(method) + " seed " + std::to_string(seed));
      }
    }
  }
}

TEST(ControlActionValues, AbsentUnlessAskedFor) {
  const Mdp mdp = random_tiny_mdp(3, shape_for(3));
  EXPECT_TRUE(solve(mdp, SolveOptions{.threads = 1}).action_value.empty());
}

}  // namespace
}  // namespace copi::control
