// copi run / check / infer as a user meets them after the hardening of issue 10: a file
// with a graph and mdp blocks runs both, option values are checked against the
// library's table (the same words and messages in the language and on the command
// line), files given to the wrong command get a hint, empty models a summary,
// impossible evidence its place, and --plot draws what the run computed.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(slurp(path)); }

constexpr const char* kGraphAndMdp =
    "var x : {no, yes}\n"
    "p(x) = [0.25, 0.75]\n"
    "mdp chain {\n"
    "  state s : 0..2\n"
    "  action move : {stay, go}\n"
    "  next move == go : { s' = min(s + 1, 2) : 1 }\n"
    "  reward = if s == 2 then 1 else 0\n"
    "  discount 0.9\n"
    "}\n"
    "solve chain with map\n";

TEST(CliRun, AFileWithVariablesAndAnMdpRunsEveryQueryAndSolve) {
  TempDir dir;
  const std::string model = dir.write("both.copi", kGraphAndMdp).string();
  const CliRun run = run_copi("run " + model + " --json " + (dir / "r.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("mdp chain"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("0.750000"), std::string::npos) << run.out;
  const nlohmann::json doc = read_json(dir / "r.json");
  EXPECT_NEAR(doc["marginals"][0][1].get<double>(), 0.75, 1e-15);
  ASSERT_EQ(doc["mdp_solutions"].size(), 1u);
  // map, γ = 0.9: V(s=2) = 1 / (1 - 0.9) = 10.
  EXPECT_NEAR(doc["mdp_solutions"][0]["V"][0][2].get<double>(), 10.0, 1e-8);
  // Q of map: Q(s=1, go) = 0 + 0.9 * V(s=2) = 9, Q(s=1, stay) = 0.9 * V(s=1) = 8.1.
  EXPECT_NEAR(doc["mdp_solutions"][0]["Q"][0][1][1].get<double>(), 9.0, 1e-8);
  EXPECT_NEAR(doc["mdp_solutions"][0]["Q"][0][1][0].get<double>(), 8.1, 1e-8);
  // map solves by policy iteration (the default): V(s=2) = 10 up to rounding.
  EXPECT_NE(run.out.find("V(s=2) = 10"), std::string::npos) << run.out;
  const CliRun check = run_copi("check " + model);
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_NE(check.out.find("1 variables, 1 factors, 0 observations, 1 mdp blocks, 1 solves"), std::string::npos)
      << check.out;
}

TEST(CliRun, EmptyModelSaysThereIsNothingToCompute) {
  TempDir dir;
  const CliRun run = run_copi("run " + dir.write("empty.copi", "// nothing yet\n").string());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("nothing to compute: the model declares no variables and no mdp or lqr blocks"), std::string::npos)
      << run.out;
}

TEST(CliRun, WrongCommandForTheFileNamesTheRightOne) {
  const CliRun run = run_copi("run " + source_path("examples/models/asia.uai"));
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("use 'copi infer " + source_path("examples/models/asia.uai") + "'"), std::string::npos)
      << run.err;
  const CliRun infer = run_copi("infer " + source_path("examples/asia.copi"));
  EXPECT_EQ(infer.status, 2);
  EXPECT_NE(infer.err.find("use 'copi run " + source_path("examples/asia.copi") + "'"), std::string::npos) << infer.err;
}

TEST(CliRun, ImpossibleEvidenceNamesTheObservation) {
  TempDir dir;
  const std::string model = dir.write("zero.copi",
                                      "var a, b : {no, yes}\n"
                                      "p(a) = [0.5, 0.5]\n"
                                      "p(b | a) = { no: [1, 0], yes: [0, 1] }\n"
                                      "evidence a = yes, b = no\n")
                                .string();
  const CliRun run = run_copi("run " + model);
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find(model + ":4:19: error: the evidence has probability zero under the model: b = no is "
                                 "impossible given the evidence before it"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("                   ^"), std::string::npos) << run.err;  // caret under b
}

TEST(CliRun, BadThreadsIsRefusedWithTheRange) {
  const CliRun run = run_copi("run " + source_path("examples/asia.copi") + " --threads 0");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("--threads 0: must be an integer in [1, 4096]"), std::string::npos) << run.err;
}

