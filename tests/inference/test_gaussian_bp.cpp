// Gaussian belief propagation against independent computations: the dense joint
// Gaussian of the whole model (assembled by hand from each factor's A, b, Σ, conditioned
// on the evidence and inverted) on random forests, chains and stars; a plain Kalman
// filter + RTS smoother and the prediction-error decomposition of log p(y) on the
// issue's tracking model; the exact means of a diagonally dominant loopy model at
// loopy Gaussian BP's fixed point, damped and undamped; and the refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/inference/algorithms.hpp"
#include "copi/inference/belief_propagation.hpp"
#include "copi/inference/exact.hpp"
#include "copi/inference/expectation_propagation.hpp"
#include "copi/inference/gaussian_bp.hpp"
#include "inference/gaussian_oracles.hpp"
#include "inference/gaussian_test_models.hpp"

namespace copi {
namespace {

using test::GaussShape;

// |a − b| ≤ tol·(1 + |b|), entry by entry.
void expect_close(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want, double tol, const std::string& what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  for (Eigen::Index i = 0; i < want.rows(); ++i)
    for (Eigen::Index j = 0; j < want.cols(); ++j)
      EXPECT_NEAR(got(i, j), want(i, j), tol * (1.0 + std::abs(want(i, j)))) << what << " (" << i << "," << j << ")";
}

void expect_matches_dense(const test::GaussModel& m, const InferenceResult& r, double tol, const std::string& what) {
  const test::DenseAnswer want = test::dense_gaussian(m.dims, m.terms, m.observed);
  ASSERT_EQ(r.real_marginals.size(), m.dims.size()) << what;
  for (std::size_t i = 0; i < m.dims.size(); ++i) {
    expect_close(r.real_marginals[i].mean, want.mean[i], tol, what + " mean of v" + std::to_string(i));
    expect_close(r.real_marginals[i].covariance, want.cov[i], tol, what + " cov of v" + std::to_string(i));
  }
  ASSERT_TRUE(r.log_z.has_value()) << what;
  EXPECT_NEAR(*r.log_z, want.log_z, tol * (1.0 + std::abs(want.log_z))) << what;
}

TEST(GaussianBpDense, RandomForestsMatchTheDenseJointGaussian) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const test::GaussModel m = test::random_tree(seed, GaussShape::forest, 3 + seed % 9);
    const InferenceResult r = gaussian_bp(m.graph, {}, m.evidence, Task::marginals);
    EXPECT_EQ(r.report.termination, Termination::exact) << "seed " << seed;
    EXPECT_EQ(r.log_z_kind, LogZKind::exact) << "seed " << seed;
    expect_matches_dense(m, r, 1e-9, "forest seed " + std::to_string(seed));
  }
}

TEST(GaussianBpDense, RandomChainsMatchTheDenseJointGaussian) {
  for (std::uint64_t seed = 100; seed < 120; ++seed) {
    const test::GaussModel m = test::random_tree(seed, GaussShape::chain, 2 + seed % 15);
    const InferenceResult r = gaussian_bp(m.graph, {}, m.evidence, Task::partition);
    expect_matches_dense(m, r, 1e-9, "chain seed " + std::to_string(seed));
  }
}

TEST(GaussianBpDense, RandomStarsMatchTheDenseJointGaussian) {
  for (std::uint64_t seed = 200; seed < 220; ++seed) {
    const test::GaussModel m = test::random_tree(seed, GaussShape::star, 2 + seed % 10);
    const InferenceResult r = gaussian_bp(m.graph, {}, m.evidence, Task::marginals);
    expect_matches_dense(m, r, 1e-9, "star seed " + std::to_string(seed));
  }
}

