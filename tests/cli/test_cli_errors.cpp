// End-to-end: bad input, refused resources and the command-line surface. Each case
// pins the exit status (2 bad input, 3 refused), the message and its position, and
// that no output file is left behind.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "copi/graph/io/model_file.hpp"

namespace copi::testing {
namespace {

constexpr int kBadInput = 2;
constexpr int kRefused = 3;

TEST(CliSurface, VersionAndHelp) {
  const CliRun version = run_copi("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(version.out.starts_with("copi 0.1.0\ncontrol backups: gather, exp and log dispatched to ")) << version.out;
  // The portable build still runs the widest vectors this CPU has (asked of the CPU
  // here, not of copi).
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const std::string expected = avx512 ? " AVX3" : avx2 ? " AVX2" : " ";
  EXPECT_NE(version.out.find("dispatched to" + expected), std::string::npos) << version.out;
  const CliRun help = run_copi("help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("infer"), std::string::npos);
  EXPECT_NE(help.out.find("convert"), std::string::npos);
  EXPECT_EQ(run_copi("--help").status, 0);
  const CliRun infer_help = run_copi("infer --help");
  EXPECT_EQ(infer_help.status, 0);
  EXPECT_NE(infer_help.out.find("--task"), std::string::npos);
  EXPECT_NE(infer_help.out.find("--memory-limit"), std::string::npos);
  const CliRun convert_help = run_copi("convert --help");
  EXPECT_EQ(convert_help.status, 0);
  EXPECT_NE(convert_help.out.find("output"), std::string::npos) << convert_help.out;
}

TEST(CliSurface, UnknownFlagIsBadInput) {
  const CliRun run = run_copi("infer " + data_path("libdai/small_tree.fg") + " --frobnicate 3");
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("--frobnicate"), std::string::npos) << run.err;
}

TEST(CliSurface, MissingSubcommandAndUnknownTaskAreBadInput) {
  EXPECT_EQ(run_copi("").status, kBadInput);
  EXPECT_EQ(run_copi("frobnicate").status, kBadInput);
  const CliRun task = run_copi("infer " + data_path("libdai/small_tree.fg") + " --task MARGINAL");
  EXPECT_EQ(task.status, kBadInput);
  EXPECT_NE(task.err.find("--task"), std::string::npos) << task.err;
}

TEST(CliErrors, MalformedModelNamesFileLineColumnWithCaret) {
  TempDir dir;
  const auto model = dir.write("broken.uai", "MARKOV\n2\n2 2\n1\n2 0 1\n4\n 0.5 0.25 abc 1\n");
  const auto out = dir / "out.MAR";
  const CliRun run = run_copi("infer " + model.string() + " --out " + out.string());
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_EQ(run.err.rfind(model.string() + ":7:11: error: ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find("abc"), std::string::npos);
  EXPECT_NE(run.err.find("   0.5 0.25 abc 1\n            ^\n"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliErrors, UnreadableModelPathIsNamed) {
  const CliRun run = run_copi("infer /nonexistent/model.uai");
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("/nonexistent/model.uai"), std::string::npos) << run.err;
}

TEST(CliErrors, EvidenceOutOfRangeIsBadInput) {
  TempDir dir;
  const auto evidence = dir.write("e.evid", "1 0 7\n");
  const CliRun run = run_copi("infer " + source_path("examples/models/asia.uai") + " --evid " + evidence.string());
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find(evidence.string() + ":1:"), std::string::npos) << run.err;
}

TEST(CliErrors, ImpossibleEvidenceIsBadInputAndWritesNothing) {
  TempDir dir;
  // p(b | a) is a hard zero for (a=0, b=1); observing both is impossible.
  const auto model = dir.write("m.uai", "BAYES\n2\n2 2\n2\n1 0\n2 0 1\n2 0.5 0.5\n4 1 0 0.5 0.5\n");
  const auto evidence = dir.write("e.evid", "2 0 0 1 1\n");
  const auto json = dir / "r.json";
  const CliRun run = run_copi("infer " + model.string() + " --evid " + evidence.string() + " --json " + json.string());
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("probability zero"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(json));
}

TEST(CliErrors, MemoryLimitRefusesWithStatusThreeAndKeepsOldOutput) {
  TempDir dir;
  const auto out = dir.write("old.MAR", "previous contents\n");
  const CliRun run = run_copi("infer " + data_path("uai/Grids_11.uai") + " --memory-limit 64K --out " + out.string());
  EXPECT_EQ(run.status, kRefused);
  EXPECT_NE(run.err.find("memory limit"), std::string::npos) << run.err;
  EXPECT_EQ(slurp(out), "previous contents\n");
}

TEST(CliErrors, EnumerationPastTheLimitIsRefused) {
  const CliRun run = run_copi("infer " + data_path("uai/Grids_11.uai") + " --algo enumerate");
  EXPECT_EQ(run.status, kRefused);
  EXPECT_NE(run.err.find("enumeration refused"), std::string::npos) << run.err;
}

TEST(CliErrors, BadMemoryLimitTextIsBadInput) {
  const CliRun run = run_copi("infer " + data_path("libdai/small_tree.fg") + " --memory-limit lots");
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("--memory-limit"), std::string::npos) << run.err;
}

TEST(CliErrors, UnwritableOutputIsBadInput) {
  const CliRun run = run_copi("infer " + data_path("libdai/small_tree.fg") + " --out /nonexistent/dir/x.MAR");
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("/nonexistent/dir/x.MAR"), std::string::npos) << run.err;
}

TEST(CliConvert, UaiToFgAndBackReproducesEveryTable) {
  TempDir dir;
  for (const std::string name : {"uai/Promedus_24.uai", "uai/ObjectDetection_34.uai", "bif/child.uai"}) {
    const auto fg = dir / "m.fg";
    const auto back = dir / "back.uai";
    ASSERT_EQ(run_copi("convert " + data_path(name) + " " + fg.string()).status, 0) << name;
    ASSERT_EQ(run_copi("convert " + fg.string() + " " + back.string()).status, 0) << name;
    const ModelTables original = read_model_file(data_path(name));
    ModelTables round_trip = read_model_file(back);
    ASSERT_EQ(original.factors.size(), round_trip.factors.size());
    for (std::size_t f = 0; f < original.factors.size(); ++f) {
      EXPECT_EQ(original.factors[f].scope, round_trip.factors[f].scope) << name << " factor " << f;
      EXPECT_EQ(original.factors[f].values, round_trip.factors[f].values) << name << " factor " << f;
    }
    EXPECT_EQ(original.cardinalities, round_trip.cardinalities);
  }
}

TEST(CliConvert, UnknownOutputFormatIsBadInput) {
  TempDir dir;
  const CliRun run = run_copi("convert " + data_path("libdai/small_tree.fg") + " " + (dir / "x.xyz").string());
  EXPECT_EQ(run.status, kBadInput);
  EXPECT_NE(run.err.find("x.xyz"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.xyz"));
}

}  // namespace
}  // namespace copi::testing
