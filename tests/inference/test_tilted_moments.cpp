// Tilted moments of every site kind against an independent numerical integration of
// N(s; m, v) f(s) (composite Simpson on a fine grid, in log scale so tails survive),
// and far-tail cases against the asymptotic series of the Mills ratio.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <numbers>
#include <thread>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/tilted_moments.hpp"

namespace copi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ∫ over [lo, hi] of N(s; m, v)·exp(log_f(s)) by composite Simpson with `intervals`
// panels; everything relative to the largest log-integrand on the grid, so that a mass
// of e^{−800} integrates as well as one of 1. Written independently of the library.
TiltedMoments integrate(const std::function<double(double)>& log_f, double m, double v, double lo, double hi,
                        int intervals = 40000) {
  const double h = (hi - lo) / intervals;
  std::vector<double> log_g(static_cast<std::size_t>(intervals) + 1);
  double top = -kInf;
  for (int j = 0; j <= intervals; ++j) {
    const double s = lo + j * h;
    log_g[static_cast<std::size_t>(j)] =
        -0.5 * (s - m) * (s - m) / v - 0.5 * std::log(2.0 * std::numbers::pi * v) + log_f(s);
    top = std::max(top, log_g[static_cast<std::size_t>(j)]);
  }
  double z = 0.0;
  double first = 0.0;
  std::vector<double> g(log_g.size());
  for (int j = 0; j <= intervals; ++j) {
    const double simpson = (j == 0 || j == intervals) ? 1.0 : (j % 2 == 1 ? 4.0 : 2.0);
    g[static_cast<std::size_t>(j)] = simpson * std::exp(log_g[static_cast<std::size_t>(j)] - top);
    z += g[static_cast<std::size_t>(j)];
    first += g[static_cast<std::size_t>(j)] * (j * h);
  }
  const double offset = first / z;  // mean − lo
  double second = 0.0;
  for (int j = 0; j <= intervals; ++j) second += g[static_cast<std::size_t>(j)] * (j * h - offset) * (j * h - offset);
  return {top + std::log(z * h / 3.0), lo + offset, second / z};
}

// Over ±12 cavity sds, cut to [lo, hi] where f vanishes outside.
TiltedMoments integrate_around_cavity(const std::function<double(double)>& log_f, double m, double v,
                                      double lo = -kInf, double hi = kInf) {
  const double sd = std::sqrt(v);
  return integrate(log_f, m, v, std::max(lo, m - 12.0 * sd), std::min(hi, m + 12.0 * sd));
}

void expect_moments(const TiltedMoments& got, const TiltedMoments& want, double tolerance) {
  EXPECT_TRUE(std::isfinite(got.log_z) && std::isfinite(got.mean) && std::isfinite(got.variance));
  EXPECT_GT(got.variance, 0.0);
  EXPECT_NEAR(got.log_z, want.log_z, tolerance * std::max(1.0, std::abs(want.log_z)));
  EXPECT_NEAR(got.mean, want.mean, tolerance * std::max(std::abs(want.mean), std::sqrt(want.variance)));
  EXPECT_NEAR(got.variance, want.variance, tolerance * want.variance);
}

double zero(double) { return 0.0; }

double log_normal_cdf_by_erfc(double s) { return std::log(0.5 * std::erfc(-s / std::numbers::sqrt2)); }

// The Mills-ratio series in u = 1/a² (a = −z > 0), from R(a) ~ (1/a) Σ (−1)^k (2k−1)!! u^k
// inverted term by term: λ = φ(a)/Φ(−a), the variance 1 − λ(λ − a) of x | x > a.
struct TailSeries {
  double log_cdf, lambda, variance;
};
TailSeries tail_series(double a) {
  const double u = 1.0 / (a * a);
  const double log_ratio = std::log1p(u * (-1.0 + u * (3.0 + u * (-15.0 + u * (105.0 - 945.0 * u)))));
  return {-0.5 * a * a - std::log(a) - 0.5 * std::log(2.0 * std::numbers::pi) + log_ratio,
          a * (1.0 + u * (1.0 + u * (-2.0 + u * (10.0 + u * (-74.0 + 706.0 * u))))),
          u * (1.0 + u * (-6.0 + u * (50.0 + u * (-518.0 + 6354.0 * u))))};
}

