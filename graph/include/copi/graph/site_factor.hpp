// Non-Gaussian factors for expectation propagation. Each is a likelihood f(s) of one
// scalar projection s = aᵀx + c of its real variables (x their stacked values): a
// constraint, a probit, a Gaussian mixture, any 1-D likelihood integrated by
// Gauss–Hermite quadrature, or a user's own site. EP needs only the moments of the
// tilted distribution N(s; m, v) f(s) — see copi/inference/tilted_moments.hpp —
// and the direction a to carry them back to x.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "copi/graph/ids.hpp"

namespace copi {

// Moments of the tilted distribution N(s; mean, variance) f(s) / Z: log Z, and the
// mean and variance of s under it.
struct TiltedMoments {
  double log_z = 0.0;
  double mean = 0.0;
  double variance = 0.0;
};

// f(s) = [s > threshold] (strict) or [s ≥ threshold]. For a Gaussian cavity the two
// give the same moments; the distinction is the model's (and the language's).
struct StepSite {
  double threshold = 0.0;
  bool strict = true;
  friend bool operator==(const StepSite&, const StepSite&) = default;
};

// f(s) = [lower ≤ s ≤ upper] (TrueSkill's draw: |d| ≤ ε).
struct IntervalSite {
  double lower = 0.0;
  double upper = 0.0;
  friend bool operator==(const IntervalSite&, const IntervalSite&) = default;
};

// f(s) = Φ(s), the standard normal CDF (scale the projection for another slope).
struct ProbitSite {
  friend bool operator==(const ProbitSite&, const ProbitSite&) = default;
};

// f(s) = constant + Σ_k weight_k N(s; mean_k, variance_k): Minka's clutter
// likelihood is (1 − w) N(x; θ, 1) + w N(x; 0, 10) as a function of θ, a single
// component plus a constant.
struct GaussianMixtureSite {
  std::vector<double> weights;
  std::vector<double> means;
  std::vector<double> variances;
  double constant = 0.0;
  friend bool operator==(const GaussianMixtureSite&, const GaussianMixtureSite&) = default;
};

// f(s) = σ(s) = 1 / (1 + e^{−s}), by quadrature.
struct LogisticSite {
  friend bool operator==(const LogisticSite&, const LogisticSite&) = default;
};

// f(s) = Poisson(count; rate e^s), by quadrature.
struct PoissonSite {
  double count = 0.0;
  friend bool operator==(const PoissonSite&, const PoissonSite&) = default;
};

// Any 1-D likelihood given by its log, by Gauss–Hermite quadrature. Equal when they
// share the same function object.
struct QuadratureSite {
  std::string name;
  std::shared_ptr<const std::function<double(double)>> log_likelihood;
  friend bool operator==(const QuadratureSite& a, const QuadratureSite& b) {
    return a.name == b.name && a.log_likelihood == b.log_likelihood;
  }
};

// The extension point: a user's own site. The model is any copyable type with
//   TiltedMoments tilted(double cavity_mean, double cavity_variance) const;
//   double log_likelihood(double s) const;
// tilted() must return finite moments with variance > 0 for every proper cavity,
// and log_likelihood() the log f(s) those moments integrate (used by checks and
// by the evidence of the algorithms that evaluate the factor directly). Equal when
// they share the same model object.
class CustomSite {
 public:
  template <typename Model>
  CustomSite(std::string name, Model model)
      : name_(std::move(name)), self_(std::make_shared<const Holder<Model>>(std::move(model))) {}

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] TiltedMoments tilted(double cavity_mean, double cavity_variance) const {
    return self_->tilted(cavity_mean, cavity_variance);
  }
  [[nodiscard]] double log_likelihood(double s) const { return self_->log_likelihood(s); }

  friend bool operator==(const CustomSite& a, const CustomSite& b) { return a.self_ == b.self_; }

 private:
  struct Concept {
    virtual ~Concept() = default;
    [[nodiscard]] virtual TiltedMoments tilted(double mean, double variance) const = 0;
    [[nodiscard]] virtual double log_likelihood(double s) const = 0;
  };
  template <typename Model>
  struct Holder final : Concept {
    explicit Holder(Model m) : model(std::move(m)) {}
    [[nodiscard]] TiltedMoments tilted(double mean, double variance) const override {
      return model.tilted(mean, variance);
    }
    [[nodiscard]] double log_likelihood(double s) const override { return model.log_likelihood(s); }
    Model model;
  };

  std::string name_;
  std::shared_ptr<const Concept> self_;
};

using ScalarLikelihood = std::variant<StepSite, IntervalSite, ProbitSite, GaussianMixtureSite, LogisticSite,
                                      PoissonSite, QuadratureSite, CustomSite>;

// The name of a likelihood's kind as users write it: "step", "interval", "probit",
// "mixture", "logistic", "poisson", or the quadrature / custom site's own name.
[[nodiscard]] std::string likelihood_name(const ScalarLikelihood& likelihood);

// log f(s) for any kind (−inf outside a constraint).
[[nodiscard]] double log_likelihood(const ScalarLikelihood& likelihood, double s);

// f(aᵀx + offset) over the stacked real variables of the scope.
class SiteFactor {
 public:
  SiteFactor() = default;
  // Throws InputError for a projection of the wrong length or non-finite entries,
  // an interval with lower > upper, a mixture with mismatched or non-positive
  // variances or negative weights, or a quadrature site without a function.
  SiteFactor(std::vector<VarId> scope, std::vector<std::size_t> dimensions, Eigen::VectorXd projection,
             double offset, ScalarLikelihood likelihood);

  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] const std::vector<std::size_t>& dimensions() const { return dims_; }
  [[nodiscard]] const Eigen::VectorXd& projection() const { return projection_; }
  [[nodiscard]] double offset() const { return offset_; }
  [[nodiscard]] const ScalarLikelihood& likelihood() const { return likelihood_; }
  [[nodiscard]] double log_value(const Eigen::VectorXd& x) const {
    return log_likelihood(likelihood_, projection_.dot(x) + offset_);
  }

  friend bool operator==(const SiteFactor& a, const SiteFactor& b) {
    return a.scope_ == b.scope_ && a.dims_ == b.dims_ && a.projection_ == b.projection_ &&
           a.offset_ == b.offset_ && a.likelihood_ == b.likelihood_;
  }

 private:
  std::vector<VarId> scope_;
  std::vector<std::size_t> dims_;
  Eigen::VectorXd projection_;
  double offset_ = 0.0;
  ScalarLikelihood likelihood_;
};

}  // namespace copi
