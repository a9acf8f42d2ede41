// The latent-variable tables (copi/control/latent_csv.hpp): skills p(a|s,z) and the
// latent prior p(z) or p(z|s) read against an MDP written out by hand, the layout
// checked entry by entry, every bad input an InputError at its file:line(:col), and
// the skills writer read back to the same bits.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>

#include "copi/control/latent_csv.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

// States low, high, goal (in that order); actions stay, go. low: stay or go; high: go
// only (stay has no rows: unavailable); goal has no rows: absorbing.
Mdp small_mdp() {
  std::istringstream transitions(
      "state,action,next_state,probability\n"
      "low,stay,low,1\nlow,go,high,0.5\nlow,go,low,0.5\nhigh,go,goal,1\n");
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  Mdp mdp = read_mdp_csv(sources).mdp;
  mdp.horizon = 3;
  return mdp;
}

SkillsCsv skills(const std::string& text, const std::vector<std::string>& latents = {}) {
  std::istringstream in(text);
  return read_skills_csv(small_mdp(), CsvSource{"S.csv", &in}, latents, latents.empty() ? "" : "Z.csv");
}

LatentPriorCsv prior(LatentMode mode, const std::string& text) {
  std::istringstream in(text);
  return read_latent_prior_csv(small_mdp(), mode, CsvSource{"Z.csv", &in});
}

