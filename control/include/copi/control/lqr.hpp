// The linear-quadratic regulator as inference: the continuous special case of the
// control module (docs/control.md, "LQR as inference"). Linear-Gaussian dynamics
//
//   x_{t+1} = A x_t + B u_t + w_t,   w_t ~ N(0, Σ),        t = 0 .. T-1
//
// with a quadratic reward r(x, u) = −½ (xᵀQx + uᵀRu + 2 xᵀN u) per step, a terminal
// reward −½ x_Tᵀ Q_f x_T, temperature α and a flat (Lebesgue) action prior. Every
// value V_t(x) = −½ xᵀ P_t x + c_t is a Gaussian log-message in canonical form, so the
// backward pass of the discrete solve (soft_value_iteration.hpp) becomes a Riccati
// recursion with the method's rule on the noise:
//
//   exact        α log E[exp(V'/α)]: P' becomes P'(I + Σ P'/α)⁻¹, constant −(α/2) log det(I + Σ P'/α)
//   variational  E[V']:              P' unchanged,               constant −½ tr(P' Σ)
//   map          E[V'], then max_u:  as variational without the action entropy (α → 0)
//
// and V = α log ∫ exp(Q/α) du (exact, variational), V = max_u Q (map). The policy is
// u ~ N(−K_t x, α (R + Bᵀ P̂ B)⁻¹) (map: the mean alone); K_t is the deterministic LQR
// gain for variational and map, and for exact whenever Σ = 0.
//
// This header does not include Eigen (the installed package does not ask consumers
// for it): matrices are the small row-major LqrMatrix below.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {

// A dense row-major matrix: entry (i, j) is data[i * cols + j]. Empty (0 × 0) where a
// field is optional.
struct LqrMatrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<double> data;

  LqrMatrix() = default;
  LqrMatrix(std::size_t rows, std::size_t cols, double fill = 0.0);
  // Rows of equal length; throws InputError when they are ragged.
  LqrMatrix(std::initializer_list<std::initializer_list<double>> row_list);

  [[nodiscard]] static LqrMatrix identity(std::size_t n, double scale = 1.0);
  [[nodiscard]] bool empty() const { return rows == 0 && cols == 0; }
  [[nodiscard]] double operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
  [[nodiscard]] double& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  friend bool operator==(const LqrMatrix&, const LqrMatrix&) = default;
};

// The problem. The names are the ones error messages use (the language's and the
// CLI's parameter names): A, B, noise, Q, R, N, Qf, x0, x0_cov, horizon, temperature.
struct LqrProblem {
  LqrMatrix A;       // n × n
  LqrMatrix B;       // n × m
  LqrMatrix noise;   // Σ, n × n, symmetric positive semidefinite; empty: zero (deterministic)
  LqrMatrix Q;       // n × n, symmetric positive semidefinite
  LqrMatrix R;       // m × m, symmetric positive definite
  LqrMatrix N;       // n × m cross term; empty: zero. [[Q, N], [Nᵀ, R]] must be PSD
  LqrMatrix Qf;      // n × n, symmetric positive semidefinite; empty: zero
  std::vector<double> x0;  // the initial state (the mean when x0_cov is given), n entries
  // Optional Gaussian initial distribution x_0 ~ N(x0, x0_cov), n × n PSD; empty: x_0 = x0.
  LqrMatrix x0_cov;
  std::size_t horizon = 1;   // T >= 1 decisions u_0 .. u_{T-1}
  double temperature = 1.0;  // α > 0

  [[nodiscard]] std::size_t state_dim() const { return A.rows; }
  [[nodiscard]] std::size_t action_dim() const { return B.cols; }
  // Throws InputError naming the parameter and what was expected: a wrong dimension
  // (with n and m and where they come from), a non-finite entry, a non-symmetric
  // matrix, one that is not positive (semi)definite, α <= 0, T = 0.
  void validate() const;
};

struct LqrSolution {
  ControlMethod method = ControlMethod::variational;
  // Per decision step t = 0 .. T-1: the policy u_t ~ N(−gain[t] x_t, policy_cov[t]);
  // gain[t] is m × n, policy_cov[t] is m × m (zero for map: a deterministic policy).
  std::vector<LqrMatrix> gain;
  std::vector<LqrMatrix> policy_cov;
  // V_t(x) = −½ xᵀ value_matrix[t] x + value_constant[t] for t = 0 .. T (t = T is the
  // terminal reward: Qf and 0).
  std::vector<LqrMatrix> value_matrix;
  std::vector<double> value_constant;
  // V_0(x0) with its constant terms (at the mean when x0_cov is given).
  double value = 0.0;
  // exact: log p(O_{0:T} = 1 | x0) = V_0(x0)/α, or with x0_cov the log of
  // E_{x_0 ~ N(x0, x0_cov)}[exp(V_0(x_0)/α)]. 0 for the other methods.
  double log_partition = 0.0;
};

// Validates the problem (InputError) and solves it by the backward recursion above.
// Throws NumericError when R + Bᵀ P̂ B loses positive definiteness by rounding.
[[nodiscard]] LqrSolution solve_lqr(const LqrProblem& problem, ControlMethod method);

// V_t(x) from a solution (t = 0 .. T). Throws InputError for a wrong t or dimension.
[[nodiscard]] double lqr_value(const LqrSolution& solution, std::size_t t, std::span<const double> x);

// The mean trajectory of the returned policy in the true dynamics from x0 (the noise
// and the policy's spread have zero mean, so it is the closed loop
// x_{t+1} = (A − B K_t) x_t, u_t = −K_t x_t). With Σ = 0 it is also the posterior mean of
// the trajectory given O = 1 (exact and variational coincide then).
struct LqrTrajectory {
  std::vector<std::vector<double>> state;   // x_0 .. x_T
  std::vector<std::vector<double>> action;  // u_0 .. u_{T-1}
};
[[nodiscard]] LqrTrajectory lqr_mean_trajectory(const LqrProblem& problem, const LqrSolution& solution);

}  // namespace copi::control
