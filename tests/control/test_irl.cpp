// Maximum causal entropy inverse RL (copi/control/irl.hpp): the dual's gradient against
// finite differences, the dual against the demonstrations' log-likelihood computed by an
// independent soft value iteration, the defining moment matching at the optimum (the
// expected counts recomputed by an independent forward sweep), recovery of a known
// reward from its exact expected counts, and L(learned) ≥ L(true).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <random>
#include <vector>

#include "copi/control/irl.hpp"
#include "copi/graph/error.hpp"
#include "irl_oracles.hpp"

namespace copi::control {
namespace {

using irl_oracles::expected_counts;
using irl_oracles::random_features;
using irl_oracles::random_mdp;
using irl_oracles::reward_of;
using irl_oracles::soft_solve;

enum class Horizon { finite, discounted, both };

void set_horizon(Mdp& mdp, Horizon horizon) {
  if (horizon != Horizon::discounted) mdp.horizon = 6;
  if (horizon != Horizon::finite) mdp.discount = 0.9;
}

// Episodes of the soft-optimal policy of reward r: s_0 ~ p_0, `length` steps.
std::vector<Episode> sample(const Mdp& mdp, const std::vector<double>& r, bool exact, std::size_t count,
                            std::size_t length, std::uint64_t seed) {
  const irl_oracles::Soft soft = soft_solve(mdp, r, exact);
  std::mt19937_64 rng(seed);
  const auto draw = [&](const double* p, std::size_t n) {
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      if ((u -= p[i]) < 0.0) return i;
    }
    return n - 1;
  };
  std::vector<Episode> episodes(count);
  for (Episode& episode : episodes) {
    std::size_t s = draw(mdp.initial.data(), mdp.num_states);
    for (std::size_t t = 0; t < length; ++t) {
      const std::vector<double>& pi = soft.policy[std::min(t, soft.policy.size() - 1)];
      const std::size_t a = draw(pi.data() + s * mdp.num_actions, mdp.num_actions);
      episode.states.push_back(static_cast<std::uint32_t>(s));
      episode.actions.push_back(static_cast<std::uint32_t>(a));
      const std::size_t row = s * mdp.num_actions + a;
      const std::uint64_t first = mdp.row_begin[row];
      std::vector<double> p(mdp.probability.begin() + static_cast<std::ptrdiff_t>(first),
                            mdp.probability.begin() + static_cast<std::ptrdiff_t>(mdp.row_begin[row + 1]));
      s = mdp.next_state[first + draw(p.data(), p.size())];
    }
  }
  return episodes;
}

IrlProblem problem_from(const Mdp& mdp, const Features& features, const std::vector<Episode>& episodes) {
  IrlProblem problem{mdp, features, empirical_feature_counts(mdp, features, episodes),
                     initial_from_episodes(mdp.num_states, episodes)};
  return problem;
}

struct Case {
  Horizon horizon;
  FeatureKind kind;
  ControlMethod method;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const Horizon h : {Horizon::finite, Horizon::discounted, Horizon::both}) {
    for (const FeatureKind k : {FeatureKind::state, FeatureKind::state_action}) {
      for (const ControlMethod m : {ControlMethod::variational, ControlMethod::exact}) cases.push_back({h, k, m});
    }
  }
  return cases;
}

std::string describe(const Case& c) {
  const char* horizons[] = {"finite", "discounted", "finite+discounted"};
  return std::string(horizons[static_cast<int>(c.horizon)]) + (c.kind == FeatureKind::state ? " state" : " state-action") +
         " " + to_string(c.method);
}

