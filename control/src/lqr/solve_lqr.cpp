// The backward Riccati recursion of the three methods (lqr.hpp, docs/control.md
// "LQR as inference"): per step the noise rule of the method on V_{t+1}, then the
// quadratic Q_t(x, u) and its soft (exact, variational) or hard (map) maximum over u.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "copi/graph/error.hpp"
#include "lqr/lqr_eigen.hpp"

namespace copi::control {

namespace lqr_detail {

Dense psd_factor(const Dense& covariance) {
  const Eigen::SelfAdjointEigenSolver<Dense> eigen(0.5 * (covariance + covariance.transpose()));
  const auto& values = eigen.eigenvalues();
  const double cutoff = 1e-14 * std::max(1.0, values.cwiseAbs().maxCoeff());
  Eigen::Index rank = 0;
  for (Eigen::Index i = 0; i < values.size(); ++i) rank += values(i) > cutoff ? 1 : 0;
  Dense factor(covariance.rows(), rank);
  Eigen::Index column = 0;
  for (Eigen::Index i = 0; i < values.size(); ++i)
    if (values(i) > cutoff) factor.col(column++) = eigen.eigenvectors().col(i) * std::sqrt(values(i));
  return factor;
}

GaussianLogExpectation gaussian_log_expectation(const Dense& p, const Dense& factor, double alpha) {
  if (factor.cols() == 0) return {p, 0.0};
  const Dense pl = p * factor;
  Dense s = factor.transpose() * pl;
  s.diagonal().array() += alpha;  // α I + Lᵀ P L: symmetric positive definite
  const Eigen::LLT<Dense> llt(s);
  if (llt.info() != Eigen::Success) throw NumericError("LQR: α I + Lᵀ P L lost positive definiteness by rounding");
  Dense matrix = p - pl * llt.solve(pl.transpose());
  matrix = 0.5 * (matrix + matrix.transpose());
  const double log_det_s = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  // det(I + L Lᵀ P/α) = det(I_k + Lᵀ P L/α) = det(S) / α^k
  const double log_det = log_det_s - static_cast<double>(factor.cols()) * std::log(alpha);
  return {matrix, -0.5 * alpha * log_det};
}

}  // namespace lqr_detail

namespace {

using lqr_detail::Dense;

double quadratic_value(const Dense& p, double constant, const Eigen::VectorXd& x) {
  return -0.5 * x.dot(p * x) + constant;
}

Eigen::VectorXd to_vector(std::span<const double> x) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(x.size()));
  for (std::size_t i = 0; i < x.size(); ++i) out(static_cast<Eigen::Index>(i)) = x[i];
  return out;
}

}  // namespace

