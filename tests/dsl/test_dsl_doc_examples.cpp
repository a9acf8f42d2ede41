// Every ```copi block of docs/language.md, read at run time, must compile to a
// non-empty factor graph (```copi-file NAME blocks are written beside them first,
// since examples read them). Where the page states or implies an answer, exact
// inference on the lowered model is checked against a hand computation written here.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/inference/exact.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

constexpr double kTolerance = 1e-9;

struct DocBlock {
  std::string text;
  std::size_t first_line = 0;  // of the block's contents in language.md, 1-based
};

struct DocPage {
  std::vector<DocBlock> models;                                // ```copi
  std::vector<std::pair<std::string, std::string>> side_files;  // ```copi-file NAME
  bool fences_balanced = true;
};

std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

DocPage read_language_page() {
  std::ifstream in(COPI_SOURCE_DIR "/docs/language.md");
  EXPECT_TRUE(in.good()) << "cannot open " << COPI_SOURCE_DIR "/docs/language.md";
  DocPage page;
  enum class Inside { prose, model, side_file, other_code } inside = Inside::prose;
  std::string line;
  std::string body;
  std::string side_name;
  std::size_t line_number = 0;
  std::size_t body_start = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string fence = trim_right(line);
    if (inside == Inside::prose) {
      if (fence == "```copi") {
        inside = Inside::model;
      } else if (fence.rfind("```copi-file ", 0) == 0) {
        inside = Inside::side_file;
        side_name = fence.substr(std::string("```copi-file ").size());
      } else if (fence.rfind("```", 0) == 0) {
        inside = Inside::other_code;
      }
      body.clear();
      body_start = line_number + 1;
      continue;
    }
    if (fence == "```") {
      if (inside == Inside::model) page.models.push_back({body, body_start});
      if (inside == Inside::side_file) page.side_files.emplace_back(side_name, body);
      inside = Inside::prose;
      continue;
    }
    body += line + "\n";
  }
  page.fences_balanced = inside == Inside::prose;
  return page;
}

// The page's examples, with their side files written to a temporary folder.
class DslDocExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    page_ = read_language_page();
    ASSERT_TRUE(page_.fences_balanced) << "an unclosed ``` fence in docs/language.md";
    for (const auto& [name, text] : page_.side_files) dir_.write(name, text);
  }

  // The one example containing `marker`, compiled.
  dsl::CompiledModel example_with(const std::string& marker) {
    const DocBlock* found = nullptr;
    std::size_t count = 0;
    std::size_t index = 0;
    for (std::size_t i = 0; i < page_.models.size(); ++i) {
      if (page_.models[i].text.find(marker) != std::string::npos) {
        found = &page_.models[i];
        index = i;
        ++count;
      }
    }
    EXPECT_EQ(count, 1u) << "examples containing '" << marker << "'";
    if (found == nullptr) return {};
    dsl::CompileResult result =
        dsl::compile_text(found->text, "example" + std::to_string(index) + ".copi", dir_.path());
    EXPECT_TRUE(result.diagnostics.empty()) << format_diagnostics(result.diagnostics);
    if (!result.model) return {};
    return std::move(*result.model);
  }

  DocPage page_;
  DslTempDir dir_;
};

TEST_F(DslDocExamples, EveryCopiBlockCompilesToANonEmptyModel) {
  // The page has nine examples today; more are welcome, fewer means the reader broke.
  ASSERT_GE(page_.models.size(), 9u);
  EXPECT_GE(page_.side_files.size(), 1u);
  for (std::size_t i = 0; i < page_.models.size(); ++i) {
    const DocBlock& block = page_.models[i];
    SCOPED_TRACE("docs/language.md example starting at line " + std::to_string(block.first_line) + ":\n" +
                 block.text);
    const dsl::CompileResult result =
        dsl::compile_text(block.text, "example" + std::to_string(i) + ".copi", dir_.path());
    EXPECT_TRUE(result.diagnostics.empty()) << format_diagnostics(result.diagnostics);
    ASSERT_TRUE(result.model.has_value());
    // A factor graph, an MDP or an LQR to solve.
    if (!result.model->lqrs.empty()) {
      EXPECT_FALSE(result.model->lqr_solves.empty());
    } else if (result.model->mdps.empty()) {
      EXPECT_GT(result.model->graph.num_variables(), 0u);
      EXPECT_GT(result.model->graph.num_factors(), 0u);
    } else {
      EXPECT_FALSE(result.model->solves.empty() && result.model->learns.empty());  // solve or learn reward
      for (const dsl::NamedMdp& mdp : result.model->mdps) EXPECT_GT(mdp.mdp.num_states, 0u);
    }
  }
}

