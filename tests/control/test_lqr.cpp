// LQR as inference (copi/control/lqr.hpp) against independent computations: the
// deterministic Riccati recursion written out here, the exact method's Riccati in its
// inverse form, a dense Gaussian over the whole trajectory (one precision matrix,
// integrated and inverted with Eigen), forward propagation of the state distribution
// under the returned policy, and the scalar example worked by hand.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "copi/control/lqr.hpp"
#include "copi/graph/error.hpp"

namespace {

using copi::control::ControlMethod;
using copi::control::LqrMatrix;
using copi::control::LqrProblem;
using copi::control::LqrSolution;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kPi = std::numbers::pi;

MatrixXd dense(const LqrMatrix& m) {
  MatrixXd out(static_cast<Eigen::Index>(m.rows), static_cast<Eigen::Index>(m.cols));
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j) out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(i, j);
  return out;
}

VectorXd vec(const std::vector<double>& v) { return Eigen::Map<const VectorXd>(v.data(), static_cast<Eigen::Index>(v.size())); }

double max_abs_diff(const MatrixXd& a, const MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); }

// n = 3 states, m = 2 actions, a cross term, correlated noise, α != 1.
LqrProblem three_state_problem() {
  LqrProblem p;
  p.A = {{1.0, 0.1, 0.0}, {0.0, 0.9, 0.2}, {0.1, 0.0, 1.05}};
  p.B = {{0.0, 0.1}, {0.5, 0.0}, {0.2, 0.3}};
  p.Q = {{1.0, 0.2, 0.0}, {0.2, 0.5, 0.1}, {0.0, 0.1, 0.8}};
  p.R = {{0.3, 0.05}, {0.05, 0.2}};
  p.N = {{0.05, 0.0}, {0.0, 0.02}, {0.01, 0.03}};
  p.Qf = {{2.0, 0.1, 0.0}, {0.1, 1.5, 0.0}, {0.0, 0.0, 1.0}};
  p.noise = {{0.2, 0.05, 0.0}, {0.05, 0.1, 0.02}, {0.0, 0.02, 0.15}};
  p.x0 = {1.0, -0.5, 0.3};
  p.horizon = 6;
  p.temperature = 0.7;
  return p;
}

// The textbook discrete-time Riccati recursion (deterministic LQR with a cross term):
// P_T = Qf, K = (R + BᵀPB)⁻¹(BᵀPA + Nᵀ), P ← Q + AᵀPA − (AᵀPB + N) K.
struct Riccati {
  std::vector<MatrixXd> gain, value, h_uu;  // gain/h_uu per t = 0..T-1, value per t = 0..T
};
Riccati deterministic_riccati(const LqrProblem& p) {
  const MatrixXd a = dense(p.A), b = dense(p.B), q = dense(p.Q), r = dense(p.R), n = dense(p.N);
  Riccati out;
  out.gain.resize(p.horizon);
  out.h_uu.resize(p.horizon);
  out.value.resize(p.horizon + 1);
  MatrixXd pm = dense(p.Qf);
  out.value[p.horizon] = pm;
  for (std::size_t t = p.horizon; t-- > 0;) {
    const MatrixXd h = r + b.transpose() * pm * b;
    const MatrixXd k = h.inverse() * (b.transpose() * pm * a + n.transpose());
    pm = q + a.transpose() * pm * a - (a.transpose() * pm * b + n) * k;
    out.gain[t] = k;
    out.h_uu[t] = h;
    out.value[t] = pm;
  }
  return out;
}

// The exact method's Riccati in inverse form: the next value's matrix becomes
// (P⁻¹ + Σ/α)⁻¹ (P invertible here: Q and Qf are positive definite).
Riccati exact_riccati(const LqrProblem& p) {
  const MatrixXd a = dense(p.A), b = dense(p.B), q = dense(p.Q), r = dense(p.R), n = dense(p.N);
  const MatrixXd sigma = dense(p.noise);
  Riccati out;
  out.gain.resize(p.horizon);
  out.h_uu.resize(p.horizon);
  out.value.resize(p.horizon + 1);
  MatrixXd pm = dense(p.Qf);
  out.value[p.horizon] = pm;
  for (std::size_t t = p.horizon; t-- > 0;) {
    const MatrixXd pt = (pm.inverse() + sigma / p.temperature).inverse();
    const MatrixXd h = r + b.transpose() * pt * b;
    const MatrixXd k = h.inverse() * (b.transpose() * pt * a + n.transpose());
    pm = q + a.transpose() * pt * a - (a.transpose() * pt * b + n) * k;
    out.gain[t] = k;
    out.h_uu[t] = h;
    out.value[t] = pm;
  }
  return out;
}

