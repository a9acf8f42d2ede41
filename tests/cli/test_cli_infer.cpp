// End-to-end: `copi infer` on shipped problems, answers checked against references
// computed outside copi (the bif/uai `.ref.json` / `.computed` files).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/solution_file.hpp"

namespace copi::testing {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(slurp(path)); }

// Unnormalised log probability of an assignment, straight from the file's tables.
double log_value_from_tables(const ModelTables& tables, const std::vector<std::size_t>& assignment) {
  double total = 0.0;
  for (const TableFactor& factor : tables.factors) {
    std::size_t index = 0;
    std::size_t stride = 1;
    for (const std::size_t v : factor.scope) {  // copi convention: first fastest
      index += stride * assignment[v];
      stride *= tables.cardinalities[v];
    }
    total += std::log(factor.values[index]);
  }
  return total;
}

TEST(CliInfer, AsiaPosteriorMatchesPublishedReference) {
  TempDir dir;
  const CliRun ok = run_copi("infer " + source_path("examples/models/asia.uai") + " --evid " +
                             source_path("examples/models/asia.evid") + " --task MAR --json " +
                             (dir / "r.json").string());
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("0.645991"), std::string::npos) << ok.out;
  const nlohmann::json result = read_json(dir / "r.json");
  const nlohmann::json ref = read_json(data_path("bif/asia.ref.json"));
  const nlohmann::json& query = ref["queries"][0];  // smoke=yes, xray=yes
  ASSERT_EQ(query["evidence"]["smoke"], "yes");
  ASSERT_EQ(query["evidence"]["xray"], "yes");
  EXPECT_EQ(result["task"], "MAR");
  EXPECT_NEAR(result["log10_z"].get<double>(), query["log10_p_evidence"].get<double>(), 1e-10);
  EXPECT_NEAR(result["log_z"].get<double>(), query["log10_p_evidence"].get<double>() * std::log(10.0), 1e-10);
  EXPECT_TRUE(result["converged"].get<bool>());
  for (const auto& [name, index] : ref["uai_index"].items()) {
    const auto& states = ref["states"][name];
    for (std::size_t s = 0; s < states.size(); ++s) {
      EXPECT_NEAR(result["marginals"][index.get<std::size_t>()][s].get<double>(),
                  query["marginals"][name][states[s].get<std::string>()].get<double>(), 1e-12)
          << name;
    }
  }
}

TEST(CliInfer, PartitionFunctionWithEvidenceMatchesComputedReference) {
  TempDir dir;
  const std::string model = data_path("uai/Promedus_24.uai");
  const CliRun run = run_copi("infer " + model + " --evid " + model + ".evid --task PR --out " +
                              (dir / "out.PR").string() + " --json " + (dir / "r.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const double reference = read_pr_file(model + ".PR.computed");
  EXPECT_NEAR(read_pr_file(dir / "out.PR"), reference, 1e-10);
  EXPECT_NEAR(read_json(dir / "r.json")["log10_z"].get<double>(), reference, 1e-10);
  // The 2010 multi-sample evidence layout gives the same answer.
  const CliRun old = run_copi("infer " + model + " --evid " + model + ".evid2010 --task PR --out " +
                              (dir / "old.PR").string());
  ASSERT_EQ(old.status, 0) << old.err;
  EXPECT_NEAR(read_pr_file(dir / "old.PR"), reference, 1e-10);
}

TEST(CliInfer, MpeReachesTheComputedOptimum) {
  TempDir dir;
  const std::string model = data_path("uai/Promedus_24.uai");
  const CliRun run = run_copi("infer " + model + " --evid " + model + ".evid --task MPE --out " +
                              (dir / "out.MPE").string() + " --json " + (dir / "r.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const ModelTables tables = read_model_file(model);
  const std::vector<std::size_t> ours = read_mpe_file(dir / "out.MPE");
  const std::vector<std::size_t> reference = read_mpe_file(model + ".MPE.computed");
  ASSERT_EQ(ours.size(), tables.cardinalities.size());
  EXPECT_NEAR(log_value_from_tables(tables, ours), log_value_from_tables(tables, reference), 1e-9);
  EXPECT_EQ(read_json(dir / "r.json")["map"].get<std::vector<std::size_t>>(), ours);
}

TEST(CliInfer, MarginalsFileMatchesComputedReference) {
  TempDir dir;
  const std::string model = data_path("uai/Promedus_26.uai");
  const CliRun run = run_copi("infer " + model + " --evid " + model + ".evid --out " + (dir / "out.MAR").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const auto ours = read_mar_file(dir / "out.MAR");
  const auto reference = read_mar_file(model + ".MAR.computed");
  ASSERT_EQ(ours.size(), reference.size());
  for (std::size_t v = 0; v < ours.size(); ++v) {
    ASSERT_EQ(ours[v].size(), reference[v].size());
    for (std::size_t s = 0; s < ours[v].size(); ++s) EXPECT_NEAR(ours[v][s], reference[v][s], 1e-9);
  }
}

TEST(CliInfer, EnumerateAgreesWithExactOnALibdaiModel) {
  TempDir dir;
  const std::string model = data_path("libdai/small_loopy.fg");
  ASSERT_EQ(run_copi("infer " + model + " --algo enumerate --json " + (dir / "e.json").string()).status, 0);
  ASSERT_EQ(run_copi("infer " + model + " --algo exact --json " + (dir / "x.json").string()).status, 0);
  const nlohmann::json e = read_json(dir / "e.json");
  const nlohmann::json x = read_json(dir / "x.json");
  EXPECT_EQ(e["algorithm"], "enumerate");
  EXPECT_NEAR(e["log_z"].get<double>(), x["log_z"].get<double>(), 1e-9);
  // And both agree with libDAI's exact reference (first line: logZ).
  std::istringstream ref(slurp(data_path("libdai/small_loopy.exact.ref")));
  std::string word;
  double log_z = 0;
  ref >> word >> log_z;
  EXPECT_NEAR(x["log_z"].get<double>(), log_z, 1e-9);
}

}  // namespace
}  // namespace copi::testing
