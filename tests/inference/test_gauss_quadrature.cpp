// Gauss–Hermite and Gauss–Legendre rules against exact moments of their weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>

#include "copi/graph/error.hpp"
#include "copi/inference/gauss_quadrature.hpp"

namespace copi {
namespace {

// E[x^{2k}] = (2k − 1)!! for x ~ N(0, 1).
double double_factorial(int n) {
  double p = 1.0;
  for (int i = n; i > 1; i -= 2) p *= i;
  return p;
}

TEST(GaussHermite, IntegratesNormalMomentsExactlyUpToDegreeTwoNMinusOne) {
  for (std::size_t n : {2u, 5u, 20u, 64u, 100u}) {
    const GaussRule rule = gauss_hermite_rule(n);
    ASSERT_EQ(rule.nodes.size(), n);
    for (int degree = 0; degree < static_cast<int>(2 * n); ++degree) {
      double sum = 0.0;
      double magnitude = 0.0;  // Σ w |x|^d: the scale rounding in the sum is relative to
      for (std::size_t i = 0; i < n; ++i) {
        sum += rule.weights[i] * std::pow(rule.nodes[i], degree);
        magnitude += rule.weights[i] * std::pow(std::abs(rule.nodes[i]), degree);
      }
      const double exact = degree % 2 == 1 ? 0.0 : double_factorial(degree - 1);
      // Even moments to relative rounding, up to E[x^{2n−2}] which only the outermost
      // (tiniest) weights get right.
      EXPECT_NEAR(sum, exact, 1e-11 * std::max(1.0, magnitude)) << "n=" << n << " degree=" << degree;
    }
  }
}

TEST(GaussHermite, WeightsArePositiveSymmetricAndLogWeightsMatch) {
  const GaussRule rule = gauss_hermite_rule(200);  // outer weights near 1e-200: only the logs are exact
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    EXPECT_DOUBLE_EQ(rule.nodes[i], -rule.nodes[rule.nodes.size() - 1 - i]);
    EXPECT_TRUE(std::isfinite(rule.log_weights[i]));
    EXPECT_GE(rule.weights[i], 0.0);
    if (i > 0) {
      EXPECT_LT(rule.nodes[i - 1], rule.nodes[i]);
    }
  }
  // A 200-point rule integrates E[x^398] = 397!!: that moment lives in the outer nodes.
  double log_sum = -INFINITY;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double term = rule.log_weights[i] + 398.0 * std::log(std::abs(rule.nodes[i]));
    log_sum = std::max(log_sum, term) + std::log1p(std::exp(std::min(log_sum, term) - std::max(log_sum, term)));
  }
  double log_exact = 0.0;
  for (int j = 397; j > 1; j -= 2) log_exact += std::log(static_cast<double>(j));
  EXPECT_NEAR(log_sum, log_exact, 1e-9 * log_exact);
}

TEST(GaussHermite, CachedRuleEqualsComputedRule) {
  const GaussRule* cached = cached_gauss_hermite_rule(64);
  ASSERT_NE(cached, nullptr);
  const GaussRule fresh = gauss_hermite_rule(64);
  EXPECT_EQ(cached->nodes, fresh.nodes);
  EXPECT_EQ(cached->log_weights, fresh.log_weights);
  EXPECT_EQ(cached_gauss_hermite_rule(65), nullptr);
}

TEST(GaussLegendre, IntegratesPolynomialsExactlyUpToDegreeTwoNMinusOne) {
  for (std::size_t n : {1u, 3u, 16u, 32u}) {
    const GaussRule rule = gauss_legendre_rule(n);
    for (int degree = 0; degree < static_cast<int>(2 * n); ++degree) {
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) sum += rule.weights[i] * std::pow(rule.nodes[i], degree);
      const double exact = degree % 2 == 1 ? 0.0 : 2.0 / (degree + 1);
      EXPECT_NEAR(sum, exact, 1e-14) << "n=" << n << " degree=" << degree;
    }
  }
}

TEST(GaussQuadrature, RejectsPointCountsOutOfRange) {
  EXPECT_THROW((void)gauss_hermite_rule(0), InputError);
  EXPECT_THROW((void)gauss_legendre_rule(kMaxQuadraturePoints + 1), InputError);
}

}  // namespace
}  // namespace copi
