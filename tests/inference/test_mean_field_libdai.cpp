// Naive mean field against libDAI's MF on the libDAI models of COPI_SHARED_DATA_DIR/libdai.
// The references (tests/data/libdai_mf, made by bench/make_mf_refs.sh, which says how)
// are libDAI's MF fixed points from a uniform start, tolerance 1e-13 (small models) or
// 1e-11 (large), each model run with several of libDAI's random update orders (libDAI
// shuffles the order of every pass; rnd_seed picks the shuffles). copi runs from a
// uniform start, sequential in index order, with a tolerance as tight.
//
// Mean field is coordinate ascent on a non-concave objective: where it has several fixed
// points, copi (index order) and libDAI (shuffled orders) may stop at different ones, and
// neither is wrong. So the models are compared as follows, and each group's test checks
// the reason it is in that group:
//   - small_loopy, potts5_grid50: every libDAI order and every copi start (uniform and
//     five random ones) reach one fixed point. Compared: marginals and log Z (libDAI's
//     MF::logZ, which is the ELBO: its source sums Σ_i H[b_i] + Σ_I E_b[log f_I], and
//     the tests recompute it from the reference marginals) to 1e-6.
//   - small_tree: it has one table entry equal to 0, and libDAI's MF takes logs with
//     log 0 := 0 (Factor::log(true) in mf.cpp), i.e. it runs on the model with that
//     entry read as 1; copi treats it as a hard zero. Compared: copi on the model with
//     the zero entry set to 1 (unique fixed point there too); copi on the real model
//     must not give libDAI's answer.
//   - small_ising4x4, small_potts3x3, small_complete8: libDAI's ten orders reach 4, 2 and
//     3 distinct fixed points and copi's random starts several as well. Compared: every
//     libDAI fixed point satisfies the mean-field equations recomputed here, its log Z
//     is its ELBO recomputed here, and copi's uniform-start fixed point is one of them.
//   - ising_grid100, dreg3_10k (Heavy*): every run (libDAI's two orders, copi's uniform
//     and random starts) stops at a fixed point of its own (spin glasses with
//     |J| ~ 0.4: many local optima of the ELBO). Not compared; the test checks that the
//     fixed points do differ.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/inference/mean_field.hpp"
#include "inference/bp_test_models.hpp"

namespace copi::test {
namespace {

namespace fs = std::filesystem;

const fs::path kLibdai = fs::path(COPI_SHARED_DATA_DIR) / "libdai";
const fs::path kReferences = fs::path(COPI_SOURCE_DIR) / "tests" / "data" / "libdai_mf";
constexpr double kTolerance = 1e-6;  // marginals and log Z against libDAI
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

FactorGraph load(const std::string& model) { return to_factor_graph(read_model_file(kLibdai / (model + ".fg"))); }

// One line of MODEL.mf.seeds: which fixed point libDAI's update order `seed` reached.
struct SeedRun {
  int seed = 0;
  int fixed_point = 0;
  double log_z = 0.0;
  bool converged = false;
};

std::vector<SeedRun> read_seeds(const std::string& model) {
  const fs::path path = kReferences / (model + ".mf.seeds");
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::vector<SeedRun> runs;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string w1, w2, w3, w4, w5;
    SeedRun run;
    int converged = -1;
    std::size_t iterations = 0;
    if (!(fields >> w1 >> run.seed >> w2 >> run.fixed_point >> w3 >> run.log_z >> w4 >> converged >> w5 >>
          iterations) ||
        w1 != "seed" || w2 != "fixed_point" || w3 != "logZ" || w4 != "converged" || w5 != "iterations") {
      throw std::runtime_error(path.string() + ": bad line '" + line + "'");
    }
    run.converged = converged == 1;
    runs.push_back(run);
  }
  if (runs.empty()) throw std::runtime_error(path.string() + ": no runs");
  return runs;
}

int distinct_fixed_points(const std::vector<SeedRun>& runs) {
  int most = 0;
  for (const SeedRun& run : runs) most = std::max(most, run.fixed_point);
  return most;
}

bp::LibdaiBpReference read_fixed_point(const std::string& model, int fixed_point) {
  return bp::read_libdai_bp_reference(kReferences / (model + ".mf." + std::to_string(fixed_point) + ".ref"));
}

// Largest |p_copi - p_libdai| over the variables the reference lists (by label; the large
// models' references keep every 10th variable).
double reference_distance(const FactorGraph& graph, const std::vector<std::vector<double>>& got,
                          const bp::LibdaiBpReference& ref) {
  double worst = 0.0;
  for (const auto& [label, expected] : ref.marginals) {
    const std::optional<VarId> var = graph.find_variable(label);
    if (!var || got[var->index].size() != expected.size()) return std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < expected.size(); ++s) {
      const double diff = std::abs(got[var->index][s] - expected[s]);
      if (!(diff <= worst)) worst = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff;
    }
  }
  return worst;
}