// An unnormalised Gaussian exp(−½ zᵀΛz + hᵀz + k), built from quadratic terms
// −½ (G z + g)ᵀ C (G z + g); log ∫ = k + ½ hᵀΛ⁻¹h + (D/2) log 2π − ½ log det Λ.
struct DenseGaussian {
  MatrixXd lambda;
  VectorXd h;
  double k = 0.0;
  explicit DenseGaussian(Eigen::Index d) : lambda(MatrixXd::Zero(d, d)), h(VectorXd::Zero(d)) {}
  void add(const MatrixXd& g_map, const VectorXd& g_offset, const MatrixXd& c) {
    lambda += g_map.transpose() * c * g_map;
    h -= g_map.transpose() * c * g_offset;
    k -= 0.5 * g_offset.dot(c * g_offset);
  }
  [[nodiscard]] double log_integral() const {
    const Eigen::LLT<MatrixXd> llt(lambda);
    EXPECT_EQ(llt.info(), Eigen::Success);
    const double log_det = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
    return k + 0.5 * h.dot(llt.solve(h)) + 0.5 * static_cast<double>(h.size()) * std::log(2 * kPi) - 0.5 * log_det;
  }
  [[nodiscard]] VectorXd mean() const { return lambda.llt().solve(h); }
  [[nodiscard]] MatrixXd covariance() const { return lambda.inverse(); }
};

// Affine expressions of the trajectory's variables in z.
struct Affine {
  MatrixXd map;
  VectorXd offset;
};

// The joint over z = [x_0 (when x0_cov is given), x_1 .. x_T, u_0 .. u_{T-1}] of
// Π_t N(x_{t+1}; A x_t + B u_t, Σ) exp(r(x_t, u_t)/α) · exp(r_T(x_T)/α) (· N(x_0; x0, x0_cov)):
// its integral is p(O = 1) with a flat action prior, its u_0 marginal the posterior policy.
struct Trajectory {
  DenseGaussian joint;
  Eigen::Index u0_index;
};
Trajectory trajectory_gaussian(const LqrProblem& p) {
  const auto n = static_cast<Eigen::Index>(p.A.rows), m = static_cast<Eigen::Index>(p.B.cols);
  const auto horizon = static_cast<Eigen::Index>(p.horizon);
  const bool random_start = !p.x0_cov.empty();
  const Eigen::Index first_x = random_start ? 0 : 1;  // the first x_t that is a variable
  const Eigen::Index x_count = horizon + 1 - first_x;
  const Eigen::Index d = n * x_count + m * horizon;
  const auto x_of = [&](Eigen::Index t) {
    Affine e{MatrixXd::Zero(n, d), VectorXd::Zero(n)};
    if (t < first_x) e.offset = vec(p.x0);
    else e.map.block(0, n * (t - first_x), n, n).setIdentity();
    return e;
  };
  const auto u_of = [&](Eigen::Index t) {
    Affine e{MatrixXd::Zero(m, d), VectorXd::Zero(m)};
    e.map.block(0, n * x_count + m * t, m, m).setIdentity();
    return e;
  };
  const MatrixXd a = dense(p.A), b = dense(p.B), sigma = dense(p.noise);
  MatrixXd cost(n + m, n + m);
  cost << dense(p.Q), dense(p.N), dense(p.N).transpose(), dense(p.R);
  DenseGaussian g(d);
  for (Eigen::Index t = 0; t < horizon; ++t) {
    const Affine x = x_of(t), u = u_of(t), next = x_of(t + 1);
    g.add(next.map - a * x.map - b * u.map, next.offset - a * x.offset, sigma.inverse());
    g.k -= 0.5 * std::log((2 * kPi * sigma).determinant());
    Affine xu{MatrixXd(n + m, d), VectorXd(n + m)};
    xu.map << x.map, u.map;
    xu.offset << x.offset, u.offset;
    g.add(xu.map, xu.offset, cost / p.temperature);
  }
  const Affine last = x_of(horizon);
  g.add(last.map, last.offset, dense(p.Qf) / p.temperature);
  if (random_start) {
    const MatrixXd s0 = dense(p.x0_cov);
    const Affine x = x_of(0);
    g.add(x.map, x.offset - vec(p.x0), s0.inverse());
    g.k -= 0.5 * std::log((2 * kPi * s0).determinant());
  }
  return {g, n * x_count};
}