TEST(TiltedMoments, StepMatchesIntegrationAndStrictnessDoesNotMatter) {
  struct Case {
    double threshold, m, v;
  };
  for (const Case c : {Case{0.0, 0.0, 1.0}, Case{1.0, -0.5, 2.0}, Case{-3.0, 2.0, 0.25}, Case{10.0, 0.0, 9.0},
                       Case{0.0, 3.0, 1.0}, Case{0.0, -4.5, 1.0}}) {
    const TiltedMoments strict = tilted_moments(StepSite{c.threshold, true}, c.m, c.v);
    const TiltedMoments loose = tilted_moments(StepSite{c.threshold, false}, c.m, c.v);
    EXPECT_EQ(strict.log_z, loose.log_z);
    EXPECT_EQ(strict.mean, loose.mean);
    EXPECT_EQ(strict.variance, loose.variance);
    expect_moments(strict, integrate_around_cavity(zero, c.m, c.v, c.threshold), 1e-8);
  }
}

// Threshold 30 and 40 cavity sds above the cavity mean: log Φ(−30) = −454.3212439563433
// (the series; scipy.special.log_ndtr(-30) gives −454.32124395634327), and the moments
// by the series and by Simpson on [t, t + 2 sd], where all the mass is.
TEST(TiltedMoments, StepFarInTheTailMatchesAsymptoticSeries) {
  for (const double a : {30.0, 40.0, 1000.0}) {
    const double m = -1.0;
    const double v = 4.0;
    const double threshold = m + a * 2.0;
    const TiltedMoments got = tilted_moments(StepSite{threshold, true}, m, v);
    const TailSeries series = tail_series(a);
    EXPECT_NEAR(got.log_z, series.log_cdf, 1e-12 * std::abs(series.log_cdf));
    EXPECT_NEAR(got.mean, m + 2.0 * series.lambda, 1e-12 * std::abs(got.mean));
    EXPECT_NEAR(got.variance, v * series.variance, 1e-9 * v * series.variance);
    if (a < 100.0) expect_moments(got, integrate(zero, m, v, threshold, threshold + 4.0), 1e-8);
  }
  EXPECT_NEAR(tilted_moments(StepSite{60.0, false}, 0.0, 4.0).log_z, -454.32124395634327, 1e-12 * 454.3);
}

TEST(TiltedMoments, StepFarBelowTheCavityIsTheCavity) {
  const TiltedMoments got = tilted_moments(StepSite{-80.0, true}, 0.0, 4.0);  // 40 sds below
  EXPECT_EQ(got.log_z, 0.0);
  EXPECT_EQ(got.mean, 0.0);
  EXPECT_EQ(got.variance, 4.0);
}

TEST(TiltedMoments, IntervalMatchesIntegration) {
  struct Case {
    double lower, upper, m, v;
  };
  for (const Case c : {Case{-1.0, 1.0, 0.0, 1.0},        // contains the mean
                       Case{-0.7, 0.7, 3.0, 10000.0},     // TrueSkill draw: narrow against the cavity
                       Case{-0.001, 0.002, 0.0, 1.0},     // very narrow
                       Case{-3.0, 5.0, 0.5, 1.0},         // wide, contains the mean
                       Case{1.0, 2.5, 0.0, 1.0},          // one side, near
                       Case{-9.0, -1.0, 2.0, 0.5},        // one side, wide
                       Case{2.0, 30.0, -1.0, 2.0}}) {     // one side, wide
    const TiltedMoments got = tilted_moments(IntervalSite{c.lower, c.upper}, c.m, c.v);
    // Simpson on the interval itself (the integrand is smooth there).
    const double lo = std::max(c.lower, c.m - 14.0 * std::sqrt(c.v));
    const double hi = std::min(c.upper, c.m + 14.0 * std::sqrt(c.v));
    expect_moments(got, integrate(zero, c.m, c.v, lo, hi), 1e-8);
  }
}

