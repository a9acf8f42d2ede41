// A latent in an `mdp` block (`latent z : ... per step | per episode`): the lowered
// distributions p(z | s) or p(z) and p(a | s, z) equal what the file says, in every
// form it may say it (expression, table, CSV; conditions in any order, any subset of
// the state components).
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <utility>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

// A corridor x = 0..3 walked left or right, the goal at x = 3 (absorbing); `latent`
// and `distributions` complete it.
std::string corridor(const std::string& latent, const std::string& distributions, const std::string& extra = "") {
  return "mdp c {\n"
         "  state x : 0..3\n"
         "  action move : {left, right}\n"
         "  " + latent + "\n" + distributions +
         "  next move == left : { x' = max(x - 1, 0) : 1 }\n"
         "  next move == right : { x' = min(x + 1, 3) : 1 }\n"
         "  reward = if x == 3 then 0 else -1\n"
         "  absorbing x == 3\n"
         "  horizon 5\n" + extra +
         "}\n"
         "solve c with exact\n";
}

const dsl::NamedMdp& lowered(const dsl::CompileResult& result) {
  EXPECT_TRUE(result.model.has_value()) << format_diagnostics(result.diagnostics);
  if (!result.model) throw std::runtime_error("the model did not compile");
  EXPECT_EQ(result.model->mdps.size(), 1u);
  return result.model->mdps.front();
}

// The hand-written tables of the corridor with p(z = east | x) = (1 + x) / 5 and
// p(move = right | x, z) = 0.8 for east, 0.3 for west (0.1 more at x = 0).
double prior_east(std::size_t x) { return (1.0 + static_cast<double>(x)) / 5.0; }
double skill_right(std::size_t x, std::size_t z) { return (z == 1 ? 0.8 : 0.3) + (x == 0 ? 0.1 : 0.0); }

void expect_corridor_tables(const dsl::NamedLatent& latent) {
  ASSERT_EQ(latent.prior.size(), 4u * 2u);
  ASSERT_EQ(latent.skill.size(), 4u * 2u * 2u);
  for (std::size_t x = 0; x < 4; ++x) {
    EXPECT_DOUBLE_EQ(latent.prior[x * 2 + 1], prior_east(x)) << "x=" << x;
    EXPECT_DOUBLE_EQ(latent.prior[x * 2 + 0], 1.0 - prior_east(x)) << "x=" << x;
    for (std::size_t z = 0; z < 2; ++z) {
      const double* row = &latent.skill[(x * 2 + z) * 2];
      if (x == 3) {  // absorbing: the first action only
        EXPECT_EQ(row[0], 1.0);
        EXPECT_EQ(row[1], 0.0);
        continue;
      }
      EXPECT_DOUBLE_EQ(row[1], skill_right(x, z)) << "x=" << x << " z=" << z;
      EXPECT_DOUBLE_EQ(row[0], 1.0 - skill_right(x, z)) << "x=" << x << " z=" << z;
    }
  }
}

TEST(DslLatent, PerStepExpressionsLowerToTheTablesTheyDescribe) {
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent z : {west, east} per step",
               "  p(z | x) = if z == east then (1 + x) / 5 else 1 - (1 + x) / 5\n"
               "  p(move | x, z) = if move == right then (if z == east then 0.8 else 0.3) + (if x == 0 then 0.1 else 0)\n"
               "                   else (if z == east then 0.2 else 0.7) - (if x == 0 then 0.1 else 0)\n"),
      "c.copi");
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  EXPECT_EQ(m.latent->name, "z");
  EXPECT_EQ(m.latent->mode, dsl::LatentMode::per_step);
  EXPECT_EQ(m.latent->labels, (std::vector<std::string>{"west", "east"}));
  EXPECT_EQ(m.latent->values, (std::vector<double>{0, 1}));
  expect_corridor_tables(*m.latent);
  // The chain replaces the action prior: the MDP has none of its own.
  EXPECT_TRUE(m.mdp.action_prior.empty());
}

// Tables and CSV files: rows over the conditions in the order written, the first
// slowest; `p(move | z, x)` puts z first.
TEST(DslLatent, TablesAndCsvFilesReadRowsInTheOrderOfTheConditions) {
  DslTempDir dir;
  std::string z_csv = "west,east\n";
  std::string skill_csv = "left,right\n";
  std::string skill_table = "[";
  for (std::size_t x = 0; x < 4; ++x) {
    z_csv += std::to_string(1.0 - prior_east(x)) + "," + std::to_string(prior_east(x)) + "\n";
  }
  for (std::size_t z = 0; z < 2; ++z) {
    for (std::size_t x = 0; x < 4; ++x) {
      const double right = x == 3 ? 0.5 : skill_right(x, z);  // x = 3 is absorbing: any row
      skill_csv += std::to_string(1.0 - right) + "," + std::to_string(right) + "\n";
      skill_table += std::string(z + x > 0 ? ", " : "") + "[" + std::to_string(1.0 - right) + ", " +
                     std::to_string(right) + "]";
    }
  }
  skill_table += "]";
  dir.write("z.csv", z_csv);
  dir.write("skill.csv", skill_csv);
  for (const std::string& skill : {std::string("csv(\"skill.csv\")"), skill_table}) {
    SCOPED_TRACE(skill);
    const dsl::CompileResult result = dsl::compile_text(
        corridor("latent z : {west, east} per step", "  p(z | x) = csv(\"z.csv\")\n  p(move | z, x) = " + skill + "\n"),
        "c.copi", dir.path());
    const dsl::NamedMdp& m = lowered(result);
    ASSERT_TRUE(m.latent.has_value());
    expect_corridor_tables(*m.latent);
  }
}