TEST(GaussianBpDense, ObservedVariablesReportTheirValueWithZeroCovariance) {
  const test::GaussModel m = test::random_tree(7, GaussShape::chain, 8);
  ASSERT_FALSE(m.evidence.empty());
  const InferenceResult r = gaussian_bp(m.graph, {}, m.evidence, Task::marginals);
  for (const auto& [var, value] : m.evidence) {
    EXPECT_EQ(r.real_marginals[var.index].mean, value);
    EXPECT_EQ(r.real_marginals[var.index].covariance.norm(), 0.0);
  }
}

TEST(GaussianBpLoopy, DiagonallyDominantGridMeansAreExactAtTheFixedPoint) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const test::GaussModel m = test::loopy_grid(seed, 4);
    const test::DenseAnswer want = test::dense_gaussian(m.dims, m.terms, m.observed);
    for (double damping : {0.0, 0.5}) {
      GaussianBpOptions opt;
      opt.damping = damping;
      opt.tolerance = 1e-13;
      opt.max_iterations = 20000;
      const InferenceResult r = gaussian_bp(m.graph, {}, {}, Task::marginals, opt);
      EXPECT_EQ(r.report.termination, Termination::converged) << "seed " << seed << " damping " << damping;
      ASSERT_EQ(r.real_marginals.size(), m.dims.size());
      for (std::size_t i = 0; i < m.dims.size(); ++i) {
        EXPECT_NEAR(r.real_marginals[i].mean(0), want.mean[i](0), 1e-8)
            << "seed " << seed << " damping " << damping << " var " << i;
        // Loopy variances are not exact, but for a walk-summable model they are positive and
        // below the true ones' order of magnitude (they undercount the loops).
        EXPECT_GT(r.real_marginals[i].covariance(0, 0), 0.0);
      }
      EXPECT_NE(r.log_z_kind, LogZKind::exact);
    }
  }
}

// A loopy model of linear-Gaussian factors: scalar x_i on a 3 × 3 grid with priors
// x_i ~ N(m_i + shift, 4) and, on every grid edge, an observed difference
// d_ij = x_i − x_j + N(0, 1). Shifting every prior mean by the same amount moves the
// posterior means by it and leaves p(d) unchanged (a change of variables).
struct DifferenceGrid {
  FactorGraph graph;
  RealEvidence evidence;
};

DifferenceGrid difference_grid(double shift) {
  constexpr std::size_t kSide = 3;
  DifferenceGrid g;
  std::vector<VarId> x;
  for (std::size_t i = 0; i < kSide * kSide; ++i) {
    x.push_back(g.graph.add_variable(Variable::real("x" + std::to_string(i), 1)));
    const double m = std::sin(static_cast<double>(i + 1));
    g.graph.add_factor(LinearGaussianFactor(x[i], 1, {}, {}, Eigen::MatrixXd(1, 0), Eigen::VectorXd::Constant(1, m + shift),
                                            Eigen::MatrixXd::Constant(1, 1, 4.0)));
  }
  const auto difference = [&](std::size_t i, std::size_t j) {
    const VarId d = g.graph.add_variable(Variable::real("d" + std::to_string(i) + "_" + std::to_string(j), 1));
    Eigen::MatrixXd a(1, 2);
    a << 1.0, -1.0;
    g.graph.add_factor(LinearGaussianFactor(d, 1, {x[i], x[j]}, {1, 1}, a, Eigen::VectorXd::Zero(1),
                                            Eigen::MatrixXd::Identity(1, 1)));
    g.evidence[d] = Eigen::VectorXd::Constant(1, std::cos(static_cast<double>(3 * i + j)));
  };
  for (std::size_t r = 0; r < kSide; ++r) {
    for (std::size_t c = 0; c < kSide; ++c) {
      if (c + 1 < kSide) difference(r * kSide + c, r * kSide + c + 1);
      if (r + 1 < kSide) difference(r * kSide + c, (r + 1) * kSide + c);
    }
  }
  return g;
}

