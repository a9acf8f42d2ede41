// Exact inference against answers computed by others, shipped in COPI_SHARED_DATA_DIR:
// libDAI's junction tree on small .fg models, exact marginals of classic Bayesian
// networks (BIF -> UAI BAYES), and the UAI 2014 competition problems with their
// full-precision computed answers and the competition's shipped answers. Large UAI
// problems live in suites named Heavy* (left out of the sanitizer run), one test each.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/graph/io/solution_file.hpp"
#include "copi/inference/exact.hpp"
#include "inference/brute_force_oracle.hpp"

namespace copi::test {
namespace {

namespace fs = std::filesystem;

const fs::path kData = COPI_SHARED_DATA_DIR;
constexpr std::size_t kDefaultBudget = ExactOptions{}.memory_limit_bytes;

// |got - expected| <= max(relative * |expected|, absolute).
::testing::AssertionResult near_relative(double got, double expected, double relative,
                                         double absolute) {
  const double tolerance = std::max(relative * std::abs(expected), absolute);
  if (std::abs(got - expected) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got << " vs expected " << expected << " (|diff| "
                                       << std::abs(got - expected) << " > " << tolerance << ")";
}

// Largest |a - b| over all entries; +inf when the shapes differ.
double max_abs_difference(const std::vector<std::vector<double>>& a,
                          const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::size_t v = 0; v < a.size(); ++v) {
    if (a[v].size() != b[v].size()) return std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < a[v].size(); ++s) worst = std::max(worst, std::abs(a[v][s] - b[v][s]));
  }
  return worst;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// log10 of the unnormalised probability of a full assignment, by the oracle.
double log10_value(const FactorGraph& graph, const std::vector<std::size_t>& assignment) {
  return static_cast<double>(oracle_log_value(graph, assignment) / std::numbers::ln10_v<long double>);
}

// ---- libDAI: small_*.exact.ref -----------------------------------------------------------

struct LibdaiReference {
  double log_z = 0;
  std::map<std::string, std::vector<double>> marginals;  // by label, as text
};

// `logZ v`, `converged c iterations i`, then `label card p_0 ... p_{card-1}` lines.
LibdaiReference read_libdai_reference(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  LibdaiReference ref;
  std::string word, line;
  in >> word >> ref.log_z;
  if (word != "logZ") throw std::runtime_error(path.string() + ": no logZ line");
  std::getline(in, line);
  std::getline(in, line);  // converged ... iterations ...
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string label;
    std::size_t card = 0;
    if (!(fields >> label >> card)) continue;
    std::vector<double>& p = ref.marginals[label];
    p.resize(card);
    for (double& value : p) fields >> value;
    if (!fields) throw std::runtime_error(path.string() + ": short line for label " + label);
  }
  return ref;
}

class LibdaiExact : public ::testing::TestWithParam<std::string> {};

TEST_P(LibdaiExact, LogZAndMarginalsMatchLibdaiJunctionTree) {
  const fs::path model = kData / "libdai" / (GetParam() + ".fg");
  const LibdaiReference ref = read_libdai_reference(kData / "libdai" / (GetParam() + ".exact.ref"));
  const FactorGraph graph = to_factor_graph(read_model_file(model));
  ASSERT_EQ(graph.num_variables(), ref.marginals.size());

  const InferenceResult pr = solve_exact(graph, {}, Task::partition);
  ASSERT_TRUE(pr.log_z);
  EXPECT_NEAR(*pr.log_z, ref.log_z, 1e-9);

  const InferenceResult mar = solve_exact(graph, {}, Task::marginals);
  ASSERT_EQ(mar.marginals.size(), graph.num_variables());
  for (const auto& [label, expected] : ref.marginals) {
    const std::optional<VarId> var = graph.find_variable(label);
    ASSERT_TRUE(var) << "no variable named after label " << label;
    const std::vector<double>& got = mar.marginals[var->index];
    ASSERT_EQ(got.size(), expected.size()) << "label " << label;
    for (std::size_t s = 0; s < got.size(); ++s) {
      EXPECT_NEAR(got[s], expected[s], 1e-9) << "label " << label << " state " << s;
    }
  }
  if (mar.log_z) {
    EXPECT_NEAR(*mar.log_z, ref.log_z, 1e-9);
  }

  // Where the joint space is small enough, the oracle agrees with libDAI too.
  if (graph.log_joint_states() <= std::log(static_cast<double>(kOracleMaxJointStates))) {
    EXPECT_NEAR(static_cast<double>(brute_force(graph).log_z), ref.log_z, 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(Libdai, LibdaiExact,
                         ::testing::Values("small_tree", "small_loopy", "small_ising4x4",
                                           "small_potts3x3", "small_complete8"),
                         [](const auto& info) { return info.param; });

// ---- classic Bayesian networks: bif/<net>.uai with <net>.ref.json ------------------------

struct BifNetwork {
  FactorGraph graph;
  nlohmann::json ref;

  VarId var(const std::string& name) const {
    return VarId{ref.at("uai_index").at(name).get<std::uint32_t>()};
  }
  std::size_t state(const std::string& name, const std::string& state_name) const {
    const auto& states = ref.at("states").at(name);
    for (std::size_t s = 0; s < states.size(); ++s) {
      if (states[s].get<std::string>() == state_name) return s;
    }
    throw std::runtime_error("no state " + state_name + " of " + name);
  }
  Evidence evidence(const nlohmann::json& named) const {
    Evidence evidence;
    for (const auto& [name, state_name] : named.items()) {
      evidence[var(name)] = state(name, state_name.get<std::string>());
    }
    return evidence;
  }
  // Every variable's marginal against the json's name -> state -> p map.
  void expect_marginals(const std::vector<std::vector<double>>& got, const nlohmann::json& expected,
                        const std::string& what) const {
    ASSERT_EQ(got.size(), graph.num_variables()) << what;
    ASSERT_EQ(expected.size(), graph.num_variables()) << what;
    for (const auto& [name, states] : expected.items()) {
      const VarId v = var(name);
      ASSERT_EQ(got[v.index].size(), states.size()) << what << ", " << name;
      for (const auto& [state_name, p] : states.items()) {
        EXPECT_NEAR(got[v.index][state(name, state_name)], p.get<double>(), 1e-6)
            << what << ", P(" << name << " = " << state_name << ")";
      }
    }
  }
};

BifNetwork load_bif_network(const std::string& net) {
  BifNetwork network;
  network.graph = to_factor_graph(read_model_file(kData / "bif" / (net + ".uai")));
  std::ifstream in(kData / "bif" / (net + ".ref.json"));
  network.ref = nlohmann::json::parse(in);
  return network;
}

// log10 P(e): 1e-8 relative, or 1e-10 absolute near 0.
::testing::AssertionResult log10_matches(const InferenceResult& result, double expected) {
  if (!result.log_z) return ::testing::AssertionFailure() << "no log Z";
  return near_relative(*result.log_z / std::numbers::ln10, expected, 1e-8, 1e-10);
}

class BifReference : public ::testing::TestWithParam<std::string> {};

TEST_P(BifReference, PriorMarginalsAndNormalisationMatch) {
  const BifNetwork network = load_bif_network(GetParam());
  ASSERT_EQ(network.graph.num_variables(), network.ref.at("variables").size());
  const InferenceResult mar = solve_exact(network.graph, {}, Task::marginals);
  network.expect_marginals(mar.marginals, network.ref.at("prior"), "prior");
  EXPECT_TRUE(log10_matches(solve_exact(network.graph, {}, Task::partition),
                            network.ref.at("prior_log10_z").get<double>()));
}

TEST_P(BifReference, QueryEvidenceProbabilitiesAndPosteriorsMatch) {
  const BifNetwork network = load_bif_network(GetParam());
  const auto& queries = network.ref.at("queries");
  ASSERT_FALSE(queries.empty());
  for (const auto& query : queries) {
    const Evidence evidence = network.evidence(query.at("evidence"));
    const std::string what = "evidence " + query.at("evidence").dump();
    EXPECT_TRUE(log10_matches(solve_exact(network.graph, evidence, Task::partition),
                              query.at("log10_p_evidence").get<double>()))
        << what;
    const InferenceResult mar = solve_exact(network.graph, evidence, Task::marginals);
    network.expect_marginals(mar.marginals, query.at("marginals"), what);
    for (const auto& [var, state] : evidence) {
      ASSERT_LT(var.index, mar.marginals.size());
      EXPECT_EQ(mar.marginals[var.index][state], 1.0) << what << ": observed is a point mass";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bif, BifReference,
                         ::testing::Values("alarm", "asia", "cancer", "child", "earthquake",
                                           "sprinkler", "survey"),
                         [](const auto& info) { return info.param; });

// ---- UAI 2014 problems -------------------------------------------------------------------

struct UaiProblem {
  std::string name = {};  // file stem: <name>.uai
  // shipped .MAP vs exact MPE per uai/README.md, in log10; empty when optimal or absent.
  std::string map_suboptimal_by = {};
  // Which shipped answers to compare with: c880 ships only a PR; relational_3's shipped
  // answers disagree with two independent exact computations (README "Mismatch").
  bool shipped_mar = true;
  bool shipped_pr = true;
  bool shipped_map = true;
};

// For gtest's listing of the parameter.
void PrintTo(const UaiProblem& problem, std::ostream* out) { *out << problem.name; }

std::string test_name(const std::string& file_stem) {
  std::string name = file_stem;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

const std::vector<UaiProblem>& uai_problems() {
  static const std::vector<UaiProblem> problems = {
      {.name = "Alchemy_11"},
      {.name = "CSP_11"},
      {.name = "CSP_12"},
      {.name = "CSP_13"},
      {.name = "DBN_11"},
      {.name = "DBN_12", .map_suboptimal_by = "2.245"},
      {.name = "Grids_11", .map_suboptimal_by = "0.4079"},
      {.name = "Grids_12"},
      {.name = "Grids_13", .map_suboptimal_by = "1.717"},
      {.name = "Grids_14", .map_suboptimal_by = "1.82"},
      {.name = "ObjectDetection_11"},
      {.name = "ObjectDetection_12"},
      {.name = "ObjectDetection_22"},
      {.name = "ObjectDetection_34"},
      {.name = "Pedigree_11"},
      {.name = "Pedigree_12"},
      {.name = "Pedigree_13"},
      {.name = "Promedus_11"},
      {.name = "Promedus_13"},
      {.name = "Promedus_15"},
      {.name = "Promedus_16"},
      {.name = "Promedus_21"},
      {.name = "Promedus_22"},
      {.name = "Promedus_24"},
      {.name = "Promedus_26"},
      {.name = "Promedus_27"},
      {.name = "Promedus_29"},
      {.name = "Promedus_30"},
      {.name = "Promedus_33"},
      {.name = "Promedus_34"},
      {.name = "Segmentation_11", .map_suboptimal_by = "0.597"},
      {.name = "Segmentation_12", .map_suboptimal_by = "0.597"},
      {.name = "Segmentation_13", .map_suboptimal_by = "1.194"},
      {.name = "c880.isc.cnf", .shipped_mar = false, .shipped_map = false},
      {.name = "relational_3", .shipped_mar = false, .shipped_pr = false, .shipped_map = false},
  };
  return problems;
}

std::vector<UaiProblem> suboptimal_map_problems() {
  std::vector<UaiProblem> result;
  for (const UaiProblem& problem : uai_problems()) {
    if (!problem.map_suboptimal_by.empty()) result.push_back(problem);
  }
  return result;
}

fs::path uai_file(const std::string& name, const std::string& suffix) {
  return kData / "uai" / (name + ".uai" + suffix);
}

struct UaiInstance {
  ModelTables tables;
  FactorGraph graph;
  Evidence evidence;
};

UaiInstance load_uai(const std::string& name, const std::string& evidence_suffix = ".evid") {
  UaiInstance instance;
  instance.tables = read_model_file(uai_file(name, ""));
  instance.graph = to_factor_graph(instance.tables);
  instance.evidence = read_evidence_file(uai_file(name, evidence_suffix), instance.tables.cardinalities);
  return instance;
}

// An independent yardstick for "this problem really does not fit the budget" when the
// engine refuses one: the bytes (8 per entry) of the maximal-clique tables of a junction
// tree built from a greedy elimination order, clique potentials only (no separators or
// messages), so a lower estimate for that order.
enum class GreedyCost { min_fill, weighted_min_fill, min_weight };

double greedy_junction_tree_bytes(const FactorGraph& graph, const Evidence& evidence,
                                  GreedyCost rule) {
  const std::size_t n = graph.num_variables();
  auto card = [&](std::size_t v) { return static_cast<double>(graph.variables()[v].cardinality); };
  std::vector<std::set<std::size_t>> neighbours(n);
  std::vector<bool> gone(n, false);
  for (const auto& [var, state] : evidence) gone[var.index] = true;
  for (const DiscreteFactor& factor : graph.tables()) {
    for (VarId a : factor.scope()) {
      for (VarId b : factor.scope()) {
        if (a != b && !gone[a.index] && !gone[b.index]) neighbours[a.index].insert(b.index);
      }
    }
  }
  // (primary, tie-break) cost of eliminating v now.
  auto cost = [&](std::size_t v) {
    double fill = 0, weighted_fill = 0, weight = card(v);
    for (auto a = neighbours[v].begin(); a != neighbours[v].end(); ++a) {
      weight *= card(*a);
      for (auto b = std::next(a); b != neighbours[v].end(); ++b) {
        if (!neighbours[*a].count(*b)) {
          fill += 1;
          weighted_fill += card(*a) * card(*b);
        }
      }
    }
    switch (rule) {
      case GreedyCost::min_fill: return std::pair{fill, weight};
      case GreedyCost::weighted_min_fill: return std::pair{weighted_fill, weight};
      case GreedyCost::min_weight: return std::pair{weight, fill};
    }
    return std::pair{0.0, 0.0};
  };
  std::vector<std::pair<double, double>> costs(n);
  for (std::size_t v = 0; v < n; ++v) {
    if (!gone[v]) costs[v] = cost(v);
  }
  std::vector<std::size_t> position(n, n);  // elimination step of each variable
  std::vector<std::vector<std::size_t>> later_neighbours(n);
  std::vector<double> clique_entries(n, 0);
  std::vector<std::size_t> order;
  for (std::size_t remaining = n - evidence.size(); remaining > 0; --remaining) {
    std::size_t best = n;
    for (std::size_t v = 0; v < n; ++v) {
      if (!gone[v] && (best == n || costs[v] < costs[best])) best = v;
    }
    const std::vector<std::size_t> clique(neighbours[best].begin(), neighbours[best].end());
    clique_entries[best] = card(best);
    for (std::size_t u : clique) clique_entries[best] *= card(u);
    position[best] = order.size();
    order.push_back(best);
    later_neighbours[best] = clique;
    for (std::size_t a : clique) {
      neighbours[a].erase(best);
      for (std::size_t b : clique) {
        if (a != b) neighbours[a].insert(b);
      }
    }
    gone[best] = true;
    neighbours[best].clear();
    // Costs change only around the eliminated variable's neighbourhood.
    std::set<std::size_t> touched(clique.begin(), clique.end());
    for (std::size_t a : clique) touched.insert(neighbours[a].begin(), neighbours[a].end());
    for (std::size_t v : touched) costs[v] = cost(v);
  }
  // The clique of p is inside the clique of u when p is u's earliest-eliminated later
  // neighbour and u has exactly one more later neighbour than p.
  std::vector<bool> maximal(n, true);
  for (std::size_t u : order) {
    if (later_neighbours[u].empty()) continue;
    const std::size_t parent = *std::min_element(
        later_neighbours[u].begin(), later_neighbours[u].end(),
        [&](std::size_t a, std::size_t b) { return position[a] < position[b]; });
    if (later_neighbours[parent].size() + 1 == later_neighbours[u].size()) maximal[parent] = false;
  }
  double entries = 0;
  for (std::size_t v : order) {
    if (maximal[v]) entries += clique_entries[v];
  }
  return 8.0 * entries;
}

// The smallest of the three greedy yardsticks.
double best_greedy_junction_tree_bytes(const FactorGraph& graph, const Evidence& evidence) {
  double best = std::numeric_limits<double>::infinity();
  for (GreedyCost rule : {GreedyCost::min_fill, GreedyCost::weighted_min_fill, GreedyCost::min_weight}) {
    best = std::min(best, greedy_junction_tree_bytes(graph, evidence, rule));
  }
  return best;
}

TEST(UaiReferenceData, EveryComputedProblemIsListed) {
  std::set<std::string> listed;
  for (const UaiProblem& problem : uai_problems()) listed.insert(problem.name);
  std::set<std::string> computed;
  for (const auto& entry : fs::directory_iterator(kData / "uai")) {
    const std::string file = entry.path().filename().string();
    const std::string suffix = ".uai.MAR.computed";
    if (file.size() > suffix.size() && file.ends_with(suffix)) {
      computed.insert(file.substr(0, file.size() - suffix.size()));
    }
  }
  EXPECT_EQ(listed, computed);
}

// MAR, PR and MPE of one problem with its shipped evidence.
class HeavyUaiReference : public ::testing::TestWithParam<UaiProblem> {};

TEST_P(HeavyUaiReference, ExactAnswersMatchComputedAndShipped) {
  const UaiProblem& problem = GetParam();
  const UaiInstance uai = load_uai(problem.name);
  std::ostringstream timing;
  timing << "[ timing   ] " << problem.name;

  // MAR: 1e-6 against the full-precision computed answer and the shipped one (printed
  // with 6 digits).
  auto start = std::chrono::steady_clock::now();
  const InferenceResult mar = solve_exact(uai.graph, uai.evidence, Task::marginals);
  timing << ": MAR " << seconds_since(start) << " s";
  EXPECT_LE(max_abs_difference(mar.marginals, read_mar_file(uai_file(problem.name, ".MAR.computed"))),
            1e-6);
  if (problem.shipped_mar) {
    EXPECT_LE(max_abs_difference(mar.marginals, read_mar_file(uai_file(problem.name, ".MAR"))), 1e-6);
  }
  for (const auto& [var, state] : uai.evidence) {
    ASSERT_LT(var.index, mar.marginals.size());
    EXPECT_EQ(mar.marginals[var.index][state], 1.0) << "observed x" << var.index;
  }

  // PR: log10 Z, 1e-8 relative against computed; shipped values carry 6 significant digits.
  start = std::chrono::steady_clock::now();
  const InferenceResult pr = solve_exact(uai.graph, uai.evidence, Task::partition);
  timing << ", PR " << seconds_since(start) << " s";
  ASSERT_TRUE(pr.log_z);
  const double log10_z = *pr.log_z / std::numbers::ln10;
  EXPECT_TRUE(near_relative(log10_z, read_pr_file(uai_file(problem.name, ".PR.computed")), 1e-8, 1e-10));
  if (problem.shipped_pr) {
    EXPECT_TRUE(near_relative(log10_z, read_pr_file(uai_file(problem.name, ".PR")), 5e-6, 5e-6));
  }
  if (mar.log_z) {
    EXPECT_TRUE(near_relative(*mar.log_z, *pr.log_z, 1e-10, 1e-10));
  }

  // MPE: ties may differ, so compare values (log10, by the oracle) of the assignments.
  start = std::chrono::steady_clock::now();
  const InferenceResult mpe = solve_exact(uai.graph, uai.evidence, Task::mpe);
  timing << ", MPE " << seconds_since(start) << " s";
  ASSERT_EQ(mpe.map.size(), uai.graph.num_variables());
  for (const auto& [var, state] : uai.evidence) EXPECT_EQ(mpe.map[var.index], state);
  const double value = log10_value(uai.graph, mpe.map);
  const double computed = log10_value(uai.graph, read_mpe_file(uai_file(problem.name, ".MPE.computed")));
  EXPECT_TRUE(near_relative(value, computed, 1e-8, 1e-10)) << "MPE value vs .MPE.computed";
  ASSERT_TRUE(mpe.map_log_value);
  EXPECT_TRUE(near_relative(*mpe.map_log_value / std::numbers::ln10, value, 1e-10, 1e-10))
      << "map_log_value vs the value of map";
  if (problem.shipped_map) {
    const double shipped = log10_value(uai.graph, read_mpe_file(uai_file(problem.name, ".MAP")));
    if (problem.map_suboptimal_by.empty()) {
      EXPECT_TRUE(near_relative(value, shipped, 1e-8, 1e-10)) << "MPE value vs shipped optimal .MAP";
    } else {
      EXPECT_GT(value, shipped);
    }
  }
  std::cout << timing.str() << std::endl;
}

INSTANTIATE_TEST_SUITE_P(Heavy, HeavyUaiReference, ::testing::ValuesIn(uai_problems()),
                         [](const auto& info) { return test_name(info.param.name); });

// The competition's shipped MAP assignments that README lists as sub-optimal: copi's MPE
// must beat them by the stated margin (log10, stated to its last printed digit).
class HeavyUaiSuboptimalMap : public ::testing::TestWithParam<UaiProblem> {};

TEST_P(HeavyUaiSuboptimalMap, MpeBeatsShippedMapByTheStatedMargin) {
  const UaiProblem& problem = GetParam();
  const UaiInstance uai = load_uai(problem.name);
  const InferenceResult mpe = solve_exact(uai.graph, uai.evidence, Task::mpe);
  ASSERT_EQ(mpe.map.size(), uai.graph.num_variables());
  const double gain = log10_value(uai.graph, mpe.map) -
                      log10_value(uai.graph, read_mpe_file(uai_file(problem.name, ".MAP")));
  const std::string& stated = problem.map_suboptimal_by;
  const std::size_t decimals = stated.size() - stated.find('.') - 1;
  const double half_unit = 0.5 * std::pow(10.0, -static_cast<double>(decimals));
  EXPECT_NEAR(gain, std::stod(stated), half_unit + 1e-9) << "log10 gain over the shipped .MAP";
}

INSTANTIATE_TEST_SUITE_P(Heavy, HeavyUaiSuboptimalMap, ::testing::ValuesIn(suboptimal_map_problems()),
                         [](const auto& info) { return test_name(info.param.name); });

// linkage_21 / linkage_24 ship answers at 6 digits only: compare at 1e-5 when the engine
// can solve them within the default budget, otherwise the refusal must be justified.
class HeavyUaiShippedOnly : public ::testing::TestWithParam<std::string> {};

TEST_P(HeavyUaiShippedOnly, SolvedWithinBudgetOrRefused) {
  const std::string& name = GetParam();
  const UaiInstance uai = load_uai(name);
  const double estimate = exact_memory_estimate(uai.graph, uai.evidence);
  const double greedy = best_greedy_junction_tree_bytes(uai.graph, uai.evidence);
  std::cout << "[ memory   ] " << name << ": engine estimate " << estimate / (1 << 20)
            << " MiB, independent greedy junction tree >= " << greedy / (1 << 20) << " MiB, budget "
            << kDefaultBudget / (1 << 20) << " MiB" << std::endl;
  const auto start = std::chrono::steady_clock::now();
  try {
    const InferenceResult mar = solve_exact(uai.graph, uai.evidence, Task::marginals);
    std::cout << "[ timing   ] " << name << ": MAR " << seconds_since(start) << " s" << std::endl;
    EXPECT_LE(max_abs_difference(mar.marginals, read_mar_file(uai_file(name, ".MAR"))), 1e-5);
    if (mar.log_z) {
      EXPECT_TRUE(near_relative(*mar.log_z / std::numbers::ln10, read_pr_file(uai_file(name, ".PR")),
                                5e-6, 5e-6));
    }
  } catch (const ResourceError& error) {
    std::cout << "[ refused  ] " << name << ": " << error.what() << std::endl;
    EXPECT_LT(seconds_since(start), 10.0) << "a refusal must come before the work";
    EXPECT_GT(estimate, static_cast<double>(kDefaultBudget)) << "refused, yet the estimate fits";
    EXPECT_GT(greedy, static_cast<double>(kDefaultBudget))
        << "refused, yet a plain greedy junction tree has clique tables within the budget";
  }
}

INSTANTIATE_TEST_SUITE_P(Heavy, HeavyUaiShippedOnly, ::testing::Values("linkage_21", "linkage_24"),
                         [](const auto& info) { return info.param; });

// ---- evidence layouts --------------------------------------------------------------------

TEST(UaiEvidenceLayouts, Evid2010ReadsAsTheShippedEvidence) {
  for (const std::string name : {"Promedus_24", "Pedigree_11"}) {
    const ModelTables tables = read_model_file(uai_file(name, ""));
    const Evidence evid = read_evidence_file(uai_file(name, ".evid"), tables.cardinalities);
    const Evidence evid2010 = read_evidence_file(uai_file(name, ".evid2010"), tables.cardinalities);
    EXPECT_FALSE(evid.empty()) << name;
    EXPECT_EQ(evid, evid2010) << name;
  }
  // relational_3 ships `1` sample of `7 756 1 646 1 1 1 219 1 929 1 932 1 971 1`.
  const ModelTables relational = read_model_file(uai_file("relational_3", ""));
  const Evidence shipped = read_evidence_file(uai_file("relational_3", ".evid"), relational.cardinalities);
  const Evidence expected{{VarId{756}, 1}, {VarId{646}, 1}, {VarId{1}, 1},  {VarId{219}, 1},
                          {VarId{929}, 1}, {VarId{932}, 1}, {VarId{971}, 1}};
  EXPECT_EQ(shipped, expected);
}

TEST(UaiEvidenceLayouts, Promedus24WithEvid2010MatchesComputedAnswers) {
  const UaiInstance uai = load_uai("Promedus_24", ".evid2010");
  const InferenceResult pr = solve_exact(uai.graph, uai.evidence, Task::partition);
  ASSERT_TRUE(pr.log_z);
  EXPECT_TRUE(near_relative(*pr.log_z / std::numbers::ln10,
                            read_pr_file(uai_file("Promedus_24", ".PR.computed")), 1e-8, 1e-10));
  // README: libDAI's junction tree gives ln Z = -13.4973189284738 for Promedus_24.
  EXPECT_NEAR(*pr.log_z, -13.4973189284738, 1e-9);
  const InferenceResult mar = solve_exact(uai.graph, uai.evidence, Task::marginals);
  EXPECT_LE(max_abs_difference(mar.marginals,
                               read_mar_file(uai_file("Promedus_24", ".MAR.computed"))),
            1e-6);
}

TEST(HeavyUaiEvidenceLayouts, Pedigree11WithEvid2010MatchesComputedLogZ) {
  const UaiInstance uai = load_uai("Pedigree_11", ".evid2010");
  const InferenceResult pr = solve_exact(uai.graph, uai.evidence, Task::partition);
  ASSERT_TRUE(pr.log_z);
  EXPECT_TRUE(near_relative(*pr.log_z / std::numbers::ln10,
                            read_pr_file(uai_file("Pedigree_11", ".PR.computed")), 1e-8, 1e-10));
}

// ---- UAI vs libDAI table order -----------------------------------------------------------

// A model with asymmetric tables over variables of different cardinalities, scopes in
// unsorted order: written by hand as .uai (last scope variable fastest) and as .fg (first
// fastest). Reading either must give the model built in memory; a reader using the other
// format's order gets different answers (checked, so the test cannot pass vacuously).
struct TableOrderModel {
  std::vector<std::size_t> cards{2, 3, 4, 2};
  std::vector<std::vector<std::size_t>> scopes{{2, 0, 1}, {3, 1}, {1, 3, 0}, {2}};
  std::vector<std::vector<double>> tables;  // linear values, FIRST scope variable fastest

  explicit TableOrderModel(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> value(0.05, 5.0);
    for (const auto& scope : scopes) {
      std::size_t size = 1;
      for (std::size_t v : scope) size *= cards[v];
      std::vector<double> table(size);
      for (double& entry : table) entry = value(rng);
      table[size / 3] = 0.0;  // a hard zero
      tables.push_back(table);
    }
  }

  // states of scope position i for a first-fastest linear index
  std::vector<std::size_t> states_first_fastest(const std::vector<std::size_t>& scope,
                                                std::size_t index) const {
    std::vector<std::size_t> states;
    for (std::size_t v : scope) {
      states.push_back(index % cards[v]);
      index /= cards[v];
    }
    return states;
  }
  std::size_t index_last_fastest(const std::vector<std::size_t>& scope,
                                 const std::vector<std::size_t>& states) const {
    std::size_t index = 0;
    for (std::size_t i = 0; i < scope.size(); ++i) index = index * cards[scope[i]] + states[i];
    return index;
  }
  // The table re-indexed last-fastest: what a UAI file lists in order.
  std::vector<double> uai_order(std::size_t f) const {
    std::vector<double> out(tables[f].size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[index_last_fastest(scopes[f], states_first_fastest(scopes[f], i))] = tables[f][i];
    }
    return out;
  }

  FactorGraph graph(bool swapped_order = false) const {
    FactorGraph graph;
    for (std::size_t card : cards) graph.add_variable(card);
    for (std::size_t f = 0; f < scopes.size(); ++f) {
      std::vector<VarId> scope;
      std::vector<std::size_t> scope_cards;
      for (std::size_t v : scopes[f]) {
        scope.push_back(VarId{static_cast<std::uint32_t>(v)});
        scope_cards.push_back(cards[v]);
      }
      std::vector<double> logs;
      for (double value : swapped_order ? uai_order(f) : tables[f]) logs.push_back(std::log(value));
      graph.add_factor(DiscreteFactor(scope, scope_cards, logs));
    }
    return graph;
  }

  std::string uai_text() const {
    std::ostringstream out;
    out.precision(17);
    out << "MARKOV\n" << cards.size() << '\n';
    for (std::size_t card : cards) out << card << ' ';
    out << '\n' << scopes.size() << '\n';
    for (const auto& scope : scopes) {
      out << scope.size();
      for (std::size_t v : scope) out << ' ' << v;
      out << '\n';
    }
    for (std::size_t f = 0; f < scopes.size(); ++f) {
      out << '\n' << tables[f].size() << '\n';
      for (double value : uai_order(f)) out << ' ' << value;
      out << '\n';
    }
    return out.str();
  }

  std::string fg_text() const {
    std::ostringstream out;
    out.precision(17);
    out << scopes.size() << '\n';
    for (std::size_t f = 0; f < scopes.size(); ++f) {
      out << '\n' << scopes[f].size() << '\n';
      for (std::size_t v : scopes[f]) out << v << ' ';
      out << '\n';
      for (std::size_t v : scopes[f]) out << cards[v] << ' ';
      out << '\n';
      std::size_t nonzero = 0;
      for (double value : tables[f]) nonzero += value != 0.0;
      out << nonzero << '\n';
      for (std::size_t i = 0; i < tables[f].size(); ++i) {
        if (tables[f][i] != 0.0) out << i << ' ' << tables[f][i] << '\n';
      }
    }
    return out.str();
  }
};

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device entropy;
    path_ = fs::temp_directory_path() / ("copi_exact_refs_" + std::to_string(entropy()) + "_" +
                                         std::to_string(entropy()));
    fs::create_directories(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path write(const std::string& file, const std::string& text) const {
    std::ofstream(path_ / file) << text;
    return path_ / file;
  }

 private:
  fs::path path_;
};

TEST(UaiFgTableOrder, SameModelFromUaiAndFgMatchesTheOracle) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const TableOrderModel model(seed);
    const FactorGraph expected = model.graph();
    const OracleAnswer oracle = brute_force(expected);
    const OracleAnswer swapped = brute_force(model.graph(/*swapped_order=*/true));
    ASSERT_GT(std::abs(static_cast<double>(oracle.log_z - swapped.log_z)), 1e-3)
        << "the model must tell the two table orders apart";

    const ScratchDir dir;
    const FactorGraph from_uai = to_factor_graph(read_model_file(dir.write("m.uai", model.uai_text())));
    const FactorGraph from_fg = to_factor_graph(read_model_file(dir.write("m.fg", model.fg_text())));
    for (const FactorGraph* graph : {&from_uai, &from_fg}) {
      const std::string format = graph == &from_uai ? "uai" : "fg";
      ASSERT_EQ(graph->num_factors(), expected.num_factors()) << format;
      for (std::uint32_t f = 0; f < expected.num_factors(); ++f) {
        EXPECT_EQ(graph->table(FactorId{f}), expected.table(FactorId{f})) << format << " factor " << f;
      }
      const InferenceResult pr = solve_exact(*graph, {}, Task::partition);
      ASSERT_TRUE(pr.log_z);
      EXPECT_NEAR(*pr.log_z, static_cast<double>(oracle.log_z), 1e-12) << format;
      const InferenceResult mar = solve_exact(*graph, {}, Task::marginals);
      EXPECT_LE(max_abs_difference(mar.marginals, oracle.marginals), 1e-12) << format;
      const Evidence evidence{{VarId{1}, 2}};
      const InferenceResult clamped = solve_exact(*graph, evidence, Task::partition);
      ASSERT_TRUE(clamped.log_z);
      EXPECT_NEAR(*clamped.log_z, static_cast<double>(brute_force(expected, evidence).log_z), 1e-12)
          << format;
    }
  }
}

}  // namespace
}  // namespace copi::test
