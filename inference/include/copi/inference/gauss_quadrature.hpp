// Gaussian quadrature rules computed by Golub–Welsch: the nodes are the eigenvalues
// of the Jacobi matrix of the orthogonal polynomials, found with Eigen's
// SelfAdjointEigenSolver. EP integrates one-dimensional tilted distributions with them.
#pragma once

#include <cstddef>
#include <vector>

namespace copi {

struct GaussRule {
  std::vector<double> nodes;        // increasing
  std::vector<double> weights;      // positive
  std::vector<double> log_weights;  // log of weights, accurate even where weights underflow
};

// Probabilists' Gauss–Hermite rule: Σ_i weights[i] g(nodes[i]) ≈ E[g(x)] for x ~ N(0, 1),
// exact for polynomials of degree < 2·points; the weights sum to one. (The physicists'
// rule for e^{−x²} has nodes nodes[i] / √2 and weights √π · weights[i].)
// Throws InputError unless 1 ≤ points ≤ kMaxQuadraturePoints.
[[nodiscard]] GaussRule gauss_hermite_rule(std::size_t points);

// Gauss–Legendre rule on [−1, 1]: Σ_i weights[i] g(nodes[i]) ≈ ∫_{−1}^{1} g(t) dt, exact
// for polynomials of degree < 2·points; the weights sum to two. Same limits.
[[nodiscard]] GaussRule gauss_legendre_rule(std::size_t points);

// The rules for these point counts are computed once per process, on first use (a
// function-local static, so safe from any thread) and shared; others per call.
// Returns the shared rule or nullptr.
[[nodiscard]] const GaussRule* cached_gauss_hermite_rule(std::size_t points);

inline constexpr std::size_t kMaxQuadraturePoints = 1024;

}  // namespace copi