// param N = 4, J = 0.5 * 2, h = -0.1; scale = e (N > 3); a chain of four +-1 spins
// with fields h and couplings J / scale: all 16 states summed here.
TEST_F(DslDocExamples, ParameterChainMatchesSummation) {
  const dsl::CompiledModel model = example_with("param scale = if N > 3 then exp(1) else 1");
  ASSERT_EQ(model.graph.num_variables(), 4u);
  const double h = -0.1;
  const double coupling = 1.0 / std::exp(1.0);
  double z = 0.0;
  std::vector<double> plus(4, 0.0);
  for (int bits = 0; bits < 16; ++bits) {
    double spin[4];
    for (int i = 0; i < 4; ++i) spin[i] = ((bits >> i) & 1) != 0 ? 1.0 : -1.0;
    double log_weight = 0.0;
    for (int i = 0; i < 4; ++i) log_weight += h * spin[i];
    for (int i = 0; i < 3; ++i) log_weight += coupling * spin[i] * spin[i + 1];
    const double weight = std::exp(log_weight);
    z += weight;
    for (int i = 0; i < 4; ++i) {
      if (spin[i] > 0) plus[static_cast<std::size_t>(i)] += weight;
    }
  }
  const InferenceResult result = exact_answer(model);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(z), kTolerance);
  for (int i = 0; i < 4; ++i) {
    const std::string name = "x[" + std::to_string(i) + "]";
    EXPECT_EQ(model.graph.variable(var_id(model, name)).labels, (std::vector<std::string>{"-1", "1"}));
    EXPECT_NEAR(marginal_of(result, model, name)[1], plus[static_cast<std::size_t>(i)] / z, kTolerance) << name;
  }
}

// Only `factor 0.1 * level + alarm` links anything: level ~ e^{0.1 l}, alarm ~ e^{a},
// smoke, cancer and the nine spins are free (a factor 2 each in Z).
TEST_F(DslDocExamples, DomainsExampleMatchesDirectSummation) {
  const dsl::CompiledModel model = example_with("var level : 0..9");
  ASSERT_EQ(model.graph.num_variables(), 2u + 9u + 1u + 1u);
  EXPECT_EQ(model.graph.cardinality(var_id(model, "level")), 10u);
  EXPECT_EQ(model.graph.variable(var_id(model, "alarm")).labels, (std::vector<std::string>{"false", "true"}));
  EXPECT_EQ(model.graph.variable(var_id(model, "smoke")).labels, (std::vector<std::string>{"yes", "no"}));
  EXPECT_EQ(model.graph.cardinality(var_id(model, "spin[2][1]")), 2u);
  double level_sum = 0.0;
  for (int l = 0; l <= 9; ++l) level_sum += std::exp(0.1 * l);
  const double alarm_sum = 1.0 + std::exp(1.0);
  const InferenceResult result = exact_answer(model);
  ASSERT_TRUE(result.log_z.has_value());
  EXPECT_NEAR(*result.log_z, std::log(2.0 * 2.0 * 512.0 * level_sum * alarm_sum), kTolerance);
  const std::vector<double>& level = marginal_of(result, model, "level");
  ASSERT_EQ(level.size(), 10u);
  for (std::size_t l = 0; l < 10; ++l) {
    EXPECT_NEAR(level[l], std::exp(0.1 * static_cast<double>(l)) / level_sum, kTolerance) << "level " << l;
  }
  EXPECT_NEAR(marginal_of(result, model, "alarm")[1], std::exp(1.0) / alarm_sum, kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "cancer")[0], 0.5, kTolerance);
}

// factor 0.8ab - 0.2a and factor (a == b ? 0 : log 0.5) over a, b in {-1, +1}.
TEST_F(DslDocExamples, LogPotentialExampleMatchesFourStates) {
  const dsl::CompiledModel model = example_with("factor 0.8 * a * b - 0.2 * a");
  double z = 0.0;
  double a_plus = 0.0;
  double b_plus = 0.0;
  for (const double a : {-1.0, 1.0}) {
    for (const double b : {-1.0, 1.0}) {
      const double weight = std::exp(0.8 * a * b - 0.2 * a) * (a == b ? 1.0 : 0.5);
      z += weight;
      if (a > 0) a_plus += weight;
      if (b > 0) b_plus += weight;
    }
  }
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, std::log(z), kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "a")[1], a_plus / z, kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "b")[1], b_plus / z, kTolerance);
}

