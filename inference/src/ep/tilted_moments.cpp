#include "copi/inference/tilted_moments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/gauss_quadrature.hpp"
#include "ep/truncated_normal.hpp"

namespace copi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kLogTwoPi = std::log(2.0 * std::numbers::pi);

std::string number(double x) {
  std::ostringstream out;
  out.precision(17);
  out << x;
  return out.str();
}

// s > t or s ≥ t: z = (m − t)/√v, Z = Φ(z), mean m + √v λ(z), variance v (1 − λ(λ + z)).
TiltedMoments step_moments(const StepSite& site, double m, double v) {
  if (!std::isfinite(site.threshold)) throw InputError("step site: the threshold must be finite");
  const double sd = std::sqrt(v);
  const detail::TruncatedMoments b = detail::below((m - site.threshold) / sd);
  return {b.log_mass, m - sd * b.mean, v * b.variance};
}

TiltedMoments interval_moments(const IntervalSite& site, double m, double v) {
  if (!std::isfinite(site.lower) || !std::isfinite(site.upper) || !(site.lower < site.upper)) {
    throw InputError("interval site: need finite lower < upper, got [" + number(site.lower) + ", " +
                     number(site.upper) + "] (an interval of width zero has no tilted variance)");
  }
  const double sd = std::sqrt(v);
  const detail::TruncatedMoments t = detail::between((site.lower - m) / sd, (site.upper - m) / sd);
  return {t.log_mass, m + sd * t.mean, v * t.variance};
}

// Φ(s): Z = Φ(z), z = m/√(1+v); mean m + v λ/√(1+v); variance v/(1+v) + v²/(1+v)·(1 − λ(λ+z)),
// a sum of two positive terms (the textbook v − v²λ(λ+z)/(1+v) cancels in the tail).
TiltedMoments probit_moments(double m, double v) {
  const double scale = std::sqrt(1.0 + v);
  const detail::TruncatedMoments b = detail::below(m / scale);
  return {b.log_mass, m - v * b.mean / scale, v / (1.0 + v) + v * (v / (1.0 + v)) * b.variance};
}

void check_mixture(const GaussianMixtureSite& site) {
  if (site.weights.size() != site.means.size() || site.weights.size() != site.variances.size()) {
    throw InputError("mixture site: weights, means and variances differ in number");
  }
  if (!std::isfinite(site.constant) || !(site.constant >= 0.0)) {
    throw InputError("mixture site: the constant term must be finite and non-negative");
  }
  bool mass = site.constant > 0.0;
  for (std::size_t k = 0; k < site.weights.size(); ++k) {
    if (!std::isfinite(site.weights[k]) || !(site.weights[k] >= 0.0) || !std::isfinite(site.means[k]) ||
        !std::isfinite(site.variances[k]) || !(site.variances[k] > 0.0)) {
      throw InputError("mixture site: component " + std::to_string(k + 1) +
                       " needs a finite non-negative weight, a finite mean and a positive variance");
    }
    mass = mass || site.weights[k] > 0.0;
  }
  if (!mass) throw InputError("mixture site: the likelihood is zero everywhere");
}

// c + Σ w_k N(s; m_k, v_k): each term times the cavity is a scaled Gaussian,
//   w_k N(m; m_k, v + v_k) · N(s; (m v_k + m_k v)/(v + v_k), v v_k/(v + v_k)),
// and the constant keeps the cavity; the tilted law is their mixture, weighed in logs.
TiltedMoments mixture_moments(const GaussianMixtureSite& site, double m, double v) {
  check_mixture(site);
  struct Term {
    double log_weight;
    double mean;
    double variance;
  };
  std::vector<Term> terms;
  terms.reserve(site.weights.size() + 1);
  if (site.constant > 0.0) terms.push_back({std::log(site.constant), m, v});
  for (std::size_t k = 0; k < site.weights.size(); ++k) {
    if (site.weights[k] == 0.0) continue;
    const double total = v + site.variances[k];
    const double d = m - site.means[k];
    terms.push_back({std::log(site.weights[k]) - 0.5 * (d * d / total + kLogTwoPi + std::log(total)),
                     (m * site.variances[k] + site.means[k] * v) / total, v * (site.variances[k] / total)});
  }
  double top = -kInf;
  for (const Term& t : terms) top = std::max(top, t.log_weight);
  double sum = 0.0;
  double first = 0.0;
  for (const Term& t : terms) {
    const double p = std::exp(t.log_weight - top);
    sum += p;
    first += p * t.mean;
  }
  const double mean = first / sum;
  double variance = 0.0;
  for (const Term& t : terms) {
    const double d = t.mean - mean;
    variance += std::exp(t.log_weight - top) * (t.variance + d * d);
  }
  return {top + std::log(sum), mean, variance / sum};
}

