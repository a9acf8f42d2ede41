// A latent in an `mdp` block (`latent z : ... per step | per episode`): the lowered
// distributions p(z | s) or p(z) and p(a | s, z) equal what the file says, in every
// form it may say it (expression, table, CSV; conditions in any order, any subset of
// the state components).
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
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

}  // namespace
}  // namespace copi::test
