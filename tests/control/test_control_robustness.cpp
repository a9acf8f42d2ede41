// The control solver at its edges: divergence of the exact (optimistic) backup in the
// infinite horizon, extreme rewards and temperatures, thread-count independence on a
// 20000-state MDP (solve and visitation, the latter also against the serial sweep),
// concurrent backups, and Mdp / SolveOptions validation errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../../control/src/step_backup.hpp"  // private: run() with the caller's scratch
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A random MDP with up to `max_successors` successors per (s, a) (repeats merge),
// rewards uniform in [low, high], and an optional strictly positive action prior.
Mdp random_mdp(std::uint64_t seed, std::size_t states, std::size_t actions, std::size_t max_successors, double low,
               double high, bool prior) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::uniform_int_distribution<std::uint32_t> state(0, static_cast<std::uint32_t>(states - 1));
  std::uniform_int_distribution<std::size_t> count(1, max_successors);
  Mdp mdp;
  mdp.num_states = states;
  mdp.num_actions = actions;
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < states; ++s) {
    for (std::uint32_t a = 0; a < actions; ++a) {
      std::vector<double> w(count(rng));
      for (double& x : w) x = uniform(0.05, 1.0);
      const double total = std::accumulate(w.begin(), w.end(), 0.0);
      for (const double x : w) transitions.push_back({s, a, state(rng), x / total});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.resize(states * actions);
  for (double& r : mdp.reward) r = uniform(low, high);
  mdp.initial.assign(states, 1.0 / static_cast<double>(states));
  if (prior) {
    mdp.action_prior.resize(states * actions);
    for (std::size_t s = 0; s < states; ++s) {
      double total = 0.0;
      for (std::size_t a = 0; a < actions; ++a) total += mdp.action_prior[s * actions + a] = uniform(0.05, 1.0);
      for (std::size_t a = 0; a < actions; ++a) mdp.action_prior[s * actions + a] /= total;
    }
  }
  mdp.alpha = 1.0;
  return mdp;
}

// States that only loop on themselves (one action), reward r_s each step.
Mdp self_loops(const std::vector<double>& rewards, double gamma, double alpha) {
  Mdp mdp;
  mdp.num_states = rewards.size();
  mdp.num_actions = 1;
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < rewards.size(); ++s) transitions.push_back({s, 0, s, 1.0});
  set_transitions(mdp, transitions);
  mdp.reward = rewards;
  mdp.initial.assign(rewards.size(), 1.0 / static_cast<double>(rewards.size()));
  mdp.discount = gamma;
  mdp.alpha = alpha;
  return mdp;
}

void expect_all_finite(const ControlSolution& solution, const std::string& where) {
  for (const auto& v : solution.value) {
    for (const double x : v) ASSERT_TRUE(std::isfinite(x)) << where << ": value " << x;
  }
  for (const auto& p : solution.policy) {
    for (const double x : p) ASSERT_TRUE(std::isfinite(x) && x >= 0.0 && x <= 1.0 + 1e-12) << where << ": policy " << x;
  }
  EXPECT_TRUE(std::isfinite(solution.objective)) << where << ": objective " << solution.objective;
  EXPECT_TRUE(std::isfinite(solution.log_partition)) << where << ": log p(O) " << solution.log_partition;
}

void expect_policy_rows_sum_to_one(const Mdp& mdp, const ControlSolution& solution, const std::string& where) {
  for (const auto& p : solution.policy) {
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      double total = 0.0;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) total += p[s * mdp.num_actions + a];
      EXPECT_NEAR(total, 1.0, 1e-9) << where << " state " << s;
    }
  }
}

// ---- divergence of the exact backup ---------------------------------------------------