// One Gauss–Hermite pass with the rule centred on the proposal N(centre, spread):
// ∫ N(s; m, v) f(s) ds = E_x[N(s; m, v) f(s) / q(s)], s = centre + √spread·x.
// On the cavity itself (centre = m, spread = v) the ratio N/q is 1.
template <typename LogLikelihood>
TiltedMoments hermite_pass(const GaussRule& rule, const LogLikelihood& log_f, const std::string& name, double m,
                           double v, double centre, double spread) {
  const double sd = std::sqrt(spread);
  const bool on_cavity = centre == m && spread == v;
  std::vector<double> log_terms(rule.nodes.size());
  double top = -kInf;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double x = rule.nodes[i];
    const double s = centre + sd * x;
    const double lf = log_f(s);
    if (std::isnan(lf) || lf == kInf) {
      throw NumericError(name + " site: the log-likelihood at s = " + number(s) + " is " + number(lf));
    }
    double log_ratio = 0.0;
    if (!on_cavity) {
      const double d = s - m;
      log_ratio = -0.5 * (d * d / v + std::log(v)) + 0.5 * (x * x + std::log(spread));
    }
    log_terms[i] = rule.log_weights[i] + log_ratio + lf;
    top = std::max(top, log_terms[i]);
  }
  if (top == -kInf) {
    throw NumericError(name + " site: the likelihood is zero at every quadrature node around N(" + number(centre) +
                       ", " + number(spread) + "); the tilted distribution has no mass the rule can see");
  }
  double sum = 0.0;
  double first = 0.0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    log_terms[i] = std::exp(log_terms[i] - top);  // now the unnormalised weight
    sum += log_terms[i];
    first += log_terms[i] * rule.nodes[i];
  }
  const double x_mean = first / sum;
  double second = 0.0;
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double d = rule.nodes[i] - x_mean;
    second += log_terms[i] * d * d;
  }
  return {top + std::log(sum), centre + sd * x_mean, spread * (second / sum)};
}

// Re-centre until the proposal agrees with the moments it yields (mean within 0.02
// proposal sds, variance within 4%); a collapsed variance (all weight on one node)
// shrinks the proposal 100-fold per round so a narrow likelihood is found.
template <typename LogLikelihood>
TiltedMoments hermite_moments(const LogLikelihood& log_f, const std::string& name, double m, double v,
                              std::size_t points) {
  if (points < 2 || points > kMaxQuadraturePoints) {
    throw InputError(name + " site: the number of quadrature points must be between 2 and " +
                     std::to_string(kMaxQuadraturePoints) + ", got " + std::to_string(points));
  }
  std::optional<GaussRule> own;
  const GaussRule* rule = cached_gauss_hermite_rule(points);
  if (rule == nullptr) rule = &own.emplace(gauss_hermite_rule(points));
  constexpr int kRounds = 12;
  double centre = m;
  double spread = v;
  TiltedMoments result;
  for (int round = 0; round < kRounds; ++round) {
    result = hermite_pass(*rule, log_f, name, m, v, centre, spread);
    const double sd = std::sqrt(spread);
    if (result.variance > 0.0 && std::abs(result.mean - centre) <= 0.02 * sd &&
        std::abs(std::log(result.variance / spread)) <= 0.04) {
      return result;
    }
    centre = result.mean;
    spread = std::max(result.variance, 1e-2 * spread);
  }
  if (!(result.variance > 0.0)) {
    throw NumericError(name + " site: the tilted distribution is narrower than " + std::to_string(points) +
                       "-point quadrature resolves around N(" + number(m) + ", " + number(v) + ")");
  }
  return result;
}

TiltedMoments custom_moments(const CustomSite& site, double m, double v) {
  const TiltedMoments t = site.tilted(m, v);
  if (!std::isfinite(t.log_z) || !std::isfinite(t.mean) || !std::isfinite(t.variance) || !(t.variance > 0.0)) {
    throw NumericError("custom site '" + site.name() + "': tilted(" + number(m) + ", " + number(v) +
                       ") returned log Z " + number(t.log_z) + ", mean " + number(t.mean) + ", variance " +
                       number(t.variance) + "; it must return finite values and a positive variance");
  }
  return t;
}

}  // namespace

TiltedMoments tilted_moments(const ScalarLikelihood& likelihood, double cavity_mean, double cavity_variance,
                             std::size_t quadrature_points) {
  if (!std::isfinite(cavity_mean) || !std::isfinite(cavity_variance) || !(cavity_variance > 0.0)) {
    throw InputError(likelihood_name(likelihood) + " site: the cavity needs a finite mean and a positive finite " +
                     "variance, got mean " + number(cavity_mean) + ", variance " + number(cavity_variance));
  }
  const double m = cavity_mean;
  const double v = cavity_variance;
  return std::visit(
      [&](const auto& site) -> TiltedMoments {
        using Site = std::decay_t<decltype(site)>;
        if constexpr (std::is_same_v<Site, StepSite>) {
          return step_moments(site, m, v);
        } else if constexpr (std::is_same_v<Site, IntervalSite>) {
          return interval_moments(site, m, v);
        } else if constexpr (std::is_same_v<Site, ProbitSite>) {
          return probit_moments(m, v);
        } else if constexpr (std::is_same_v<Site, GaussianMixtureSite>) {
          return mixture_moments(site, m, v);
        } else if constexpr (std::is_same_v<Site, CustomSite>) {
          return custom_moments(site, m, v);
        } else {
          if constexpr (std::is_same_v<Site, PoissonSite>) {
            if (!std::isfinite(site.count) || !(site.count >= 0.0) || site.count != std::floor(site.count)) {
              throw InputError("poisson site: the count must be a non-negative integer, got " + number(site.count));
            }
          } else if constexpr (std::is_same_v<Site, QuadratureSite>) {
            if (!site.log_likelihood || !*site.log_likelihood) {
              throw InputError("quadrature site '" + site.name + "' has no function");
            }
          }
          const auto log_f = [&](double s) { return log_likelihood(likelihood, s); };
          return hermite_moments(log_f, likelihood_name(likelihood), m, v, quadrature_points);
        }
      },
      likelihood);
}

}  // namespace copi