// A reference listing every variable as marginals in graph order.
std::vector<std::vector<double>> reference_marginals(const FactorGraph& graph, const bp::LibdaiBpReference& ref) {
  if (ref.marginals.size() != graph.num_variables()) throw std::runtime_error("the reference lists a subset");
  std::vector<std::vector<double>> q(graph.num_variables());
  for (const auto& [label, p] : ref.marginals) q.at(graph.find_variable(label).value().index) = p;
  return q;
}

// ---- mean field recomputed from the tables, without copi's mean field code ------------

// E_q[log f] over the factor's entries with the scope position `skip` held at each of its
// states (out[x]), or the full expectation (skip = arity, out of size 1). Entries are
// walked by the table convention (first scope variable fastest). The models compared
// have no hard zeros (small_tree's is replaced before), so an -inf entry is a failure.
std::vector<double> expected_log(const DiscreteFactor& f, const std::vector<std::vector<double>>& q,
                                 std::size_t skip) {
  const std::size_t arity = f.arity();
  std::vector<double> out(skip < arity ? f.cardinalities()[skip] : 1, 0.0);
  for (std::size_t i = 0; i < f.size(); ++i) {
    std::size_t rest = i;
    std::size_t at = 0;
    double w = 1.0;
    for (std::size_t k = 0; k < arity; ++k) {
      const std::size_t x = rest % f.cardinalities()[k];
      rest /= f.cardinalities()[k];
      if (k == skip) {
        at = x;
      } else {
        w *= q[f.scope()[k].index][x];
      }
    }
    EXPECT_NE(f.log_values()[i], kNegInf) << "a hard zero in a compared model";
    out[at] += w * f.log_values()[i];
  }
  return out;
}

// Σ_f E_q[log f] + Σ_i H[q_i] (constant factors included).
double elbo(const FactorGraph& graph, const std::vector<std::vector<double>>& q) {
  double total = 0.0;
  for (const DiscreteFactor& f : graph.tables()) total += expected_log(f, q, f.arity())[0];
  for (const std::vector<double>& p : q) {
    for (const double x : p) total -= x > 0.0 ? x * std::log(x) : 0.0;
  }
  return total;
}

// max_i |q_i - softmax(Σ_{f ∋ i} E_{q_-i}[log f])|: 0 at a mean-field fixed point.
double fixed_point_residual(const FactorGraph& graph, const std::vector<std::vector<double>>& q) {
  double worst = 0.0;
  for (std::uint32_t v = 0; v < graph.num_variables(); ++v) {
    std::vector<double> energy(q[v].size(), 0.0);
    for (const FactorId f : graph.factors_of(VarId{v})) {
      const DiscreteFactor& factor = graph.table(f);
      const std::vector<double> m = expected_log(factor, q, factor.position(VarId{v}));
      for (std::size_t x = 0; x < energy.size(); ++x) energy[x] += m[x];
    }
    const double hi = *std::max_element(energy.begin(), energy.end());
    double sum = 0.0;
    for (double& e : energy) sum += (e = std::exp(e - hi));
    for (std::size_t x = 0; x < energy.size(); ++x) worst = std::max(worst, std::abs(energy[x] / sum - q[v][x]));
  }
  return worst;
}

// ---- copi's runs ------------------------------------------------------------------------

InferenceResult copi_mean_field(const FactorGraph& graph, double tolerance, MeanFieldInit init = MeanFieldInit::uniform,
                                std::uint64_t seed = 0, MeanFieldSchedule schedule = MeanFieldSchedule::sequential) {
  MeanFieldOptions options;
  options.schedule = schedule;
  options.tolerance = tolerance;
  options.max_iterations = 1000000;
  options.init = init;
  options.seed = seed;
  InferenceResult result = mean_field(graph, {}, Task::marginals, options);
  EXPECT_EQ(result.report.termination, Termination::converged) << result.report.brief();
  EXPECT_EQ(result.log_z_kind, LogZKind::lower_bound);
  EXPECT_TRUE(result.log_z.has_value());
  return result;
}