// γ exp(r/α) > 1 for every reward: V_{k+1} ≥ V_k + min r + α log γ, without bound.
TEST(ControlDivergence, ExactDivergesWhenEveryRewardBeatsTheDiscount) {
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    const double gamma = 0.9;
    Mdp mdp = random_mdp(seed, 3, 2, 3, 0.0, 1.0, seed % 2 == 1);
    mdp.discount = gamma;
    mdp.alpha = 0.5;
    for (double& r : mdp.reward) r += -mdp.alpha * std::log(gamma) + 0.01;  // γ exp(min r/α) > 1
    const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
    EXPECT_TRUE(exact.diverged) << "seed " << seed << ", " << exact.iterations << " iterations";
    EXPECT_FALSE(exact.converged) << "seed " << seed;
    expect_all_finite(exact, "exact seed " + std::to_string(seed));
    // The expectation backups are γ-contractions and converge on the same MDP.
    for (const ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
      EXPECT_TRUE(solution.converged) << to_string(method) << " seed " << seed;
      EXPECT_FALSE(solution.diverged) << to_string(method) << " seed " << seed;
    }
  }
}

// Without a prior every action has weight 1, so V = α log Σ_a exp(Q/α) adds up to α log A
// per step: with zero rewards, A = 3 and γ = 0.9 the values still grow without bound
// (exp(V/α) = 3 (0.9 exp(V/α) + 0.1) has no solution).
TEST(ControlDivergence, ExactWithoutPriorDivergesThroughTheActionSum) {
  Mdp mdp;
  mdp.num_states = 1;
  mdp.num_actions = 3;
  set_transitions(mdp, {{0, 0, 0, 1.0}, {0, 1, 0, 1.0}, {0, 2, 0, 1.0}});
  mdp.reward = {0.0, 0.0, 0.0};
  mdp.initial = {1.0};
  mdp.discount = 0.9;
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  EXPECT_TRUE(exact.diverged) << exact.iterations << " iterations, V = " << exact.value[0][0];
  // With the uniform prior (weights 1/3) the same MDP has the fixed point V = 0.
  mdp.action_prior = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  const ControlSolution with_prior = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  EXPECT_TRUE(with_prior.converged);
  EXPECT_NEAR(with_prior.value[0][0], 0.0, 1e-9);
}

// Only one absorbing state has γ exp(r/α) > 1 (all rewards positive): its value grows
// without bound while the other state converges. That is divergence too (the issue:
// "diverges when γ·exp(max r/α) ≥ 1 and rewards are positive").
TEST(ControlDivergence, ExactDivergenceOfSomeStatesIsReported) {
  const Mdp mdp = self_loops({2.0, 0.01}, 0.9, 1.0);
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .max_iterations = 20000, .threads = 1});
  EXPECT_TRUE(exact.diverged) << exact.iterations << " iterations, converged " << exact.converged << ", V = ("
                              << exact.value[0][0] << ", " << exact.value[0][1] << ")";
  EXPECT_FALSE(exact.converged);
}

// Closed form of one self-loop under eq. 7: x = exp(V/α) solves x = c (γ x + 1 - γ) with
// c = exp(r/α), so V = α log(c (1 - γ) / (1 - c γ)) when c γ < 1.
double self_loop_value(double r, double gamma, double alpha) {
  const double c = std::exp(r / alpha);
  return alpha * std::log(c * (1.0 - gamma) / (1.0 - c * gamma));
}

// Two convergent self-loops (γ exp(r/α) < 1 for both). The faster one settles first and
// then creeps by one ulp per backup while the slower one is still far from the
// tolerance: a steady positive minimum rise that is rounding, not divergence.
TEST(ControlDivergence, ExactConvergentSelfLoopsAreNotReportedDiverged) {
  const double gamma = 0.99557953476793415;
  const std::vector<double> rewards = {0.0014929487907193292, 0.003175261098690217};
  ASSERT_LT(gamma * std::exp(rewards[1]), 1.0);
  const Mdp mdp = self_loops(rewards, gamma, 1.0);
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  EXPECT_FALSE(exact.diverged) << "after " << exact.iterations << " iterations, residual " << exact.residual;
  EXPECT_TRUE(exact.converged);
  for (std::size_t s = 0; s < 2; ++s) {
    EXPECT_NEAR(exact.value[0][s], self_loop_value(rewards[s], gamma, 1.0), 1e-7) << "state " << s;
  }
}