// Conditions left out mean "the same in every state": p(z) for a latent per step is
// one row for all states, p(move | z) one row per z.
TEST(DslLatent, FewerConditionsRepeatTheRowsOverTheOtherComponents) {
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent z : {west, east} per step", "  p(z) = [0.25, 0.75]\n  p(move | z) = [[0.9, 0.1], [0.2, 0.8]]\n"),
      "c.copi");
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  for (std::size_t x = 0; x < 4; ++x) {
    EXPECT_EQ(m.latent->prior[x * 2 + 0], 0.25);
    EXPECT_EQ(m.latent->prior[x * 2 + 1], 0.75);
    if (x == 3) continue;
    EXPECT_EQ(m.latent->skill[(x * 2 + 0) * 2 + 1], 0.1);
    EXPECT_EQ(m.latent->skill[(x * 2 + 1) * 2 + 1], 0.8);
  }
}

TEST(DslLatent, PerEpisodePriorIsOneDistributionOverNumericValues) {
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent speed : 1..3 per episode",
               "  p(speed) = speed / 6\n  p(move | x, speed) = if move == right then speed / 4 else 1 - speed / 4\n"),
      "c.copi");
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  EXPECT_EQ(m.latent->mode, dsl::LatentMode::per_episode);
  EXPECT_EQ(m.latent->labels, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(m.latent->values, (std::vector<double>{1, 2, 3}));
  ASSERT_EQ(m.latent->prior.size(), 3u);
  for (std::size_t z = 0; z < 3; ++z) EXPECT_DOUBLE_EQ(m.latent->prior[z], (1.0 + static_cast<double>(z)) / 6.0);
  ASSERT_EQ(m.latent->skill.size(), 4u * 3u * 2u);
  for (std::size_t x = 0; x < 3; ++x) {
    for (std::size_t z = 0; z < 3; ++z) {
      EXPECT_DOUBLE_EQ(m.latent->skill[(x * 3 + z) * 2 + 1], (1.0 + static_cast<double>(z)) / 4.0);
    }
  }
}

TEST(DslLatent, PerEpisodePriorFromACsvFile) {
  DslTempDir dir;
  dir.write("plans.csv", "west,east\n0.25,0.75\n");
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent z : {west, east} per episode", "  p(z) = csv(\"plans.csv\")\n" + std::string(
                                                          "  p(move | z) = [[0.5, 0.5], [0.1, 0.9]]\n")),
      "c.copi", dir.path());
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  EXPECT_EQ(m.latent->prior, (std::vector<double>{0.25, 0.75}));
  for (std::size_t x = 0; x < 3; ++x) {
    EXPECT_EQ(m.latent->skill[(x * 2 + 1) * 2 + 1], 0.9);
    EXPECT_EQ(m.latent->skill[(x * 2 + 0) * 2 + 0], 0.5);
  }
}

// Rows within the tolerance of one are rescaled to sum to one exactly, as the solvers
// require (they accept 1e-9).
TEST(DslLatent, RowsWithinTheToleranceAreRescaled) {
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent z : {west, east} per episode", "  p(z) = [0.3, 0.7000005]\n  p(move | z) = [[0.5, 0.5], [0.5, 0.5]]\n"),
      "c.copi");
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  EXPECT_DOUBLE_EQ(m.latent->prior[0], 0.3 / 1.0000005);
  EXPECT_DOUBLE_EQ(m.latent->prior[1], 0.7000005 / 1.0000005);
}

// A forbidden action takes no mass; where every row gives it none the block is fine,
// and in absorbing states p(move | ...) is not even evaluated (it would divide by 0).
TEST(DslLatent, ForbiddenActionsWithoutMassAndAbsorbingStatesAreAccepted) {
  const dsl::CompileResult result = dsl::compile_text(
      corridor("latent z : {west, east} per step",
               "  p(z | x) = 0.5\n"
               "  p(move | x, z) = if x == 0 then (if move == right then 1 else 0)\n"
               "                   else (if move == right then 1 / (3 - x) else 1 - 1 / (3 - x))\n",
               "  forbid move == left and x == 0\n"),
      "c.copi");
  const dsl::NamedMdp& m = lowered(result);
  ASSERT_TRUE(m.latent.has_value());
  EXPECT_EQ(m.latent->skill[(0 * 2 + 0) * 2 + 1], 1.0);
  EXPECT_DOUBLE_EQ(m.latent->skill[(2 * 2 + 1) * 2 + 1], 1.0);
  EXPECT_DOUBLE_EQ(m.latent->skill[(1 * 2 + 1) * 2 + 1], 0.5);
}