// copi from a uniform start reaches libDAI's only fixed point, and copi's own random
// starts and parallel schedule reach it as well (the fixed point is unique as far as
// either program can tell, so the comparison does not depend on the update order).
void expect_unique_and_equal(const std::string& model, const FactorGraph& graph, double tolerance) {
  const std::vector<SeedRun> seeds = read_seeds(model);
  ASSERT_EQ(distinct_fixed_points(seeds), 1) << model << ": libDAI's orders reach several fixed points";
  for (const SeedRun& run : seeds) EXPECT_TRUE(run.converged) << model << " libDAI seed " << run.seed;
  const bp::LibdaiBpReference ref = read_fixed_point(model, 1);

  const InferenceResult uniform = copi_mean_field(graph, tolerance);
  EXPECT_LE(reference_distance(graph, uniform.marginals, ref), kTolerance) << model;
  ASSERT_TRUE(uniform.log_z);
  EXPECT_NEAR(*uniform.log_z, ref.log_z, kTolerance) << model;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const InferenceResult random = copi_mean_field(graph, tolerance, MeanFieldInit::random, seed);
    EXPECT_LE(bp::max_abs_difference(random.marginals, uniform.marginals), kTolerance) << model << " seed " << seed;
    ASSERT_TRUE(random.log_z);
    EXPECT_NEAR(*random.log_z, *uniform.log_z, kTolerance) << model << " seed " << seed;
  }
  const InferenceResult parallel =
      copi_mean_field(graph, tolerance, MeanFieldInit::uniform, 0, MeanFieldSchedule::parallel);
  EXPECT_LE(reference_distance(graph, parallel.marginals, ref), kTolerance) << model << " (parallel)";
  std::cout << "[ info ] " << model << ": copi " << uniform.report.iterations << " sweeps (libDAI " << ref.iterations
            << " passes), log Z " << *uniform.log_z << " - " << ref.log_z << " = " << *uniform.log_z - ref.log_z
            << ", max |dp| " << reference_distance(graph, uniform.marginals, ref) << '\n';
}

TEST(MeanFieldLibdai, SmallLoopyUniqueFixedPointMatchesLibdai) {
  const FactorGraph graph = load("small_loopy");
  expect_unique_and_equal("small_loopy", graph, 1e-13);
  // libDAI's log Z is the ELBO of its marginals (the constant factor 0.3 included).
  const bp::LibdaiBpReference ref = read_fixed_point("small_loopy", 1);
  const std::vector<std::vector<double>> q = reference_marginals(graph, ref);
  EXPECT_NEAR(elbo(graph, q), ref.log_z, 1e-10);
  EXPECT_LE(fixed_point_residual(graph, q), 1e-10);
}

// 2500 variables, 5 states: a unique fixed point under libDAI's three orders and copi's
// six starts; the reference keeps every 10th variable.
TEST(MeanFieldLibdai, PottsGrid50UniqueFixedPointMatchesLibdai) {
  expect_unique_and_equal("potts5_grid50", load("potts5_grid50"), 1e-11);
}

// libDAI's MF reads small_tree's zero entry as 1 (log 0 := 0); with that entry set to 1
// copi agrees with it; on the model as written (a hard zero) it must not.
TEST(MeanFieldLibdai, SmallTreeMatchesLibdaiWithTheZeroEntryReadAsOne) {
  const FactorGraph graph = load("small_tree");
  FactorGraph log_zero_as_one = graph;
  std::size_t zeros = 0;
  for (std::uint32_t f = 0; f < log_zero_as_one.num_factors(); ++f) {
    for (double& l : log_zero_as_one.table(FactorId{f}).log_values()) {
      if (l == kNegInf) {
        l = 0.0;
        ++zeros;
      }
    }
  }
  ASSERT_EQ(zeros, 1u) << "small_tree should have exactly one zero entry";
  expect_unique_and_equal("small_tree", log_zero_as_one, 1e-13);
  const bp::LibdaiBpReference ref = read_fixed_point("small_tree", 1);
  const std::vector<std::vector<double>> q = reference_marginals(graph, ref);
  EXPECT_NEAR(elbo(log_zero_as_one, q), ref.log_z, 1e-10);
  EXPECT_LE(fixed_point_residual(log_zero_as_one, q), 1e-10);

  const InferenceResult real = copi_mean_field(graph, 1e-13);
  ASSERT_TRUE(real.log_z);
  EXPECT_GT(std::abs(*real.log_z - ref.log_z), 0.1) << "the hard zero should change the answer";
  EXPECT_GT(reference_distance(graph, real.marginals, ref), 0.01);
}

// Several fixed points: libDAI's ten orders and copi's starts do not all agree, so copi's
// uniform start is compared with whichever of libDAI's fixed points it reached — after
// checking that each of them is a fixed point of the same equations with log Z = ELBO.
class MeanFieldLibdaiSeveralFixedPoints : public ::testing::TestWithParam<std::string> {};