// Loopy Gaussian BP's log Z is the Bethe estimate, computed from the beliefs at the means
// in residual form: the value of the per-factor Bethe sum (what EP reports on the same
// Gaussian model, at the same fixed point) at moderate values, and unmoved when every
// value is shifted by 1e7, where the per-factor terms would be ~1e14.
TEST(GaussianBpLoopy, BetheLogZEqualsThePerFactorFormAndSurvivesLargeValues) {
  GaussianBpOptions gbp;
  gbp.tolerance = 1e-13;
  gbp.max_iterations = 10000;
  const DifferenceGrid near = difference_grid(0.0);
  const InferenceResult at_zero = gaussian_bp(near.graph, {}, near.evidence, Task::marginals, gbp);
  ASSERT_EQ(at_zero.report.termination, Termination::converged);
  ASSERT_EQ(at_zero.log_z_kind, LogZKind::bethe);
  ASSERT_TRUE(at_zero.log_z.has_value());
  EpOptions ep;
  ep.tolerance = 1e-13;
  ep.max_iterations = 10000;
  const InferenceResult per_factor = expectation_propagation(near.graph, {}, near.evidence, Task::marginals, ep);
  ASSERT_TRUE(per_factor.log_z.has_value());
  EXPECT_NEAR(*at_zero.log_z, *per_factor.log_z, 1e-8);

  const DifferenceGrid far = difference_grid(1e7);
  const InferenceResult shifted = gaussian_bp(far.graph, {}, far.evidence, Task::marginals, gbp);
  ASSERT_TRUE(shifted.log_z.has_value());
  EXPECT_NEAR(*shifted.log_z, *at_zero.log_z, 1e-6);
  for (std::size_t i = 0; i < 9; ++i) {
    EXPECT_NEAR(shifted.real_marginals[i].mean(0) - 1e7, at_zero.real_marginals[i].mean(0), 1e-6) << i;
  }
}

TEST(GaussianBpKalman, IssueTrackingModelEqualsRtsSmootherAndPredictionErrorLogLikelihood) {
  const test::KalmanModel k = test::kalman_model(50, 20261130);
  const test::KalmanAnswer want = test::kalman_rts(k.m0, k.p0, k.a, k.q, k.h, k.r, k.ys);
  const InferenceResult r = gaussian_bp(k.graph, {}, k.evidence, Task::marginals);
  EXPECT_EQ(r.report.termination, Termination::exact);
  for (std::size_t t = 0; t < k.xs.size(); ++t) {
    expect_close(r.real_marginals[k.xs[t].index].mean, want.mean[t], 1e-9, "mean t=" + std::to_string(t));
    expect_close(r.real_marginals[k.xs[t].index].covariance, want.cov[t], 1e-9, "cov t=" + std::to_string(t));
  }
  ASSERT_TRUE(r.log_z.has_value());
  EXPECT_NEAR(*r.log_z, want.log_likelihood, 1e-9 * (1.0 + std::abs(want.log_likelihood)));
}

// The RTS oracle and the dense oracle agree with each other too (a check of the oracles).
TEST(GaussianBpKalman, RtsOracleAgreesWithDenseOracle) {
  const test::KalmanModel k = test::kalman_model(12, 5);
  const test::KalmanAnswer rts = test::kalman_rts(k.m0, k.p0, k.a, k.q, k.h, k.r, k.ys);
  std::vector<std::size_t> dims;
  std::vector<test::DenseTerm> terms;
  std::vector<Eigen::VectorXd> observed;
  for (std::size_t t = 0; t < k.ys.size(); ++t) {
    dims.insert(dims.end(), {2, 1});
    observed.push_back(Eigen::VectorXd());
    observed.push_back(k.ys[t]);
    test::DenseTerm tr;
    tr.child = 2 * t;
    if (t == 0) {
      tr.a = Eigen::MatrixXd(2, 0);
      tr.b = k.m0;
      tr.sigma = k.p0;
    } else {
      tr.parents = {2 * t - 2};
      tr.a = k.a;
      tr.b = Eigen::Vector2d::Zero();
      tr.sigma = k.q;
    }
    terms.push_back(tr);
    test::DenseTerm em;
    em.child = 2 * t + 1;
    em.parents = {2 * t};
    em.a = k.h;
    em.b = Eigen::VectorXd::Zero(1);
    em.sigma = k.r;
    terms.push_back(em);
  }
  const test::DenseAnswer dense = test::dense_gaussian(dims, terms, observed);
  for (std::size_t t = 0; t < k.ys.size(); ++t) {
    expect_close(rts.mean[t], dense.mean[2 * t], 1e-10, "mean");
    expect_close(rts.cov[t], dense.cov[2 * t], 1e-10, "cov");
  }
  EXPECT_NEAR(rts.log_likelihood, dense.log_z, 1e-10 * std::abs(dense.log_z));
}

