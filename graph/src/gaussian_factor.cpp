#include "copi/graph/gaussian_factor.hpp"

#include <cmath>
#include <numbers>
#include <numeric>
#include <string>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

std::size_t total(const std::vector<std::size_t>& dims) { return std::accumulate(dims.begin(), dims.end(), std::size_t{0}); }

void check_scope(const std::vector<VarId>& scope, const std::vector<std::size_t>& dims, const char* what) {
  if (scope.size() != dims.size()) throw InputError(std::string(what) + ": one dimension per scope variable is needed");
  for (std::size_t i = 0; i < scope.size(); ++i) {
    if (dims[i] == 0) throw InputError(std::string(what) + ": a variable of dimension 0");
    for (std::size_t j = 0; j < i; ++j) {
      if (scope[i] == scope[j]) throw InputError(std::string(what) + ": a variable appears twice in the scope");
    }
  }
}

void check_shape(const Eigen::MatrixXd& m, Eigen::Index rows, Eigen::Index cols, const char* what,
                 const char* name) {
  if (m.rows() != rows || m.cols() != cols) {
    throw InputError(std::string(what) + ": " + name + " is " + std::to_string(m.rows()) + "×" +
                     std::to_string(m.cols()) + ", expected " + std::to_string(rows) + "×" + std::to_string(cols));
  }
  if (!m.allFinite()) throw InputError(std::string(what) + ": " + name + " has a non-finite entry");
}

bool symmetric(const Eigen::MatrixXd& m) {
  const double scale = std::max(1.0, m.cwiseAbs().maxCoeff());
  return (m - m.transpose()).cwiseAbs().maxCoeff() <= 1e-12 * scale;
}

// Σ's Cholesky factor; throws unless Σ is symmetric positive definite.
Eigen::LLT<Eigen::MatrixXd> covariance_factor(const Eigen::MatrixXd& covariance, const char* what) {
  if (!symmetric(covariance)) throw InputError(std::string(what) + ": the covariance is not symmetric");
  Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success) throw InputError(std::string(what) + ": the covariance is not positive definite");
  return llt;
}

double log_det(const Eigen::LLT<Eigen::MatrixXd>& llt) {
  return 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
}

}  // namespace

GaussianFactor::GaussianFactor(std::vector<VarId> scope, std::vector<std::size_t> dimensions, Eigen::VectorXd eta,
                               Eigen::MatrixXd lambda, double log_constant)
    : scope_(std::move(scope)),
      dims_(std::move(dimensions)),
      eta_(std::move(eta)),
      lambda_(std::move(lambda)),
      log_constant_(log_constant) {
  constexpr const char* what = "gaussian factor";
  check_scope(scope_, dims_, what);
  const auto n = static_cast<Eigen::Index>(total(dims_));
  check_shape(eta_, n, 1, what, "η");
  check_shape(lambda_, n, n, what, "Λ");
  if (!symmetric(lambda_)) throw InputError(std::string(what) + ": Λ is not symmetric");
  lambda_ = 0.5 * (lambda_ + lambda_.transpose()).eval();
  if (!std::isfinite(log_constant_)) throw InputError(std::string(what) + ": a non-finite log constant");
}

GaussianFactor GaussianFactor::normal(std::vector<VarId> scope, std::vector<std::size_t> dimensions,
                                      const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance) {
  constexpr const char* what = "normal factor";
  const auto n = static_cast<Eigen::Index>(total(dimensions));
  check_shape(mean, n, 1, what, "the mean");
  check_shape(covariance, n, n, what, "the covariance");
  const Eigen::LLT<Eigen::MatrixXd> llt = covariance_factor(covariance, what);
  const Eigen::MatrixXd lambda = llt.solve(Eigen::MatrixXd::Identity(n, n));
  const Eigen::VectorXd eta = llt.solve(mean);
  const double c = -0.5 * mean.dot(eta) - 0.5 * (static_cast<double>(n) * std::log(2.0 * std::numbers::pi) + log_det(llt));
  return {std::move(scope), std::move(dimensions), eta, lambda, c};
}

double GaussianFactor::log_value(const Eigen::VectorXd& x) const {
  return log_constant_ + eta_.dot(x) - 0.5 * x.dot(lambda_ * x);
}

LinearGaussianFactor::LinearGaussianFactor(VarId child, std::size_t child_dimension, std::vector<VarId> parents,
                                           std::vector<std::size_t> parent_dimensions, Eigen::MatrixXd a,
                                           Eigen::VectorXd b, Eigen::MatrixXd covariance)
    : a_(std::move(a)), b_(std::move(b)), covariance_(std::move(covariance)) {
  constexpr const char* what = "linear-gaussian factor";
  scope_.push_back(child);
  scope_.insert(scope_.end(), parents.begin(), parents.end());
  dims_.push_back(child_dimension);
  dims_.insert(dims_.end(), parent_dimensions.begin(), parent_dimensions.end());
  check_scope(scope_, dims_, what);
  const auto m = static_cast<Eigen::Index>(child_dimension);
  const auto n = static_cast<Eigen::Index>(total(parent_dimensions));
  if (n == 0 && a_.size() == 0) a_.resize(m, 0);
  check_shape(a_, m, n, what, "A");
  check_shape(b_, m, 1, what, "b");
  check_shape(covariance_, m, m, what, "the covariance");
  (void)covariance_factor(covariance_, what);
  covariance_ = 0.5 * (covariance_ + covariance_.transpose()).eval();
}

GaussianFactor LinearGaussianFactor::canonical() const {
  const Eigen::Index m = a_.rows();
  const Eigen::Index n = a_.cols();
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance_);
  const Eigen::MatrixXd p = llt.solve(Eigen::MatrixXd::Identity(m, m));
  const Eigen::MatrixXd pa = p * a_;
  Eigen::MatrixXd lambda(m + n, m + n);
  lambda.topLeftCorner(m, m) = p;
  lambda.topRightCorner(m, n) = -pa;
  lambda.bottomLeftCorner(n, m) = -pa.transpose();
  lambda.bottomRightCorner(n, n) = a_.transpose() * pa;
  const Eigen::VectorXd pb = p * b_;
  Eigen::VectorXd eta(m + n);
  eta.head(m) = pb;
  eta.tail(n) = -a_.transpose() * pb;
  const double c = -0.5 * b_.dot(pb) - 0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + log_det(llt));
  return {scope_, dims_, eta, lambda, c};
}

ConditionalLinearGaussianFactor::ConditionalLinearGaussianFactor(VarId selector, std::size_t selector_cardinality,
                                                                 std::vector<LinearGaussianFactor> components)
    : components_(std::move(components)) {
  constexpr const char* what = "conditional linear-gaussian factor";
  if (components_.size() != selector_cardinality || components_.empty()) {
    throw InputError(std::string(what) + ": " + std::to_string(components_.size()) + " components for a selector of " +
                     std::to_string(selector_cardinality) + " states");
  }
  for (const LinearGaussianFactor& c : components_) {
    if (c.scope() != components_.front().scope() || c.dimensions() != components_.front().dimensions()) {
      throw InputError(std::string(what) + ": the components differ in their variables");
    }
  }
  scope_.push_back(selector);
  for (const VarId v : components_.front().scope()) {
    if (v == selector) throw InputError(std::string(what) + ": the selector is also a real variable of the factor");
    scope_.push_back(v);
  }
}

}  // namespace copi
