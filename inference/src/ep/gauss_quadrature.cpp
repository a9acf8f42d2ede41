#include "copi/inference/gauss_quadrature.hpp"

#include <Eigen/Eigenvalues>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

void check_points(std::size_t points, const char* rule) {
  if (points < 1 || points > kMaxQuadraturePoints) {
    throw InputError(std::string(rule) + " quadrature: the number of points must be between 1 and " +
                     std::to_string(kMaxQuadraturePoints) + ", got " + std::to_string(points));
  }
}

// Golub–Welsch for a symmetric weight with zero recurrence diagonal; off_diagonal[k]
// (k = 0 … n−2) is the recurrence coefficient b_{k+1} of the orthonormal polynomials
// and total_mass the integral of the weight. Nodes are the Jacobi matrix's eigenvalues.
// The weights come from the Christoffel formula 1 / Σ_k p̂_k(x)² with the orthonormal
// polynomials rather than from squared eigenvector entries, because the latter carry
// only absolute accuracy and the outer Hermite weights are far below 1e-16.
GaussRule golub_welsch(const Eigen::VectorXd& off_diagonal, double total_mass) {
  const auto n = off_diagonal.size() + 1;
  GaussRule rule;
  rule.nodes.resize(static_cast<std::size_t>(n));
  if (n == 1) {
    rule.nodes[0] = 0.0;
  } else {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
    solver.computeFromTridiagonal(Eigen::VectorXd::Zero(n), off_diagonal, Eigen::EigenvaluesOnly);
    const Eigen::VectorXd& x = solver.eigenvalues();  // increasing
    // The weight is symmetric: make the nodes exactly so, which keeps odd moments zero.
    for (Eigen::Index i = 0; i < n; ++i) rule.nodes[static_cast<std::size_t>(i)] = 0.5 * (x(i) - x(n - 1 - i));
  }
  rule.weights.resize(rule.nodes.size());
  rule.log_weights.resize(rule.nodes.size());
  constexpr double kRescale = 1e200;  // keeps Σ p̂_k² finite for wide rules
  for (std::size_t i = 0; i < rule.nodes.size(); ++i) {
    const double x = rule.nodes[i];
    double previous = 0.0;
    double current = 1.0;
    double sum = 1.0;
    double log_scale = 0.0;
    for (Eigen::Index k = 0; k + 1 < n; ++k) {
      const double back = k == 0 ? 0.0 : off_diagonal(k - 1);
      const double next = (x * current - back * previous) / off_diagonal(k);
      previous = current;
      current = next;
      sum += current * current;
      if (sum > kRescale * kRescale) {
        previous /= kRescale;
        current /= kRescale;
        sum /= kRescale * kRescale;
        log_scale += 2.0 * std::log(kRescale);
      }
    }
    rule.log_weights[i] = std::log(total_mass) - std::log(sum) - log_scale;
    rule.weights[i] = std::exp(rule.log_weights[i]);
  }
  return rule;
}

constexpr std::array<std::size_t, 8> kCachedPoints{8, 16, 20, 32, 48, 64, 96, 128};

}  // namespace

GaussRule gauss_hermite_rule(std::size_t points) {
  check_points(points, "Gauss-Hermite");
  // Probabilists' Hermite: x p̂_k = √(k+1) p̂_{k+1} + √k p̂_{k−1}.
  Eigen::VectorXd off_diagonal(static_cast<Eigen::Index>(points) - 1);
  for (Eigen::Index k = 0; k < off_diagonal.size(); ++k) off_diagonal(k) = std::sqrt(static_cast<double>(k + 1));
  return golub_welsch(off_diagonal, 1.0);
}

GaussRule gauss_legendre_rule(std::size_t points) {
  check_points(points, "Gauss-Legendre");
  // Legendre: b_k = k / √(4k² − 1).
  Eigen::VectorXd off_diagonal(static_cast<Eigen::Index>(points) - 1);
  for (Eigen::Index k = 0; k < off_diagonal.size(); ++k) {
    const auto j = static_cast<double>(k + 1);
    off_diagonal(k) = j / std::sqrt(4.0 * j * j - 1.0);
  }
  return golub_welsch(off_diagonal, 2.0);
}

const GaussRule* cached_gauss_hermite_rule(std::size_t points) {
  // Built once, on first use, by whichever thread arrives first (C++ guarantees the
  // initialisation of a function-local static is thread safe); read-only afterwards.
  static const std::array<GaussRule, kCachedPoints.size()> table = [] {
    std::array<GaussRule, kCachedPoints.size()> rules;
    for (std::size_t i = 0; i < kCachedPoints.size(); ++i) rules[i] = gauss_hermite_rule(kCachedPoints[i]);
    return rules;
  }();
  for (std::size_t i = 0; i < kCachedPoints.size(); ++i) {
    if (kCachedPoints[i] == points) return &table[i];
  }
  return nullptr;
}

}  // namespace copi
