// The Gaussian factor kinds over real variables. Every one is a value type; its
// constructor checks the shapes and the parameters (finite entries, symmetric
// matrices, positive-definite covariances) and throws InputError saying which.
// The scope's real variables are stacked in scope order into one vector x.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <vector>

#include "copi/graph/ids.hpp"

namespace copi {

// exp(log_constant + ηᵀx − ½ xᵀΛx): the canonical (information) form. Λ symmetric,
// positive semi-definite or not at all (a likelihood constrains only some
// directions); it need not be normalisable on its own.
class GaussianFactor {
 public:
  GaussianFactor() = default;
  GaussianFactor(std::vector<VarId> scope, std::vector<std::size_t> dimensions, Eigen::VectorXd eta,
                 Eigen::MatrixXd lambda, double log_constant = 0.0);
  // The normalised density N(x; mean, covariance) in canonical form.
  [[nodiscard]] static GaussianFactor normal(std::vector<VarId> scope, std::vector<std::size_t> dimensions,
                                             const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance);

  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] const std::vector<std::size_t>& dimensions() const { return dims_; }
  [[nodiscard]] const Eigen::VectorXd& eta() const { return eta_; }
  [[nodiscard]] const Eigen::MatrixXd& lambda() const { return lambda_; }
  [[nodiscard]] double log_constant() const { return log_constant_; }
  [[nodiscard]] double log_value(const Eigen::VectorXd& x) const;

  friend bool operator==(const GaussianFactor& a, const GaussianFactor& b) {
    return a.scope_ == b.scope_ && a.dims_ == b.dims_ && a.eta_ == b.eta_ && a.lambda_ == b.lambda_ &&
           a.log_constant_ == b.log_constant_;
  }

 private:
  std::vector<VarId> scope_;
  std::vector<std::size_t> dims_;
  Eigen::VectorXd eta_;
  Eigen::MatrixXd lambda_;
  double log_constant_ = 0.0;
};

// y | x ~ N(A x + b, Σ): the scope is y then the parents x (stacked), A is
// dim(y) × dim(x), Σ positive definite. No parents: y ~ N(b, Σ).
class LinearGaussianFactor {
 public:
  LinearGaussianFactor() = default;
  LinearGaussianFactor(VarId child, std::size_t child_dimension, std::vector<VarId> parents,
                       std::vector<std::size_t> parent_dimensions, Eigen::MatrixXd a, Eigen::VectorXd b,
                       Eigen::MatrixXd covariance);

  // child first, then the parents.
  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] const std::vector<std::size_t>& dimensions() const { return dims_; }
  [[nodiscard]] const Eigen::MatrixXd& a() const { return a_; }
  [[nodiscard]] const Eigen::VectorXd& b() const { return b_; }
  [[nodiscard]] const Eigen::MatrixXd& covariance() const { return covariance_; }
  // The same density in canonical form over (y, x).
  [[nodiscard]] GaussianFactor canonical() const;

  friend bool operator==(const LinearGaussianFactor& l, const LinearGaussianFactor& r) {
    return l.scope_ == r.scope_ && l.dims_ == r.dims_ && l.a_ == r.a_ && l.b_ == r.b_ &&
           l.covariance_ == r.covariance_;
  }

 private:
  std::vector<VarId> scope_;
  std::vector<std::size_t> dims_;
  Eigen::MatrixXd a_;
  Eigen::VectorXd b_;
  Eigen::MatrixXd covariance_;
};

// Conditional linear Gaussian: a discrete selector z picks the component,
// y | x, z = k ~ N(A_k x + b_k, Σ_k). Scope: z, y, then the parents x. Switching
// dynamics and mixture models.
class ConditionalLinearGaussianFactor {
 public:
  ConditionalLinearGaussianFactor() = default;
  // One LinearGaussianFactor per state of the selector, all over the same child and
  // parents.
  ConditionalLinearGaussianFactor(VarId selector, std::size_t selector_cardinality,
                                  std::vector<LinearGaussianFactor> components);

  // selector, child, then the parents.
  [[nodiscard]] const std::vector<VarId>& scope() const { return scope_; }
  [[nodiscard]] VarId selector() const { return scope_.front(); }
  [[nodiscard]] const std::vector<LinearGaussianFactor>& components() const { return components_; }

  friend bool operator==(const ConditionalLinearGaussianFactor&, const ConditionalLinearGaussianFactor&) = default;

 private:
  std::vector<VarId> scope_;
  std::vector<LinearGaussianFactor> components_;
};

}  // namespace copi
