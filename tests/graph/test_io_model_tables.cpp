// ModelTables <-> FactorGraph, validation, format dispatch by extension, and the
// path-based model file entry points.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

ModelTables small_model() {
  ModelTables tables;
  tables.cardinalities = {2, 3};
  tables.factors = {TableFactor{{1, 0}, {0.5, 0, 2, 1, 4, 8}}, TableFactor{{}, {3}}};
  return tables;
}

void expect_validation_error(const ModelTables& tables, const std::string& fragment) {
  try {
    validate_model_tables(tables);
    ADD_FAILURE() << "no InputError, expected: " << fragment;
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find(fragment), std::string::npos) << error.detail();
  }
}

TEST(ModelTables, ToFactorGraphTakesLogsAndDefaultNames) {
  const FactorGraph graph = to_factor_graph(small_model());
  ASSERT_EQ(graph.num_variables(), 2U);
  EXPECT_EQ(graph.variable(VarId{0}).name, "x0");
  EXPECT_EQ(graph.variable(VarId{1}).name, "x1");
  EXPECT_EQ(graph.cardinality(VarId{1}), 3U);
  const DiscreteFactor& factor = graph.table(FactorId{0});
  EXPECT_EQ(factor.scope(), (std::vector<VarId>{VarId{1}, VarId{0}}));
  EXPECT_EQ(factor.cardinalities(), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(factor.log_values()[0], std::log(0.5));
  EXPECT_EQ(factor.log_values()[1], -INFINITY);
  EXPECT_EQ(graph.table(FactorId{1}).log_values(), (std::vector<double>{std::log(3.0)}));
}

TEST(ModelTables, ToFactorGraphUsesNames) {
  ModelTables tables = small_model();
  tables.names = {"rain", "7"};
  const FactorGraph graph = to_factor_graph(tables);
  EXPECT_EQ(graph.find_variable("rain"), VarId{0});
  EXPECT_EQ(graph.find_variable("7"), VarId{1});
}

TEST(ModelTables, BackFromFactorGraph) {
  const ModelTables tables = small_model();
  const ModelTables back = to_model_tables(to_factor_graph(tables));
  EXPECT_EQ(back.names, (std::vector<std::string>{"x0", "x1"}));
  EXPECT_EQ(back.cardinalities, tables.cardinalities);
  ASSERT_EQ(back.factors.size(), 2U);
  for (std::size_t f = 0; f < 2; ++f) {
    EXPECT_EQ(back.factors[f].scope, tables.factors[f].scope);
    ASSERT_EQ(back.factors[f].values.size(), tables.factors[f].values.size());
    for (std::size_t i = 0; i < back.factors[f].values.size(); ++i) {
      EXPECT_NEAR(back.factors[f].values[i], tables.factors[f].values[i], 1e-15 * tables.factors[f].values[i]);
    }
  }
  EXPECT_EQ(back.factors[0].values[1], 0.0);  // exp(-inf) is exactly 0
}

TEST(ModelTables, ValidationNamesTheProblem) {
  ModelTables tables = small_model();
  tables.factors[0].scope = {1, 1};
  expect_validation_error(tables, "variable 1 appears twice in the scope of factor 0");
  tables = small_model();
  tables.factors[0].scope = {0, 5};
  expect_validation_error(tables, "factor 0: scope variable 5 out of range (the model has 2 variables)");
  tables = small_model();
  tables.factors[0].values.pop_back();
  expect_validation_error(tables, "table of factor 0 has 5 entries, expected 6");
  tables = small_model();
  tables.factors[1].values = {-1};
  expect_validation_error(tables, "table of factor 1 has the entry -1");
  tables = small_model();
  tables.names = {"only one"};
  expect_validation_error(tables, "the model has 2 variables but 1 names");
  tables = small_model();
  tables.cardinalities[0] = 0;
  expect_validation_error(tables, "variable 0 has cardinality 0");
}

TEST(ModelFile, FormatFromExtension) {
  EXPECT_EQ(model_format_of("a/b/model.uai"), ModelFormat::uai);
  EXPECT_EQ(model_format_of("model.UAI"), ModelFormat::uai);
  EXPECT_EQ(model_format_of("model.fg"), ModelFormat::fg);
  try {
    model_format_of("model.uai.evid");
    FAIL() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find("extension '.evid'"), std::string::npos) << error.detail();
    EXPECT_NE(error.detail().find("expected .uai or .fg"), std::string::npos) << error.detail();
  }
  EXPECT_THROW(model_format_of("model"), InputError);
}

TEST(ModelFile, UnreadablePathNamesThePath) {
  const test::TempDir dir;
  for (const std::filesystem::path& path : {dir.path() / "missing.uai", dir.path() / "missing.fg"}) {
    try {
      read_model_file(path);
      FAIL() << "no InputError for " << path;
    } catch (const InputError& error) {
      EXPECT_NE(error.detail().find("cannot open '" + path.string() + "'"), std::string::npos) << error.detail();
      EXPECT_EQ(error.where().file, path.string());
    }
  }
  std::filesystem::create_directory(dir.path() / "folder.uai");
  EXPECT_THROW(read_model_file(dir.path() / "folder.uai"), InputError);
}

TEST(ModelFile, ErrorsCarryThePathAsFileName) {
  const test::TempDir dir;
  const std::filesystem::path path = dir.path() / "broken.uai";
  std::ofstream(path) << "MARKOV\n1\n2\n1\n1 0\n2\n0.5 x\n";
  try {
    read_model_file(path);
    FAIL() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(error.where().file, path.string());
    EXPECT_EQ(error.where().line, 7U);
    EXPECT_EQ(error.where().col, 5U);
  }
}

TEST(ModelFile, WriteThenReadBothFormats) {
  const test::TempDir dir;
  ModelTables tables = small_model();
  write_model_file(dir.path() / "m.uai", tables);
  EXPECT_EQ(read_model_file(dir.path() / "m.uai"), tables);
  write_model_file(dir.path() / "m.fg", tables);
  tables.names = {"0", "1"};
  EXPECT_EQ(read_model_file(dir.path() / "m.fg"), tables);
  EXPECT_EQ(dir.entry_count(), 2U);  // no temporary files left behind
}

TEST(ModelFile, InvalidTablesCreateNoFile) {
  const test::TempDir dir;
  ModelTables tables = small_model();
  tables.factors[0].values.pop_back();
  EXPECT_THROW(write_model_file(dir.path() / "bad.uai", tables), InputError);
  EXPECT_EQ(dir.entry_count(), 0U);
}

}  // namespace
}  // namespace copi
