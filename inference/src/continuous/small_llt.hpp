#pragma once

// Cholesky factorisation A = L Lᵀ of a fixed-size N × N matrix (N ≤ 8), with the part
// of Eigen::LLT's interface the canonical-form kernels use.
//
// Why not Eigen::LLT<Matrix<double, N, N>>: Eigen unrolls a fixed-size triangular solve
// only for one right-hand side; with several (the covariance as L⁻ᵀL⁻¹, the Schur
// complement's L⁻¹ J_ba) it takes its general blocked kernel, which packs the operands
// and loops at run time — at N = 4 that costs several times the arithmetic, and the
// Kalman smoother of issue 12 spends a fifth of its time there. Plain loops over
// compile-time bounds, which the compiler unrolls, do the same arithmetic in the same
// order as the textbook algorithm.

#include <cmath>

#include <Eigen/Core>

namespace copi::detail {

template <int N>
class SmallLlt {
 public:
  using Matrix = Eigen::Matrix<double, N, N>;

  template <typename Derived>
  explicit SmallLlt(const Eigen::MatrixBase<Derived>& a) : l_(a) {
    // Column by column (Cholesky–Crout), reading the lower triangle only.
    for (int j = 0; j < N; ++j) {
      double d = l_(j, j);
      for (int k = 0; k < j; ++k) d -= l_(j, k) * l_(j, k);
      if (!(d > 0.0)) {
        ok_ = false;
        return;
      }
      const double pivot = std::sqrt(d);
      l_(j, j) = pivot;
      for (int i = j + 1; i < N; ++i) {
        double s = l_(i, j);
        for (int k = 0; k < j; ++k) s -= l_(i, k) * l_(j, k);
        l_(i, j) = s / pivot;
      }
    }
  }

  [[nodiscard]] Eigen::ComputationInfo info() const { return ok_ ? Eigen::Success : Eigen::NumericalIssue; }
  // The factor's storage: L in the lower triangle (what Eigen's matrixLLT() returns).
  [[nodiscard]] const Matrix& matrixLLT() const { return l_; }

  // b ← L⁻¹ b.
  template <int C>
  void solve_lower(Eigen::Matrix<double, N, C>& b) const {
    for (Eigen::Index c = 0; c < b.cols(); ++c) {
      for (int i = 0; i < N; ++i) {
        double s = b(i, c);
        for (int k = 0; k < i; ++k) s -= l_(i, k) * b(k, c);
        b(i, c) = s / l_(i, i);
      }
    }
  }

  // b ← L⁻ᵀ b.
  template <int C>
  void solve_upper(Eigen::Matrix<double, N, C>& b) const {
    for (Eigen::Index c = 0; c < b.cols(); ++c) {
      for (int i = N - 1; i >= 0; --i) {
        double s = b(i, c);
        for (int k = i + 1; k < N; ++k) s -= l_(k, i) * b(k, c);
        b(i, c) = s / l_(i, i);
      }
    }
  }

  // b ← A⁻¹ b.
  template <int C>
  void solveInPlace(Eigen::Matrix<double, N, C>& b) const {
    solve_lower(b);
    solve_upper(b);
  }

  // A⁻¹ = L⁻ᵀ L⁻¹, symmetric by construction.
  [[nodiscard]] Matrix inverse() const {
    Matrix inv_l = Matrix::Zero();  // L⁻¹, lower triangular
    for (int j = 0; j < N; ++j) {
      inv_l(j, j) = 1.0 / l_(j, j);
      for (int i = j + 1; i < N; ++i) {
        double s = 0.0;
        for (int k = j; k < i; ++k) s -= l_(i, k) * inv_l(k, j);
        inv_l(i, j) = s / l_(i, i);
      }
    }
    Matrix out;
    for (int j = 0; j < N; ++j) {
      for (int i = j; i < N; ++i) {
        double s = 0.0;
        for (int k = i; k < N; ++k) s += inv_l(k, i) * inv_l(k, j);
        out(i, j) = out(j, i) = s;
      }
    }
    return out;
  }

 private:
  Matrix l_;
  bool ok_ = true;
};

}  // namespace copi::detail
