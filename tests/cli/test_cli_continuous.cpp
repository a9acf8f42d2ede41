// The continuous examples (examples/kalman, trueskill, clutter, probit) through
// `copi run --json`, each against an independent computation written out here: a
// Kalman filter with an RTS smoother (and log p(y) from the innovations), TrueSkill's
// published 1-vs-1 ratings, and the exact posteriors of clutter and probit by
// numerical quadrature on a grid.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

using nlohmann::json;

// The values of one column of a CSV file with a header line.
std::vector<double> csv_column(const std::string& path, std::size_t column) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<double> values;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream cells(line);
    std::string cell;
    for (std::size_t c = 0; c <= column; ++c) std::getline(cells, cell, ',');
    values.push_back(std::stod(cell));
  }
  return values;
}

json run_json(const std::string& model, const TempDir& dir) {
  const std::filesystem::path out = dir / "out.json";
  const CliRun run = run_copi("run " + source_path(model) + " --json " + out.string());
  EXPECT_EQ(run.status, 0) << run.out << run.err;
  return json::parse(slurp(out));
}

double log_normal(double x, double mean, double variance) {
  return -0.5 * std::log(2 * std::numbers::pi * variance) - (x - mean) * (x - mean) / (2 * variance);
}

TEST(CliContinuousExamples, KalmanEqualsAnRtsSmoother) {
  const std::vector<double> y = csv_column(source_path("examples/kalman/observations.csv"), 0);
  const std::size_t T = y.size();
  ASSERT_EQ(T, 50u);
  Eigen::Matrix2d A;
  A << 1, 1, 0, 1;
  Eigen::Matrix2d Q;
  Q << 0.1 / 3, 0.1 / 2, 0.1 / 2, 0.1;
  const Eigen::RowVector2d H(1, 0);
  const double R = 0.5;
  // Filter: predicted (m_pred, P_pred) and filtered (m, P); log p(y) from the innovations.
  std::vector<Eigen::Vector2d> m(T), m_pred(T);
  std::vector<Eigen::Matrix2d> P(T), P_pred(T);
  double log_py = 0;
  for (std::size_t t = 0; t < T; ++t) {
    if (t == 0) {
      m_pred[0] = Eigen::Vector2d(0, 1);
      P_pred[0] = Eigen::Matrix2d::Identity();
    } else {
      m_pred[t] = A * m[t - 1];
      P_pred[t] = A * P[t - 1] * A.transpose() + Q;
    }
    const double s = (H * P_pred[t] * H.transpose())(0, 0) + R;
    const double innovation = y[t] - (H * m_pred[t])(0, 0);
    log_py += log_normal(y[t], (H * m_pred[t])(0, 0), s);
    const Eigen::Vector2d k = P_pred[t] * H.transpose() / s;
    m[t] = m_pred[t] + k * innovation;
    P[t] = P_pred[t] - k * H * P_pred[t];
  }
  // RTS backward pass.
  std::vector<Eigen::Vector2d> ms(m);
  std::vector<Eigen::Matrix2d> Ps(P);
  for (std::size_t t = T - 1; t-- > 0;) {
    const Eigen::Matrix2d G = P[t] * A.transpose() * P_pred[t + 1].inverse();
    ms[t] = m[t] + G * (ms[t + 1] - m_pred[t + 1]);
    Ps[t] = P[t] + G * (Ps[t + 1] - P_pred[t + 1]) * G.transpose();
  }

  TempDir dir;
  const json doc = run_json("examples/kalman/kalman.copi", dir);
  ASSERT_TRUE(doc.contains("continuous"));
  EXPECT_EQ(doc["continuous"].size(), T);
  EXPECT_EQ(doc["log_z_kind"], "exact");
  EXPECT_NEAR(doc["log_z"].get<double>(), log_py, 1e-9 * std::abs(log_py));
  for (std::size_t t = 0; t < T; ++t) {
    const json& x = doc["continuous"]["x[" + std::to_string(t) + "]"];
    ASSERT_EQ(x["mean"].size(), 2u);
    ASSERT_EQ(x["cov"].size(), 2u);
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(x["mean"][i].get<double>(), ms[t](i), 1e-9 * (1 + std::abs(ms[t](i)))) << "t = " << t;
      for (int j = 0; j < 2; ++j) EXPECT_NEAR(x["cov"][i][j].get<double>(), Ps[t](i, j), 1e-9) << "t = " << t;
    }
  }
}