// Values that rise for thousands of backups and still converge (c γ = 0.999).
TEST(ControlDivergence, ExactSlowConvergenceIsNotDivergence) {
  const double gamma = 0.99;
  const double reward = std::log(0.999 / gamma);  // γ exp(r) = 0.999
  const Mdp mdp = self_loops({reward}, gamma, 1.0);
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .threads = 1});
  EXPECT_FALSE(exact.diverged);
  EXPECT_TRUE(exact.converged) << exact.iterations << " iterations";
  EXPECT_NEAR(exact.value[0][0], self_loop_value(reward, gamma, 1.0), 1e-6);
}

// γ exp(r/α) = 1 exactly: V_k grows like α log k, without bound but ever more slowly. The
// solver must not claim convergence.
TEST(ControlDivergence, ExactBoundaryCaseIsNotReportedConverged) {
  const double gamma = 0.5;
  const Mdp mdp = self_loops({std::log(2.0)}, gamma, 1.0);  // γ exp(r) = 1
  const ControlSolution exact = solve(mdp, SolveOptions{.method = ControlMethod::exact, .max_iterations = 20000, .threads = 1});
  EXPECT_FALSE(exact.converged) << exact.iterations << " iterations, V = " << exact.value[0][0];
  EXPECT_GT(exact.value[0][0], std::log(1000.0));  // α log k after k = 20000 backups, roughly
}

// ---- extreme rewards and temperature ---------------------------------------------------

TEST(ControlExtremes, HugeRewardsAndTinyTemperatureGiveFiniteResults) {
  for (std::uint64_t seed = 0; seed < 24; ++seed) {
    Mdp mdp = random_mdp(seed, 4, 3, 3, -1e6, 1e6, seed % 2 == 1);
    for (std::size_t row = 0; row < mdp.rows(); ++row) mdp.reward[row] = mdp.reward[row] > 0.0 ? 1e6 : -1e6;
    mdp.alpha = 1e-6;
    mdp.horizon = 4;
    if (seed % 3 == 0) mdp.discount = 0.9;
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .threads = 1});
      expect_all_finite(solution, where);
      expect_policy_rows_sum_to_one(mdp, solution, where);
    }
    // At this scale the soft value is the hard one up to α T log A ≈ 4.4e-6.
    const ControlSolution variational = solve(mdp, SolveOptions{.method = ControlMethod::variational, .threads = 1});
    const ControlSolution map = solve(mdp, SolveOptions{.method = ControlMethod::map, .threads = 1});
    for (std::size_t t = 0; t < 4; ++t) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        EXPECT_NEAR(variational.value[t][s], map.value[t][s], 1e-5) << "seed " << seed << " t " << t << " s " << s;
      }
    }
    EXPECT_NEAR(variational.objective, map.objective, 1e-5) << "seed " << seed;
  }
}

TEST(ControlExtremes, HugeRewardsInfiniteHorizonGiveFiniteResults) {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    Mdp mdp = random_mdp(seed, 4, 3, 3, -1e6, 1e6, seed % 2 == 1);
    for (std::size_t row = 0; row < mdp.rows(); ++row) mdp.reward[row] = mdp.reward[row] > 0.0 ? 1e6 : -1e6;
    mdp.alpha = 1e-6;
    mdp.discount = 0.9;
    for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
      const std::string where = to_string(method) + " seed " + std::to_string(seed);
      const ControlSolution solution = solve(mdp, SolveOptions{.method = method, .max_iterations = 5000, .threads = 1});
      expect_all_finite(solution, where);
      expect_policy_rows_sum_to_one(mdp, solution, where);
      if (method != ControlMethod::exact) {
        // |V| ≤ 1e7 here: a fixed point to a few ulps of that scale.
        EXPECT_TRUE(solution.converged || solution.residual < 1e-8) << where << ": residual " << solution.residual;
        EXPECT_FALSE(solution.diverged) << where;
      } else {
        EXPECT_TRUE(solution.converged || solution.diverged) << where << ": residual " << solution.residual;
      }
    }
  }
}

// ---- threads --------------------------------------------------------------------------

bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(x[i]) != std::bit_cast<std::uint64_t>(y[i])) return false;
  }
  return true;
}

void expect_bit_identical(const ControlSolution& one, const ControlSolution& two, const std::string& where) {
  ASSERT_EQ(one.value.size(), two.value.size()) << where;
  for (std::size_t t = 0; t < one.value.size(); ++t) {
    EXPECT_TRUE(same_bits(one.value[t], two.value[t])) << where << ": value at t " << t;
    EXPECT_TRUE(same_bits(one.policy[t], two.policy[t])) << where << ": policy at t " << t;
  }
  EXPECT_EQ(std::bit_cast<std::uint64_t>(one.objective), std::bit_cast<std::uint64_t>(two.objective)) << where;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(one.log_partition), std::bit_cast<std::uint64_t>(two.log_partition)) << where;
  EXPECT_EQ(std::bit_cast<std::uint64_t>(one.residual), std::bit_cast<std::uint64_t>(two.residual)) << where;
  EXPECT_EQ(one.iterations, two.iterations) << where;
  EXPECT_EQ(one.converged, two.converged) << where;
  EXPECT_EQ(one.diverged, two.diverged) << where;
}

// d_{t+1}(s') = Σ γ d_t(s) π(a|s) p(s'|s,a), written as the plain serial sweep over the
// rows (a scatter): the oracle for visitation(). The infinite horizon sums the same
// steps until the moving mass is below 1e-15.
std::vector<std::vector<double>> serial_visitation(const Mdp& mdp, const ControlSolution& solution) {
  const double gamma = mdp.discount.value_or(1.0);
  const auto step = [&](const std::vector<double>& policy, const std::vector<double>& d) {
    std::vector<double> out(mdp.num_states, 0.0);
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        const double mass = gamma * d[s] * policy[row];
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          out[mdp.next_state[k]] += mass * mdp.probability[k];
        }
      }
    }
    return out;
  };
  std::vector<std::vector<double>> visits(1, mdp.initial);
  if (mdp.horizon) {
    for (std::size_t t = 0; t + 1 < *mdp.horizon; ++t) visits.push_back(step(solution.policy[t], visits[t]));
    return visits;
  }
  std::vector<double> d = mdp.initial;
  for (int k = 0; k < 100000; ++k) {
    d = step(solution.policy[0], d);
    double moving = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      visits[0][s] += d[s];
      moving += d[s];
    }
    if (moving < 1e-15) break;
  }
  return visits;
}

// visitation() at 1, 2 and 3 threads: the same bits as each other and as the serial sweep.
void expect_visitation_is_the_serial_sweep(const Mdp& mdp, const ControlSolution& solution, const std::string& where) {
  const std::vector<std::vector<double>> reference = serial_visitation(mdp, solution);
  for (const std::size_t threads : {1, 2, 3}) {
    const Visitation visits = visitation(mdp, solution, threads);
    ASSERT_EQ(visits.state.size(), reference.size()) << where;
    for (std::size_t t = 0; t < reference.size(); ++t) {
      EXPECT_TRUE(same_bits(visits.state[t], reference[t])) << where << " threads " << threads << " t " << t;
      const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
      std::vector<double> state_action(mdp.rows());
      for (std::size_t row = 0; row < mdp.rows(); ++row) state_action[row] = reference[t][row / mdp.num_actions] * policy[row];
      EXPECT_TRUE(same_bits(visits.state_action[t], state_action)) << where << " threads " << threads << " t " << t;
    }
  }
}