// 10⁵ steps: linear time (this finishes in well under a second optimised; a quadratic
// method would not), and the marginals at a few places still equal the RTS smoother.
TEST(HeavyGaussianBpKalman, HundredThousandStepChain) {
  const std::size_t t_len = 100000;
  const test::KalmanModel k = test::kalman_model(t_len, 99);
  const test::KalmanAnswer want = test::kalman_rts(k.m0, k.p0, k.a, k.q, k.h, k.r, k.ys);
  const InferenceResult r = gaussian_bp(k.graph, {}, k.evidence, Task::marginals);
  EXPECT_EQ(r.report.termination, Termination::exact);
  for (std::size_t t : {std::size_t{0}, std::size_t{1}, std::size_t{777}, t_len / 2, t_len - 2, t_len - 1}) {
    expect_close(r.real_marginals[k.xs[t].index].mean, want.mean[t], 1e-8, "mean t=" + std::to_string(t));
    expect_close(r.real_marginals[k.xs[t].index].covariance, want.cov[t], 1e-8, "cov t=" + std::to_string(t));
  }
  ASSERT_TRUE(r.log_z.has_value());
  EXPECT_NEAR(*r.log_z, want.log_likelihood, 1e-9 * std::abs(want.log_likelihood));
}

// `auto` on a model with real variables: exact Gaussian BP for a linear-Gaussian chain
// (the RTS answer, log Z exact), EP when a site is present (log Z an EP estimate).
TEST(GaussianBpAuto, AutoRunsGaussianBpOnLinearGaussianModelsAndEpOtherwise) {
  const test::KalmanModel k = test::kalman_model(20, 3);
  const test::KalmanAnswer want = test::kalman_rts(k.m0, k.p0, k.a, k.q, k.h, k.r, k.ys);
  const InferenceAlgorithm automatic;
  const InferenceResult r = automatic.run(k.graph, {}, k.evidence, Task::partition);
  EXPECT_EQ(r.log_z_kind, LogZKind::exact);
  for (std::size_t t = 0; t < k.xs.size(); ++t)
    expect_close(r.real_marginals[k.xs[t].index].mean, want.mean[t], 1e-9, "auto mean t=" + std::to_string(t));
  ASSERT_TRUE(r.log_z.has_value());
  EXPECT_NEAR(*r.log_z, want.log_likelihood, 1e-9 * std::abs(want.log_likelihood));
  EXPECT_FALSE(r.report.note.empty());

  FactorGraph g;
  const VarId w = g.add_variable(Variable::real("w", 2));
  g.add_factor(GaussianFactor::normal({w}, {2}, Eigen::Vector2d::Zero(), Eigen::Matrix2d::Identity()));
  g.add_factor(SiteFactor({w}, {2}, Eigen::Vector2d(1.0, -0.5), 0.0, ProbitSite{}));
  const InferenceResult e = automatic.run(g, {}, {}, Task::partition);
  EXPECT_EQ(e.log_z_kind, LogZKind::ep_estimate);
  // One probit site under N(0, I): Z = Φ(0) = 1/2 exactly, and EP matches one site exactly.
  ASSERT_TRUE(e.log_z.has_value());
  EXPECT_NEAR(*e.log_z, std::log(0.5), 1e-9);
}

