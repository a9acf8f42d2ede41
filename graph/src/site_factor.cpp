#include "copi/graph/site_factor.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log Φ(s), accurate far into the lower tail (erfc does not underflow until s ≈ −38;
// beyond it the asymptotic series takes over).
double log_normal_cdf(double s) {
  if (s > -30.0) return std::log(0.5 * std::erfc(-s / std::numbers::sqrt2));
  const double s2 = s * s;
  return -0.5 * s2 - std::log(-s) - 0.5 * std::log(2.0 * std::numbers::pi) + std::log1p(-1.0 / s2 + 3.0 / (s2 * s2));
}

double log_normal_density(double s, double mean, double variance) {
  const double d = s - mean;
  return -0.5 * (d * d / variance + std::log(2.0 * std::numbers::pi * variance));
}

void check_likelihood(const ScalarLikelihood& likelihood) {
  std::visit(
      [](const auto& f) {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, StepSite>) {
          if (!std::isfinite(f.threshold)) throw InputError("step site: the threshold must be finite");
        } else if constexpr (std::is_same_v<F, IntervalSite>) {
          if (!std::isfinite(f.lower) || !std::isfinite(f.upper) || f.lower > f.upper) {
            throw InputError("interval site: need finite lower ≤ upper");
          }
        } else if constexpr (std::is_same_v<F, GaussianMixtureSite>) {
          if (f.weights.size() != f.means.size() || f.weights.size() != f.variances.size()) {
            throw InputError("mixture site: weights, means and variances differ in number");
          }
          if (!(f.constant >= 0.0) || !std::isfinite(f.constant)) {
            throw InputError("mixture site: the constant term must be finite and non-negative");
          }
          double mass = f.constant;
          for (std::size_t k = 0; k < f.weights.size(); ++k) {
            if (!(f.weights[k] >= 0.0) || !std::isfinite(f.weights[k])) {
              throw InputError("mixture site: component " + std::to_string(k + 1) + " has a negative weight");
            }
            if (!(f.variances[k] > 0.0) || !std::isfinite(f.variances[k]) || !std::isfinite(f.means[k])) {
              throw InputError("mixture site: component " + std::to_string(k + 1) +
                               " needs a finite mean and a positive variance");
            }
            mass += f.weights[k];
          }
          if (!(mass > 0.0)) throw InputError("mixture site: the likelihood is zero everywhere");
        } else if constexpr (std::is_same_v<F, PoissonSite>) {
          if (!(f.count >= 0.0) || f.count != std::floor(f.count) || !std::isfinite(f.count)) {
            throw InputError("poisson site: the count must be a non-negative integer");
          }
        } else if constexpr (std::is_same_v<F, QuadratureSite>) {
          if (!f.log_likelihood || !*f.log_likelihood) throw InputError("quadrature site '" + f.name + "' has no function");
        }
      },
      likelihood);
}

}  // namespace

std::string likelihood_name(const ScalarLikelihood& likelihood) {
  return std::visit(
      [](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, StepSite>) return "step";
        else if constexpr (std::is_same_v<F, IntervalSite>) return "interval";
        else if constexpr (std::is_same_v<F, ProbitSite>) return "probit";
        else if constexpr (std::is_same_v<F, GaussianMixtureSite>) return "mixture";
        else if constexpr (std::is_same_v<F, LogisticSite>) return "logistic";
        else if constexpr (std::is_same_v<F, PoissonSite>) return "poisson";
        else if constexpr (std::is_same_v<F, QuadratureSite>) return f.name;
        else return f.name();
      },
      likelihood);
}

double log_likelihood(const ScalarLikelihood& likelihood, double s) {
  return std::visit(
      [s](const auto& f) -> double {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, StepSite>) {
          return (f.strict ? s > f.threshold : s >= f.threshold) ? 0.0 : -kInf;
        } else if constexpr (std::is_same_v<F, IntervalSite>) {
          return s >= f.lower && s <= f.upper ? 0.0 : -kInf;
        } else if constexpr (std::is_same_v<F, ProbitSite>) {
          return log_normal_cdf(s);
        } else if constexpr (std::is_same_v<F, GaussianMixtureSite>) {
          double total = f.constant;
          for (std::size_t k = 0; k < f.weights.size(); ++k) {
            total += f.weights[k] * std::exp(log_normal_density(s, f.means[k], f.variances[k]));
          }
          return std::log(total);
        } else if constexpr (std::is_same_v<F, LogisticSite>) {
          return -(s > 0 ? std::log1p(std::exp(-s)) : -s + std::log1p(std::exp(s)));
        } else if constexpr (std::is_same_v<F, PoissonSite>) {
          return f.count * s - std::exp(s) - std::lgamma(f.count + 1.0);
        } else if constexpr (std::is_same_v<F, QuadratureSite>) {
          return (*f.log_likelihood)(s);
        } else {
          return f.log_likelihood(s);
        }
      },
      likelihood);
}

SiteFactor::SiteFactor(std::vector<VarId> scope, std::vector<std::size_t> dimensions, Eigen::VectorXd projection,
                       double offset, ScalarLikelihood likelihood)
    : scope_(std::move(scope)),
      dims_(std::move(dimensions)),
      projection_(std::move(projection)),
      offset_(offset),
      likelihood_(std::move(likelihood)) {
  const std::string what = likelihood_name(likelihood_) + " site";
  if (scope_.empty() || scope_.size() != dims_.size()) {
    throw InputError(what + ": needs at least one variable and one dimension per variable");
  }
  for (std::size_t i = 0; i < scope_.size(); ++i) {
    if (dims_[i] == 0) throw InputError(what + ": a variable of dimension 0");
    for (std::size_t j = 0; j < i; ++j) {
      if (scope_[i] == scope_[j]) throw InputError(what + ": a variable appears twice in the scope");
    }
  }
  const auto n = static_cast<Eigen::Index>(std::accumulate(dims_.begin(), dims_.end(), std::size_t{0}));
  if (projection_.size() != n) {
    throw InputError(what + ": the projection has " + std::to_string(projection_.size()) + " entries for " +
                     std::to_string(n) + " dimensions");
  }
  if (!projection_.allFinite() || !std::isfinite(offset_)) throw InputError(what + ": a non-finite projection or offset");
  check_likelihood(likelihood_);
}

}  // namespace copi