// Intervals 30 to 1000 cavity sds from the mean, narrow and wide: finite, variance > 0,
// and equal to Simpson on the interval (the log-scaled integral does not underflow).
TEST(TiltedMoments, IntervalFarFromTheCavityStaysFinite) {
  struct Case {
    double lower, upper;
  };
  for (const Case c : {Case{40.0, 40.5}, Case{40.0, 40.00001}, Case{-45.0, -44.9}, Case{30.0, 36.0},
                       Case{-1000.0, -999.0}, Case{35.0, 5000.0}}) {
    const TiltedMoments got = tilted_moments(IntervalSite{c.lower, c.upper}, 0.0, 1.0);
    ASSERT_TRUE(std::isfinite(got.log_z));
    ASSERT_GT(got.variance, 0.0);
    EXPECT_GE(got.mean, c.lower);
    EXPECT_LE(got.mean, c.upper);
    // The mass sits at the near end and decays like e^{−|near|·distance}: integrate over
    // 40 decay lengths of it (the rest is below e^{−40}) so Simpson resolves the decay.
    const bool above = c.lower > 0.0;
    const double near = above ? c.lower : c.upper;
    const double span = std::min(c.upper - c.lower, 40.0 / std::abs(near));
    expect_moments(got, integrate(zero, 0.0, 1.0, above ? near : near - span, above ? near + span : near), 1e-8);
  }
}

TEST(TiltedMoments, ProbitMatchesIntegration) {
  struct Case {
    double m, v;
  };
  for (const Case c : {Case{0.0, 1.0}, Case{1.5, 0.3}, Case{-2.0, 4.0}, Case{-6.0, 0.5}, Case{8.0, 25.0}}) {
    expect_moments(tilted_moments(ProbitSite{}, c.m, c.v), integrate_around_cavity(log_normal_cdf_by_erfc, c.m, c.v),
                   1e-8);
  }
}

// Probit at cavity mean −40. With v = 1 the tilted mass sits near s = −20 (z = −40/√2):
// Simpson there with log Φ by erfc, and the series (log Φ(−28.28…) = −404.2624905146642,
// scipy.special.log_ndtr). With v = 1e−6, z ≈ −40: the series only.
TEST(TiltedMoments, ProbitFarInTheTailMatchesAsymptoticSeries) {
  const TiltedMoments wide = tilted_moments(ProbitSite{}, -40.0, 1.0);
  EXPECT_NEAR(wide.log_z, -404.2624905146642, 1e-12 * 404.3);
  expect_moments(wide, integrate(log_normal_cdf_by_erfc, -40.0, 1.0, -32.0, -8.0), 1e-8);
  for (const double v : {1.0, 1e-6}) {
    const TiltedMoments got = tilted_moments(ProbitSite{}, -40.0, v);
    const double scale = std::sqrt(1.0 + v);
    const TailSeries series = tail_series(40.0 / scale);
    EXPECT_NEAR(got.log_z, series.log_cdf, 1e-12 * std::abs(series.log_cdf));
    EXPECT_NEAR(got.mean, -40.0 + v * series.lambda / scale, 1e-12 * 40.0);
    const double variance = v - v * v / (1.0 + v) * (1.0 - series.variance);
    EXPECT_NEAR(got.variance, variance, 1e-9 * variance);
    EXPECT_GT(got.variance, 0.0);
  }
}

std::function<double(double)> mixture_log_f(const GaussianMixtureSite& site) {
  // log f by log-sum-exp over the terms, so far components do not underflow.
  return [site](double s) {
    std::vector<double> logs;
    if (site.constant > 0.0) logs.push_back(std::log(site.constant));
    for (std::size_t k = 0; k < site.weights.size(); ++k) {
      const double d = s - site.means[k];
      logs.push_back(std::log(site.weights[k]) - 0.5 * d * d / site.variances[k] -
                     0.5 * std::log(2.0 * std::numbers::pi * site.variances[k]));
    }
    const double top = *std::max_element(logs.begin(), logs.end());
    double sum = 0.0;
    for (const double l : logs) sum += std::exp(l - top);
    return top + std::log(sum);
  };
}