// 20000 states: more than two chunks of 4096 states, so two threads really split the backup.
TEST(ControlThreads, OneAndTwoThreadsAreBitIdentical) {
  Mdp mdp = random_mdp(99, 20000, 3, 4, -1.0, 1.0, true);
  mdp.alpha = 0.7;
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    mdp.horizon = 3;
    mdp.discount = 0.95;
    const ControlSolution finite_one = solve(mdp, SolveOptions{.method = method, .threads = 1});
    const ControlSolution finite_two = solve(mdp, SolveOptions{.method = method, .threads = 2});
    EXPECT_EQ(finite_two.threads, 2u);
    expect_bit_identical(finite_one, finite_two, to_string(method) + " finite");
    expect_visitation_is_the_serial_sweep(mdp, finite_one, to_string(method) + " finite");
    mdp.horizon.reset();
    mdp.discount = 0.5;
    const ControlSolution infinite_one = solve(mdp, SolveOptions{.method = method, .max_iterations = 25, .threads = 1});
    const ControlSolution infinite_two = solve(mdp, SolveOptions{.method = method, .max_iterations = 25, .threads = 2});
    expect_bit_identical(infinite_one, infinite_two, to_string(method) + " infinite");
    expect_visitation_is_the_serial_sweep(mdp, infinite_one, to_string(method) + " infinite");
  }
}

// Two backups on one StepBackup at once, each with its own scratch, give the bits of
// the same backups run one after the other (run() changes nothing in the StepBackup).
TEST(ControlThreads, ConcurrentBackupsWithTheirOwnScratchAreIndependent) {
  Mdp mdp = random_mdp(5, 20000, 3, 4, -1.0, 1.0, true);
  mdp.discount = 0.9;
  const detail::StepBackup backup(mdp, ControlMethod::exact);
  std::vector<std::vector<double>> next(2, std::vector<double>(mdp.num_states));
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    next[0][s] = std::sin(static_cast<double>(s));
    next[1][s] = 3.0 * std::cos(static_cast<double>(s));
  }
  std::vector<std::vector<double>> alone(2, std::vector<double>(mdp.num_states));
  std::vector<std::vector<double>> together = alone;
  for (int i = 0; i < 2; ++i) {
    detail::StepBackup::Scratch scratch;
    backup.run(next[i], alone[i], nullptr, 1, scratch);
  }
  for (int round = 0; round < 20; ++round) {
    std::vector<std::thread> workers;
    for (int i = 0; i < 2; ++i) {
      workers.emplace_back([&, i] {
        detail::StepBackup::Scratch scratch;
        backup.run(next[i], together[i], nullptr, 1, scratch);
      });
    }
    for (std::thread& w : workers) w.join();
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(same_bits(alone[i], together[i])) << "round " << round << " backup " << i;
  }
}

// ---- validation ------------------------------------------------------------------------

Mdp valid_mdp() {
  Mdp mdp;
  mdp.num_states = 2;
  mdp.num_actions = 2;
  set_transitions(mdp, {{0, 0, 0, 0.25}, {0, 0, 1, 0.75}, {0, 1, 1, 1.0}, {1, 0, 0, 1.0}, {1, 1, 0, 0.5}, {1, 1, 1, 0.5}});
  mdp.reward = {0.0, 1.0, -1.0, 0.5};
  mdp.initial = {0.5, 0.5};
  mdp.action_prior = {0.5, 0.5, 0.25, 0.75};
  mdp.horizon = 3;
  mdp.alpha = 1.0;
  return mdp;
}

// validate() and solve() both throw InputError whose message contains `needle`.
template <typename Mutate>
void expect_input_error(Mutate mutate, const std::string& needle, const std::string& what) {
  Mdp mdp = valid_mdp();
  mutate(mdp);
  try {
    mdp.validate();
    ADD_FAILURE() << what << ": validate() accepted it";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(needle), std::string::npos)
        << what << ": message '" << error.what() << "' does not mention '" << needle << "'";
  }
  EXPECT_THROW((void)solve(mdp, SolveOptions{.threads = 1}), InputError) << what;
}

TEST(ControlValidation, TheBaseMdpIsValid) {
  EXPECT_NO_THROW(valid_mdp().validate());
  Mdp mdp = valid_mdp();
  mdp.probability[0] += 5e-10;  // within the 1e-9 tolerance
  EXPECT_NO_THROW(mdp.validate());
  mdp = valid_mdp();
  mdp.discount = 1.0;  // γ = 1 with a horizon is allowed
  EXPECT_NO_THROW(mdp.validate());
  mdp.horizon.reset();
  mdp.discount = 0.5;  // a discount alone: infinite horizon
  EXPECT_NO_THROW(mdp.validate());
}

