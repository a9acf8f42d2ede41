// γ = 1 without a horizon (issue 10 item 11): a stochastic shortest path is solved when
// every policy reaches an absorbing state with probability 1, and refused, naming the
// states, when some policy can avoid them forever. Values against closed forms and a
// scalar root found here; random shortest-path MDPs against the backup written out in
// control_oracles.hpp; the occupancy against a linear solve.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "control_oracles.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

using oracles::bellman_backup;
using oracles::sup_distance;

// Labelled states; the last state "goal" absorbing (one action, looping, reward 0).
Mdp labelled(std::vector<std::string> states, std::vector<std::string> actions, const std::vector<Transition>& rows,
             std::vector<double> reward) {
  Mdp mdp;
  mdp.num_states = states.size();
  mdp.num_actions = actions.size();
  mdp.state_labels = std::move(states);
  mdp.action_labels = std::move(actions);
  set_transitions(mdp, rows);
  mdp.reward = std::move(reward);
  mdp.initial.assign(mdp.num_states, 0.0);
  mdp.initial[0] = 1.0;
  mdp.discount = 1.0;
  return mdp;
}

// One state that reaches the goal with probability q per step (else stays), reward r.
Mdp geometric_escape(double q, double r, double alpha) {
  Mdp mdp = labelled({"s", "goal"}, {"go"}, {{0, 0, 1, q}, {0, 0, 0, 1.0 - q}, {1, 0, 1, 1.0}}, {r, 0.0});
  mdp.alpha = alpha;
  return mdp;
}

TEST(ControlShortestPath, GeometricEscapeMatchesClosedForms) {
  const double q = 0.3;
  const double r = -1.0;
  const double alpha = 0.7;
  const Mdp mdp = geometric_escape(q, r, alpha);
  // Expectation backups: V = r + (1 - q) V.
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
    ASSERT_TRUE(solution.converged) << to_string(method);
    EXPECT_NEAR(solution.value[0][0], r / q, 1e-9) << to_string(method);
    EXPECT_EQ(solution.value[0][1], 0.0);
    EXPECT_NEAR(solution.objective, r / q, 1e-8) << to_string(method);
  }
  // eq. 7: x = exp(V/α) = e^{r/α} (q + (1 - q) x).
  const double c = std::exp(r / alpha);
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  ASSERT_TRUE(exact.converged);
  EXPECT_NEAR(exact.value[0][0], alpha * std::log(c * q / (1.0 - (1.0 - q) * c)), 1e-9);
  // The occupancy: expected visits of s are 1/q, and the goal is entered once.
  const Visitation visits = visitation(mdp, exact, 1);
  EXPECT_NEAR(visits.state[0][0], 1.0 / q, 1e-12);
  EXPECT_NEAR(visits.state[0][1], 1.0, 1e-12);
}