TEST(TiltedMoments, MixtureMatchesIntegration) {
  // Minka's clutter likelihood of θ for an observation x = 3: 0.5 N(x; θ, 1) + 0.5 N(x; 0, 10).
  const GaussianMixtureSite clutter{{0.5}, {3.0}, {1.0}, 0.5 * std::exp(-0.5 * 9.0 / 10.0) / std::sqrt(20.0 * std::numbers::pi)};
  const GaussianMixtureSite two{{0.3, 0.7}, {-2.0, 1.0}, {0.5, 2.0}, 0.0};
  const GaussianMixtureSite three{{1.0, 2.0, 0.5}, {0.0, 4.0, -6.0}, {0.1, 1.0, 3.0}, 0.01};
  for (const auto& site : {clutter, two, three}) {
    for (const double m : {-1.0, 0.0, 2.5}) {
      for (const double v : {0.2, 1.0, 5.0}) {
        // The components may lie outside ±12 cavity sds: integrate wide enough for both.
        expect_moments(tilted_moments(site, m, v), integrate(mixture_log_f(site), m, v, -30.0, 30.0, 60000), 1e-8);
      }
    }
  }
}

// Components 300 cavity sds away: every log weight is about −22500, so Z = e^{−22500}
// only survives in log-sum-exp. The mass sits near s = 150.
TEST(TiltedMoments, MixtureFarFromTheCavityUsesLogSumExp) {
  const GaussianMixtureSite far{{1.0, 1.0}, {300.0, 301.0}, {1.0, 1.0}, 0.0};
  const TiltedMoments got = tilted_moments(far, 0.0, 1.0);
  expect_moments(got, integrate(mixture_log_f(far), 0.0, 1.0, 140.0, 162.0), 1e-8);
  EXPECT_LT(got.log_z, -22000.0);
}

double log_logistic(double s) { return s > 0 ? -std::log1p(std::exp(-s)) : s - std::log1p(std::exp(s)); }

std::function<double(double)> log_poisson(double count) {
  return [count](double s) { return count * s - std::exp(s) - std::lgamma(count + 1.0); };
}

TEST(TiltedMoments, LogisticMatchesIntegration) {
  struct Case {
    double m, v;
  };
  for (const Case c : {Case{1.0, 4.0}, Case{-2.0, 0.5}, Case{0.0, 1.0}, Case{3.0, 9.0}}) {
    expect_moments(tilted_moments(LogisticSite{}, c.m, c.v), integrate_around_cavity(log_logistic, c.m, c.v), 1e-6);
  }
  // Far in the lower tail σ(s) ≈ e^s: the tilted law is nearly N(m + v, v), around −29.
  expect_moments(tilted_moments(LogisticSite{}, -30.0, 1.0), integrate(log_logistic, -30.0, 1.0, -41.0, -17.0), 1e-6);
}

// Count 50 from a cavity near the answer and from cavities far broader than the
// likelihood (tilted sd 0.14 against cavity sd 1 and 2): the re-centred rule.
TEST(TiltedMoments, PoissonMatchesIntegration) {
  struct Case {
    double count, m, v;
  };
  for (const Case c : {Case{50.0, 3.5, 0.5}, Case{50.0, 0.0, 1.0}, Case{50.0, 0.0, 4.0}, Case{0.0, 0.0, 1.0},
                       Case{3.0, 1.0, 2.0}}) {
    expect_moments(tilted_moments(PoissonSite{c.count}, c.m, c.v),
                   integrate_around_cavity(log_poisson(c.count), c.m, c.v), 1e-6);
  }
}

// Count 5000 (log f ≈ 3.8e4 at the mode, e^{3.8e4} overflows) from a cavity of sd 3:
// the tilted sd is 0.014; Simpson on [8, 9.2] where the mass is.
TEST(TiltedMoments, PoissonLargeCountDoesNotOverflow) {
  const TiltedMoments got = tilted_moments(PoissonSite{5000.0}, 0.0, 10.0);
  expect_moments(got, integrate(log_poisson(5000.0), 0.0, 10.0, 8.0, 9.2), 1e-6);
}

TEST(TiltedMoments, QuadratureSiteMatchesIntegration) {
  // A Student-t likelihood (ν = 4) of an observation 1.5: not log-concave.
  const auto student = std::make_shared<const std::function<double(double)>>(
      [](double s) { return -2.5 * std::log1p((s - 1.5) * (s - 1.5) / 4.0); });
  const QuadratureSite site{"student", student};
  for (const double m : {0.0, 1.0, -2.0}) {
    for (const double v : {0.5, 2.0}) {
      expect_moments(tilted_moments(site, m, v), integrate_around_cavity(*student, m, v), 1e-6);
    }
  }
}

