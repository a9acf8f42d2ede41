// `learn reward of NAME from "FILE" { feature ... }`: checked against computations made
// here, independently of the library. On a deterministic corridor (horizon 3) the test
// recomputes the soft-optimal policy of the learned θ by the soft Bellman backup, then
// enumerates every trajectory from the demonstrations' first states: the expected
// feature counts must equal the empirical ones (the optimum's defining property) and
// L(θ) must be α Σ_t log π_t(a_t|s_t) along the demonstrations (deterministic dynamics).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

constexpr int kStates = 4;   // x = 0..3
constexpr int kActions = 2;  // left, right
constexpr int kHorizon = 3;
constexpr double kAlpha = 0.5;

int step(int x, int a) { return a == 0 ? std::max(x - 1, 0) : std::min(x + 1, kStates - 1); }

const char* kBlock =
    "mdp corridor {\n"
    "  state x : 0..3\n"
    "  action move : {left, right}\n"
    "  next move == left  : { x' = max(x - 1, 0) : 1 }\n"
    "  next move == right : { x' = min(x + 1, 3) : 1 }\n"
    "  reward 0\n"
    "  horizon 3\n"
    "  temperature 0.5\n"
    "}\n";

// Four episodes of three steps, as (x, action) pairs; action 0 = left, 1 = right.
const std::vector<std::vector<std::array<int, 2>>> kEpisodes = {
    {{0, 1}, {1, 1}, {2, 1}},
    {{0, 1}, {1, 0}, {0, 1}},
    {{1, 1}, {2, 1}, {3, 0}},
    {{2, 0}, {1, 1}, {2, 1}},
};

std::string demos_csv() {
  std::string text = "episode,t,x,move\n";
  for (std::size_t e = 0; e < kEpisodes.size(); ++e) {
    for (std::size_t t = 0; t < kEpisodes[e].size(); ++t) {
      text += "ep" + std::to_string(e) + "," + std::to_string(t) + "," + std::to_string(kEpisodes[e][t][0]) + "," +
              (kEpisodes[e][t][1] == 0 ? "left" : "right") + "\n";
    }
  }
  return text;
}

using Phi = std::function<std::vector<double>(int x, int a)>;

struct Check {
  std::vector<double> empirical;
  std::vector<double> expected;
  double sum_log_pi = 0.0;  // mean over the demonstrations of Σ_t log π_t(a_t|s_t)
};

// Soft Bellman backup by hand for r = θᵀφ, then every trajectory enumerated.
Check brute_force(const std::vector<double>& theta, const Phi& phi) {
  const std::size_t k = theta.size();
  const auto reward = [&](int x, int a) {
    const std::vector<double> f = phi(x, a);
    double r = 0.0;
    for (std::size_t i = 0; i < k; ++i) r += theta[i] * f[i];
    return r;
  };
  double pi[kHorizon][kStates][kActions];
  std::array<double, kStates> v_next{};  // V_T = 0
  for (int t = kHorizon - 1; t >= 0; --t) {
    std::array<double, kStates> v{};
    for (int x = 0; x < kStates; ++x) {
      double q[kActions];
      double z = 0.0;
      for (int a = 0; a < kActions; ++a) {
        q[a] = reward(x, a) + v_next[step(x, a)];
        z += std::exp(q[a] / kAlpha);
      }
      v[x] = kAlpha * std::log(z);
      for (int a = 0; a < kActions; ++a) pi[t][x][a] = std::exp((q[a] - v[x]) / kAlpha);
    }
    v_next = v;
  }
  Check check;
  check.empirical.assign(k, 0.0);
  check.expected.assign(k, 0.0);
  std::array<double, kStates> p0{};
  const double n = static_cast<double>(kEpisodes.size());
  for (const auto& episode : kEpisodes) {
    p0[episode[0][0]] += 1.0 / n;
    for (std::size_t t = 0; t < episode.size(); ++t) {
      const std::vector<double> f = phi(episode[t][0], episode[t][1]);
      for (std::size_t i = 0; i < k; ++i) check.empirical[i] += f[i] / n;
      check.sum_log_pi += std::log(pi[t][episode[t][0]][episode[t][1]]) / n;
    }
  }
  for (int s0 = 0; s0 < kStates; ++s0) {
    for (int actions = 0; actions < (1 << kHorizon); ++actions) {
      double p = p0[s0];
      std::vector<double> counts(k, 0.0);
      int x = s0;
      for (int t = 0; t < kHorizon; ++t) {
        const int a = (actions >> t) & 1;
        p *= pi[t][x][a];
        const std::vector<double> f = phi(x, a);
        for (std::size_t i = 0; i < k; ++i) counts[i] += f[i];
        x = step(x, a);
      }
      for (std::size_t i = 0; i < k; ++i) check.expected[i] += p * counts[i];
    }
  }
  return check;
}

dsl::ModelAnswers learn(const std::string& statement, dsl::CompiledModel& model) {
  DslTempDir dir;
  dir.write("demos.csv", demos_csv());
  dsl::CompileResult compiled = dsl::compile_text(std::string(kBlock) + statement, "corridor.copi", dir.path());
  EXPECT_TRUE(compiled.model.has_value()) << format_diagnostics(compiled.diagnostics);
  if (!compiled.model) return {};
  model = std::move(*compiled.model);
  return dsl::run_model(model);
}