TEST(Irl, GradientMatchesFiniteDifferences) {
  std::uint64_t seed = 11;
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(describe(c));
    Mdp mdp = random_mdp(++seed, 5, 3, 3);
    mdp.alpha = 0.7;
    set_horizon(mdp, c.horizon);
    Features features = random_features(seed, mdp, c.kind, 3);
    if (c.method == ControlMethod::exact && c.horizon == Horizon::discounted) {
      for (double& v : features.value) v = 1.5 + v;  // in [0.5, 2.5]
    }
    const std::vector<double> truth = {0.8, -0.5, 0.3};
    const auto episodes = sample(mdp, reward_of(mdp, features, truth), false, 20, mdp.horizon ? 6 : 40, seed);
    IrlObjective objective(problem_from(mdp, features, episodes), c.method, 1e-14, 1);
    // The exact backup without a horizon converges only for costs (it diverges when
    // r + α log A > −α log γ): negative weights on features of one sign there.
    const bool costs = c.method == ControlMethod::exact && c.horizon == Horizon::discounted;
    const std::vector<double> theta = costs ? std::vector<double>{-1.5, -1.0, -0.5} : std::vector<double>{0.4, 0.9, -0.6};
    std::vector<double> gradient(3);
    objective.evaluate(theta, gradient);
    const double h = 1e-4;
    double error = 0.0;
    double size = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
      std::vector<double> up = theta;
      std::vector<double> down = theta;
      up[k] += h;
      down[k] -= h;
      const double fd = (objective.evaluate(up, {}) - objective.evaluate(down, {})) / (2 * h);
      error += (gradient[k] - fd) * (gradient[k] - fd);
      size += fd * fd;
    }
    EXPECT_LE(std::sqrt(error), 1e-6 * std::sqrt(size)) << "gradient " << gradient[0] << " " << gradient[1];
  }
}

TEST(Irl, DeterministicDynamicsObjectiveIsLogLikelihood) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::exact}) {
    for (const FeatureKind kind : {FeatureKind::state, FeatureKind::state_action}) {
      for (const double alpha : {1.0, 0.4}) {
        Mdp mdp = random_mdp(5, 6, 3, 1);
        mdp.horizon = 7;
        mdp.alpha = alpha;
        const Features features = random_features(9, mdp, kind, 4);
        const std::vector<double> theta = {1.2, -0.7, 0.4, 2.0};
        const std::vector<double> r = reward_of(mdp, features, theta);
        const auto episodes = sample(mdp, reward_of(mdp, features, {0.5, 0.5, -1.0, 0.0}), false, 25, 7, 3);
        // Independently: the mean over episodes of Σ_t log π_t(a_t|s_t) under θ.
        const irl_oracles::Soft soft = soft_solve(mdp, r, method == ControlMethod::exact);
        double log_likelihood = 0.0;
        for (const Episode& e : episodes) {
          for (std::size_t t = 0; t < e.states.size(); ++t) {
            log_likelihood += std::log(soft.policy[t][e.states[t] * mdp.num_actions + e.actions[t]]);
          }
        }
        log_likelihood /= static_cast<double>(episodes.size());
        IrlObjective objective(problem_from(mdp, features, episodes), method);
        const double value = objective.evaluate(theta, {});
        // L = α Σ log π: the dual is in reward units, log π in units of r/α.
        EXPECT_NEAR(value, alpha * log_likelihood, 1e-10) << to_string(method) << " α " << alpha;
        EXPECT_NEAR(objective.log_likelihood(episodes), log_likelihood, 1e-10);
      }
    }
  }
}