// Without a latent the block is the flat MDP it always was.
TEST(DslLatent, BlocksWithoutALatentHaveNone) {
  const dsl::CompileResult result =
      dsl::compile_text("mdp m {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\n", "m.copi");
  EXPECT_FALSE(lowered(result).latent.has_value());
}

// ---- solving (dsl::run_model) ------------------------------------------------------------

dsl::ModelAnswers run(const std::string& text) {
  const dsl::CompileResult result = dsl::compile_text(text, "c.copi");
  EXPECT_TRUE(result.model.has_value()) << format_diagnostics(result.diagnostics);
  if (!result.model) throw std::runtime_error("the model did not compile");
  return dsl::run_model(*result.model);
}

// The corridor's skill p(move = right | x, z): 0.8 for east, 0.3 for west.
const std::string kSkill = "  p(move | x, z) = if move == right then (if z == east then 0.8 else 0.3) "
                           "else (if z == east then 0.2 else 0.7)\n";

// A latent per step whose prior is one-hot on `east` is the flat block with east's
// skill as its prior, for every method, at every step.
TEST(DslLatentRun, PerStepWithAOneHotPriorIsTheFlatBlockWithThatSkill) {
  for (const std::string method : {"exact", "variational", "map"}) {
    SCOPED_TRACE(method);
    std::string latent = corridor("latent z : {west, east} per step", "  p(z) = [0, 1]\n" + kSkill);
    std::string flat = corridor("", "  prior = if move == right then 0.8 else 0.2\n");
    latent.replace(latent.find("exact"), 5, method);
    flat.replace(flat.find("exact"), 5, method);
    const dsl::ModelAnswers a = run(latent);
    const dsl::ModelAnswers b = run(flat);
    ASSERT_EQ(a.solves.size(), 1u);
    ASSERT_TRUE(a.solves[0].step.has_value());
    EXPECT_FALSE(a.solves[0].episode.has_value());
    const control::ControlSolution& x = a.solves[0].solution;
    const control::ControlSolution& y = b.solves[0].solution;
    ASSERT_EQ(x.value.size(), 5u);
    ASSERT_EQ(y.value.size(), 5u);
    for (std::size_t t = 0; t < 5; ++t) {
      for (std::size_t s = 0; s < 4; ++s) EXPECT_NEAR(x.value[t][s], y.value[t][s], 1e-12) << t << " " << s;
      for (std::size_t r = 0; r < 8; ++r) EXPECT_NEAR(x.policy[t][r], y.policy[t][r], 1e-12) << t << " " << r;
      // π_hi stays on east, where the prior puts all of z's mass.
      for (std::size_t s = 0; s < 4; ++s) EXPECT_EQ(a.solves[0].step->leaf_policy[t][0][s * 2 + 0], 0.0);
    }
  }
}

// Per episode: each z's solution is the flat block with z's skill as its prior, and
// the posterior is p(z) exp(V_1^z(start)) normalised (exact, temperature 1, start x=0).
TEST(DslLatentRun, PerEpisodeSolvesEachSkillAndWeighsItByItsValue) {
  const dsl::ModelAnswers a =
      run(corridor("latent z : {west, east} per episode", "  p(z) = [0.4, 0.6]\n" + kSkill, "  start x = 0\n"));
  ASSERT_EQ(a.solves.size(), 1u);
  ASSERT_TRUE(a.solves[0].episode.has_value());
  const control::EpisodeLatentSolution& episode = *a.solves[0].episode;
  ASSERT_EQ(episode.per_latent.size(), 2u);
  std::vector<double> start_value;
  for (const auto& [z, right] : std::vector<std::pair<std::size_t, std::string>>{{0, "0.3"}, {1, "0.8"}}) {
    const dsl::ModelAnswers b = run(corridor("", "  prior = if move == right then " + right + " else 1 - " + right + "\n",
                                             "  start x = 0\n"));
    const control::ControlSolution& flat = b.solves[0].solution;
    for (std::size_t s = 0; s < 4; ++s) EXPECT_NEAR(episode.per_latent[z].value[0][s], flat.value[0][s], 1e-12);
    start_value.push_back(flat.value[0][0]);
  }
  const double w0 = 0.4 * std::exp(start_value[0]);
  const double w1 = 0.6 * std::exp(start_value[1]);
  EXPECT_NEAR(episode.posterior[0], w0 / (w0 + w1), 1e-12);
  EXPECT_NEAR(episode.posterior[1], w1 / (w0 + w1), 1e-12);
  EXPECT_NEAR(episode.log_partition, std::log(w0 + w1), 1e-12);
}

}  // namespace
}  // namespace copi::test