TEST(CliRun, PlotOfAnExactRunDrawsTheQueriedMarginals) {
  TempDir dir;
  const CliRun run = run_copi("run " + source_path("examples/asia.copi") + " --plot " + (dir / "m.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string svg = slurp(dir / "m.svg");
  EXPECT_NE(svg.find("marginals (exact"), std::string::npos) << svg.substr(0, 400);
  EXPECT_NE(svg.find(">lung<"), std::string::npos);
  EXPECT_EQ(svg.find("no iterations"), std::string::npos);
}

TEST(CliRun, PlotOfALoopyRunDrawsItsTraceOnACanvasWideEnoughForTheTitle) {
  TempDir dir;
  const std::string model = dir.write("loop.copi",
                                      "var x[3][3] : {-1, 1}\n"
                                      "for i in 0..2, j in 0..2 {\n"
                                      "  if i < 2: factor 0.3 * x[i][j] * x[i+1][j]\n"
                                      "  if j < 2: factor 0.3 * x[i][j] * x[i][j+1]\n"
                                      "}\n"
                                      "infer bp(schedule = residual, damping = 0.2)\n")
                                .string();
  const CliRun run = run_copi("run " + model + " --plot " + (dir / "t.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string svg = slurp(dir / "t.svg");
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  // The title's estimated width fits the canvas.
  const auto title_begin = svg.find("font-size=\"14\">") + 15;
  const std::string title = svg.substr(title_begin, svg.find("</text>", title_begin) - title_begin);
  const double width = std::stod(svg.substr(svg.find("width=\"") + 7));
  EXPECT_GE(width, 0.62 * 14 * static_cast<double>(title.size())) << title;
}

TEST(CliConvert, CopiModelsTakeTheirEvidenceAlongForUaiAndFg) {
  // asia.copi observes smoke = yes, xray = yes: copi infer on the converted file with the
  // evidence written beside it gives copi run's log Z.
  TempDir dir;
  const CliRun run = run_copi("run " + source_path("examples/asia.copi") + " --json " + (dir / "run.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const double log_z = read_json(dir / "run.json")["log_z"].get<double>();
  for (const char* extension : {".uai", ".fg"}) {
    const std::string out = (dir / (std::string("asia") + extension)).string();
    const CliRun convert = run_copi("convert " + source_path("examples/asia.copi") + " " + out);
    ASSERT_EQ(convert.status, 0) << convert.err;
    EXPECT_NE(convert.out.find("wrote " + out + ".evid: the model's 2 observation(s)"), std::string::npos) << convert.out;
    const CliRun infer = run_copi("infer " + out + " --evid " + out + ".evid --task PR --json " +
                                  (dir / "infer.json").string());
    ASSERT_EQ(infer.status, 0) << infer.err;
    EXPECT_NEAR(read_json(dir / "infer.json")["log_z"].get<double>(), log_z, 1e-12) << extension;
    EXPECT_LT(log_z, -1.0);  // the evidence is not certain: log P(evidence) < 0
  }
}

// Every left-aligned text line of an SVG fits its canvas (0.62 em per character, the
// estimate the plots size themselves by; font size from the element or the root).
void expect_texts_fit(const std::string& svg) {
  const double width = std::stod(svg.substr(svg.find("width=\"") + 7));
  const double root_font = std::stod(svg.substr(svg.find("font-size=\"") + 11));
  for (std::size_t at = svg.find("<text x=\"10\""); at != std::string::npos; at = svg.find("<text x=\"10\"", at + 1)) {
    const std::size_t close = svg.find('>', at);
    const std::string tag = svg.substr(at, close - at);
    const double font = tag.find("font-size=\"") != std::string::npos
                            ? std::stod(tag.substr(tag.find("font-size=\"") + 11))
                            : root_font;
    const std::string text = svg.substr(close + 1, svg.find("</text>", close) - close - 1);
    EXPECT_GE(width, 10 + 0.62 * font * static_cast<double>(text.size())) << text;
  }
}

TEST(CliRun, MdpPlotsFitTheirTitles) {
  TempDir dir;
  const std::string model = dir.write("both.copi", kGraphAndMdp).string();
  const CliRun run = run_copi("run " + model + " --plot " + (dir / "p.svg").string());
  ASSERT_EQ(run.status, 0) << run.err;
  // A graph and a solve: the graph's plot is p.svg, the solve's p.chain.map.svg.
  expect_texts_fit(slurp(dir / "p.chain.map.svg"));
  expect_texts_fit(slurp(dir / "p.svg"));
}

// ---- copi infer: flags from the library's option table ------------------------------------

std::string asia() { return source_path("examples/models/asia.uai"); }

TEST(CliInferOptions, OutOfRangeValuesNameTheFlagAndTheRange) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--algo bp --damping 1.5", "--damping 1.5: must be a number in [0, 1)"},
      {"--algo bp --tol -1", "--tol -1: must be a number >= 0"},
      {"--algo bp --max-iter 0", "--max-iter 0: must be an integer >= 1"},
      {"--algo bp --schedule fastest", "--schedule fastest: must be one of auto, parallel, sequential, or residual"},
      {"--threads 0", "--threads 0: must be an integer in [1, 4096]"},
      {"--algo exact --memory-limit 12Q", "--memory-limit 12Q: must be a size such as 512M, 2G or 1048576 (bytes)"},
      {"--algo exact --damping 0.5", "--damping does not apply to exact (its options: --heuristic, --memory-limit)"},
      {"--algo exakt", "unknown algorithm 'exakt' (did you mean 'exact'?)"},
  };
  for (const auto& [flags, message] : cases) {
    const CliRun run = run_copi("infer " + asia() + " " + flags);
    EXPECT_EQ(run.status, 2) << flags;
    EXPECT_NE(run.err.find(message), std::string::npos) << flags << "\n" << run.err;
  }
}

TEST(CliInferOptions, AutoRunsAndSaysWhatItChose) {
  TempDir dir;
  const CliRun run = run_copi("infer " + asia() + " --algo auto --json " + (dir / "a.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("auto chose exact inference"), std::string::npos) << run.out;
  EXPECT_TRUE(read_json(dir / "a.json")["note"].get<std::string>().starts_with("auto chose exact inference"));
  EXPECT_EQ(read_json(dir / "a.json")["log_z_kind"], "exact");
}

TEST(CliInferOptions, HyphenAndUnderscoreSpellingsOfAChoiceAgree) {
  TempDir dir;
  const CliRun a = run_copi("infer " + asia() + " --heuristic min-fill --json " + (dir / "a.json").string());
  const CliRun b = run_copi("infer " + asia() + " --heuristic min_fill --json " + (dir / "b.json").string());
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(read_json(dir / "a.json")["log_z"], read_json(dir / "b.json")["log_z"]);
}

TEST(CliInferOptions, MeanFieldBoundsLogZFromBelowWithItsTrace) {
  TempDir dir;
  const std::string grid = data_path("libdai/small_ising4x4.fg");
  const CliRun exact = run_copi("infer " + grid + " --task PR --json " + (dir / "e.json").string());
  ASSERT_EQ(exact.status, 0) << exact.err;
  const CliRun mf = run_copi("infer " + grid + " --algo meanfield --init random --seed 3 --json " +
                             (dir / "m.json").string() + " --plot " + (dir / "m.svg").string());
  ASSERT_EQ(mf.status, 0) << mf.err;
  EXPECT_NE(mf.out.find("log Z >= "), std::string::npos) << mf.out;
  const nlohmann::json doc = read_json(dir / "m.json");
  EXPECT_EQ(doc["log_z_kind"], "lower_bound");
  EXPECT_LE(doc["log_z"].get<double>(), read_json(dir / "e.json")["log_z"].get<double>());
  const auto trace = doc["elbo_trace"].get<std::vector<double>>();
  ASSERT_FALSE(trace.empty());
  EXPECT_EQ(trace.back(), doc["log_z"].get<double>());
  EXPECT_NE(slurp(dir / "m.svg").find("bound on log Z per iteration"), std::string::npos);
}

TEST(CliInferOptions, StructuredTakesAClusterFile) {
  TempDir dir;
  const std::string grid = data_path("libdai/small_ising4x4.fg");
  // Two clusters of eight: rows 0-1 and rows 2-3 (the 4x4 grid's labels are row-major).
  const std::string clusters = dir.write("c.txt", "# two halves\n0 1 2 3 4 5 6 7\n8 9 10 11 12 13 14 15\n").string();
  const CliRun run = run_copi("infer " + grid + " --algo structured --clusters " + clusters + " --json " +
                              (dir / "s.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("structured mean field (2 clusters"), std::string::npos) << run.out;
  const CliRun bad = run_copi("infer " + grid + " --algo structured --clusters " +
                              dir.write("bad.txt", "0 1\n1 2\n").string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad.txt:2:1: error: variable 1 is already in the cluster of line 1"), std::string::npos)
      << bad.err;
  const CliRun wrong = run_copi("infer " + grid + " --algo bp --clusters " + clusters);
  EXPECT_EQ(wrong.status, 2);
  EXPECT_NE(wrong.err.find("--clusters applies to --algo structured only"), std::string::npos) << wrong.err;
}

TEST(CliInferOptions, HelpListsEveryAlgorithmAndOptionFromTheTable) {
  const CliRun help = run_copi("infer --help");
  EXPECT_EQ(help.status, 0);
  for (const char* word : {"--damping", "--max-iter", "--time-limit", "--heuristic", "--memory-limit", "--max-states",
                           "--schedule", "--tol", "enumerate:", "auto:", "[0, 1)"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word << "\n" << help.out;
  }
}

}  // namespace
}  // namespace copi::testing