TEST(Irl, OptimumMatchesExpectedCounts) {
  std::uint64_t seed = 40;
  for (const Case& c : all_cases()) {
    // The exact backup without a horizon diverges for rewards the search may try.
    if (c.method == ControlMethod::exact && c.horizon == Horizon::discounted) continue;
    SCOPED_TRACE(describe(c));
    Mdp mdp = random_mdp(++seed, 6, 3, 3);
    set_horizon(mdp, c.horizon);
    const Features features = random_features(seed + 100, mdp, c.kind, 3);
    const bool exact = c.method == ControlMethod::exact;
    const auto episodes =
        sample(mdp, reward_of(mdp, features, {1.0, -1.0, 0.5}), exact, 200, mdp.horizon ? 6 : 250, seed);
    const IrlProblem problem = problem_from(mdp, features, episodes);
    IrlOptions options;
    options.method = c.method;
    options.tolerance = 1e-9;
    const IrlResult fit = fit_irl(problem, options, episodes);
    EXPECT_TRUE(fit.converged) << fit.termination;
    EXPECT_LE(fit.max_feature_gap, 1e-6);
    // The expected counts of the learned reward, by an independent forward sweep.
    const irl_oracles::Soft soft = soft_solve(mdp, reward_of(mdp, features, fit.weights), exact);
    const std::vector<double> expected = expected_counts(mdp, features, soft, exact, problem.initial);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      EXPECT_NEAR(expected[k], problem.empirical[k], 1e-6) << "feature " << k;
      EXPECT_NEAR(fit.expected[k], expected[k], 1e-9) << "feature " << k;
    }
  }
}

TEST(Irl, OneHotStateRewardRecoveredUpToConstant) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::exact}) {
    Mdp mdp = random_mdp(77, 6, 3, 3);
    mdp.horizon = 6;
    std::vector<FeatureEntry> entries;
    std::vector<std::string> names;
    for (std::uint32_t s = 0; s < 6; ++s) {
      entries.push_back({s, s, 1.0});
      names.push_back("at" + std::to_string(s));
    }
    const Features features = make_features(FeatureKind::state, names, 6, entries);
    const std::vector<double> truth = {0.5, -1.0, 1.5, 0.0, -0.3, 0.8};
    const bool exact = method == ControlMethod::exact;
    // The demonstrations as their exact expected counts under the true reward.
    const irl_oracles::Soft soft = soft_solve(mdp, reward_of(mdp, features, truth), exact);
    IrlProblem problem{mdp, features, expected_counts(mdp, features, soft, exact, mdp.initial), {}};
    IrlOptions options;
    options.method = method;
    options.tolerance = 1e-10;
    const IrlResult fit = fit_irl(problem, options);
    double shift = 0.0;
    for (std::size_t s = 0; s < 6; ++s) shift += (fit.weights[s] - truth[s]) / 6.0;
    for (std::size_t s = 0; s < 6; ++s) {
      EXPECT_NEAR(fit.weights[s] - shift, truth[s], 1e-6) << to_string(method) << " state " << s << ": " << fit.termination;
    }
  }
}

TEST(Irl, LearnedRewardScoresAtLeastTheTrueOne) {
  for (const Horizon horizon : {Horizon::finite, Horizon::discounted}) {
    Mdp mdp = random_mdp(123, 8, 3, 2);
    set_horizon(mdp, horizon);
    const Features features = random_features(5, mdp, FeatureKind::state_action, 4);
    const std::vector<double> truth = {1.0, 0.5, -0.5, 2.0};
    const auto episodes = sample(mdp, reward_of(mdp, features, truth), false, 50, mdp.horizon ? 6 : 60, 8);
    const IrlProblem problem = problem_from(mdp, features, episodes);
    const IrlResult fit = fit_irl(problem);
    IrlObjective objective(problem, ControlMethod::variational);
    const double at_truth = objective.evaluate(truth, {});
    EXPECT_GE(fit.objective, at_truth);
    EXPECT_NEAR(objective.evaluate(fit.weights, {}), fit.objective, 1e-9);
  }
}