TEST_P(MeanFieldLibdaiSeveralFixedPoints, UniformStartReachesOneOfLibdaisFixedPoints) {
  const std::string model = GetParam();
  const FactorGraph graph = load(model);
  const std::vector<SeedRun> seeds = read_seeds(model);
  const int points = distinct_fixed_points(seeds);
  EXPECT_GE(points, 2) << model << ": libDAI's orders agree; this model belongs with the unique ones";
  std::vector<bp::LibdaiBpReference> refs;
  for (int k = 1; k <= points; ++k) {
    refs.push_back(read_fixed_point(model, k));
    const std::vector<std::vector<double>> q = reference_marginals(graph, refs.back());
    EXPECT_TRUE(refs.back().converged) << model << " fixed point " << k;
    EXPECT_LE(fixed_point_residual(graph, q), 1e-10) << model << " libDAI fixed point " << k;
    EXPECT_NEAR(elbo(graph, q), refs.back().log_z, 1e-10) << model << " libDAI fixed point " << k;
  }
  for (std::size_t a = 0; a < refs.size(); ++a) {  // distinct indeed
    for (std::size_t b = a + 1; b < refs.size(); ++b) {
      EXPECT_GT(std::abs(refs[a].log_z - refs[b].log_z), 1e-3) << model << " fixed points " << a + 1 << ", " << b + 1;
    }
  }

  // copi's own random starts reach more than one fixed point too.
  const InferenceResult uniform = copi_mean_field(graph, 1e-13);
  ASSERT_TRUE(uniform.log_z);
  double spread = 0.0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const InferenceResult random = copi_mean_field(graph, 1e-13, MeanFieldInit::random, seed);
    ASSERT_TRUE(random.log_z);
    spread = std::max(spread, std::abs(*random.log_z - *uniform.log_z));
  }
  EXPECT_GT(spread, 1e-3) << model << ": copi's starts all agree";

  int match = 0;
  for (int k = 1; k <= points; ++k) {
    const bp::LibdaiBpReference& ref = refs[static_cast<std::size_t>(k - 1)];
    if (reference_distance(graph, uniform.marginals, ref) <= kTolerance &&
        std::abs(*uniform.log_z - ref.log_z) <= kTolerance) {
      match = k;
    }
  }
  EXPECT_NE(match, 0) << model << ": copi's uniform start (log Z " << *uniform.log_z
                      << ") reached none of libDAI's fixed points";
  std::cout << "[ info ] " << model << ": libDAI " << points << " fixed points; copi's uniform start is number "
            << match << " (log Z " << *uniform.log_z << ")\n";
}

INSTANTIATE_TEST_SUITE_P(SmallModels, MeanFieldLibdaiSeveralFixedPoints,
                         ::testing::Values("small_ising4x4", "small_potts3x3", "small_complete8"),
                         [](const auto& info) { return info.param; });

// ---- the 10000-variable spin glasses: no common fixed point -----------------------------

void expect_fixed_points_differ(const std::string& model) {
  const std::vector<SeedRun> seeds = read_seeds(model);
  ASSERT_GE(seeds.size(), 2u);
  for (const SeedRun& run : seeds) EXPECT_TRUE(run.converged) << model << " libDAI seed " << run.seed;
  EXPECT_EQ(distinct_fixed_points(seeds), static_cast<int>(seeds.size())) << model;
  EXPECT_GT(std::abs(seeds[0].log_z - seeds[1].log_z), 1e-3) << model;

  const FactorGraph graph = load(model);
  const InferenceResult uniform = copi_mean_field(graph, 1e-9);
  const InferenceResult random = copi_mean_field(graph, 1e-9, MeanFieldInit::random, 1);
  ASSERT_TRUE(uniform.log_z && random.log_z);
  EXPECT_GT(std::abs(*uniform.log_z - *random.log_z), 1e-3) << model;
  EXPECT_GT(bp::max_abs_difference(uniform.marginals, random.marginals), 1e-2) << model;
  std::cout << "[ info ] " << model << ": libDAI's orders: log Z " << seeds[0].log_z << ", " << seeds[1].log_z
            << "; copi uniform " << *uniform.log_z << ", random " << *random.log_z << '\n';
}

TEST(HeavyMeanFieldLibdai, IsingGrid100HasNoCommonFixedPoint) { expect_fixed_points_differ("ising_grid100"); }

TEST(HeavyMeanFieldLibdai, Dreg3_10kHasNoCommonFixedPoint) { expect_fixed_points_differ("dreg3_10k"); }

}  // namespace
}  // namespace copi::test