// The documented example of a user-written site: a Gaussian likelihood N(y; s, r) of
// one observation y with noise variance r, whose tilted moments are conjugate.
struct GaussianObservation {
  double y = 0.0;
  double r = 1.0;
  [[nodiscard]] TiltedMoments tilted(double m, double v) const {
    const double total = v + r;
    return {-0.5 * ((y - m) * (y - m) / total + std::log(2.0 * std::numbers::pi * total)), (m * r + y * v) / total,
            v * r / total};
  }
  [[nodiscard]] double log_likelihood(double s) const {
    return -0.5 * ((y - s) * (y - s) / r + std::log(2.0 * std::numbers::pi * r));
  }
};

TEST(TiltedMoments, CustomSiteMatchesMixtureAndIntegration) {
  const ScalarLikelihood custom = CustomSite("gaussian observation", GaussianObservation{1.2, 0.4});
  const ScalarLikelihood mixture = GaussianMixtureSite{{1.0}, {1.2}, {0.4}, 0.0};
  for (const double m : {-3.0, 0.0, 2.0}) {
    const TiltedMoments a = tilted_moments(custom, m, 1.5);
    expect_moments(a, tilted_moments(mixture, m, 1.5), 1e-12);
    expect_moments(a, integrate_around_cavity([&](double s) { return log_likelihood(custom, s); }, m, 1.5), 1e-8);
  }
}

TEST(TiltedMoments, RejectsAnImproperOrNonFiniteCavity) {
  for (const double v : {0.0, -1.0, kInf, std::nan("")}) {
    EXPECT_THROW((void)tilted_moments(ProbitSite{}, 0.0, v), InputError) << v;
    EXPECT_THROW((void)tilted_moments(PoissonSite{2.0}, 0.0, v), InputError) << v;
  }
  EXPECT_THROW((void)tilted_moments(StepSite{}, kInf, 1.0), InputError);
  EXPECT_THROW((void)tilted_moments(LogisticSite{}, 0.0, 1.0, 1), InputError);
  EXPECT_THROW((void)tilted_moments(IntervalSite{1.0, 1.0}, 0.0, 1.0), InputError);
  EXPECT_THROW((void)tilted_moments(GaussianMixtureSite{{0.0}, {0.0}, {1.0}, 0.0}, 0.0, 1.0), InputError);
}

struct BrokenModel {
  [[nodiscard]] TiltedMoments tilted(double m, double) const { return {0.0, m, 0.0}; }
  [[nodiscard]] double log_likelihood(double) const { return 0.0; }
};

TEST(TiltedMoments, ReportsSitesThatBreakTheirContract) {
  EXPECT_THROW((void)tilted_moments(CustomSite("broken", BrokenModel{}), 0.0, 1.0), NumericError);
  const auto nan_at_positive = std::make_shared<const std::function<double(double)>>(
      [](double s) { return s > 0.0 ? std::nan("") : 0.0; });
  EXPECT_THROW((void)tilted_moments(QuadratureSite{"nan", nan_at_positive}, 0.0, 1.0), NumericError);
  const auto nowhere = std::make_shared<const std::function<double(double)>>([](double) { return -kInf; });
  EXPECT_THROW((void)tilted_moments(QuadratureSite{"nowhere", nowhere}, 0.0, 1.0), NumericError);
}

// The cached rules are shared read-only: many threads, cached and uncached sizes, the
// same bits as one thread.
TEST(TiltedMoments, SameResultFromManyThreads) {
  const TiltedMoments cached = tilted_moments(PoissonSite{7.0}, 0.5, 1.0, 64);
  const TiltedMoments uncached = tilted_moments(PoissonSite{7.0}, 0.5, 1.0, 40);
  std::vector<TiltedMoments> results(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&results, t] { results[t] = tilted_moments(PoissonSite{7.0}, 0.5, 1.0, t % 2 == 0 ? 64 : 40); });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t t = 0; t < results.size(); ++t) {
    const TiltedMoments& want = t % 2 == 0 ? cached : uncached;
    EXPECT_EQ(results[t].log_z, want.log_z);
    EXPECT_EQ(results[t].mean, want.mean);
    EXPECT_EQ(results[t].variance, want.variance);
  }
}

}  // namespace
}  // namespace copi
