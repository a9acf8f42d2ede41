// End-to-end: the models in examples/ run with `copi run`, each answer checked against
// a reference computed outside the language: the shipped BIF references, brute-force
// enumeration and forward-backward written here, and `copi infer` on the lowered
// factor graph (`copi convert`), which shares no code with the .copi front end.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

nlohmann::json read_json(const std::filesystem::path& path) { return nlohmann::json::parse(slurp(path)); }

std::string algorithm_of(const nlohmann::json& run) { return run["algorithm"].get<std::string>(); }

std::string example(const std::string& name) { return source_path("examples/" + name); }

// `copi run model --json`, checked to succeed; returns the JSON document.
nlohmann::json run_model(const std::string& model, const TempDir& dir, const std::string& json_name = "run.json") {
  const CliRun run = run_copi("run " + model + " --json " + (dir / json_name).string());
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");  // no warnings (e.g. non-convergence)
  return read_json(dir / json_name);
}

// The marginal of one named variable in a `copi run` document.
std::vector<double> marginal_of(const nlohmann::json& run, const std::string& name) {
  const auto names = run["variables"].get<std::vector<std::string>>();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    ADD_FAILURE() << "no marginal for " << name;
    return {};
  }
  return run["marginals"][static_cast<std::size_t>(it - names.begin())].get<std::vector<double>>();
}

// Every marginal and log10 P(evidence) of a BIF reference query (`<net>.ref.json`).
void expect_matches_bif_query(const nlohmann::json& run, const nlohmann::json& ref, const nlohmann::json& query) {
  EXPECT_EQ(run["variables"].size(), ref["variables"].size());
  for (const auto& name_json : ref["variables"]) {
    const std::string name = name_json.get<std::string>();
    const std::vector<double> ours = marginal_of(run, name);
    const auto& states = ref["states"][name];
    ASSERT_EQ(ours.size(), states.size()) << name;
    for (std::size_t s = 0; s < states.size(); ++s) {
      EXPECT_NEAR(ours[s], query["marginals"][name][states[s].get<std::string>()].get<double>(), 1e-9)
          << name << "=" << states[s];
    }
  }
  EXPECT_NEAR(run["log_z"].get<double>() / std::log(10.0), query["log10_p_evidence"].get<double>(), 1e-9);
}

std::string replace_line(std::string text, const std::string& starting_with, const std::string& replacement) {
  const std::size_t begin = text.find(starting_with);
  if (begin == std::string::npos) {
    ADD_FAILURE() << "no line starting with '" << starting_with << "'";
    return text;
  }
  return text.replace(begin, text.find('\n', begin) - begin, replacement);
}

// examples/ising20.copi with another grid size and algorithm, written to `dir`.
std::string ising_variant(const TempDir& dir, int size, const std::string& infer_line) {
  std::string text = slurp(example("ising20.copi"));
  text = replace_line(text, "param N = 20", "param N = " + std::to_string(size));
  text = replace_line(text, "infer bp(", infer_line);
  const std::string file = "ising" + std::to_string(size) + "_" + infer_line.substr(6, 2) + ".copi";
  return dir.write(file, text).string();
}

// ---- Bayesian networks against the shipped references ------------------------------

TEST(CliExamples, AsiaMatchesPublishedReference) {
  TempDir dir;
  const nlohmann::json run = run_model(example("asia.copi"), dir);
  const nlohmann::json ref = read_json(data_path("bif/asia.ref.json"));
  const nlohmann::json& query = ref["queries"][0];
  ASSERT_EQ(query["evidence"], (nlohmann::json{{"smoke", "yes"}, {"xray", "yes"}}));
  EXPECT_TRUE(algorithm_of(run).starts_with("exact")) << algorithm_of(run);
  expect_matches_bif_query(run, ref, query);
  EXPECT_NEAR(marginal_of(run, "lung")[0], 0.645991, 1e-6);  // the published value
}

TEST(CliExamples, SprinklerMatchesReference) {
  TempDir dir;
  const nlohmann::json run = run_model(example("sprinkler.copi"), dir);
  const nlohmann::json ref = read_json(data_path("bif/sprinkler.ref.json"));
  const nlohmann::json& query = ref["queries"][0];
  ASSERT_EQ(query["evidence"], (nlohmann::json{{"Wet_Grass", "yes"}}));
  expect_matches_bif_query(run, ref, query);
}

