// examples/lqr/scalar.copi through `copi run --json`, checked against the scalar
// Riccati recursion of each method written out here (no library code): with
// V_{t+1}(x) = -P' x^2/2 + c',
//
//   exact        P^ = P'/(1 + noise P'/α),  c^ = c' - (α/2) log(1 + noise P'/α)
//   variational  P^ = P',                   c^ = c' - P' noise / 2
//   map          as variational
//
// then H = rho + b^2 P^, K = a b P^ / H, P = q + a^2 P^ - (a b P^)^2 / H, policy
// variance α/H, and c = c^ + (α/2) log(2π α / H) (exact, variational: the action
// entropy of a flat prior) or c = c^ (map). V_0(x0) = -P_0 x0^2/2 + c_0; exact:
// log p(O) = V_0(x0)/α.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace copi::testing {
namespace {

// The example's parameters, restated (one `param` per line there).
constexpr double kA = 1.1, kB = 0.5, kQ = 1, kRho = 0.2, kQf = 2, kNoise = 0.3, kX0 = 1, kAlpha = 1;
constexpr int kHorizon = 5;

struct ScalarLqr {
  std::vector<double> gain, variance;  // per t = 0 .. T-1
  double value = 0, constant = 0;
};

ScalarLqr riccati(const std::string& method) {
  ScalarLqr out;
  out.gain.resize(kHorizon);
  out.variance.resize(kHorizon);
  double p = kQf, c = 0;
  for (int t = kHorizon - 1; t >= 0; --t) {
    double p_hat = p, c_hat = c - 0.5 * p * kNoise;
    if (method == "exact") {
      p_hat = p / (1 + kNoise * p / kAlpha);
      c_hat = c - 0.5 * kAlpha * std::log(1 + kNoise * p / kAlpha);
    }
    const double h = kRho + kB * kB * p_hat;
    out.gain[t] = kA * kB * p_hat / h;
    out.variance[t] = method == "map" ? 0.0 : kAlpha / h;
    p = kQ + kA * kA * p_hat - (kA * kB * p_hat) * (kA * kB * p_hat) / h;
    c = c_hat + (method == "map" ? 0.0 : 0.5 * kAlpha * std::log(2 * std::numbers::pi * kAlpha / h));
  }
  out.constant = c;
  out.value = -0.5 * p * kX0 * kX0 + c;
  return out;
}

TEST(CliExamples, LqrScalarMatchesTheScalarRiccatiRecursion) {
  const TempDir dir;
  const CliRun run = run_copi("run " + source_path("examples/lqr/scalar.copi") + " --json " + (dir / "lqr.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "lqr.json"));
  const nlohmann::json& solutions = doc["lqr_solutions"];
  ASSERT_EQ(solutions.size(), 3u);
  const std::vector<std::string> methods = {"exact", "variational", "map"};
  for (std::size_t k = 0; k < methods.size(); ++k) {
    const nlohmann::json& s = solutions[k];
    SCOPED_TRACE(methods[k]);
    EXPECT_EQ(s["lqr"], "scalar");
    EXPECT_EQ(s["method"], methods[k]);
    EXPECT_EQ(s["horizon"], kHorizon);
    const ScalarLqr want = riccati(methods[k]);
    ASSERT_EQ(s["gains"].size(), static_cast<std::size_t>(kHorizon));
    ASSERT_EQ(s["policy_cov"].size(), static_cast<std::size_t>(kHorizon));
    for (int t = 0; t < kHorizon; ++t) {
      EXPECT_NEAR(s["gains"][t][0][0].get<double>(), want.gain[t], 1e-9) << "t = " << t;
      EXPECT_NEAR(s["policy_cov"][t][0][0].get<double>(), want.variance[t], 1e-9) << "t = " << t;
    }
    EXPECT_NEAR(s["value"].get<double>(), want.value, 1e-9);
    EXPECT_NEAR(s["value_constant"].get<double>(), want.constant, 1e-9);
    if (methods[k] == "exact") {
      EXPECT_NEAR(s["log_partition"].get<double>(), want.value / kAlpha, 1e-9);
    } else {
      EXPECT_FALSE(s.contains("log_partition"));
    }
  }
  // The figures docs/control.md quotes, from the recursion above.
  EXPECT_NEAR(riccati("exact").gain[0], 1.253087, 5e-7);
  EXPECT_NEAR(riccati("exact").variance[0], 2.152075, 5e-7);
  EXPECT_NEAR(riccati("exact").value, 4.677074, 5e-7);
  EXPECT_NEAR(riccati("variational").gain[0], 1.482302, 5e-7);
  EXPECT_NEAR(riccati("variational").variance[0], 1.631132, 5e-7);
  EXPECT_NEAR(riccati("variational").value, 3.618385, 5e-7);
  EXPECT_NEAR(riccati("map").value, -2.124166, 5e-7);
}

TEST(CliExamples, LqrScalarPrintsEachSolve) {
  const CliRun run = run_copi("run " + source_path("examples/lqr/scalar.copi"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("lqr blocks: 1   solves: 3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("lqr scalar: exact"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("lqr scalar: variational"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("lqr scalar: map"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("V_0(x0) = 4.677073957"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("log p(O) = 4.677073957"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("V_0(x0) = -2.124165705"), std::string::npos) << run.out;
  // Per t: the gain and the policy covariance (exact, t = 0).
  EXPECT_NE(run.out.find("[[1.253087]]"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("[[2.152075]]"), std::string::npos) << run.out;
  // log p(O) only for exact.
  EXPECT_EQ(run.out.find("log p(O)"), run.out.rfind("log p(O)")) << run.out;
}

// The matrix form through `copi run --json`: a 2-state, 1-action block with a
// non-symmetric A (a transposed or column-major reading would change every number),
// against the deterministic-LQR recursion with 2 x 2 matrices written out here:
// H = R + bᵀP b, g = bᵀP A, K = g/H, P <- Q + AᵀP A - gᵀg/H, and the constant
// c <- c - tr(P Σ)/2 (+ (α/2) log(2πα/H) for variational, whose policy variance is α/H).
TEST(CliRunLqr, MatrixFormMatchesTheTwoStateRiccatiRecursion) {
  const TempDir dir;
  const auto model = dir.write("cart.copi",
                               "lqr cart {\n"
                               "  A = [[1, 0.2], [-0.1, 0.9]]\n"
                               "  B = [[0], [0.5]]\n"
                               "  noise = [[0.1, 0], [0, 0.2]]\n"
                               "  Q = [[1, 0], [0, 0.5]]\n"
                               "  R = 0.3\n"
                               "  Qf = [[2, 0.5], [0.5, 1]]\n"
                               "  x0 = [1, -1]\n"
                               "  horizon 4\n"
                               "  temperature 0.7\n"
                               "}\n"
                               "solve cart with map\nsolve cart with variational\n");
  const CliRun run = run_copi("run " + model.string() + " --json " + (dir / "cart.json").string());
  ASSERT_EQ(run.status, 0) << run.err;
  const nlohmann::json doc = nlohmann::json::parse(slurp(dir / "cart.json"));
  ASSERT_EQ(doc["lqr_solutions"].size(), 2u);

  const double a[2][2] = {{1, 0.2}, {-0.1, 0.9}}, b[2] = {0, 0.5}, q[2][2] = {{1, 0}, {0, 0.5}};
  const double noise[2] = {0.1, 0.2}, x0[2] = {1, -1}, r = 0.3, alpha = 0.7;
  for (const std::string method : {"map", "variational"}) {
    SCOPED_TRACE(method);
    const nlohmann::json& s = doc["lqr_solutions"][method == "map" ? 0 : 1];
    EXPECT_EQ(s["method"], method);
    EXPECT_EQ(s["state_dim"], 2);
    EXPECT_EQ(s["action_dim"], 1);
    double p[2][2] = {{2, 0.5}, {0.5, 1}}, c = 0;
    for (int t = 3; t >= 0; --t) {
      c -= 0.5 * (p[0][0] * noise[0] + p[1][1] * noise[1]);
      double pb[2], h = r;
      for (int i = 0; i < 2; ++i) pb[i] = p[i][0] * b[0] + p[i][1] * b[1];
      h += b[0] * pb[0] + b[1] * pb[1];
      double g[2];  // bᵀ P A
      for (int j = 0; j < 2; ++j) g[j] = pb[0] * a[0][j] + pb[1] * a[1][j];
      double next[2][2];
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) {
          double apa = 0;
          for (int k = 0; k < 2; ++k)
            for (int l = 0; l < 2; ++l) apa += a[k][i] * p[k][l] * a[l][j];
          next[i][j] = q[i][j] + apa - g[i] * g[j] / h;
        }
      }
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) p[i][j] = next[i][j];
      if (method == "variational") c += 0.5 * alpha * std::log(2 * std::numbers::pi * alpha / h);
      ASSERT_EQ(s["gains"][t].size(), 1u);     // m rows
      ASSERT_EQ(s["gains"][t][0].size(), 2u);  // n columns
      EXPECT_NEAR(s["gains"][t][0][0].get<double>(), g[0] / h, 1e-9) << "t = " << t;
      EXPECT_NEAR(s["gains"][t][0][1].get<double>(), g[1] / h, 1e-9) << "t = " << t;
      EXPECT_NEAR(s["policy_cov"][t][0][0].get<double>(), method == "map" ? 0.0 : alpha / h, 1e-9) << "t = " << t;
    }
    double quad = 0;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) quad += x0[i] * p[i][j] * x0[j];
    EXPECT_NEAR(s["value"].get<double>(), -0.5 * quad + c, 1e-9);
    EXPECT_NEAR(s["value_constant"].get<double>(), c, 1e-9);
  }
}

// A broken block: exit 2 and the library's words at the value they are about.
TEST(CliRunLqr, NonPositiveDefiniteRIsAPositionedError) {
  const TempDir dir;
  const auto model = dir.write("bad.copi", "lqr s {\n  A = 1\n  B = 1\n  Q = 1\n  R = -0.5\n  x0 = 0\n  horizon = 2\n}\n"
                                           "solve s with exact\n");
  const CliRun run = run_copi("run " + model.string());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("bad.copi:5:7: error: lqr 's': R must be positive definite; its smallest eigenvalue is -0.5"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace copi::testing