// The error's file, line (and column when given), and a piece of its message.
template <typename Read>
void expect_error(Read read, const std::string& file, std::size_t line, const std::string& words,
                  std::size_t column = 0) {
  try {
    read();
    ADD_FAILURE() << "no error; expected " << file << ":" << line << " " << words;
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, file) << e.what();
    EXPECT_EQ(e.where().line, line) << e.what();
    if (column != 0) {
      EXPECT_EQ(e.where().col, column) << e.what();
    }
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

const std::string kHeader = "state,latent,action,probability\n";
// Both latents in both non-absorbing states; right (first seen) then left.
const std::string kTwoSkills = kHeader +
                               "low,right,go,0.75\nlow,right,stay,0.25\nlow,left,stay,1\n"
                               "high,left,go,1\nhigh,right,go,1\n";

TEST(LatentCsv, SkillsAreLaidOutStateLatentActionInFirstAppearanceOrder) {
  const SkillsCsv s = skills(kTwoSkills);
  ASSERT_EQ(s.labels, (std::vector<std::string>{"right", "left"}));
  // [s][z][a] with s = low, high, goal; z = right, left; a = stay, go. goal is absorbing:
  // its first action, whatever the latent.
  EXPECT_EQ(s.skill, (std::vector<double>{0.25, 0.75, 1, 0,  //
                                          0, 1, 0, 1,        //
                                          1, 0, 1, 0}));
}

TEST(LatentCsv, LatentTableFixesTheSkillsLatentOrder) {
  const SkillsCsv s = skills(kTwoSkills, {"left", "right"});
  ASSERT_EQ(s.labels, (std::vector<std::string>{"left", "right"}));
  EXPECT_EQ(s.skill, (std::vector<double>{1, 0, 0.25, 0.75,  //
                                          0, 1, 0, 1,        //
                                          1, 0, 1, 0}));
}

TEST(LatentCsv, SkillOfALatentTheLatentTableDoesNotNameIsAnError) {
  expect_error([] { (void)skills(kTwoSkills, {"right"}); }, "S.csv", 4, "unknown latent 'left' (not in Z.csv)", 5);
}

TEST(LatentCsv, LatentOfTheLatentTableWithoutSkillRowsIsAnError) {
  expect_error([] { (void)skills(kTwoSkills, {"right", "left", "up"}); }, "S.csv", 1,
               "no skill rows for state low, latent up");
}

TEST(LatentCsv, MissingStateLatentRowsAreAnErrorNamingBoth) {
  // high has no row for latent right.
  expect_error([] { (void)skills(kHeader + "low,right,go,1\nlow,left,stay,1\nhigh,left,go,1\n"); }, "S.csv", 1,
               "no skill rows for state high, latent right");
}

TEST(LatentCsv, AbsorbingStatesMayBeLeftOutButTheirLabelsAreChecked) {
  const SkillsCsv s = skills(kHeader + "low,z,go,1\nhigh,z,go,1\ngoal,z,go,1\n");
  // goal's row is overridden: the episode has ended there (its first action).
  EXPECT_EQ(s.skill, (std::vector<double>{0, 1, 0, 1, 1, 0}));
  expect_error([] { (void)skills(kHeader + "low,z,go,1\nhigh,z,go,1\ngaol,z,go,1\n"); }, "S.csv", 4,
               "unknown state 'gaol'", 1);
}

// A state whose one available action loops with reward 0 is absorbing too (is_absorbing):
// the skills take that action there, even when it is not the first.
TEST(LatentCsv, AbsorbingSelfLoopTakesItsOneAvailableAction) {
  std::istringstream transitions(
      "state,action,next_state,probability\nlow,stay,low,1\nlow,go,end,1\nend,go,end,1\n");
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {"T.csv", &transitions};
  sources.rewards = {"R.csv", &rewards};
  const Mdp mdp = read_mdp_csv(sources).mdp;
  std::istringstream in(kHeader + "low,z,go,1\n");
  const SkillsCsv s = read_skills_csv(mdp, CsvSource{"S.csv", &in});
  EXPECT_EQ(s.skill, (std::vector<double>{0, 1, 0, 1}));
}

TEST(LatentCsv, DuplicateSkillRowNamesBothLines) {
  expect_error([] { (void)skills(kHeader + "low,z,go,0.5\nhigh,z,go,1\nlow,z,go,0.5\n"); }, "S.csv", 4,
               "duplicate row for state low, latent z, action go: also at line 2");
}

TEST(LatentCsv, SkillRowNotSummingToOneNamesStateLatentSumAndRows) {
  expect_error([] { (void)skills(kHeader + "high,z,go,1\nlow,z,go,0.5\nlow,z,stay,0.25\n"); }, "S.csv", 3,
               "p(action | state low, latent z) sums to 0.75, not 1 (tolerance 1e-9): the rows at lines 3 and 4");
  // Within 1e-9 is accepted as written.
  const SkillsCsv s = skills(kHeader + "high,z,go,1\nlow,z,go,0.5\nlow,z,stay,0.5000000001\n");
  EXPECT_EQ(s.skill[0], 0.5000000001);
}

TEST(LatentCsv, MassOnAForbiddenActionIsAnErrorAtItsCell) {
  expect_error([] { (void)skills(kHeader + "low,z,go,1\nhigh,z,go,0.5\nhigh,z,stay,0.5\n"); }, "S.csv", 4,
               "action stay is not available in state high", 13);
  // Probability 0 there is fine.
  EXPECT_NO_THROW((void)skills(kHeader + "low,z,go,1\nhigh,z,go,1\nhigh,z,stay,0\n"));
}

TEST(LatentCsv, BadSkillCellsAreReportedAtTheirColumn) {
  expect_error([] { (void)skills(kHeader + "low,z,jump,1\n"); }, "S.csv", 2, "unknown action 'jump'", 7);
  expect_error([] { (void)skills(kHeader + "low,z,go,-0.5\n"); }, "S.csv", 2, "probability -0.5 is negative", 10);
  expect_error([] { (void)skills(kHeader + "low,z,go,1.0000000001\n"); }, "S.csv", 2,
               "probability 1.0000000001 is above 1", 10);
  expect_error([] { (void)skills(kHeader + "low,z,go,half\n"); }, "S.csv", 2, "probability 'half' is not a number",
               10);
  expect_error([] { (void)skills(kHeader + "low,,go,1\n"); }, "S.csv", 2, "empty latent label", 5);
  expect_error([] { (void)skills(kHeader + "low,z,go\n"); }, "S.csv", 2, "3 cells, expected 4");
  expect_error([] { (void)skills("state,action,probability\nlow,go,1\n"); }, "S.csv", 1,
               "expected the header 'state,latent,action,probability'");
  expect_error([] { (void)skills(kHeader); }, "S.csv", 1, "no skill rows after the header");
}

TEST(LatentCsv, EpisodePriorReadsInFirstAppearanceOrder) {
  const LatentPriorCsv p = prior(LatentMode::episode, "latent,probability\nb,0.25\na,0.75\nc,0\n");
  EXPECT_EQ(p.mode, LatentMode::episode);
  EXPECT_EQ(p.labels, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(p.prior, (std::vector<double>{0.25, 0.75, 0.0}));
}

TEST(LatentCsv, EpisodePriorErrorsNameTheirLines) {
  expect_error([] { (void)prior(LatentMode::episode, "latent,probability\na,0.5\nb,0.25\n"); }, "Z.csv", 2,
               "p(latent) sums to 0.75, not 1 (tolerance 1e-9): the rows at lines 2 and 3");
  expect_error([] { (void)prior(LatentMode::episode, "latent,probability\na,0.5\na,0.5\n"); }, "Z.csv", 3,
               "duplicate row for latent 'a': also at line 2", 1);
  expect_error([] { (void)prior(LatentMode::episode, "latent,probability\n"); }, "Z.csv", 1, "no latent rows");
  expect_error([] { (void)prior(LatentMode::episode, "state,latent,probability\nlow,a,1\n"); }, "Z.csv", 1,
               "a latent per episode takes the header 'latent,probability'");
  expect_error([] { (void)prior(LatentMode::step, "latent,probability\na,1\n"); }, "Z.csv", 1,
               "a latent per step takes the header 'state,latent,probability'");
}

TEST(LatentCsv, StepPriorIsPerStateWithAbsorbingStatesUniform) {
  // high leaves latent b out (probability 0); goal (absorbing) has no rows: uniform.
  const LatentPriorCsv p = prior(LatentMode::step, "state,latent,probability\nlow,a,0.5\nlow,b,0.5\nhigh,a,1\n");
  EXPECT_EQ(p.mode, LatentMode::step);
  EXPECT_EQ(p.labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.prior, (std::vector<double>{0.5, 0.5, 1, 0, 0.5, 0.5}));
}

TEST(LatentCsv, StepPriorErrorsNameTheStateAndLines) {
  expect_error([] { (void)prior(LatentMode::step, "state,latent,probability\nlow,a,1\n"); }, "Z.csv", 1,
               "no latent rows for state high");
  expect_error([] { (void)prior(LatentMode::step, "state,latent,probability\nlow,a,1\nhigh,a,0.5\nhigh,b,0.25\n"); },
               "Z.csv", 3, "p(latent | state high) sums to 0.75, not 1 (tolerance 1e-9): the rows at lines 3 and 4");
  expect_error([] { (void)prior(LatentMode::step, "state,latent,probability\nlow,a,1\nhigh,a,1\nlow,a,1\n"); },
               "Z.csv", 4, "duplicate row for state low, latent a: also at line 2");
  expect_error([] { (void)prior(LatentMode::step, "state,latent,probability\nmid,a,1\n"); }, "Z.csv", 2,
               "unknown state 'mid'", 1);
}

TEST(LatentCsv, WrittenSkillsReadBackToTheSameBits) {
  const Mdp mdp = small_mdp();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::vector<std::string> labels{"z0", "z1", "z2"};
  std::vector<double> skill(mdp.num_states * labels.size() * mdp.num_actions, 0.0);
  for (std::size_t z = 0; z < labels.size(); ++z) {
    // low: a random split (not a short decimal); high: go only; goal: its first action.
    const double stay = unit(rng);
    skill[(0 * 3 + z) * 2 + 0] = stay;
    skill[(0 * 3 + z) * 2 + 1] = 1.0 - stay;
    skill[(1 * 3 + z) * 2 + 1] = 1.0;
    skill[(2 * 3 + z) * 2 + 0] = 1.0;
  }
  std::ostringstream out;
  write_skills_csv(out, mdp, skill, labels);
  // Rows for available actions of the states where the episode goes on: low 2, high 1.
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 3 * 3);
  EXPECT_EQ(text.find("goal"), std::string::npos);
  EXPECT_EQ(text.find("high,z0,stay"), std::string::npos);
  std::istringstream in(text);
  const SkillsCsv back = read_skills_csv(mdp, CsvSource{"S.csv", &in});
  EXPECT_EQ(back.labels, labels);
  EXPECT_EQ(back.skill, skill);
}

TEST(LatentCsv, SkillsFileIsWrittenWholeOrNotAtAll) {
  const Mdp mdp = small_mdp();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "copi-latent-csv-missing-dir";
  std::filesystem::remove_all(dir);
  const std::vector<double> skill{0.5, 0.5, 0, 1, 1, 0};
  EXPECT_THROW(write_skills_csv((dir / "S.csv").string(), mdp, skill, {"z"}), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir / "S.csv"));
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "copi-latent-csv-written.csv";
  write_skills_csv(file.string(), mdp, skill, {"z"});
  EXPECT_EQ(read_skills_csv(mdp, file.string()).skill, skill);
  std::filesystem::remove(file);
}

TEST(LatentCsv, LatentModeWords) {
  EXPECT_EQ(parse_latent_mode("step"), LatentMode::step);
  EXPECT_EQ(parse_latent_mode("episode"), LatentMode::episode);
  EXPECT_EQ(to_string(LatentMode::step), "step");
  EXPECT_THROW((void)parse_latent_mode("trajectory"), InputError);
}

}  // namespace
}  // namespace copi::control