void expect_optimum(const dsl::CompiledModel& model, const dsl::ModelAnswers& answers, const Phi& phi,
                    const std::vector<std::string>& names) {
  ASSERT_EQ(answers.learns.size(), 1u);
  const control::IrlResult& fit = answers.learns[0].result;
  ASSERT_TRUE(fit.converged) << fit.termination;
  EXPECT_EQ(fit.termination, "converged: relative gradient norm <= tol");  // the statement's word
  ASSERT_EQ(model.learns[0].problem.features.names, names);
  const Check check = brute_force(fit.weights, phi);
  for (std::size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_NEAR(fit.empirical[i], check.empirical[i], 1e-12);
    EXPECT_NEAR(check.expected[i], check.empirical[i], 1e-6);
    EXPECT_NEAR(fit.expected[i], check.expected[i], 1e-9);
  }
  EXPECT_NEAR(fit.objective, kAlpha * check.sum_log_pi, 1e-10);
  EXPECT_NEAR(fit.log_likelihood, check.sum_log_pi, 1e-10);
  // The reward table is θᵀφ per (state, action).
  for (int x = 0; x < kStates; ++x) {
    for (int a = 0; a < kActions; ++a) {
      const std::vector<double> f = phi(x, a);
      double r = 0.0;
      for (std::size_t i = 0; i < names.size(); ++i) r += fit.weights[i] * f[i];
      EXPECT_NEAR(fit.reward[static_cast<std::size_t>(x * kActions + a)], r, 1e-12);
    }
  }
}

TEST(DslIrl, StateFeaturesMatchBruteForceCountsAtTheOptimum) {
  dsl::CompiledModel model;
  const dsl::ModelAnswers answers = learn(
      "learn reward of corridor from \"demos.csv\" {\n"
      "  feature end    = x == 3\n"
      "  feature middle = if x == 1 or x == 2 then 0.5 else 0\n"
      "} with variational(tol = 1e-10)\n",
      model);
  ASSERT_EQ(model.learns.size(), 1u);
  EXPECT_EQ(model.learns[0].problem.features.kind, control::FeatureKind::state);
  const Phi phi = [](int x, int) { return std::vector<double>{x == 3 ? 1.0 : 0.0, (x == 1 || x == 2) ? 0.5 : 0.0}; };
  expect_optimum(model, answers, phi, {"end", "middle"});
}

TEST(DslIrl, AFeatureOfTheActionMakesThemAllPerStateAction) {
  dsl::CompiledModel model;
  const dsl::ModelAnswers answers = learn(
      "learn reward of corridor from \"demos.csv\" {\n"
      "  feature end    = x == 3\n"
      "  feature effort = if move == right then 1 else 0\n"
      "} with variational(tol = 1e-10, l2 = 0)\n",
      model);
  ASSERT_EQ(model.learns.size(), 1u);
  EXPECT_EQ(model.learns[0].problem.features.kind, control::FeatureKind::state_action);
  const Phi phi = [](int x, int a) { return std::vector<double>{x == 3 ? 1.0 : 0.0, a == 1 ? 1.0 : 0.0}; };
  expect_optimum(model, answers, phi, {"end", "effort"});
}

// `initial = start` starts the expected counts in the block's start state, not in the
// demonstrations' first states; the default is the latter.
TEST(DslIrl, InitialDistributionFromTheDemonstrationsOrTheBlocksStart) {
  DslTempDir dir;
  dir.write("demos.csv", demos_csv());
  const std::string block = std::string(kBlock).insert(std::string(kBlock).find("  reward 0"), "  start x = 2\n");
  const auto compile = [&](const std::string& options) {
    dsl::CompileResult compiled = dsl::compile_text(
        block + "learn reward of corridor from \"demos.csv\" { feature end = x == 3 }" + options, "c.copi", dir.path());
    EXPECT_TRUE(compiled.model.has_value()) << format_diagnostics(compiled.diagnostics);
    return std::move(*compiled.model);
  };
  const dsl::CompiledModel demos = compile("");
  EXPECT_EQ(demos.learns[0].problem.initial, (std::vector<double>{0.5, 0.25, 0.25, 0.0}));
  const dsl::CompiledModel start = compile(" with exact(initial = start)");
  EXPECT_TRUE(start.learns[0].problem.initial.empty());  // the block's own: x = 2
  EXPECT_EQ(start.learns[0].problem.mdp.initial, (std::vector<double>{0.0, 0.0, 1.0, 0.0}));
  EXPECT_EQ(start.learns[0].options.method, control::ControlMethod::exact);
}

// Labels or numbers for labelled domains, columns in any order, blank lines skipped.
TEST(DslIrl, DemonstrationColumnsByNameInAnyOrder) {
  DslTempDir dir;
  dir.write("d.csv", "move,x,t,episode\nright,0,0,a\n\n1,1,1,a\n0,2,2,a\n");
  dsl::CompileResult compiled = dsl::compile_text(
      std::string(kBlock) + "learn reward of corridor from \"d.csv\" { feature end = x == 3 }", "c.copi", dir.path());
  ASSERT_TRUE(compiled.model.has_value()) << format_diagnostics(compiled.diagnostics);
  const auto& episodes = compiled.model->learns[0].episodes;
  ASSERT_EQ(episodes.size(), 1u);
  EXPECT_EQ(episodes[0].states, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(episodes[0].actions, (std::vector<std::uint32_t>{1, 1, 0}));
}

// `learn` only starts the statement when `reward` follows: it stays a usable name.
TEST(DslIrl, LearnAloneIsStillAName) {
  const dsl::CompileResult compiled = dsl::compile_text("var learn : real\nlearn ~ normal(0, 1)\n", "n.copi");
  EXPECT_TRUE(compiled.diagnostics.empty()) << format_diagnostics(compiled.diagnostics);
}

}  // namespace
}  // namespace copi::test