// The sprinkler network: P(wet = yes) = sum over rain, sprinkler of the CPT products.
TEST_F(DslDocExamples, SprinklerMarginalsMatchHandComputation) {
  const dsl::CompiledModel model = example_with("p(wet | sprinkler, rain)");
  const double p_rain[2] = {0.8, 0.2};
  const double p_sprinkler[2][2] = {{0.6, 0.4}, {0.99, 0.01}};          // [rain][sprinkler]
  const double p_wet_yes[2][2] = {{0.0, 0.8}, {0.9, 0.99}};             // [sprinkler][rain]
  double wet = 0.0;
  double sprinkler = 0.0;
  for (int r = 0; r < 2; ++r) {
    for (int s = 0; s < 2; ++s) {
      const double joint = p_rain[r] * p_sprinkler[r][s];
      if (s == 1) sprinkler += joint;
      wet += joint * p_wet_yes[s][r];
    }
  }
  EXPECT_NEAR(wet, 0.44838, 1e-12);  // the sum written out once, as a check on the loop
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, 0.0, kTolerance);  // a Bayesian network without evidence
  EXPECT_NEAR(marginal_of(result, model, "rain")[1], 0.2, kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "sprinkler")[1], sprinkler, kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "wet")[1], wet, kTolerance);
}

// p(y | x) = 0.8 on the diagonal, 0.1 off it: P(y = k) = 0.1 + 0.7 P(x = k).
TEST_F(DslDocExamples, ExpressionConditionalMatchesClosedForm) {
  const dsl::CompiledModel model = example_with("p(y | x) = if y == x then 0.8 else 0.1");
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, 0.0, kTolerance);
  const std::vector<double>& y = marginal_of(result, model, "y");
  ASSERT_EQ(y.size(), 3u);
  EXPECT_NEAR(y[0], 0.24, kTolerance);
  EXPECT_NEAR(y[1], 0.31, kTolerance);
  EXPECT_NEAR(y[2], 0.45, kTolerance);
}

// Labels in a p() expression: P(umbrella = yes) = 0.7 * 0.2 + 0.3 * 0.9 = 0.41 and
// P(rain | yes) = 0.27 / 0.41.
TEST_F(DslDocExamples, LabelsInExpressionsMatchBayesRule) {
  const dsl::CompiledModel model = example_with("if weather == rain then");
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, std::log(0.41), kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "weather")[1], 0.27 / 0.41, kTolerance);
}

// table(a, b) = [[1, 2], [3, 4]], a outermost: Z = 10, P(b = on) = 6/10, P(a = on) = 7/10.
TEST_F(DslDocExamples, PotentialTableGivesLogTenAndSixTenths) {
  const dsl::CompiledModel model = example_with("table(a, b) = [[1, 2],");
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, std::log(10.0), kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "b")[1], 0.6, kTolerance);
  EXPECT_NEAR(marginal_of(result, model, "a")[1], 0.7, kTolerance);
}

// The 10x10 Ising grid: 100 unary factors and 2 * 90 couplings; its query and
// algorithm lines are captured as written.
TEST_F(DslDocExamples, IsingGridHasItsFactorsQueryAndAlgorithm) {
  const dsl::CompiledModel model = example_with("infer bp(schedule = residual, damping = 0.1)");
  EXPECT_EQ(model.graph.num_variables(), 100u);
  EXPECT_EQ(model.graph.num_factors(), 100u + 90u + 90u);
  EXPECT_EQ(model.marginal_queries, std::vector<VarId>{var_id(model, "x[0][0]")});
  EXPECT_TRUE(model.query_log_z);
  EXPECT_FALSE(model.query_map);
  EXPECT_EQ(model.algorithm.name(), "bp");
  ASSERT_TRUE(model.algorithm.values().has("schedule"));
  ASSERT_TRUE(model.algorithm.values().has("damping"));
  EXPECT_EQ(model.algorithm.values().word("schedule", ""), "residual");
  EXPECT_DOUBLE_EQ(model.algorithm.values().number("damping", 0), 0.1);
  // The coupling of x[3][4] and its right neighbour: J * x * x' with J = 0.4.
  bool found = false;
  for (std::size_t f = 0; f < model.graph.num_factors(); ++f) {
    const DiscreteFactor& factor = model.graph.table(FactorId{static_cast<std::uint32_t>(f)});
    if (factor.arity() == 2 && factor.contains(var_id(model, "x[3][4]")) &&
        factor.contains(var_id(model, "x[3][5]"))) {
      found = true;
      EXPECT_NEAR(factor_log_value(model, f, {{"x[3][4]", 0}, {"x[3][5]", 1}}), -0.4, 1e-12);
      EXPECT_NEAR(factor_log_value(model, f, {{"x[3][4]", 1}, {"x[3][5]", 1}}), 0.4, 1e-12);
    }
  }
  EXPECT_TRUE(found);
}