// ---------------------------------------------------------------------------------
// Refusals.

FactorGraph probit_model() {
  FactorGraph g;
  const VarId w = g.add_variable(Variable::real("w", 2));
  g.add_factor(GaussianFactor::normal({w}, {2}, Eigen::Vector2d::Zero(), Eigen::Matrix2d::Identity()));
  g.add_factor(SiteFactor({w}, {2}, Eigen::Vector2d(1.0, -0.5), 0.0, ProbitSite{}));
  return g;
}

TEST(GaussianBpRefusals, ProbitSiteIsRefusedNamingTheFactor) {
  const FactorGraph g = probit_model();
  try {
    (void)gaussian_bp(g, {}, {}, Task::marginals);
    FAIL() << "gaussian_bp accepted a probit site";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    // Named as the discrete algorithms name a factor they refuse: "factor 1 (probit on w)".
    EXPECT_NE(msg.find("probit on w"), std::string::npos) << msg;
    EXPECT_NE(msg.find("factor 1"), std::string::npos) << msg;
  }
  EXPECT_FALSE(is_gaussian_model(g, {}));
}

TEST(GaussianBpRefusals, DiscreteAlgorithmsRefuseAContinuousModel) {
  const test::KalmanModel k = test::kalman_model(3, 1);
  EXPECT_TRUE(is_gaussian_model(k.graph, {}));
  EXPECT_THROW((void)solve_exact(k.graph, {}, Task::marginals), InputError);
  EXPECT_THROW((void)belief_propagation(k.graph, {}, Task::marginals), InputError);
  const FactorGraph g = probit_model();
  EXPECT_THROW((void)solve_exact(g, {}, Task::partition), InputError);
  EXPECT_THROW((void)belief_propagation(g, {}, Task::partition), InputError);
}

// A real variable in no factor: the model is to blame, so by error.hpp's rules an
// InputError ("the user can fix it"), naming the variable. (gaussian_bp.hpp's comment
// lists this case under NumericError; the engine and error.hpp agree on InputError.)
TEST(GaussianBpRefusals, RealVariableInNoFactorIsAnInputErrorNamingIt) {
  FactorGraph g;
  const VarId x = g.add_variable(Variable::real("x", 1));
  g.add_variable(Variable::real("lonely", 2));
  g.add_factor(GaussianFactor::normal({x}, {1}, Eigen::VectorXd::Zero(1), Eigen::MatrixXd::Identity(1, 1)));
  try {
    (void)gaussian_bp(g, {}, {}, Task::marginals);
    FAIL() << "gaussian_bp accepted a real variable in no factor";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("lonely"), std::string::npos) << e.what();
  }
}

// A flat direction nothing constrains: x − y is pinned, x + y is not.
TEST(GaussianBpRefusals, ImproperJointIsANumericError) {
  FactorGraph g;
  const VarId x = g.add_variable(Variable::real("x", 1));
  const VarId y = g.add_variable(Variable::real("y", 1));
  Eigen::Matrix2d lambda{{1.0, -1.0}, {-1.0, 1.0}};
  g.add_factor(GaussianFactor({x, y}, {1, 1}, Eigen::Vector2d::Zero(), lambda));
  EXPECT_THROW((void)gaussian_bp(g, {}, {}, Task::marginals), NumericError);
}

TEST(GaussianBpRefusals, BadRealEvidenceIsAnInputError) {
  const test::KalmanModel k = test::kalman_model(3, 1);
  RealEvidence bad = k.evidence;
  bad[k.xs[0]] = Eigen::VectorXd::Zero(3);  // x is 2-d
  EXPECT_THROW((void)gaussian_bp(k.graph, {}, bad, Task::marginals), InputError);
}