// A choice: `safe` reaches the goal for -2, `risky` for -0.5 with probability 1/2 (else
// it stays). α = 1.
TEST(ControlShortestPath, SafeOrRiskyMatchesTheFixedPoints) {
  const Mdp mdp =
      labelled({"start", "goal"}, {"safe", "risky"}, {{0, 0, 1, 1.0}, {0, 1, 1, 0.5}, {0, 1, 0, 0.5}, {1, 0, 1, 1.0}, {1, 1, 1, 1.0}},
               {-2.0, -0.5, 0.0, 0.0});
  Mdp m = mdp;
  m.allowed = {1, 1, 1, 0};
  const ControlSolution map = solve(m, SolveOptions{.method = ControlMethod::map, .threads = 1});
  EXPECT_NEAR(map.value[0][0], -1.0, 1e-9);  // V = max(-2, -0.5 + V/2)
  // Variational: V = log(e^{-2} + e^{-0.5 + V/2}), the root of an increasing-minus-V
  // function, by bisection.
  const auto f = [](double v) { return std::log(std::exp(-2.0) + std::exp(-0.5 + 0.5 * v)) - v; };
  double lo = -10.0;
  double hi = 10.0;
  for (int i = 0; i < 200; ++i) (f(0.5 * (lo + hi)) > 0.0 ? lo : hi) = 0.5 * (lo + hi);
  const ControlSolution variational = solve(m, SolveOptions{.method = ControlMethod::variational, .threads = 1});
  ASSERT_TRUE(variational.converged);
  EXPECT_NEAR(variational.value[0][0], 0.5 * (lo + hi), 1e-9);
  // Exact: x = e^{-2} + e^{-0.5} (1/2 + x/2).
  const double x = (std::exp(-2.0) + 0.5 * std::exp(-0.5)) / (1.0 - 0.5 * std::exp(-0.5));
  const ControlSolution exact = solve(m, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  ASSERT_TRUE(exact.converged);
  EXPECT_NEAR(exact.value[0][0], std::log(x), 1e-9);
}

// Random shortest paths: tiny random MDPs whose every row moves at least 20 % to the
// goal. The returned V is a fixed point of the backup written out (γ = 1), the goal's V
// is 0, the occupancy of the goal is 1 and that of the others solves N = d_1 + N P_π.
TEST(ControlShortestPath, RandomShortestPathsAreFixedPointsAndEveryEpisodeEnds) {
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    oracles::TinyShape shape;
    shape.infinite = true;
    shape.prior = seed % 2 == 1;
    shape.forbid = (seed / 2) % 2 == 1;
    shape.reward_low = -3.0;
    shape.reward_high = 0.0;
    const Mdp base = oracles::random_tiny_mdp(seed, shape);
    const std::size_t S = base.num_states + 1;  // + the goal
    const std::size_t A = base.num_actions;
    const auto goal = static_cast<std::uint32_t>(S - 1);
    std::vector<Transition> rows;
    for (std::size_t row = 0; row < base.rows(); ++row) {
      const auto s = static_cast<std::uint32_t>(row / A);
      const auto a = static_cast<std::uint32_t>(row % A);
      for (std::uint64_t k = base.row_begin[row]; k < base.row_begin[row + 1]; ++k) {
        rows.push_back({s, a, base.next_state[k], 0.8 * base.probability[k]});
      }
      rows.push_back({s, a, goal, 0.2});
    }
    for (std::uint32_t a = 0; a < A; ++a) rows.push_back({goal, a, goal, 1.0});
    Mdp mdp;
    mdp.num_states = S;
    mdp.num_actions = A;
    set_transitions(mdp, rows);
    mdp.alpha = base.alpha;
    mdp.reward = base.reward;
    // Rewards low enough for the exact backup to converge: below -α log A.
    for (double& r : mdp.reward) r -= mdp.alpha * std::log(static_cast<double>(A));
    mdp.reward.resize(S * A, 0.0);  // the goal's
    mdp.initial = base.initial;
    mdp.initial.push_back(0.0);
    mdp.discount = 1.0;
    mdp.allowed.assign(S * A, 1);
    if (!base.allowed.empty()) std::copy(base.allowed.begin(), base.allowed.end(), mdp.allowed.begin());
    for (std::size_t a = 1; a < A; ++a) mdp.allowed[goal * A + a] = 0;
    if (!base.action_prior.empty()) {
      mdp.action_prior = base.action_prior;
      mdp.action_prior.resize(S * A, 0.0);
      mdp.action_prior[goal * A] = 1.0;
    }
    ASSERT_NO_THROW(mdp.validate()) << "seed " << seed;
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
      ASSERT_TRUE(solution.converged) << where;
      const std::vector<double>& v = solution.value[0];
      EXPECT_EQ(v[goal], 0.0) << where;
      EXPECT_LT(sup_distance(bellman_backup(mdp, method, v), v), 1e-9) << where;
      // Occupancy: N(s) = d_1(s) + Σ_{s'} N(s') P_π(s' → s) over the ordinary states,
      // solved by Gauss-Jordan elimination; the goal is entered with probability 1.
      const Visitation visits = visitation(mdp, solution, 1);
      const std::size_t n = S - 1;
      std::vector<std::vector<double>> system(n, std::vector<double>(n + 1, 0.0));
      for (std::size_t s = 0; s < n; ++s) {
        system[s][s] = 1.0;
        system[s][n] = mdp.initial[s];
      }
      for (std::size_t from = 0; from < n; ++from) {
        for (std::size_t a = 0; a < A; ++a) {
          const std::size_t row = from * A + a;
          for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
            if (mdp.next_state[k] < n) system[mdp.next_state[k]][from] -= solution.policy[0][row] * mdp.probability[k];
          }
        }
      }
      for (std::size_t c = 0; c < n; ++c) {
        std::size_t pivot = c;
        for (std::size_t r = c + 1; r < n; ++r) {
          if (std::abs(system[r][c]) > std::abs(system[pivot][c])) pivot = r;
        }
        std::swap(system[c], system[pivot]);
        for (std::size_t r = 0; r < n; ++r) {
          if (r == c) continue;
          const double factor = system[r][c] / system[c][c];
          for (std::size_t j = c; j <= n; ++j) system[r][j] -= factor * system[c][j];
        }
      }
      for (std::size_t s = 0; s < n; ++s) {
        EXPECT_NEAR(visits.state[0][s], system[s][n] / system[s][s], 1e-10) << where << " s " << s;
      }
      EXPECT_NEAR(visits.state[0][goal], 1.0, 1e-12) << where;
    }
  }
}

