// The backups' dispatched exp (control/src/simd/vector_math.hpp) against std::exp:
// within Highway's documented 1 ulp over the range the backups use, exactly 0 for -inf
// and for results below the smallest normal, NaN kept, every length (the vector tail).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "simd/vector_math.hpp"

namespace copi::control {
namespace {

// Distance in units in the last place between two positive doubles.
std::uint64_t ulps(double a, double b) {
  const auto ia = std::bit_cast<std::uint64_t>(a);
  const auto ib = std::bit_cast<std::uint64_t>(b);
  return ia > ib ? ia - ib : ib - ia;
}

TEST(VectorMath, ExpIsWithinOneUlpOfStdExpOverTheBackupsRange) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> draw(-700.0, 700.0);
  std::vector<double> x(100000);
  for (double& v : x) v = draw(rng);
  std::vector<double> e = x;
  detail::exp_in_place(e.data(), e.size());
  std::uint64_t worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps(e[i], std::exp(x[i])));
  EXPECT_LE(worst, 1u);
}

TEST(VectorMath, SpecialValuesAndEveryTailLength) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t n = 0; n <= 19; ++n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double values[] = {0.0, -inf, -1.0, 1.0, -708.5, -745.2, -800.0, 1e-300, nan, 700.0, -0.5};
      x[i] = values[i % 11];
    }
    std::vector<double> e = x;
    detail::exp_in_place(e.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      if (std::isnan(x[i])) {
        EXPECT_TRUE(std::isnan(e[i])) << "n " << n << " i " << i;
        continue;
      }
      const double want = std::exp(x[i]);
      if (want < std::numeric_limits<double>::min()) {
        EXPECT_EQ(e[i], 0.0) << "exp(" << x[i] << ")";  // subnormals and exp(-inf) are 0
      } else {
        EXPECT_LE(ulps(e[i], want), 1u) << "exp(" << x[i] << ")";
      }
    }
  }
}

TEST(VectorMath, LogIsWithinOneUlpOfStdLogAndKeepsItsSpecialValues) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> exponent(-300.0, 300.0);
  std::vector<double> x(100000);
  for (double& v : x) v = std::pow(10.0, exponent(rng));
  std::vector<double> l = x;
  detail::log_in_place(l.data(), l.size());
  std::uint64_t worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double want = std::log(x[i]);
    worst = std::max(worst, want > 0 ? ulps(l[i], want) : ulps(-l[i], -want));
  }
  EXPECT_LE(worst, 1u);
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t n = 0; n <= 13; ++n) {
    const double values[] = {1.0, 0.0, inf, -1.0, std::numeric_limits<double>::quiet_NaN(), 2.5, 1e-310};
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = values[i % 7];
    std::vector<double> got = v;
    detail::log_in_place(got.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const double want = std::log(v[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got[i])) << "log(" << v[i] << ")";
      } else if (std::isinf(want) || want == 0.0) {
        EXPECT_EQ(got[i], want) << "log(" << v[i] << ")";
      } else {
        EXPECT_LE(want > 0 ? ulps(got[i], want) : ulps(-got[i], -want), 1u) << "log(" << v[i] << ")";
      }
    }
  }
}

}  // namespace
}  // namespace copi::control

namespace copi::control {
namespace {

// The backups' soft maximum over packets against the same steps written with std::exp
// here: per lane the largest term, the weights relative to it, their sum, and the
// normalised weights; a forbidden action (-inf) weighs exactly 0.
TEST(VectorMath, SoftMaxPacketsMatchesTheScalarSoftMaximum) {
  constexpr std::size_t W = detail::kPacketLanes;
  const std::size_t groups = 3;
  const std::size_t actions = 5;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> draw(-50.0, 50.0);
  std::vector<double> q(groups * actions * W);
  for (double& v : q) v = draw(rng);
  q[(1 * actions + 2) * W + 4] = -std::numeric_limits<double>::infinity();
  for (const bool normalise : {false, true}) {
    std::vector<double> packets = q;
    std::vector<double> hi(groups * W);
    std::vector<double> sum(groups * W);
    detail::soft_max_packets(packets.data(), groups, actions, hi.data(), sum.data(), normalise);
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t j = 0; j < W; ++j) {
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < actions; ++a) top = std::max(top, q[(g * actions + a) * W + j]);
        double total = 0.0;
        for (std::size_t a = 0; a < actions; ++a) total += std::exp(q[(g * actions + a) * W + j] - top);
        EXPECT_EQ(hi[g * W + j], top);
        EXPECT_NEAR(sum[g * W + j], total, 4e-16 * total);
        for (std::size_t a = 0; a < actions; ++a) {
          const double e = std::exp(q[(g * actions + a) * W + j] - top);
          const double expected = normalise ? e / total : e;
          EXPECT_NEAR(packets[(g * actions + a) * W + j], expected, 1e-15 * (expected + 1e-300)) << g << " " << j << " " << a;
        }
      }
    }
    EXPECT_EQ(packets[(1 * actions + 2) * W + 4], 0.0);
  }
}

// The exact backup's packet step against the same arithmetic written per lane here.
TEST(VectorMath, ExactPacketsMatchTheScalarWeights) {
  constexpr std::size_t W = detail::kPacketLanes;
  const std::size_t groups = 2;
  const std::size_t actions = 3;
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> draw(0.0, 2.0);
  std::vector<double> q(groups * actions * W);
  std::vector<double> weight(q.size());
  for (double& v : q) v = draw(rng);
  for (double& v : weight) v = draw(rng);
  const double end = 0.125;
  for (const bool normalise : {false, true}) {
    std::vector<double> packets = q;
    std::vector<double> lowest(groups * W);
    std::vector<double> sum(groups * W);
    detail::exact_packets(packets.data(), weight.data(), groups, actions, end, lowest.data(), sum.data(), normalise);
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t j = 0; j < W; ++j) {
        double low = q[g * actions * W + j];
        double total = 0.0;
        for (std::size_t a = 0; a < actions; ++a) {
          const std::size_t at = (g * actions + a) * W + j;
          low = std::min(low, q[at]);
          total += (q[at] + end) * weight[at];
        }
        EXPECT_EQ(lowest[g * W + j], low);
        EXPECT_NEAR(sum[g * W + j], total, 1e-15 * total);
        for (std::size_t a = 0; a < actions; ++a) {
          const std::size_t at = (g * actions + a) * W + j;
          const double w = (q[at] + end) * weight[at];
          EXPECT_NEAR(packets[at], normalise ? w / total : w, 1e-15 * w / (normalise ? total : 1.0));
        }
      }
    }
  }
}

}  // namespace
}  // namespace copi::control
