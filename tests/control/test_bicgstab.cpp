// The parallel BiCGSTAB (control/src/bicgstab.hpp) against Eigen's dense LU on random
// nonsymmetric systems shaped like a policy evaluation's I - γ P, and its iterates'
// independence of the thread count.
#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "bicgstab.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

// I - γ P with P a random row-stochastic matrix of `per_row` entries per row (a
// discounted chain), dense for the oracle.
Eigen::MatrixXd discounted_chain(std::size_t n, std::size_t per_row, double gamma, std::mt19937& rng) {
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::uniform_real_distribution<double> weight(0.1, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::size_t> to(per_row);
    std::vector<double> w(per_row);
    double total = 0.0;
    for (std::size_t k = 0; k < per_row; ++k) {
      to[k] = pick(rng);
      w[k] = weight(rng);
      total += w[k];
    }
    for (std::size_t k = 0; k < per_row; ++k) {
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(to[k])) -= gamma * w[k] / total;
    }
  }
  return a;
}

struct Solved {
  std::vector<double> x;
  std::size_t products = 0;
};

// From the guess `start` (0: zeros).
Solved solve(const Eigen::MatrixXd& a, const std::vector<double>& b, double relative, std::size_t max_products,
             std::size_t threads, double start = 0.0) {
  const std::size_t n = b.size();
  std::vector<double> inverse_diagonal(n);
  for (std::size_t i = 0; i < n; ++i) inverse_diagonal[i] = 1.0 / a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
  Solved out;
  out.x.assign(n, start);
  BicgstabWorkspace workspace;
  const auto apply = [&](const double* in, double* result) {
    Eigen::Map<Eigen::VectorXd>(result, static_cast<Eigen::Index>(n)) =
        a * Eigen::Map<const Eigen::VectorXd>(in, static_cast<Eigen::Index>(n));
  };
  out.products = copi::detail::with_threads(threads, [&](std::size_t pool) {
    return bicgstab(apply, inverse_diagonal.data(), b.data(), out.x.data(), n, relative, max_products, pool, workspace);
  });
  return out;
}

TEST(Bicgstab, MatchesDenseLuOnDiscountedChains) {
  std::mt19937 rng(11);
  for (const std::size_t n : {1u, 7u, 300u, 1500u}) {
    const Eigen::MatrixXd a = discounted_chain(n, 4, 0.99, rng);
    std::vector<double> b(n);
    std::normal_distribution<double> normal;
    for (double& value : b) value = normal(rng);
    const Eigen::VectorXd exact = a.partialPivLu().solve(Eigen::Map<const Eigen::VectorXd>(b.data(), static_cast<Eigen::Index>(n)));
    const Solved solved = solve(a, b, 1e-12, 100000, 2);
    // ‖x - x*‖ <= ‖A⁻¹‖ ‖r‖; ‖A⁻¹‖∞ <= 1 / (1 - γ) = 100 for a discounted chain.
    double error = 0.0;
    double size = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      error = std::max(error, std::abs(solved.x[i] - exact[static_cast<Eigen::Index>(i)]));
      size = std::max(size, std::abs(exact[static_cast<Eigen::Index>(i)]));
    }
    EXPECT_LE(error, 1e-8 * size) << "n = " << n;
    EXPECT_GE(solved.products, 2u);
  }
}

TEST(Bicgstab, StopsAtTheRelativeResidualAndTheProductCap) {
  std::mt19937 rng(5);
  const std::size_t n = 2000;
  const Eigen::MatrixXd a = discounted_chain(n, 5, 0.999, rng);
  std::vector<double> b(n, 1.0);
  const Eigen::Map<const Eigen::VectorXd> rhs(b.data(), static_cast<Eigen::Index>(n));
  const auto relative_residual = [&](const Solved& s) {
    return (rhs - a * Eigen::Map<const Eigen::VectorXd>(s.x.data(), static_cast<Eigen::Index>(n))).norm() / rhs.norm();
  };
  const Solved loose = solve(a, b, 1e-3, 100000, 1);
  const Solved tight = solve(a, b, 1e-10, 100000, 1);
  // The recurrence's residual drifts from the true one by rounding only.
  EXPECT_LE(relative_residual(loose), 1.01e-3);
  EXPECT_LE(relative_residual(tight), 1e-9);
  EXPECT_LT(loose.products, tight.products);
  const Solved capped = solve(a, b, 1e-14, 10, 1);
  EXPECT_LE(capped.products, 11u);  // the initial residual, then two per iteration
}

TEST(Bicgstab, IteratesAreTheSameBitsForAnyThreadCount) {
  std::mt19937 rng(3);
  const std::size_t n = 50000;  // many summation blocks and tasks
  // A sparse operator (dense would be 20 GB): x - γ (mean of four pseudo-random entries).
  std::vector<std::size_t> to(4 * n);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  for (std::size_t& t : to) t = pick(rng);
  const double gamma = 0.995;
  const auto apply_with = [&](std::size_t threads) {
    return [&, threads](const double* in, double* out) {
      copi::detail::parallel_for_range(n, 1024, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          double sum = 0.0;
          for (std::size_t k = 0; k < 4; ++k) sum += in[to[4 * i + k]];
          out[i] = in[i] - gamma * 0.25 * sum;
        }
      });
    };
  };
  std::vector<double> b(n);
  std::normal_distribution<double> normal;
  for (double& value : b) value = normal(rng);
  std::vector<double> inverse_diagonal(n, 1.0);
  std::vector<std::vector<double>> answers;
  for (const std::size_t threads : {1u, 2u, 3u}) {
    std::vector<double> x(n, 0.0);
    BicgstabWorkspace workspace;
    copi::detail::with_threads(threads, [&](std::size_t pool) {
      return bicgstab(apply_with(pool), inverse_diagonal.data(), b.data(), x.data(), n, 1e-10, 100000, pool, workspace);
    });
    answers.push_back(x);
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_EQ(answers[0], answers[2]);
}

TEST(Bicgstab, ZeroRightHandSideGivesZero) {
  std::mt19937 rng(2);
  const Eigen::MatrixXd a = discounted_chain(50, 3, 0.9, rng);
  // From a guess far from it: the answer is exactly 0, not the guess.
  const Solved solved = solve(a, std::vector<double>(50, 0.0), 1e-10, 1000, 1, 3.5);
  for (const double v : solved.x) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace copi::control::detail