// State 0 absorbing (its one action loops; the others forbidden), every other row moving
// there with probability 0.2: every policy ends (a stochastic shortest path with γ = 1).
Mdp absorbing_mdp(std::uint64_t seed, bool deterministic) {
  const Mdp base = random_mdp(seed, 6, 3, deterministic ? 1 : 3);
  std::vector<Transition> transitions = {{0, 0, 0, 1.0}, {0, 1, 0, 1.0}, {0, 2, 0, 1.0}};
  for (std::uint32_t s = 1; s < 6; ++s) {
    for (std::uint32_t a = 0; a < 3; ++a) {
      const std::size_t row = s * 3 + a;
      for (std::uint64_t k = base.row_begin[row]; k < base.row_begin[row + 1]; ++k) {
        if (!deterministic) transitions.push_back({s, a, base.next_state[k], 0.8 * base.probability[k]});
        else if (base.next_state[k] != s) transitions.push_back({s, a, base.next_state[k], 1.0});
        else transitions.push_back({s, a, 0, 1.0});
      }
      if (!deterministic) transitions.push_back({s, a, 0, 0.2});
    }
  }
  // Merge repeated (s, a, s') entries.
  std::sort(transitions.begin(), transitions.end(), [](const Transition& x, const Transition& y) {
    return std::tie(x.state, x.action, x.next_state) < std::tie(y.state, y.action, y.next_state);
  });
  std::vector<Transition> merged;
  for (const Transition& t : transitions) {
    if (!merged.empty() && merged.back().state == t.state && merged.back().action == t.action &&
        merged.back().next_state == t.next_state) {
      merged.back().probability += t.probability;
    } else {
      merged.push_back(t);
    }
  }
  Mdp mdp = base;
  set_transitions(mdp, merged);
  mdp.allowed.assign(mdp.rows(), 1);
  mdp.allowed[1] = 0;
  mdp.allowed[2] = 0;
  mdp.reward.assign(mdp.rows(), 0.0);
  return mdp;
}

TEST(Irl, AbsorbingStatesEndTheEpisodeAndTheirFeaturesAreIgnored) {
  const std::vector<bool> ended = {true, false, false, false, false, false};
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::exact}) {
    Mdp mdp = absorbing_mdp(21, true);
    mdp.horizon = 8;
    // Features everywhere, state 0 included: there they must count nothing.
    const Features features = random_features(22, mdp, FeatureKind::state_action, 3);
    const std::vector<double> theta = {0.7, -1.1, 0.5};
    std::vector<double> r = reward_of(mdp, features, theta);
    for (std::size_t a = 0; a < 3; ++a) r[a] = 0.0;  // the episode has ended in state 0
    const irl_oracles::Soft soft = soft_solve(mdp, r, method == ControlMethod::exact, ended);
    const auto episodes = sample(mdp, reward_of(mdp, features, {1.0, 0.0, -1.0}), false, 30, 8, 5);
    double log_likelihood = 0.0;
    std::size_t ended_steps = 0;
    for (const Episode& e : episodes) {
      for (std::size_t t = 0; t < e.states.size(); ++t) {
        if (e.states[t] == 0) {
          ++ended_steps;
          continue;
        }
        log_likelihood += std::log(soft.policy[t][e.states[t] * mdp.num_actions + e.actions[t]]);
      }
    }
    ASSERT_GT(ended_steps, 0u);  // some episodes do end early
    log_likelihood /= static_cast<double>(episodes.size());
    IrlObjective objective(problem_from(mdp, features, episodes), method);
    EXPECT_NEAR(objective.evaluate(theta, {}), log_likelihood, 1e-10) << to_string(method);
    EXPECT_NEAR(objective.log_likelihood(episodes), log_likelihood, 1e-10);
  }
}

TEST(Irl, StochasticShortestPathGradientMatchesFiniteDifferences) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::exact}) {
    Mdp mdp = absorbing_mdp(31, false);
    mdp.discount = 1.0;  // no horizon: the episode ends in state 0
    Features features = random_features(32, mdp, FeatureKind::state, 2);
    for (double& v : features.value) v = 1.5 + v;  // in [0.5, 2.5]: negative θ are costs
    const auto episodes = sample(mdp, reward_of(mdp, features, {-0.5, -1.0}), false, 20, 30, 4);
    IrlObjective objective(problem_from(mdp, features, episodes), method, 1e-14, 1);
    const std::vector<double> theta = {-0.8, -0.4};
    std::vector<double> gradient(2);
    objective.evaluate(theta, gradient);
    const double h = 1e-4;
    for (std::size_t k = 0; k < 2; ++k) {
      std::vector<double> up = theta;
      std::vector<double> down = theta;
      up[k] += h;
      down[k] -= h;
      const double fd = (objective.evaluate(up, {}) - objective.evaluate(down, {})) / (2 * h);
      EXPECT_NEAR(gradient[k], fd, 1e-6 * std::max(1.0, std::abs(fd))) << to_string(method) << " feature " << k;
    }
  }
}