TEST(ControlValidation, TransitionRowsMustSumToOne) {
  expect_input_error([](Mdp& m) { m.probability[0] += 2e-9; }, "sums to", "row sum 1 + 2e-9");
  expect_input_error([](Mdp& m) { m.probability[1] = 0.7; }, "sums to", "row sum 0.95");
  expect_input_error([](Mdp& m) { m.probability[2] = 1.5; }, "sums to", "row sum 1.5");
  expect_input_error([](Mdp& m) { m.probability[0] = -0.25, m.probability[1] = 1.25; }, "negative", "negative entry");
  expect_input_error([](Mdp& m) { m.probability[2] = kNan; }, "non-finite", "NaN probability");
}

TEST(ControlValidation, DistributionsMustSumToOne) {
  expect_input_error([](Mdp& m) { m.initial = {0.5, 0.6}; }, "initial", "initial sums to 1.1");
  expect_input_error([](Mdp& m) { m.initial = {kNan, 1.0}; }, "initial", "NaN initial");
  expect_input_error([](Mdp& m) { m.action_prior = {0.5, 0.5, 0.25, 0.70}; }, "prior", "prior sums to 0.95");
  expect_input_error([](Mdp& m) { m.action_prior = {0.0, 0.0, 0.25, 0.75}; }, "prior", "prior all zero");
}

TEST(ControlValidation, RewardsAndTemperatureStayWhereNothingOverflows) {
  expect_input_error([](Mdp& m) { m.reward[1] = 1e200; }, "is 1e+200: rewards must lie within ±1e100", "huge reward");
  expect_input_error([](Mdp& m) { m.alpha = 1e-200; }, "alpha = 1e-200: must lie in [1e-100, 1e100]", "tiny alpha");
  Mdp edge = valid_mdp();
  edge.reward = {1e100, -1e100, 0.0, 1.0};
  edge.alpha = 1e-100;
  EXPECT_NO_THROW(edge.validate());
  for (const ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    const ControlSolution solution = solve(edge, SolveOptions{.method = method, .threads = 1});
    for (const auto& v : solution.value) {
      for (const double x : v) EXPECT_TRUE(std::isfinite(x)) << to_string(method);
    }
    for (const auto& p : solution.policy) {
      for (const double x : p) EXPECT_TRUE(std::isfinite(x) && x >= 0.0 && x <= 1.0) << to_string(method);
    }
    EXPECT_TRUE(std::isfinite(solution.objective)) << to_string(method);
  }
}

TEST(ControlValidation, ForbiddenMovesNeedAnAvailableActionAndNoPriorMass) {
  expect_input_error([](Mdp& m) { m.allowed = {1, 1, 0}; }, "forbidden-move flags have the wrong size", "3 flags");
  expect_input_error(
      [](Mdp& m) {
        m.action_prior.clear();
        m.allowed = {1, 0, 0, 0};
      },
      "every action of state 1 is forbidden", "state 1 without actions");
  expect_input_error([](Mdp& m) { m.allowed = {1, 0, 1, 1}; }, "to the forbidden move (state 0, action 1)",
                     "prior mass on a forbidden move");
  Mdp consistent = valid_mdp();
  consistent.action_prior = {1.0, 0.0, 0.25, 0.75};
  consistent.allowed = {1, 0, 1, 1};
  EXPECT_NO_THROW(consistent.validate());
}

TEST(ControlValidation, IdsMustBeInRange) {
  expect_input_error([](Mdp& m) { m.next_state[0] = 2; }, "out of range", "next state 2 of 2");
  expect_input_error([](Mdp& m) { m.next_state[3] = 1000000; }, "out of range", "next state 10^6");
  Mdp mdp = valid_mdp();
  EXPECT_THROW(set_transitions(mdp, {{0, 0, 5, 1.0}}), InputError);
  EXPECT_THROW(set_transitions(mdp, {{0, 2, 0, 1.0}}), InputError);
  EXPECT_THROW(set_transitions(mdp, {{7, 0, 0, 1.0}}), InputError);
}

