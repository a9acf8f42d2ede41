// cluster statements: rows by sub-array references, columns by keys, partitions checked;
// `infer structured` runs with them (one cluster holding everything is exact).
#include <gtest/gtest.h>

#include "copi/dsl/model.hpp"
#include "copi/dsl/run_model.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

std::vector<std::vector<std::string>> names_of(const dsl::CompiledModel& model) {
  std::vector<std::vector<std::string>> out;
  for (const std::vector<VarId>& cluster : model.clusters) {
    out.emplace_back();
    for (const VarId v : cluster) out.back().push_back(model.graph.variable(v).name);
  }
  return out;
}

TEST(DslClusters, RowsBySubArraysAndColumnsByKeys) {
  const dsl::CompiledModel rows = compile_ok("var x[2][3] : bool\nfor i in 0..1: cluster x[i]\n");
  EXPECT_EQ(names_of(rows), (std::vector<std::vector<std::string>>{{"x[0][0]", "x[0][1]", "x[0][2]"},
                                                                   {"x[1][0]", "x[1][1]", "x[1][2]"}}));
  const dsl::CompiledModel columns = compile_ok("var x[2][3] : bool\nfor i in 0..1, j in 0..2: cluster[j] x[i][j]\n");
  EXPECT_EQ(names_of(columns), (std::vector<std::vector<std::string>>{
                                   {"x[0][0]", "x[1][0]"}, {"x[0][1]", "x[1][1]"}, {"x[0][2]", "x[1][2]"}}));
  const dsl::CompiledModel listed = compile_ok("var a, b, c : bool\ncluster c, a\ninfer structured\n");
  EXPECT_EQ(names_of(listed), (std::vector<std::vector<std::string>>{{"c", "a"}}));
  EXPECT_EQ(listed.algorithm.clusters(), listed.clusters);
}

TEST(DslClusters, AVariableInTwoClustersIsAnErrorAtTheSecond) {
  const dsl::CompileResult result = dsl::compile_text("var a, b : bool\ncluster a, b\ncluster b\n", "model.copi");
  ASSERT_EQ(result.diagnostics.size(), 1u) << format_diagnostics(result.diagnostics);
  EXPECT_EQ(result.diagnostics[0].line, 3u);
  EXPECT_EQ(result.diagnostics[0].col, 9u);
  EXPECT_EQ(result.diagnostics[0].message, "'b' is already in cluster 1; clusters partition the variables");
  const dsl::CompileResult range = dsl::compile_text("var x[2][2] : bool\ncluster x[5]\n", "model.copi");
  ASSERT_EQ(range.diagnostics.size(), 1u);
  EXPECT_EQ(range.diagnostics[0].message, "index 5 out of range for 'x' (dimension 1 has size 2)");
}

TEST(DslClusters, StructuredWithOneClusterIsExact) {
  const dsl::CompiledModel model = compile_ok(
      "var x[3][3] : {-1, +1}\n"
      "for i in 0..2, j in 0..2 {\n"
      "  factor 0.2 * x[i][j]\n"
      "  if j < 2: factor 0.4 * x[i][j] * x[i][j+1]\n"
      "  if i < 2: factor -0.3 * x[i][j] * x[i+1][j]\n"
      "}\n"
      "cluster x\n"
      "query logZ\n"
      "infer structured\n");
  const dsl::ModelAnswers answers = dsl::run_model(model);
  const InferenceResult exact = exact_answer(model);
  EXPECT_EQ(answers.graph->marginals->log_z_kind, LogZKind::lower_bound);
  EXPECT_NEAR(*answers.graph->marginals->log_z, *exact.log_z, 1e-9);
}

}  // namespace
}  // namespace copi::test