// The exact method's expected counts when exp(V'/α) spans more than a double holds
// (α = 0.01, rewards ±10): some rows' successors all lie more than 575α below the best
// value, so their posterior is computed with their own scale. Oracle: the same sums,
// every row in log space with its own largest V'.
TEST(Irl, ExactPosteriorSurvivesValuesBeyondTheLinearRange) {
  Mdp mdp = random_mdp(51, 6, 3, 3);
  // State 0 (reward -10) traps: every action stays, so its rows' only successor sits
  // some 20 per remaining step below the best value.
  std::vector<Transition> transitions = {{0, 0, 0, 1.0}, {0, 1, 0, 1.0}, {0, 2, 0, 1.0}};
  for (std::size_t row = 3; row < mdp.rows(); ++row) {
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
      transitions.push_back({static_cast<std::uint32_t>(row / 3), static_cast<std::uint32_t>(row % 3), mdp.next_state[k],
                             mdp.probability[k]});
    }
  }
  set_transitions(mdp, transitions);
  mdp.horizon = 4;
  mdp.alpha = 0.01;
  std::vector<FeatureEntry> entries;
  for (std::uint32_t s = 0; s < 6; ++s) entries.push_back({s, 0, static_cast<double>(s) - 2.5});
  const Features features = make_features(FeatureKind::state, {"height"}, 6, entries);
  const std::vector<double> theta = {4.0};  // rewards -10 .. 10
  const std::vector<double> r = reward_of(mdp, features, theta);
  const std::size_t T = 4;
  const std::size_t A = 3;
  std::vector<std::vector<double>> value(T + 1, std::vector<double>(6, 0.0));
  std::vector<std::vector<double>> policy(T, std::vector<double>(mdp.rows()));
  const auto log_expect = [&](std::size_t row, const std::vector<double>& next, double& m) {
    m = -std::numeric_limits<double>::infinity();
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) m = std::max(m, next[mdp.next_state[k]]);
    double sum = 0.0;
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
      sum += mdp.probability[k] * std::exp((next[mdp.next_state[k]] - m) / mdp.alpha);
    }
    return sum;
  };
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < 6; ++s) {
      std::vector<double> q(A);
      for (std::size_t a = 0; a < A; ++a) {
        double m = 0.0;
        const double sum = log_expect(s * A + a, value[t + 1], m);
        q[a] = r[s * A + a] + m + mdp.alpha * std::log(sum);
      }
      const double hi = *std::max_element(q.begin(), q.end());
      double total = 0.0;
      for (const double x : q) total += std::exp((x - hi) / mdp.alpha);
      value[t][s] = hi + mdp.alpha * std::log(total);
      for (std::size_t a = 0; a < A; ++a) policy[t][s * A + a] = std::exp((q[a] - value[t][s]) / mdp.alpha);
    }
  }
  bool underflows = false;  // some visited row's successors all lie far below the best value
  std::vector<double> d = mdp.initial;
  double expected = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    std::vector<double> next(6, 0.0);
    const double top = *std::max_element(value[t + 1].begin(), value[t + 1].end());
    for (std::size_t s = 0; s < 6; ++s) {
      expected += d[s] * (static_cast<double>(s) - 2.5);
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t row = s * A + a;
        double m = 0.0;
        const double sum = log_expect(row, value[t + 1], m);
        if (t + 1 < T && d[s] * policy[t][row] > 0.0 && (m - top) / mdp.alpha < -745.0) underflows = true;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          next[mdp.next_state[k]] +=
              d[s] * policy[t][row] * mdp.probability[k] * std::exp((value[t + 1][mdp.next_state[k]] - m) / mdp.alpha) / sum;
        }
      }
    }
    d = next;
  }
  ASSERT_TRUE(underflows);
  IrlProblem problem{mdp, features, {0.0}, {}};
  IrlObjective objective(problem, ControlMethod::exact);
  std::vector<double> gradient(1);
  objective.evaluate(theta, gradient);
  EXPECT_TRUE(std::isfinite(objective.expected_counts()[0]));
  EXPECT_NEAR(objective.expected_counts()[0], expected, 1e-9 * std::max(1.0, std::abs(expected)));
}