// The HMM reads its observations (0, 0, 1, 1 = rainy, rainy, sunny, sunny) from the
// copi-file block; the posterior of z is summed over the 16 hidden paths here.
TEST_F(DslDocExamples, HmmWithCsvObservationsMatchesPathSum) {
  const dsl::CompiledModel model = example_with("param obs = csv(\"hmm_obs.csv\", \"y\")");
  const int observed[4] = {0, 0, 1, 1};
  for (int t = 0; t < 4; ++t) {
    const VarId y = var_id(model, "y[" + std::to_string(t) + "]");
    ASSERT_TRUE(model.evidence.contains(y));
    EXPECT_EQ(model.evidence.at(y), static_cast<std::size_t>(observed[t]));
  }
  const double initial[2] = {0.6, 0.4};
  const double transition[2][2] = {{0.7, 0.3}, {0.4, 0.6}};
  const double emission[2][2] = {{0.9, 0.1}, {0.2, 0.8}};
  double z = 0.0;
  double posterior[4][2] = {};
  for (int path = 0; path < 16; ++path) {
    int state[4];
    for (int t = 0; t < 4; ++t) state[t] = (path >> t) & 1;
    double p = initial[state[0]] * emission[state[0]][observed[0]];
    for (int t = 1; t < 4; ++t) p *= transition[state[t - 1]][state[t]] * emission[state[t]][observed[t]];
    z += p;
    for (int t = 0; t < 4; ++t) posterior[t][state[t]] += p;
  }
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(*result.log_z, std::log(z), kTolerance);
  std::vector<VarId> z_ids;
  for (int t = 0; t < 4; ++t) {
    const std::string name = "z[" + std::to_string(t) + "]";
    z_ids.push_back(var_id(model, name));
    EXPECT_NEAR(marginal_of(result, model, name)[0], posterior[t][0] / z, kTolerance) << name;
  }
  EXPECT_EQ(model.marginal_queries, z_ids);  // query marginal(z): the whole array
}

// P(smoke = yes | lung = yes) = 0.5 * 0.1 / (0.5 * 0.1 + 0.5 * 0.01) = 0.05 / 0.055,
// log Z = log P(lung = yes) = log 0.055; the MAP has smoke = yes.
TEST_F(DslDocExamples, SmokeLungPosteriorIsFiveOverFiveAndAHalf) {
  const dsl::CompiledModel model = example_with("evidence lung = yes");
  EXPECT_EQ(model.evidence.at(var_id(model, "lung")), 0u);
  EXPECT_EQ(model.marginal_queries, std::vector<VarId>{var_id(model, "smoke")});
  EXPECT_TRUE(model.query_map);
  EXPECT_TRUE(model.query_log_z);
  EXPECT_EQ(model.algorithm.name(), "exact");
  ASSERT_TRUE(model.algorithm.values().has("memory_limit"));
  EXPECT_DOUBLE_EQ(model.algorithm.values().number("memory_limit", 0), 1e9);
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(marginal_of(result, model, "smoke")[0], 0.05 / 0.055, kTolerance);
  EXPECT_NEAR(*result.log_z, std::log(0.055), kTolerance);
  const InferenceResult map = solve_exact(model.graph, model.evidence, Task::mpe);
  EXPECT_EQ(map.map.at(var_id(model, "smoke").index), 0u);
}

}  // namespace
}  // namespace copi::test
