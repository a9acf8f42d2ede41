// Private: LqrMatrix <-> Eigen, and the one Gaussian expectation both the exact
// noise backup and the exact log p(O) over a Gaussian x_0 need.
#pragma once

#include <Eigen/Dense>

#include "copi/control/lqr.hpp"

namespace copi::control::lqr_detail {

using Dense = Eigen::MatrixXd;

[[nodiscard]] inline Dense to_eigen(const LqrMatrix& m) {
  Dense out(static_cast<Eigen::Index>(m.rows), static_cast<Eigen::Index>(m.cols));
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j) out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(i, j);
  return out;
}

[[nodiscard]] inline LqrMatrix from_eigen(const Dense& m) {
  LqrMatrix out(static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols()));
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) = m(i, j);
  return out;
}

// A factor L (n × k, k = the rank) with L Lᵀ = S for a symmetric PSD S; rounding's
// tiny negative eigenvalues are dropped. n × 0 for S = 0.
[[nodiscard]] Dense psd_factor(const Dense& covariance);

// For V(y) = −½ yᵀ P y (P symmetric PSD) and y = μ + w, w ~ N(0, L Lᵀ):
//   α log E[exp(V(y)/α)] = −½ μᵀ P̃ μ − (α/2) log det(I + L Lᵀ P/α),
//   P̃ = P (I + L Lᵀ P/α)⁻¹ = P − P L (α I + Lᵀ P L)⁻¹ Lᵀ P (Woodbury; symmetric).
struct GaussianLogExpectation {
  Dense matrix;             // P̃
  double log_det_term = 0;  // −(α/2) log det(I + L Lᵀ P/α) <= 0
};
[[nodiscard]] GaussianLogExpectation gaussian_log_expectation(const Dense& p, const Dense& factor, double alpha);

}  // namespace copi::control::lqr_detail