// Observation factors whose A or Σ change from step to step (the reducer computes
// AᵀΣ⁻¹A once per run of identical ones): every step still gets its own, against the
// dense joint.
TEST(GaussianBpKalman, ObservationModelsThatChangeBetweenStepsEachCount) {
  const Eigen::Matrix2d a{{1.0, 1.0}, {0.0, 1.0}};
  const Eigen::Matrix2d q = 0.1 * Eigen::Matrix2d::Identity();
  const std::vector<Eigen::MatrixXd> hs = {Eigen::RowVector2d(1.0, 0.0), Eigen::RowVector2d(0.5, 2.0)};
  const std::vector<Eigen::MatrixXd> rs = {Eigen::MatrixXd::Constant(1, 1, 0.5), Eigen::MatrixXd::Constant(1, 1, 3.0)};
  // (h, r) per step: runs of the same, a change of A alone, a change of Σ alone, back.
  const std::vector<std::pair<int, int>> pattern = {{0, 0}, {0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}, {1, 1}, {1, 1}};
  FactorGraph graph;
  RealEvidence evidence;
  std::vector<std::size_t> dims;
  std::vector<test::DenseTerm> terms;
  std::vector<Eigen::VectorXd> observed;
  std::vector<VarId> xs;
  for (std::size_t t = 0; t < pattern.size(); ++t) {
    const auto [hi, ri] = pattern[t];
    xs.push_back(graph.add_variable(Variable::real("x" + std::to_string(t), 2)));
    const VarId y = graph.add_variable(Variable::real("y" + std::to_string(t), 1));
    const Eigen::VectorXd value = Eigen::VectorXd::Constant(1, 0.3 * static_cast<double>(t) - 0.7);
    dims.insert(dims.end(), {2, 1});
    observed.push_back(Eigen::VectorXd());
    observed.push_back(value);
    test::DenseTerm tr;
    tr.child = 2 * t;
    if (t == 0) {
      graph.add_factor(GaussianFactor::normal({xs[0]}, {2}, Eigen::Vector2d(0.0, 1.0), Eigen::Matrix2d::Identity()));
      tr.a = Eigen::MatrixXd(2, 0);
      tr.b = Eigen::Vector2d(0.0, 1.0);
      tr.sigma = Eigen::Matrix2d::Identity();
    } else {
      graph.add_factor(LinearGaussianFactor(xs[t], 2, {xs[t - 1]}, {2}, a, Eigen::Vector2d::Zero(), q));
      tr.parents = {2 * t - 2};
      tr.a = a;
      tr.b = Eigen::Vector2d::Zero();
      tr.sigma = q;
    }
    terms.push_back(tr);
    graph.add_factor(LinearGaussianFactor(y, 1, {xs[t]}, {2}, hs[hi], Eigen::VectorXd::Zero(1), rs[ri]));
    evidence[y] = value;
    test::DenseTerm em;
    em.child = 2 * t + 1;
    em.parents = {2 * t};
    em.a = hs[hi];
    em.b = Eigen::VectorXd::Zero(1);
    em.sigma = rs[ri];
    terms.push_back(em);
  }
  const test::DenseAnswer want = test::dense_gaussian(dims, terms, observed);
  const InferenceResult r = gaussian_bp(graph, {}, evidence, Task::marginals);
  for (std::size_t t = 0; t < xs.size(); ++t) {
    expect_close(r.real_marginals[xs[t].index].mean, want.mean[2 * t], 1e-10, "mean t=" + std::to_string(t));
    expect_close(r.real_marginals[xs[t].index].covariance, want.cov[2 * t], 1e-10, "cov t=" + std::to_string(t));
  }
  ASSERT_TRUE(r.log_z.has_value());
  EXPECT_NEAR(*r.log_z, want.log_z, 1e-10 * (1.0 + std::abs(want.log_z)));
}

}  // namespace
}  // namespace copi