// ---- Ising grid --------------------------------------------------------------------

// The parameters of examples/ising20.copi, restated.
struct IsingParameters {
  double h = 0.1, h_tilt = 0.4, j_row = 0.3, j_col = 0.2;
};

struct BruteForce {
  double log_z = 0;
  std::vector<double> p_up;  // P(s = +1), row-major
};

// Sums the Ising model on an n x n grid over all 2^(n*n) configurations.
BruteForce enumerate_ising(int n, const IsingParameters& q) {
  const int cells = n * n;
  std::vector<double> log_weight(std::size_t{1} << cells);
  for (std::size_t config = 0; config < log_weight.size(); ++config) {
    const auto spin = [&](int i, int j) { return (config >> (i * n + j)) & 1 ? 1.0 : -1.0; };
    double total = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        total += (q.h + q.h_tilt * (i - j) / (2.0 * (n - 1))) * spin(i, j);
        if (j < n - 1) total += q.j_row * spin(i, j) * spin(i, j + 1);
        if (i < n - 1) total += q.j_col * spin(i, j) * spin(i + 1, j);
      }
    }
    log_weight[config] = total;
  }
  const double top = *std::max_element(log_weight.begin(), log_weight.end());
  double z = 0;
  std::vector<double> up(static_cast<std::size_t>(cells), 0.0);
  for (std::size_t config = 0; config < log_weight.size(); ++config) {
    const double w = std::exp(log_weight[config] - top);
    z += w;
    for (int k = 0; k < cells; ++k) {
      if ((config >> k) & 1) up[static_cast<std::size_t>(k)] += w;
    }
  }
  BruteForce out{top + std::log(z), {}};
  for (const double u : up) out.p_up.push_back(u / z);
  return out;
}

TEST(CliExamples, Ising4x4ExactAndEnumerationMatchBruteForce) {
  TempDir dir;
  const BruteForce truth = enumerate_ising(4, IsingParameters{});
  const nlohmann::json exact = run_model(ising_variant(dir, 4, "infer exact"), dir, "exact.json");
  const nlohmann::json enumerated = run_model(ising_variant(dir, 4, "infer enumerate"), dir, "enumerate.json");
  EXPECT_TRUE(algorithm_of(exact).starts_with("exact")) << algorithm_of(exact);
  EXPECT_EQ(algorithm_of(enumerated), "enumerate");
  ASSERT_EQ(exact["marginals"].size(), 16u);
  ASSERT_EQ(enumerated["marginals"].size(), 16u);
  for (std::size_t k = 0; k < 16; ++k) {
    const std::string name = "s[" + std::to_string(k / 4) + "][" + std::to_string(k % 4) + "]";
    EXPECT_EQ(exact["variables"][k], name);
    for (std::size_t s = 0; s < 2; ++s) {
      EXPECT_NEAR(exact["marginals"][k][s].get<double>(), enumerated["marginals"][k][s].get<double>(), 1e-9) << name;
    }
    EXPECT_NEAR(exact["marginals"][k][1].get<double>(), truth.p_up[k], 1e-9) << name;  // state 1 is +1
  }
  EXPECT_NEAR(exact["log_z"].get<double>(), enumerated["log_z"].get<double>(), 1e-9);
  EXPECT_NEAR(exact["log_z"].get<double>(), truth.log_z, 1e-9);
}

// Loopy BP is not exact on a grid. At these weak couplings (|J| <= 0.3) its marginals
// stay within 0.05 of the truth (observed: 0.017), and the Bethe log Z, which is
// extensive, within 0.01 per variable (observed: 0.053 below the truth for 16 spins).
TEST(CliExamples, Ising4x4BeliefPropagationIsCloseToExact) {
  constexpr double kBpTolerance = 0.05;
  constexpr double kBpLogZTolerancePerVariable = 0.01;
  TempDir dir;
  const BruteForce truth = enumerate_ising(4, IsingParameters{});
  const std::string bp_line = "infer bp(schedule = residual, damping = 0.1, tol = 1e-10, max_iter = 10000)";
  const nlohmann::json bp = run_model(ising_variant(dir, 4, bp_line), dir);
  EXPECT_TRUE(algorithm_of(bp).starts_with("belief propagation")) << algorithm_of(bp);
  EXPECT_TRUE(bp["converged"].get<bool>());
  ASSERT_EQ(bp["marginals"].size(), 16u);
  for (std::size_t k = 0; k < 16; ++k) {
    EXPECT_NEAR(bp["marginals"][k][1].get<double>(), truth.p_up[k], kBpTolerance) << k;
  }
  EXPECT_NEAR(bp["log_z"].get<double>(), truth.log_z, 16 * kBpLogZTolerancePerVariable);
}