TEST(Lqr, VariationalAndMapGainsEqualTheDeterministicRiccati) {
  const LqrProblem p = three_state_problem();
  const Riccati ref = deterministic_riccati(p);
  for (ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    const LqrSolution s = copi::control::solve_lqr(p, method);
    ASSERT_EQ(s.gain.size(), p.horizon);
    ASSERT_EQ(s.value_matrix.size(), p.horizon + 1);
    for (std::size_t t = 0; t < p.horizon; ++t) {
      EXPECT_LT(max_abs_diff(dense(s.gain[t]), ref.gain[t]), 1e-12) << to_string(method) << " t = " << t;
      EXPECT_LT(max_abs_diff(dense(s.value_matrix[t]), ref.value[t]), 1e-11) << to_string(method) << " t = " << t;
      const MatrixXd cov = method == ControlMethod::map ? MatrixXd::Zero(2, 2)
                                                        : MatrixXd(p.temperature * ref.h_uu[t].inverse());
      EXPECT_LT(max_abs_diff(dense(s.policy_cov[t]), cov), 1e-12) << to_string(method) << " t = " << t;
    }
    EXPECT_LT(max_abs_diff(dense(s.value_matrix[p.horizon]), dense(p.Qf)), 0.0 + 1e-15);
  }
}

TEST(Lqr, ExactMatchesItsInverseFormRiccati) {
  const LqrProblem p = three_state_problem();
  const Riccati ref = exact_riccati(p);
  const Riccati deterministic = deterministic_riccati(p);
  const LqrSolution s = copi::control::solve_lqr(p, ControlMethod::exact);
  for (std::size_t t = 0; t < p.horizon; ++t) {
    EXPECT_LT(max_abs_diff(dense(s.gain[t]), ref.gain[t]), 1e-11) << "t = " << t;
    EXPECT_LT(max_abs_diff(dense(s.value_matrix[t]), ref.value[t]), 1e-10) << "t = " << t;
    EXPECT_LT(max_abs_diff(dense(s.policy_cov[t]), p.temperature * ref.h_uu[t].inverse()), 1e-11) << "t = " << t;
    // With noise the optimistic gains differ from the deterministic LQR's.
    EXPECT_GT(max_abs_diff(dense(s.gain[t]), deterministic.gain[t]), 1e-4) << "t = " << t;
  }
}

