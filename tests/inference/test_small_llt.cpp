// The fixed-size Cholesky behind Gaussian BP's small kernels, against Eigen's dynamic
// LLT (a separate implementation), and the flat storage of Gaussian marginals.
#include <gtest/gtest.h>

#include <random>
#include <stdexcept>

#include <Eigen/Dense>

#include "continuous/small_llt.hpp"
#include "copi/inference/result.hpp"

namespace {

Eigen::MatrixXd random_spd(int n, std::mt19937& rng) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd b(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) b(i, j) = normal(rng);
  }
  return b * b.transpose() + 0.1 * Eigen::MatrixXd::Identity(n, n);
}

template <int N>
void check_against_eigen(std::mt19937& rng) {
  const Eigen::MatrixXd a = random_spd(N, rng);
  const copi::detail::SmallLlt<N> small(a);
  ASSERT_EQ(small.info(), Eigen::Success) << N;
  const Eigen::LLT<Eigen::MatrixXd> eigen(a);
  const Eigen::MatrixXd l_small = small.matrixLLT().template triangularView<Eigen::Lower>();
  const Eigen::MatrixXd l_eigen = eigen.matrixL();
  EXPECT_LT((l_small - l_eigen).norm(), 1e-12 * l_eigen.norm()) << N;

  Eigen::Matrix<double, N, 3> b = Eigen::Matrix<double, N, 3>::Random();
  Eigen::Matrix<double, N, 3> x = b;
  small.solveInPlace(x);
  EXPECT_LT((a * x - b).norm(), 1e-10 * b.norm() * a.norm()) << N;
  Eigen::Matrix<double, N, 3> lower = b;
  small.solve_lower(lower);
  EXPECT_LT((l_eigen * lower - b).norm(), 1e-10 * b.norm()) << N;

  const Eigen::Matrix<double, N, N> inverse = small.inverse();
  EXPECT_LT((inverse - eigen.solve(Eigen::MatrixXd::Identity(N, N))).norm(), 1e-9 * inverse.norm()) << N;
  EXPECT_EQ(inverse, inverse.transpose()) << N;  // symmetric by construction, exactly
}

TEST(SmallLlt, FactorSolvesAndInverseAgreeWithEigensLltForEverySize) {
  std::mt19937 rng(7);
  for (int rep = 0; rep < 20; ++rep) {
    check_against_eigen<2>(rng);
    check_against_eigen<3>(rng);
    check_against_eigen<4>(rng);
    check_against_eigen<5>(rng);
    check_against_eigen<6>(rng);
    check_against_eigen<7>(rng);
    check_against_eigen<8>(rng);
  }
}

TEST(SmallLlt, RefusesMatricesThatAreNotPositiveDefinite) {
  Eigen::Matrix3d indefinite;
  indefinite << 2, 0, 0, 0, -1, 0, 0, 0, 3;
  EXPECT_EQ(copi::detail::SmallLlt<3>(indefinite).info(), Eigen::NumericalIssue);
  Eigen::Matrix2d singular;
  singular << 1, 1, 1, 1;
  EXPECT_EQ(copi::detail::SmallLlt<2>(singular).info(), Eigen::NumericalIssue);
  Eigen::Matrix2d nan;
  nan << std::nan(""), 0, 0, 1;
  EXPECT_EQ(copi::detail::SmallLlt<2>(nan).info(), Eigen::NumericalIssue);
}

TEST(GaussianMarginals, EachVariableHasItsOwnBlockOfItsDimension) {
  copi::GaussianMarginals m({2, 0, 3});
  ASSERT_EQ(m.size(), 3U);
  EXPECT_EQ(m[1].mean.size(), 0);  // a discrete variable
  EXPECT_EQ(m[0].covariance.rows(), 2);
  EXPECT_EQ(m[2].covariance.cols(), 3);
  EXPECT_EQ(m[2].covariance.norm(), 0.0);  // zero-filled
  m.mean(0) << 1, 2;
  m.mean(2) << 3, 4, 5;
  m.covariance(0) = Eigen::Matrix2d::Identity();
  m.covariance(2) = 7.0 * Eigen::Matrix3d::Identity();
  EXPECT_EQ(m[0].mean, Eigen::Vector2d(1, 2));
  EXPECT_EQ(m[2].mean, Eigen::Vector3d(3, 4, 5));  // writing one block left the other alone
  EXPECT_EQ(m[0].covariance, Eigen::Matrix2d::Identity());
  EXPECT_EQ(m.at(2).covariance, 7.0 * Eigen::Matrix3d::Identity());
  EXPECT_THROW((void)m.at(3), std::out_of_range);
  const copi::GaussianMarginals copy = m;  // a copy owns its numbers
  m.mean(0) << 9, 9;
  EXPECT_EQ(copy[0].mean, Eigen::Vector2d(1, 2));
}

}  // namespace