TEST(CliExamples, Ising20x20ConvergesWithBeliefPropagation) {
  TempDir dir;
  const nlohmann::json run = run_model(example("ising20.copi"), dir);
  EXPECT_TRUE(algorithm_of(run).starts_with("belief propagation")) << algorithm_of(run);
  EXPECT_TRUE(run["converged"].get<bool>()) << run["termination"];
  ASSERT_EQ(run["marginals"].size(), 400u);
  EXPECT_EQ(run["variables"][399], "s[19][19]");
  for (const auto& marginal : run["marginals"]) {
    EXPECT_NEAR(marginal[0].get<double>() + marginal[1].get<double>(), 1.0, 1e-9);
  }
  // The field tilts up towards the bottom-left corner (large i, small j).
  EXPECT_GT(marginal_of(run, "s[19][0]")[1], marginal_of(run, "s[0][19]")[1]);
  EXPECT_TRUE(std::isfinite(run["log_z"].get<double>()));
}

// examples/ising_bounds.copi as shipped (structured mean field with row clusters) and
// with its `infer` line swapped: naive ELBO <= structured ELBO <= exact log Z <= TRW.
TEST(CliExamples, IsingBoundsBracketTheExactLogZ) {
  TempDir dir;
  const std::string text = slurp(example("ising_bounds.copi"));
  const auto log_z_with = [&](const std::string& infer_line, const std::string& name) {
    const std::string file = dir.write(name + ".copi", replace_line(text, "infer structured(", infer_line)).string();
    const nlohmann::json run = run_model(file, dir, name + ".json");
    return std::pair{run["log_z"].get<double>(), run["log_z_kind"].get<std::string>()};
  };
  const nlohmann::json shipped = run_model(example("ising_bounds.copi"), dir);
  EXPECT_TRUE(algorithm_of(shipped).starts_with("structured mean field (16 clusters")) << algorithm_of(shipped);
  const double structured = shipped["log_z"].get<double>();
  EXPECT_EQ(shipped["log_z_kind"], "lower_bound");
  const auto [naive, naive_kind] = log_z_with("infer meanfield(tol = 1e-10)", "naive");
  const auto [exact, exact_kind] = log_z_with("infer exact", "exact");
  const auto [trw, trw_kind] = log_z_with("infer trw(tol = 1e-10)", "trw");
  EXPECT_EQ(naive_kind, "lower_bound");
  EXPECT_EQ(exact_kind, "exact");
  EXPECT_EQ(trw_kind, "upper_bound");
  EXPECT_LT(naive, structured);  // rows keep the horizontal couplings exactly
  EXPECT_LT(structured, exact);
  EXPECT_LT(exact, trw);
}

// ---- Hidden Markov model against forward-backward ----------------------------------

// The parameters of examples/hmm.copi, restated.
constexpr std::size_t kHmmStates = 3;
using HmmRow = std::array<double, kHmmStates>;
constexpr HmmRow kHmmInitial = {0.5, 0.3, 0.2};
constexpr std::array<HmmRow, kHmmStates> kHmmTransition = {
    {{0.80, 0.15, 0.05}, {0.10, 0.75, 0.15}, {0.05, 0.25, 0.70}}};
constexpr std::array<HmmRow, kHmmStates> kHmmEmission = {
    {{0.70, 0.25, 0.05}, {0.20, 0.60, 0.20}, {0.05, 0.25, 0.70}}};

// The "symbol" column of the observation file (header t,symbol).
std::vector<std::size_t> read_observations(const std::string& file) {
  std::istringstream in(slurp(file));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "t,symbol");
  std::vector<std::size_t> symbols;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    symbols.push_back(std::stoul(line.substr(line.find(',') + 1)));
  }
  return symbols;
}

struct ForwardBackward {
  double log_likelihood = 0;
  std::vector<HmmRow> posterior;
};