std::string refusal(const Mdp& mdp) {
  try {
    mdp.validate();
  } catch (const InputError& error) {
    EXPECT_THROW((void)solve(mdp, SolveOptions{.threads = 1}), InputError);
    return error.what();
  }
  return "accepted";
}

const std::string kRefusal =
    "discount 1 without a horizon needs every policy to reach an absorbing state (one available action looping with "
    "probability 1 and reward 0) with probability 1, but a policy can stay forever among the non-absorbing ";
const std::string kAdvice = " (each has an action whose successors all lie among them); give a discount below 1 or a horizon";

TEST(ControlShortestPath, PoliciesThatCanAvoidTheGoalForeverAreRefusedNamingTheStates) {
  // `wait` loops in place: the policy that always waits never ends.
  const Mdp waiting = labelled({"start", "goal"}, {"go", "wait"},
                               {{0, 0, 1, 1.0}, {0, 1, 0, 1.0}, {1, 0, 1, 1.0}, {1, 1, 1, 1.0}}, {-1.0, -1.0, 0.0, 0.0});
  Mdp m = waiting;
  m.allowed = {1, 1, 1, 0};
  EXPECT_EQ(refusal(m), kRefusal + "state start" + kAdvice);
  // a and b send each other back and forth under `cycle`; c only leaves.
  Mdp cycle = labelled({"a", "b", "c", "goal"}, {"exit", "cycle"},
                       {{0, 0, 3, 1.0}, {0, 1, 1, 1.0}, {1, 0, 3, 1.0}, {1, 1, 0, 0.5}, {1, 1, 1, 0.5}, {2, 0, 3, 1.0},
                        {2, 1, 0, 1.0}, {3, 0, 3, 1.0}, {3, 1, 3, 1.0}},
                       {-1, -1, -1, -1, -1, -1, 0, 0});
  cycle.allowed = {1, 1, 1, 1, 1, 1, 1, 0};
  // c can join them (its `cycle` leads to a): all three can go on forever.
  EXPECT_EQ(refusal(cycle), kRefusal + "states a, b, c" + kAdvice);
  // Without the cycle every action leaves a and b with positive probability: accepted.
  cycle.allowed = {1, 0, 1, 0, 1, 1, 1, 0};
  EXPECT_EQ(refusal(cycle), "accepted");
  // No absorbing state at all (the goal has two available actions): everything loops.
  Mdp no_end = waiting;
  EXPECT_EQ(refusal(no_end), kRefusal + "states start, goal" + kAdvice);
  // A horizon, or a discount below 1, makes the same MDP fine.
  no_end.horizon = 5;
  EXPECT_EQ(refusal(no_end), "accepted");
  no_end.horizon.reset();
  no_end.discount = 0.99;
  EXPECT_EQ(refusal(no_end), "accepted");
}

// Proper policies bound the expectation backups, not the optimistic one: eq. 7 lets
// the agent "choose" to stay, so x = e^{r/α} (q + (1 - q) x) has no solution when
// (1 - q) e^{r/α} >= 1, and the exact solve reports divergence.
TEST(ControlShortestPath, ExactCanStillDivergeWithPositiveRewards) {
  const Mdp mdp = geometric_escape(0.3, 1.0, 1.0);  // 0.7 e > 1
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  EXPECT_TRUE(exact.diverged);
  EXPECT_FALSE(exact.converged);
  const ControlSolution variational = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
  EXPECT_TRUE(variational.converged);
  EXPECT_NEAR(variational.value[0][0], 1.0 / 0.3, 1e-9);
}

}  // namespace
}  // namespace copi::control