TEST(ControlValidation, TemperatureMustBePositive) {
  expect_input_error([](Mdp& m) { m.alpha = 0.0; }, "alpha", "alpha 0");
  expect_input_error([](Mdp& m) { m.alpha = -1.0; }, "alpha", "alpha -1");
  expect_input_error([](Mdp& m) { m.alpha = kNan; }, "alpha", "alpha NaN");
  expect_input_error([](Mdp& m) { m.alpha = kInf; }, "alpha", "alpha inf");
}

TEST(ControlValidation, DiscountMustLieInZeroOne) {
  expect_input_error([](Mdp& m) { m.discount = 0.0; }, "discount", "gamma 0");
  expect_input_error([](Mdp& m) { m.discount = -0.5; }, "discount", "gamma -0.5");
  expect_input_error([](Mdp& m) { m.discount = 1.5; }, "discount", "gamma 1.5");
  expect_input_error([](Mdp& m) { m.discount = kNan; }, "discount", "gamma NaN");
  expect_input_error([](Mdp& m) { m.horizon.reset(), m.discount = 1.0; }, "discount 1 without a horizon needs every policy",
                     "gamma 1 without horizon, no absorbing state");
}

TEST(ControlValidation, RewardsMustBeFinite) {
  expect_input_error([](Mdp& m) { m.reward[1] = kNan; }, "reward", "NaN reward");
  expect_input_error([](Mdp& m) { m.reward[2] = kInf; }, "reward", "+inf reward");
  expect_input_error([](Mdp& m) { m.reward[3] = -kInf; }, "reward", "-inf reward");
}

TEST(ControlValidation, HorizonOrDiscountIsRequired) {
  expect_input_error([](Mdp& m) { m.horizon.reset(), m.discount.reset(); }, "horizon", "neither");
  expect_input_error([](Mdp& m) { m.horizon = 0; }, "horizon", "horizon 0");
}

TEST(ControlValidation, SizesMustAgree) {
  expect_input_error([](Mdp& m) { m.reward.pop_back(); }, "reward", "3 rewards");
  expect_input_error([](Mdp& m) { m.initial.push_back(0.0); }, "initial", "3 initial entries");
  expect_input_error([](Mdp& m) { m.action_prior.pop_back(); }, "prior", "3 prior entries");
  expect_input_error([](Mdp& m) { m.row_begin.pop_back(); }, "transition", "short row_begin");
  expect_input_error([](Mdp& m) { m.num_states = 0; }, "state", "no states");
  expect_input_error([](Mdp& m) { m.row_begin[2] = 1; }, "transition", "decreasing row_begin");
  expect_input_error([](Mdp& m) { m.row_begin[2] = m.row_begin[1]; }, "successor", "empty row");
}

// probability[] must have one entry per next_state[]: a shorter array is an input
// error, not a read past its end. (The spare capacity keeps the old, valid values, so
// without the size check validation silently accepts the MDP.)
TEST(ControlValidation, ProbabilityArrayMustMatchNextStates) {
  Mdp mdp = valid_mdp();
  mdp.probability.reserve(mdp.probability.size() + 8);
  mdp.probability.pop_back();
  EXPECT_THROW(mdp.validate(), InputError);
}

TEST(ControlValidation, SolveOptionsAreChecked) {
  const Mdp mdp = valid_mdp();
  EXPECT_THROW((void)solve(mdp, SolveOptions{.tolerance = 0.0}), InputError);
  EXPECT_THROW((void)solve(mdp, SolveOptions{.tolerance = -1.0}), InputError);
  EXPECT_THROW((void)solve(mdp, SolveOptions{.tolerance = kNan}), InputError);
  EXPECT_THROW((void)solve(mdp, SolveOptions{.max_iterations = 0}), InputError);
  EXPECT_THROW((void)parse_control_method("soft"), InputError);
  EXPECT_EQ(parse_control_method("variational"), ControlMethod::variational);
}

}  // namespace
}  // namespace copi::control