// Enough states that the backups (blocks of 256 states) and the forward sweeps (4096)
// split between threads: three distinct random successors per (s, a).
Mdp large_random_mdp(std::uint64_t seed, std::uint32_t states) {
  std::mt19937_64 rng(seed);
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < states; ++s) {
    for (std::uint32_t a = 0; a < 3; ++a) {
      const std::uint32_t first = static_cast<std::uint32_t>(rng() % states);
      const std::uint32_t step = 1 + static_cast<std::uint32_t>(rng() % (states / 3 - 1));
      for (std::uint32_t k = 0; k < 3; ++k) transitions.push_back({s, a, (first + k * step) % states, k == 0 ? 0.5 : 0.25});
    }
  }
  Mdp mdp;
  mdp.num_states = states;
  mdp.num_actions = 3;
  set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), 0.0);
  mdp.initial.assign(states, 1.0 / states);
  return mdp;
}

TEST(Irl, SameBitsForAnyThreadCount) {
  for (const ControlMethod method : {ControlMethod::variational, ControlMethod::exact}) {
    Mdp mdp = large_random_mdp(3, 5000);
    // Variational: a horizon and a discount, state features; exact: a horizon,
    // state-action features.
    mdp.horizon = 8;
    if (method == ControlMethod::variational) mdp.discount = 0.95;
    const FeatureKind kind = method == ControlMethod::variational ? FeatureKind::state : FeatureKind::state_action;
    const Features features = random_features(4, mdp, kind, 3);
    const auto episodes = sample(mdp, reward_of(mdp, features, {1.0, 0.0, -1.0}), false, 30, 8, 2);
    IrlProblem problem = problem_from(mdp, features, episodes);
    problem.initial = mdp.initial;  // every state starts: the whole MDP carries mass
    IrlOptions one;
    one.method = method;
    one.threads = 1;
    one.max_iterations = 15;  // the same path, not the optimum, is the point
    IrlOptions two = one;
    two.threads = 2;
    const IrlResult a = fit_irl(problem, one, episodes);
    const IrlResult b = fit_irl(problem, two, episodes);
    EXPECT_EQ(a.weights, b.weights) << to_string(method);
    EXPECT_EQ(a.expected, b.expected) << to_string(method);
    EXPECT_EQ(a.iterations, b.iterations) << to_string(method);
  }
}

TEST(Irl, RejectsBadOptions) {
  Mdp mdp = random_mdp(3, 3, 2, 2);
  mdp.horizon = 3;
  const Features features = random_features(4, mdp, FeatureKind::state, 2);
  const IrlProblem problem{mdp, features, {0.0, 0.0}, {}};
  IrlOptions options;
  options.method = ControlMethod::map;
  EXPECT_THROW(fit_irl(problem, options), InputError);
  options = {};
  options.l2 = -1.0;
  EXPECT_THROW(fit_irl(problem, options), InputError);
  options = {};
  options.tolerance = 0.0;
  EXPECT_THROW(fit_irl(problem, options), InputError);
  IrlProblem wrong = problem;
  wrong.empirical = {1.0};
  EXPECT_THROW(fit_irl(wrong), InputError);
}

}  // namespace
}  // namespace copi::control
