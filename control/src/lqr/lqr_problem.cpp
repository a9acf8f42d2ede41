// LqrMatrix and LqrProblem::validate: every message names the parameter as the user
// writes it and says what was expected (dimensions with where n and m come from).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "copi/graph/error.hpp"
#include "lqr/lqr_eigen.hpp"

namespace copi::control {

namespace {

using lqr_detail::Dense;

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v == 0.0 ? 0.0 : v);  // -0 prints as 0
  return buffer;
}

std::string shape(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + " x " + std::to_string(cols);
}

[[noreturn]] void fail(const std::string& what) { throw InputError("LQR: " + what); }

void check_shape(const LqrMatrix& m, const char* name, std::size_t rows, std::size_t cols, const std::string& why) {
  if (m.rows != rows || m.cols != cols)
    fail(std::string(name) + " is " + shape(m.rows, m.cols) + "; expected " + shape(rows, cols) + " (" + why + ")");
  if (m.data.size() != rows * cols)
    fail(std::string(name) + " holds " + std::to_string(m.data.size()) + " entries; a " + shape(rows, cols) +
         " matrix needs " + std::to_string(rows * cols));
}

void check_finite(const LqrMatrix& m, const char* name) {
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = 0; j < m.cols; ++j)
      if (!std::isfinite(m(i, j)))
        fail(std::string(name) + "(" + std::to_string(i) + ", " + std::to_string(j) + ") is " + number(m(i, j)) +
             "; expected a finite number");
}

void check_symmetric(const LqrMatrix& m, const char* name) {
  double scale = 1.0;
  for (double v : m.data) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < m.rows; ++i)
    for (std::size_t j = i + 1; j < m.cols; ++j)
      if (std::abs(m(i, j) - m(j, i)) > 1e-10 * scale)
        fail(std::string(name) + " is not symmetric: " + name + "(" + std::to_string(i) + ", " + std::to_string(j) +
             ") = " + number(m(i, j)) + " but " + name + "(" + std::to_string(j) + ", " + std::to_string(i) +
             ") = " + number(m(j, i)));
}

// Symmetric and positive definite (strict) or semidefinite, up to rounding relative
// to the largest eigenvalue.
void check_definite(const Dense& m, const std::string& name, bool strict) {
  const Eigen::SelfAdjointEigenSolver<Dense> eigen(0.5 * (m + m.transpose()), Eigen::EigenvaluesOnly);
  const auto& values = eigen.eigenvalues();
  const double smallest = values.minCoeff();
  const double scale = std::max(1.0, values.cwiseAbs().maxCoeff());
  const bool ok = strict ? smallest > 1e-13 * values.cwiseAbs().maxCoeff() && smallest > 0.0
                         : smallest >= -1e-10 * scale;
  if (!ok)
    fail(name + " must be positive " + (strict ? "definite" : "semidefinite") + "; its smallest eigenvalue is " +
         number(smallest));
}

}  // namespace

LqrMatrix::LqrMatrix(std::size_t rows_, std::size_t cols_, double fill)
    : rows(rows_), cols(cols_), data(rows_ * cols_, fill) {}

LqrMatrix::LqrMatrix(std::initializer_list<std::initializer_list<double>> row_list) {
  rows = row_list.size();
  cols = rows == 0 ? 0 : row_list.begin()->size();
  data.reserve(rows * cols);
  std::size_t i = 0;
  for (const auto& row : row_list) {
    if (row.size() != cols)
      throw InputError("LQR: matrix row " + std::to_string(i) + " has " + std::to_string(row.size()) +
                       " entries; row 0 has " + std::to_string(cols));
    data.insert(data.end(), row.begin(), row.end());
    ++i;
  }
}

LqrMatrix LqrMatrix::identity(std::size_t n, double scale) {
  LqrMatrix out(n, n);
  for (std::size_t i = 0; i < n; ++i) out(i, i) = scale;
  return out;
}

void LqrProblem::validate() const {
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    fail("temperature must be a finite number > 0, got " + number(temperature));
  if (horizon < 1) fail("horizon must be >= 1, got 0");
  if (A.rows == 0 || A.rows != A.cols)
    fail("A is " + shape(A.rows, A.cols) + "; expected a square n x n matrix with n >= 1 (n: the state dimension)");
  const std::size_t n = A.rows;
  check_shape(A, "A", n, n, "n = the state dimension");
  if (B.cols == 0) fail("B is " + shape(B.rows, B.cols) + "; expected n x m with m >= 1 actions (n = " +
                        std::to_string(n) + ", the rows of A)");
  const std::size_t m = B.cols;
  const std::string nm = "n = " + std::to_string(n) + " from A, m = " + std::to_string(m) + " from the columns of B";
  check_shape(B, "B", n, m, nm);
  check_shape(Q, "Q", n, n, nm);
  check_shape(R, "R", m, m, nm);
  if (!noise.empty()) check_shape(noise, "noise", n, n, nm);
  if (!N.empty()) check_shape(N, "N", n, m, nm);
  if (!Qf.empty()) check_shape(Qf, "Qf", n, n, nm);
  if (x0.size() != n)
    fail("x0 has " + std::to_string(x0.size()) + " entries; expected n = " + std::to_string(n) + " (from A)");
  if (!x0_cov.empty()) check_shape(x0_cov, "x0_cov", n, n, nm);

  for (const auto& [matrix, name] : {std::pair{&A, "A"}, {&B, "B"}, {&noise, "noise"}, {&Q, "Q"}, {&R, "R"},
                                     {&N, "N"}, {&Qf, "Qf"}, {&x0_cov, "x0_cov"}})
    check_finite(*matrix, name);
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x0[i])) fail("x0[" + std::to_string(i) + "] is " + number(x0[i]) + "; expected a finite number");

  for (const auto& [matrix, name] : {std::pair{&noise, "noise"}, {&Q, "Q"}, {&R, "R"}, {&Qf, "Qf"}, {&x0_cov, "x0_cov"}})
    check_symmetric(*matrix, name);
  check_definite(lqr_detail::to_eigen(R), "R", true);
  check_definite(lqr_detail::to_eigen(Q), "Q", false);
  if (!Qf.empty()) check_definite(lqr_detail::to_eigen(Qf), "Qf", false);
  if (!noise.empty()) check_definite(lqr_detail::to_eigen(noise), "noise", false);
  if (!x0_cov.empty()) check_definite(lqr_detail::to_eigen(x0_cov), "x0_cov", false);
  if (!N.empty()) {
    // The per-step cost must be a convex quadratic in (x, u), or a policy could earn
    // unbounded reward along some direction.
    Dense joint(static_cast<Eigen::Index>(n + m), static_cast<Eigen::Index>(n + m));
    const auto ni = static_cast<Eigen::Index>(n);
    const auto mi = static_cast<Eigen::Index>(m);
    joint.topLeftCorner(ni, ni) = lqr_detail::to_eigen(Q);
    joint.topRightCorner(ni, mi) = lqr_detail::to_eigen(N);
    joint.bottomLeftCorner(mi, ni) = lqr_detail::to_eigen(N).transpose();
    joint.bottomRightCorner(mi, mi) = lqr_detail::to_eigen(R);
    check_definite(joint, "the per-step cost [[Q, N], [N^T, R]]", false);
  }
}

}  // namespace copi::control