// Scaled forward-backward (Rabiner 1989, eqs. 91-92): alpha normalised per step, the
// log-likelihood is the sum of the logs of the normalisers.
ForwardBackward forward_backward(const std::vector<std::size_t>& y) {
  const std::size_t n = y.size();
  std::vector<HmmRow> alpha(n), beta(n);
  ForwardBackward out;
  for (std::size_t t = 0; t < n; ++t) {
    double norm = 0;
    for (std::size_t j = 0; j < kHmmStates; ++j) {
      double prior = 0;
      if (t == 0) {
        prior = kHmmInitial[j];
      } else {
        for (std::size_t i = 0; i < kHmmStates; ++i) prior += alpha[t - 1][i] * kHmmTransition[i][j];
      }
      alpha[t][j] = prior * kHmmEmission[j][y[t]];
      norm += alpha[t][j];
    }
    for (double& a : alpha[t]) a /= norm;
    out.log_likelihood += std::log(norm);
  }
  beta[n - 1].fill(1.0);
  for (std::size_t t = n - 1; t-- > 0;) {
    double norm = 0;
    for (std::size_t i = 0; i < kHmmStates; ++i) {
      beta[t][i] = 0;
      for (std::size_t j = 0; j < kHmmStates; ++j) {
        beta[t][i] += kHmmTransition[i][j] * kHmmEmission[j][y[t + 1]] * beta[t + 1][j];
      }
      norm += beta[t][i];
    }
    for (double& b : beta[t]) b /= norm;
  }
  for (std::size_t t = 0; t < n; ++t) {
    HmmRow gamma{};
    double norm = 0;
    for (std::size_t i = 0; i < kHmmStates; ++i) norm += gamma[i] = alpha[t][i] * beta[t][i];
    for (double& g : gamma) g /= norm;
    out.posterior.push_back(gamma);
  }
  return out;
}

TEST(CliExamples, HmmMatchesForwardBackward) {
  TempDir dir;
  const std::vector<std::size_t> y = read_observations(example("hmm_observations.csv"));
  ASSERT_EQ(y.size(), 50u);
  const ForwardBackward truth = forward_backward(y);
  const nlohmann::json run = run_model(example("hmm.copi"), dir);
  ASSERT_EQ(run["marginals"].size(), 50u);
  for (std::size_t t = 0; t < y.size(); ++t) {
    const std::vector<double> ours = marginal_of(run, "z[" + std::to_string(t) + "]");
    ASSERT_EQ(ours.size(), kHmmStates);
    for (std::size_t i = 0; i < kHmmStates; ++i) EXPECT_NEAR(ours[i], truth.posterior[t][i], 1e-9) << t;
  }
  EXPECT_NEAR(run["log_z"].get<double>(), truth.log_likelihood, 1e-9);
}

// ---- all constructs, and `copi run` vs `copi infer` on the converted model ---------------

// The lowered variables of examples/all_constructs.copi in order: declaration order
// (the included file first), arrays row-major.
const std::vector<std::string> kAllConstructsVariables = {
    "weather",    "grid[0][0]", "grid[0][1]", "grid[1][0]", "grid[1][1]", "grid[2][0]", "grid[2][1]",
    "level",      "alarm",      "temp",       "mood",       "activity",   "sensor[0]",  "sensor[1]"};

std::vector<std::string> ising_names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) names.push_back("s[" + std::to_string(i) + "][" + std::to_string(j) + "]");
  }
  return names;
}