TEST(CliContinuousExamples, TrueSkillOneVersusOneGivesThePublishedRatings) {
  TempDir dir;
  const json doc = run_json("examples/trueskill/trueskill.copi", dir);
  const json& winner = doc["continuous"]["skill[0]"];
  const json& loser = doc["continuous"]["skill[1]"];
  ASSERT_EQ(winner["mean"].size(), 1u);  // a vector even for a scalar
  // TrueSkill's defaults (mu 25, sigma 25/3, beta = sigma/2, tau = sigma/100, draw
  // probability 0.1): winner 29.396 ± 7.171, loser 20.604 ± 7.171.
  EXPECT_NEAR(winner["mean"][0].get<double>(), 29.396, 5e-4);
  EXPECT_NEAR(std::sqrt(winner["cov"][0][0].get<double>()), 7.171, 5e-4);
  EXPECT_NEAR(loser["mean"][0].get<double>(), 20.604, 5e-4);
  EXPECT_NEAR(std::sqrt(loser["cov"][0][0].get<double>()), 7.171, 5e-4);
  EXPECT_EQ(doc["log_z_kind"], "ep_estimate");
}

TEST(CliContinuousExamples, TrueSkillStdoutShowsMeanAndSd) {
  const CliRun run = run_copi("run " + source_path("examples/trueskill/trueskill.copi"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("skill[0]  29.3958 ± 7.17148"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("skill[1]  20.6042 ± 7.17148"), std::string::npos) << run.out;
}

TEST(CliContinuousExamples, TrueSkillDrawAndThreePlayersFromGameCsv) {
  // A draw between equal ratings leaves the means at 25 and shrinks both sds equally;
  // a three-player game keeps the order of finish in the means.
  TempDir dir;
  std::filesystem::copy(source_path("examples/trueskill/trueskill.copi"), dir / "trueskill.copi");
  dir.write("game.csv", "player,rank\na,1\nb,1\n");
  CliRun run = run_copi("run " + (dir / "trueskill.copi").string() + " --json " + (dir / "draw.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  json doc = json::parse(slurp(dir / "draw.json"));
  EXPECT_NEAR(doc["continuous"]["skill[0]"]["mean"][0].get<double>(), 25.0, 1e-9);
  EXPECT_NEAR(doc["continuous"]["skill[1]"]["mean"][0].get<double>(), 25.0, 1e-9);
  const double sd = std::sqrt(doc["continuous"]["skill[0]"]["cov"][0][0].get<double>());
  EXPECT_LT(sd, 25.0 / 3);
  EXPECT_NEAR(std::sqrt(doc["continuous"]["skill[1]"]["cov"][0][0].get<double>()), sd, 1e-9);

  dir.write("game.csv", "player,rank,mu,sigma\na,1,25,8.333333\nb,2,30,2\nc,3,20,8.333333\n");
  run = run_copi("run " + (dir / "trueskill.copi").string() + " --json " + (dir / "three.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  doc = json::parse(slurp(dir / "three.json"));
  EXPECT_GT(doc["continuous"]["skill[0]"]["mean"][0].get<double>(), 25.0);  // beat a stronger player
  EXPECT_LT(doc["continuous"]["skill[2]"]["mean"][0].get<double>(), 20.0);
  // The confident player (sigma 2) moves little.
  EXPECT_NEAR(doc["continuous"]["skill[1]"]["mean"][0].get<double>(), 30.0, 1.0);
}

// The posterior (mean, sd) of every skill[i] of the example run on a game.csv.
std::vector<std::pair<double, double>> trueskill_ratings(const TempDir& dir, const std::string& game,
                                                         const std::string& name) {
  std::filesystem::create_directories(dir / name);
  std::filesystem::copy(source_path("examples/trueskill/trueskill.copi"), dir / name / "trueskill.copi");
  dir.write(name + "/game.csv", game);
  const std::filesystem::path out = dir / (name + ".json");
  const CliRun run = run_copi("run " + (dir / name / "trueskill.copi").string() + " --json " + out.string());
  EXPECT_EQ(run.status, 0) << run.err;
  const json doc = json::parse(slurp(out));
  std::vector<std::pair<double, double>> ratings;
  for (std::size_t i = 0; doc["continuous"].contains("skill[" + std::to_string(i) + "]"); ++i) {
    const json& s = doc["continuous"]["skill[" + std::to_string(i) + "]"];
    ratings.emplace_back(s["mean"][0].get<double>(), std::sqrt(s["cov"][0][0].get<double>()));
  }
  return ratings;
}

TEST(CliContinuousExamples, TrueSkillRatesRowsInAnyOrder) {
  // Five players with their own ratings, a draw between b and c: the rows shuffled
  // (b still before c, the tied pair being chained in file order) give every player
  // the rating of the sorted file. Before argsort the example compared consecutive
  // rows, so the shuffled file lost most of its results.
  TempDir dir;
  const std::vector<std::string> rows = {"a,1,27,6", "b,2,25,8.3", "c,2,24,3", "d,4,30,5", "e,5,20,7"};
  std::string sorted = "player,rank,mu,sigma\n";
  for (const std::string& r : rows) sorted += r + "\n";
  const std::vector<std::size_t> shuffle = {3, 1, 4, 0, 2};  // d, b, e, a, c
  std::string shuffled = "player,rank,mu,sigma\n";
  for (const std::size_t k : shuffle) shuffled += rows[k] + "\n";
  const auto expected = trueskill_ratings(dir, sorted, "sorted");
  const auto got = trueskill_ratings(dir, shuffled, "shuffled");
  ASSERT_EQ(expected.size(), 5u);
  ASSERT_EQ(got.size(), 5u);
  for (std::size_t row = 0; row < 5; ++row) {
    const auto& [mean, sd] = expected[shuffle[row]];
    EXPECT_NEAR(got[row].first, mean, 1e-9) << rows[shuffle[row]];
    EXPECT_NEAR(got[row].second, sd, 1e-9) << rows[shuffle[row]];
  }
  // The winner gained, the last lost, and the draw pulled b and c together.
  EXPECT_GT(expected[0].first, 27.0);
  EXPECT_LT(expected[4].first, 20.0);

  // TrueSkill's published 1-vs-1 numbers with the loser listed first.
  const auto one_on_one = trueskill_ratings(dir, "player,rank\nloser,2\nwinner,1\n", "loser_first");
  ASSERT_EQ(one_on_one.size(), 2u);
  EXPECT_NEAR(one_on_one[0].first, 20.604, 5e-4);
  EXPECT_NEAR(one_on_one[0].second, 7.171, 5e-4);
  EXPECT_NEAR(one_on_one[1].first, 29.396, 5e-4);
  EXPECT_NEAR(one_on_one[1].second, 7.171, 5e-4);
}

// The exact posterior of θ on a grid (the 2^N-component mixture, evaluated pointwise).
TEST(CliContinuousExamples, ClutterEpIsCloseToTheExactPosterior) {
  const std::vector<double> x = csv_column(source_path("examples/clutter/data.csv"), 0);
  const double w = 0.5;
  const int n = 80001;
  const double lo = -20, hi = 20, h = (hi - lo) / (n - 1);
  std::vector<double> log_p(n);
  double top = -INFINITY;
  for (int k = 0; k < n; ++k) {
    const double theta = lo + k * h;
    double l = log_normal(theta, 0, 100);
    for (const double xi : x)
      l += std::log((1 - w) * std::exp(log_normal(xi, theta, 1)) + w * std::exp(log_normal(xi, 0, 10)));
    log_p[k] = l;
    top = std::max(top, l);
  }
  double z = 0, m1 = 0, m2 = 0;
  for (int k = 0; k < n; ++k) {
    const double theta = lo + k * h, p = std::exp(log_p[k] - top);
    z += p;
    m1 += p * theta;
    m2 += p * theta * theta;
  }
  const double mean = m1 / z, variance = m2 / z - mean * mean, log_z = top + std::log(z * h);

  TempDir dir;
  const json doc = run_json("examples/clutter/clutter.copi", dir);
  const json& theta = doc["continuous"]["theta"];
  // EP is an approximation: on these 20 points it is within a few 1e-4 of the truth
  // (mean 1.68778, sd 0.34865, log Z -47.98893).
  EXPECT_NEAR(theta["mean"][0].get<double>(), mean, 1e-3);
  EXPECT_NEAR(std::sqrt(theta["cov"][0][0].get<double>()), std::sqrt(variance), 1e-3);
  EXPECT_NEAR(doc["log_z"].get<double>(), log_z, 1e-2);
  EXPECT_EQ(doc["log_z_kind"], "ep_estimate");
}

double log_phi(double s) { return std::log(0.5 * std::erfc(-s / std::numbers::sqrt2)); }

TEST(CliContinuousExamples, ProbitEpIsCloseToTheExactPosterior) {
  const std::vector<double> x = csv_column(source_path("examples/probit/data.csv"), 0);
  const std::vector<double> y = csv_column(source_path("examples/probit/data.csv"), 1);
  const int n = 401;
  const double lo = -5, hi = 5, h = (hi - lo) / (n - 1);
  std::vector<double> log_p(static_cast<std::size_t>(n) * n);
  double top = -INFINITY;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double b = lo + i * h, s = lo + j * h;
      double l = -(b * b + s * s) / 2 - std::log(2 * std::numbers::pi);
      for (std::size_t k = 0; k < x.size(); ++k) l += log_phi(y[k] * (b + s * x[k]));
      log_p[static_cast<std::size_t>(i) * n + j] = l;
      top = std::max(top, l);
    }
  }
  double z = 0, mb = 0, ms = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double p = std::exp(log_p[static_cast<std::size_t>(i) * n + j] - top);
      z += p;
      mb += p * (lo + i * h);
      ms += p * (lo + j * h);
    }
  }
  mb /= z;
  ms /= z;
  const double log_z = top + std::log(z * h * h);

  TempDir dir;
  const json doc = run_json("examples/probit/probit.copi", dir);
  const json& w = doc["continuous"]["w"];
  ASSERT_EQ(w["mean"].size(), 2u);
  ASSERT_EQ(w["cov"].size(), 2u);
  // EP on probit regression is known to be accurate in the mean (here within 0.01 of
  // the exact -0.2577, 1.8821) and in log Z (within 0.05 of -8.959).
  EXPECT_NEAR(w["mean"][0].get<double>(), mb, 1e-2);
  EXPECT_NEAR(w["mean"][1].get<double>(), ms, 1e-2);
  EXPECT_NEAR(doc["log_z"].get<double>(), log_z, 5e-2);
}

TEST(CliContinuousExamples, VarQueryPrintsTheVariancePerComponent) {
  // Priors only, so the marginals are the priors: x ~ N(1, 4), v ~ N([0, 1], [[2, .5],
  // [.5, 3]]). var(...) adds the variances below the mean ± sd line; mean(...) does not.
  TempDir dir;
  const std::filesystem::path model = dir.write("m.copi",
                                                "var x, m : real\nvar v : real[2]\n"
                                                "x ~ normal(1, 4)\n"
                                                "v ~ mvnormal([0, 1], [[2, 0.5], [0.5, 3]])\n"
                                                "m ~ normal(5, 9)\n"
                                                "query var(x), var(v), mean(m)\ninfer gbp\n");
  const CliRun run = run_copi("run " + model.string() + " --json " + (dir / "out.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("x         1 ± 2\n          var 4\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("v         [0 ± 1.41421, 1 ± 1.73205]\n          var [2, 3]\n"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("m         5 ± 3\n"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("var 9"), std::string::npos) << run.out;
  const json doc = json::parse(slurp(dir / "out.json"));
  const json& c = doc["continuous"];
  ASSERT_EQ(c["x"]["var"].size(), 1u);
  EXPECT_NEAR(c["x"]["var"][0].get<double>(), 4.0, 1e-12);
  ASSERT_EQ(c["v"]["var"].size(), 2u);
  EXPECT_NEAR(c["v"]["var"][0].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(c["v"]["var"][1].get<double>(), 3.0, 1e-12);
  EXPECT_NEAR(c["v"]["cov"][0][1].get<double>(), 0.5, 1e-12);
  ASSERT_EQ(c["m"]["var"].size(), 1u);
  EXPECT_NEAR(c["m"]["var"][0].get<double>(), 9.0, 1e-12);
}

TEST(CliContinuousExamples, DiscreteAlgorithmOnAContinuousModelIsAnErrorAtInfer) {
  TempDir dir;
  const std::filesystem::path model =
      dir.write("m.copi", "var x : real\nx ~ normal(0, 1)\nquery mean(x)\ninfer exact\n");
  const CliRun run = run_copi("run " + model.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("m.copi:4:7: error: exact runs discrete models only, and 'x' is a real variable"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace copi::testing