LqrSolution solve_lqr(const LqrProblem& problem, ControlMethod method) {
  problem.validate();
  const auto n = static_cast<Eigen::Index>(problem.state_dim());
  const auto m = static_cast<Eigen::Index>(problem.action_dim());
  const std::size_t horizon = problem.horizon;
  const double alpha = problem.temperature;
  const bool soft = method != ControlMethod::map;

  const Dense a = lqr_detail::to_eigen(problem.A);
  const Dense b = lqr_detail::to_eigen(problem.B);
  const Dense q = lqr_detail::to_eigen(problem.Q);
  const Dense r = lqr_detail::to_eigen(problem.R);
  const Dense cross = problem.N.empty() ? Dense::Zero(n, m) : lqr_detail::to_eigen(problem.N);
  const Dense noise = problem.noise.empty() ? Dense::Zero(n, n) : lqr_detail::to_eigen(problem.noise);
  const Dense noise_factor = lqr_detail::psd_factor(noise);
  // The action integral ∫ exp(−(u − u*)ᵀ H (u − u*)/(2α)) du = (2πα)^{m/2} det(H)^{-1/2}.
  const double action_log_volume = 0.5 * alpha * static_cast<double>(m) * std::log(2.0 * std::numbers::pi * alpha);

  LqrSolution solution;
  solution.method = method;
  solution.gain.resize(horizon);
  solution.policy_cov.resize(horizon);
  solution.value_matrix.resize(horizon + 1);
  solution.value_constant.assign(horizon + 1, 0.0);

  Dense p = problem.Qf.empty() ? Dense::Zero(n, n) : lqr_detail::to_eigen(problem.Qf);
  double constant = 0.0;
  solution.value_matrix[horizon] = lqr_detail::from_eigen(p);
  for (std::size_t step = horizon; step-- > 0;) {
    // The method's rule on the next state's value: P̂ and its constant.
    Dense p_next = p;
    double noise_constant = 0.0;
    if (method == ControlMethod::exact) {
      auto expectation = lqr_detail::gaussian_log_expectation(p, noise_factor, alpha);
      p_next = std::move(expectation.matrix);
      noise_constant = expectation.log_det_term;
    } else {
      noise_constant = -0.5 * (p.cwiseProduct(noise)).sum();  // −½ tr(P Σ), both symmetric
    }
    // Q_t(x, u) = −½ [x; u]ᵀ [[H_xx, H_uxᵀ], [H_ux, H_uu]] [x; u] + c.
    const Dense pa = p_next * a;
    Dense h_uu = r + b.transpose() * p_next * b;
    h_uu = 0.5 * (h_uu + h_uu.transpose());
    const Dense h_ux = cross.transpose() + b.transpose() * pa;
    const Dense h_xx = q + a.transpose() * pa;
    const Eigen::LLT<Dense> llt(h_uu);
    if (llt.info() != Eigen::Success)
      throw NumericError("LQR: R + B^T P B lost positive definiteness by rounding at t = " + std::to_string(step));
    const Dense gain = llt.solve(h_ux);
    p = h_xx - h_ux.transpose() * gain;
    p = 0.5 * (p + p.transpose());
    constant += noise_constant;
    // An unstable mode the actions cannot reach grows P geometrically with the horizon.
    if (!p.allFinite() || !gain.allFinite() || !std::isfinite(constant))
      throw NumericError("LQR: the value overflowed at t = " + std::to_string(step) + " of horizon " +
                         std::to_string(horizon) + " (an unstable state direction B cannot control grows like " +
                         "|eigenvalue of A|^(2T); shorten the horizon or rescale)");
    if (soft) {
      const double log_det_h = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
      constant += action_log_volume - 0.5 * alpha * log_det_h;
      solution.policy_cov[step] = lqr_detail::from_eigen(alpha * llt.solve(Dense::Identity(m, m)));
    } else {
      solution.policy_cov[step] = LqrMatrix(static_cast<std::size_t>(m), static_cast<std::size_t>(m));
    }
    solution.gain[step] = lqr_detail::from_eigen(gain);
    solution.value_matrix[step] = lqr_detail::from_eigen(p);
    solution.value_constant[step] = constant;
  }

  const Eigen::VectorXd x0 = to_vector(problem.x0);
  solution.value = quadratic_value(p, constant, x0);
  if (method == ControlMethod::exact) {
    if (problem.x0_cov.empty()) {
      solution.log_partition = solution.value / alpha;
    } else {
      // log E[exp(V_0(x_0)/α)] over x_0 ~ N(x0, x0_cov): the same Gaussian expectation.
      const auto start = lqr_detail::gaussian_log_expectation(
          p, lqr_detail::psd_factor(lqr_detail::to_eigen(problem.x0_cov)), alpha);
      solution.log_partition = (quadratic_value(start.matrix, constant, x0) + start.log_det_term) / alpha;
    }
  }
  return solution;
}

double lqr_value(const LqrSolution& solution, std::size_t t, std::span<const double> x) {
  if (t >= solution.value_matrix.size())
    throw InputError("LQR: no value at t = " + std::to_string(t) + "; the solution has t = 0 .. " +
                     std::to_string(solution.value_matrix.size() - 1));
  const LqrMatrix& p = solution.value_matrix[t];
  if (x.size() != p.rows)
    throw InputError("LQR: the state has " + std::to_string(x.size()) + " entries; expected n = " +
                     std::to_string(p.rows));
  return quadratic_value(lqr_detail::to_eigen(p), solution.value_constant[t], to_vector(x));
}

LqrTrajectory lqr_mean_trajectory(const LqrProblem& problem, const LqrSolution& solution) {
  problem.validate();
  if (solution.gain.size() != problem.horizon || solution.gain.empty() ||
      solution.gain.front().rows != problem.action_dim() || solution.gain.front().cols != problem.state_dim())
    throw InputError("LQR: the solution does not fit the problem (its horizon or dimensions differ)");
  const Dense a = lqr_detail::to_eigen(problem.A);
  const Dense b = lqr_detail::to_eigen(problem.B);
  LqrTrajectory trajectory;
  Eigen::VectorXd x = to_vector(problem.x0);
  const auto to_std = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  trajectory.state.push_back(to_std(x));
  for (std::size_t t = 0; t < problem.horizon; ++t) {
    const Eigen::VectorXd u = -lqr_detail::to_eigen(solution.gain[t]) * x;
    x = a * x + b * u;
    trajectory.action.push_back(to_std(u));
    trajectory.state.push_back(to_std(x));
  }
  return trajectory;
}

}  // namespace copi::control