TEST(Lqr, ExactEqualsTheDenseGaussianPosteriorOverTheTrajectory) {
  const LqrProblem p = three_state_problem();
  const LqrSolution s = copi::control::solve_lqr(p, ControlMethod::exact);
  const Trajectory traj = trajectory_gaussian(p);
  const double log_z = traj.joint.log_integral();
  EXPECT_NEAR(s.log_partition, log_z, 1e-9 * std::max(1.0, std::abs(log_z)));
  EXPECT_NEAR(s.value, p.temperature * log_z, 1e-9 * std::max(1.0, std::abs(log_z)));
  // π(u_0 | x_0) = p(u_0 | x_0, O = 1): the u_0 block of the posterior.
  const VectorXd mean = traj.joint.mean().segment(traj.u0_index, 2);
  const MatrixXd cov = traj.joint.covariance().block(traj.u0_index, traj.u0_index, 2, 2);
  EXPECT_LT((mean - (-dense(s.gain[0]) * vec(p.x0))).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_LT(max_abs_diff(cov, dense(s.policy_cov[0])), 1e-10);
}

// Every step, not only t = 0: given x_t the later actions are independent of the
// earlier optimality variables, so π_t(u | x) is the conditional of u_t given x_t in the
// joint posterior: mean C_ux C_xx⁻¹ x (= −K_t x with the mean consistent) and covariance
// C_uu − C_ux C_xx⁻¹ C_xu.
TEST(Lqr, ExactPolicyAtEveryStepIsTheDensePosteriorsConditional) {
  const LqrProblem p = three_state_problem();
  const LqrSolution s = copi::control::solve_lqr(p, ControlMethod::exact);
  const Trajectory traj = trajectory_gaussian(p);
  const MatrixXd cov = traj.joint.covariance();
  const VectorXd mean = traj.joint.mean();
  const Eigen::Index n = 3, m = 2;
  for (Eigen::Index t = 1; t < static_cast<Eigen::Index>(p.horizon); ++t) {
    const Eigen::Index xi = n * (t - 1), ui = traj.u0_index + m * t;  // x_1 is the first x variable
    const MatrixXd c_xx = cov.block(xi, xi, n, n), c_ux = cov.block(ui, xi, m, n), c_uu = cov.block(ui, ui, m, m);
    const MatrixXd regression = c_ux * c_xx.inverse();
    const auto ts = static_cast<std::size_t>(t);
    EXPECT_LT(max_abs_diff(regression, -dense(s.gain[ts])), 1e-9) << "t = " << t;
    EXPECT_LT(max_abs_diff(c_uu - regression * c_ux.transpose(), dense(s.policy_cov[ts])), 1e-9) << "t = " << t;
    EXPECT_LT((mean.segment(ui, m) + dense(s.gain[ts]) * mean.segment(xi, n)).cwiseAbs().maxCoeff(), 1e-9)
        << "t = " << t;
  }
}

TEST(Lqr, ExactLogPartitionOverAGaussianInitialState) {
  LqrProblem p = three_state_problem();
  p.x0_cov = {{0.3, 0.1, 0.0}, {0.1, 0.4, -0.05}, {0.0, -0.05, 0.2}};
  const LqrSolution s = copi::control::solve_lqr(p, ControlMethod::exact);
  const double log_z = trajectory_gaussian(p).joint.log_integral();
  EXPECT_NEAR(s.log_partition, log_z, 1e-9 * std::max(1.0, std::abs(log_z)));
  // value stays V_0 at the mean, which differs from α log p(O) once x_0 is uncertain.
  EXPECT_NEAR(s.value, copi::control::lqr_value(s, 0, p.x0), 1e-12);
  EXPECT_GT(std::abs(s.value - p.temperature * log_z), 1e-3);
}

// E[Σ_t r(x_t, u_t) + α H(π(·|x_t))] + E[r_T(x_T)] under the returned policy, by
// propagating the state's mean and covariance forward through the true dynamics.
double policy_objective(const LqrProblem& p, const LqrSolution& s, bool with_entropy) {
  const MatrixXd a = dense(p.A), b = dense(p.B), q = dense(p.Q), r = dense(p.R), n = dense(p.N);
  const MatrixXd sigma = dense(p.noise);
  VectorXd mean = vec(p.x0);
  MatrixXd cov = MatrixXd::Zero(mean.size(), mean.size());
  double total = 0.0;
  for (std::size_t t = 0; t < p.horizon; ++t) {
    const MatrixXd k = dense(s.gain[t]), pc = dense(s.policy_cov[t]);
    const MatrixXd second = cov + mean * mean.transpose();  // E[x xᵀ]
    // E[xᵀQx] + E[uᵀRu] + 2 E[xᵀN u] with u = −K x + ε
    total -= 0.5 * ((q * second).trace() + (r * (k * second * k.transpose() + pc)).trace() -
                    2.0 * (n * k * second).trace());
    if (with_entropy) total += p.temperature * 0.5 * std::log((2 * kPi * std::numbers::e * pc).determinant());
    const MatrixXd closed = a - b * k;
    mean = closed * mean;
    cov = closed * cov * closed.transpose() + b * pc * b.transpose() + sigma;
  }
  total -= 0.5 * (dense(p.Qf) * (cov + mean * mean.transpose())).trace();
  return total;
}

TEST(Lqr, VariationalValueIsTheMaximumEntropyObjectiveAndMapTheExpectedReturn) {
  const LqrProblem p = three_state_problem();
  const LqrSolution variational = copi::control::solve_lqr(p, ControlMethod::variational);
  const LqrSolution map = copi::control::solve_lqr(p, ControlMethod::map);
  EXPECT_NEAR(variational.value, policy_objective(p, variational, true), 1e-10);
  EXPECT_NEAR(map.value, policy_objective(p, map, false), 1e-10);
  // The exact method's value is optimistic: above what its own policy achieves.
  const LqrSolution exact = copi::control::solve_lqr(p, ControlMethod::exact);
  EXPECT_GT(exact.value, policy_objective(p, exact, true) + 1e-3);
  EXPECT_GT(exact.value, variational.value);
}

// Optimality without the Riccati: nudging any entry of a variational gain (t >= 1, where
// the noise makes the state's second moment full rank) or scaling a policy covariance
// lowers the maximum-entropy objective; for map, nudging a gain lowers the expected return.
TEST(Lqr, PerturbingTheReturnedPolicyLowersItsObjective) {
  const LqrProblem p = three_state_problem();
  for (ControlMethod method : {ControlMethod::variational, ControlMethod::map}) {
    const bool entropy = method == ControlMethod::variational;
    const LqrSolution s = copi::control::solve_lqr(p, method);
    const double best = policy_objective(p, s, entropy);
    for (std::size_t t = 1; t < p.horizon; t += 2) {
      for (std::size_t e = 0; e < s.gain[t].data.size(); ++e)
        for (double step : {-1e-3, 1e-3}) {
          LqrSolution nudged = s;
          nudged.gain[t].data[e] += step;
          EXPECT_LT(policy_objective(p, nudged, entropy), best - 1e-9) << to_string(method) << " t = " << t;
        }
      if (entropy)
        for (double scale : {0.99, 1.01}) {
          LqrSolution nudged = s;
          for (double& v : nudged.policy_cov[t].data) v *= scale;
          EXPECT_LT(policy_objective(p, nudged, true), best - 1e-9) << "t = " << t;
        }
    }
  }
}

// The example (examples/lqr/scalar.copi): x' = a x + b u + N(0, noise),
// r = −½(q x² + rho u²), terminal −½ qf x², T = 5, x0 = 1, α = 1; worked by hand.
TEST(Lqr, ScalarExampleByHand) {
  const double a = 1.1, b = 0.5, q = 1.0, rho = 0.2, qf = 2.0, noise = 0.3, x0 = 1.0, alpha = 1.0;
  const std::size_t horizon = 5;
  LqrProblem p;
  p.A = {{a}};
  p.B = {{b}};
  p.Q = {{q}};
  p.R = {{rho}};
  p.Qf = {{qf}};
  p.noise = {{noise}};
  p.x0 = {x0};
  p.horizon = horizon;
  p.temperature = alpha;
  for (ControlMethod method : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    double pv = qf, c = 0.0;
    std::vector<double> gains(horizon), covs(horizon);
    for (std::size_t t = horizon; t-- > 0;) {
      // exact: the noise integral shrinks P to P/(1 + noise P/α) and adds −(α/2) log(1 + noise P/α);
      // variational and map: E[−½ P x'²] adds −½ P noise.
      const double pt = method == ControlMethod::exact ? pv / (1 + noise * pv / alpha) : pv;
      c += method == ControlMethod::exact ? -0.5 * alpha * std::log(1 + noise * pv / alpha) : -0.5 * pv * noise;
      const double h = rho + b * b * pt;
      gains[t] = a * b * pt / h;
      covs[t] = method == ControlMethod::map ? 0.0 : alpha / h;
      // ∫ exp(−h (u − u*)²/(2α)) du = sqrt(2πα/h)
      if (method != ControlMethod::map) c += 0.5 * alpha * std::log(2 * kPi * alpha / h);
      pv = q + a * a * pt - (a * b * pt) * (a * b * pt) / h;
    }
    const LqrSolution s = copi::control::solve_lqr(p, method);
    for (std::size_t t = 0; t < horizon; ++t) {
      EXPECT_NEAR(s.gain[t](0, 0), gains[t], 1e-13) << to_string(method) << " t = " << t;
      EXPECT_NEAR(s.policy_cov[t](0, 0), covs[t], 1e-13) << to_string(method) << " t = " << t;
    }
    EXPECT_NEAR(s.value_matrix[0](0, 0), pv, 1e-12) << to_string(method);
    EXPECT_NEAR(s.value_constant[0], c, 1e-12) << to_string(method);
    EXPECT_NEAR(s.value, -0.5 * pv * x0 * x0 + c, 1e-12) << to_string(method);
    EXPECT_NEAR(s.log_partition, method == ControlMethod::exact ? s.value / alpha : 0.0, 1e-12);
  }
}

// Σ = 0: exact and variational are the same inference, and the posterior mean of the
// trajectory given O = 1 (here a Gaussian over the actions alone, the states being
// their linear functions) is the LQR closed loop from x0.
TEST(Lqr, DeterministicDynamicsExactEqualsVariationalAndThePosteriorMeanIsTheClosedLoop) {
  LqrProblem p = three_state_problem();
  p.noise = {};
  const LqrSolution exact = copi::control::solve_lqr(p, ControlMethod::exact);
  const LqrSolution variational = copi::control::solve_lqr(p, ControlMethod::variational);
  for (std::size_t t = 0; t < p.horizon; ++t) {
    EXPECT_LT(max_abs_diff(dense(exact.gain[t]), dense(variational.gain[t])), 1e-13);
    EXPECT_LT(max_abs_diff(dense(exact.policy_cov[t]), dense(variational.policy_cov[t])), 1e-13);
    EXPECT_NEAR(exact.value_constant[t], variational.value_constant[t], 1e-12);
  }
  EXPECT_NEAR(exact.value, variational.value, 1e-12);

  const auto n = static_cast<Eigen::Index>(p.A.rows), m = static_cast<Eigen::Index>(p.B.cols);
  const auto horizon = static_cast<Eigen::Index>(p.horizon);
  const MatrixXd a = dense(p.A), b = dense(p.B);
  MatrixXd cost(n + m, n + m);
  cost << dense(p.Q), dense(p.N), dense(p.N).transpose(), dense(p.R);
  DenseGaussian g(m * horizon);
  Affine x{MatrixXd::Zero(n, m * horizon), vec(p.x0)};
  std::vector<Affine> states{x};
  for (Eigen::Index t = 0; t < horizon; ++t) {
    Affine u{MatrixXd::Zero(m, m * horizon), VectorXd::Zero(m)};
    u.map.block(0, m * t, m, m).setIdentity();
    Affine xu{MatrixXd(n + m, m * horizon), VectorXd(n + m)};
    xu.map << x.map, u.map;
    xu.offset << x.offset, u.offset;
    g.add(xu.map, xu.offset, cost / p.temperature);
    x = Affine{a * x.map + b * u.map, a * x.offset};
    states.push_back(x);
  }
  g.add(x.map, x.offset, dense(p.Qf) / p.temperature);
  const VectorXd u_mean = g.mean();
  const double log_z = g.log_integral();
  EXPECT_NEAR(exact.log_partition, log_z, 1e-10 * std::max(1.0, std::abs(log_z)));

  for (const LqrSolution* s : {&exact, &variational}) {
    const auto loop = copi::control::lqr_mean_trajectory(p, *s);
    ASSERT_EQ(loop.state.size(), p.horizon + 1);
    ASSERT_EQ(loop.action.size(), p.horizon);
    for (Eigen::Index t = 0; t < horizon; ++t) {
      const auto ts = static_cast<std::size_t>(t);
      EXPECT_LT((vec(loop.action[ts]) - u_mean.segment(m * t, m)).cwiseAbs().maxCoeff(), 1e-10) << "t = " << t;
      const VectorXd posterior_state = states[ts + 1].map * u_mean + states[ts + 1].offset;
      EXPECT_LT((vec(loop.state[ts + 1]) - posterior_state).cwiseAbs().maxCoeff(), 1e-10) << "t = " << t;
    }
  }
}

TEST(Lqr, TemperatureScalesThePolicyCovarianceButNotTheVariationalGains) {
  LqrProblem p = three_state_problem();
  const LqrSolution one = copi::control::solve_lqr(p, ControlMethod::variational);
  p.temperature = 3.5;
  const LqrSolution hot = copi::control::solve_lqr(p, ControlMethod::variational);
  for (std::size_t t = 0; t < p.horizon; ++t) {
    EXPECT_LT(max_abs_diff(dense(hot.gain[t]), dense(one.gain[t])), 1e-13);
    EXPECT_LT(max_abs_diff(dense(hot.policy_cov[t]), dense(one.policy_cov[t]) * (3.5 / 0.7)), 1e-12);
  }
}

TEST(Lqr, AnOverflowingValueIsANumericError) {
  LqrProblem p;
  p.A = {{2.0}};
  p.B = {{0.0}};  // the unstable state cannot be controlled: P_t ~ 4^(T - t)
  p.Q = {{1.0}};
  p.R = {{1.0}};
  p.x0 = {1.0};
  p.horizon = 600;
  EXPECT_THROW((void)copi::control::solve_lqr(p, ControlMethod::variational), copi::NumericError);
  p.horizon = 50;  // P_0 = Σ_{k<50} 4^k ~ 4e29 is still finite
  EXPECT_NEAR(copi::control::solve_lqr(p, ControlMethod::map).value_matrix[0](0, 0), (std::pow(4.0, 50) - 1) / 3,
              1e-12 * std::pow(4.0, 50));
}

void expect_input_error(const LqrProblem& p, const std::string& expected) {
  try {
    (void)copi::control::solve_lqr(p, ControlMethod::exact);
    ADD_FAILURE() << "no error; expected one mentioning: " << expected;
  } catch (const copi::InputError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST(Lqr, BadInputsThrowInputErrorNamingTheParameter) {
  const LqrProblem good = three_state_problem();
  LqrProblem p = good;
  p.B = {{1.0}, {0.0}};
  expect_input_error(p, "B is 2 x 1; expected 3 x 1 (n = 3 from A");
  p = good;
  p.A = {{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}};
  expect_input_error(p, "A is 2 x 3; expected a square n x n matrix");
  p = good;
  p.R = {{0.3}};
  expect_input_error(p, "R is 1 x 1; expected 2 x 2 (n = 3 from A, m = 2 from the columns of B)");
  p = good;
  p.R = {{0.3, 0.0}, {0.0, 0.0}};
  expect_input_error(p, "R must be positive definite; its smallest eigenvalue is 0");
  p = good;
  p.Q = {{1.0, 0.2, 0.0}, {0.0, 0.5, 0.1}, {0.0, 0.1, 0.8}};
  expect_input_error(p, "Q is not symmetric: Q(0, 1) = 0.2 but Q(1, 0) = 0");
  p = good;
  p.Q = {{1.0, 0.0, 0.0}, {0.0, -0.5, 0.0}, {0.0, 0.0, 0.8}};
  expect_input_error(p, "Q must be positive semidefinite; its smallest eigenvalue is -0.5");
  p = good;
  p.noise = {{0.2, 0.3, 0.0}, {0.3, 0.1, 0.0}, {0.0, 0.0, 0.1}};
  expect_input_error(p, "noise must be positive semidefinite");
  p = good;
  p.Qf = {{1.0, 0.0}, {0.0, 1.0}};
  expect_input_error(p, "Qf is 2 x 2; expected 3 x 3");
  p = good;
  p.N = {{2.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}};
  expect_input_error(p, "the per-step cost [[Q, N], [N^T, R]] must be positive semidefinite");
  p = good;
  p.x0 = {1.0, 2.0};
  expect_input_error(p, "x0 has 2 entries; expected n = 3");
  p = good;
  p.x0_cov = {{-1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}};
  expect_input_error(p, "x0_cov must be positive semidefinite");
  p = good;
  p.A(1, 2) = std::nan("");
  expect_input_error(p, "A(1, 2) is nan; expected a finite number");
  p = good;
  p.temperature = 0.0;
  expect_input_error(p, "temperature must be a finite number > 0, got 0");
  p = good;
  p.horizon = 0;
  expect_input_error(p, "horizon must be >= 1, got 0");
  EXPECT_THROW((LqrMatrix{{1.0, 2.0}, {3.0}}), copi::InputError);

  const LqrSolution s = copi::control::solve_lqr(good, ControlMethod::map);
  EXPECT_THROW((void)copi::control::lqr_value(s, good.horizon + 1, good.x0), copi::InputError);
  EXPECT_THROW((void)copi::control::lqr_value(s, 0, std::vector<double>{1.0}), copi::InputError);
  LqrProblem shorter = good;
  shorter.horizon = 2;
  EXPECT_THROW((void)copi::control::lqr_mean_trajectory(shorter, s), copi::InputError);
}

}  // namespace