// Converts `model` to UAI, writes the model's evidence (name -> state index) as a UAI
// evidence file, and checks that `copi infer` gives the marginals and log Z of
// `copi run` (and its MAP when the model asks for one).
void expect_run_equals_infer_on_converted(const std::string& model, const std::vector<std::string>& variables,
                                          const std::map<std::string, std::size_t>& evidence) {
  TempDir dir;
  const std::string uai = (dir / "model.uai").string();
  const CliRun convert = run_copi("convert " + model + " " + uai);
  ASSERT_EQ(convert.status, 0) << convert.err;
  std::string evid = std::to_string(evidence.size());
  for (const auto& [name, state] : evidence) {
    const auto it = std::find(variables.begin(), variables.end(), name);
    ASSERT_NE(it, variables.end()) << name;
    evid += " " + std::to_string(it - variables.begin()) + " " + std::to_string(state);
  }
  const std::string evid_file = dir.write("model.evid", evid + "\n").string();

  const nlohmann::json run = run_model(model, dir);
  const CliRun infer = run_copi("infer " + uai + " --evid " + evid_file + " --json " + (dir / "infer.json").string());
  ASSERT_EQ(infer.status, 0) << infer.err;
  const nlohmann::json reference = read_json(dir / "infer.json");
  ASSERT_EQ(reference["marginals"].size(), variables.size());

  const auto names = run["variables"].get<std::vector<std::string>>();
  ASSERT_FALSE(names.empty());
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto it = std::find(variables.begin(), variables.end(), names[k]);
    ASSERT_NE(it, variables.end()) << names[k];
    const auto index = static_cast<std::size_t>(it - variables.begin());
    const auto ours = run["marginals"][k].get<std::vector<double>>();
    const auto theirs = reference["marginals"][index].get<std::vector<double>>();
    ASSERT_EQ(ours.size(), theirs.size()) << names[k];
    for (std::size_t s = 0; s < ours.size(); ++s) EXPECT_NEAR(ours[s], theirs[s], 1e-9) << names[k] << " state " << s;
  }
  EXPECT_NEAR(run["log_z"].get<double>(), reference["log_z"].get<double>(), 1e-9);

  if (!run["map"].empty()) {
    const CliRun mpe = run_copi("infer " + uai + " --evid " + evid_file + " --task MPE --json " +
                                (dir / "mpe.json").string());
    ASSERT_EQ(mpe.status, 0) << mpe.err;
    // "map" lists the states of the variables "variables" names, in that order.
    const nlohmann::json reference_map = read_json(dir / "mpe.json")["map"];
    ASSERT_EQ(run["map"].size(), names.size());
    for (std::size_t k = 0; k < names.size(); ++k) {
      const auto index = static_cast<std::size_t>(std::find(variables.begin(), variables.end(), names[k]) - variables.begin());
      EXPECT_EQ(run["map"][k], reference_map[index]) << names[k];
    }
    EXPECT_NEAR(run["map_log_value"].get<double>(), read_json(dir / "mpe.json")["map_log_value"].get<double>(), 1e-9);
  }
}

TEST(CliExamples, AllConstructsPassesCheck) {
  const CliRun check = run_copi("check " + example("all_constructs.copi"));
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_NE(check.out.find(": ok (14 variables"), std::string::npos) << check.out;
  EXPECT_EQ(check.err, "");
}

TEST(CliExamples, AllConstructsRunMatchesInferOnConvertedModel) {
  // Evidence: sensor[1] = on (label), mood = 1 (state index of good), grid[2][1] = -1 (value).
  expect_run_equals_infer_on_converted(example("all_constructs.copi"), kAllConstructsVariables,
                                       {{"sensor[1]", 1}, {"mood", 1}, {"grid[2][1]", 0}});
}

TEST(CliExamples, AsiaRunMatchesInferOnConvertedModel) {
  const std::vector<std::string> variables = {"asia", "tub", "smoke", "lung", "bronc", "either", "xray", "dysp"};
  expect_run_equals_infer_on_converted(example("asia.copi"), variables, {{"smoke", 0}, {"xray", 0}});
}

TEST(CliExamples, Ising4x4RunMatchesInferOnConvertedModel) {
  TempDir dir;
  expect_run_equals_infer_on_converted(ising_variant(dir, 4, "infer exact"), ising_names(4), {});
}

TEST(CliExamples, AllConstructsRunAnswersEveryQuery) {
  TempDir dir;
  const nlohmann::json run = run_model(example("all_constructs.copi"), dir);
  EXPECT_TRUE(algorithm_of(run).starts_with("exact")) << algorithm_of(run);
  const std::vector<std::string> queried = {"weather",    "grid[0][0]", "grid[0][1]", "grid[1][0]",
                                            "grid[1][1]", "grid[2][0]", "grid[2][1]", "level", "sensor[0]"};
  EXPECT_EQ(run["variables"].get<std::vector<std::string>>(), queried);
  // "map" covers the variables "variables" names (item 12 of issue 10), in that order.
  EXPECT_EQ(run["map"].size(), queried.size());
  EXPECT_EQ(run["map_labels"].size(), queried.size());
  EXPECT_TRUE(run["log_z"].is_number());
  // Observed variables are point masses; the MAP keeps the evidence.
  EXPECT_EQ(marginal_of(run, "grid[2][1]"), (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(run["map"][6], 0);  // grid[2][1] = -1
  EXPECT_EQ(run["map_labels"][6], "-1");
}

}  // namespace
}  // namespace copi::testing
