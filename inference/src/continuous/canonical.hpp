// Internal. Gaussian potentials in canonical form, exp(c + hᵀx − ½ xᵀJx), and the
// operations message passing needs: products (sums of parameters), marginals (Schur
// complements), normalisers and moments. A potential need not be normalisable; the
// operations that integrate say so by returning nothing when J is not positive
// definite over what they integrate.
#pragma once

#include <Eigen/Dense>
#include <optional>

namespace copi::detail {

struct Canonical {
  Eigen::VectorXd h;
  Eigen::MatrixXd j;
  double c = 0.0;

  // The constant 1 over ℝ^n (a flat message).
  [[nodiscard]] static Canonical flat(Eigen::Index n) {
    return {Eigen::VectorXd::Zero(n), Eigen::MatrixXd::Zero(n, n), 0.0};
  }
  // N(x; mean, covariance), normalised; nothing when the covariance is not positive definite.
  [[nodiscard]] static std::optional<Canonical> from_moments(const Eigen::VectorXd& mean,
                                                             const Eigen::MatrixXd& covariance);

  [[nodiscard]] Eigen::Index size() const { return h.size(); }
  Canonical& operator+=(const Canonical& other) {
    h += other.h;
    j += other.j;
    c += other.c;
    return *this;
  }
  Canonical& operator-=(const Canonical& other) {
    h -= other.h;
    j -= other.j;
    c -= other.c;
    return *this;
  }
  // Adds `other` into the block [offset, offset + other.size()).
  void add_block(const Canonical& other, Eigen::Index offset) {
    const Eigen::Index n = other.size();
    h.segment(offset, n) += other.h;
    j.block(offset, offset, n, n) += other.j;
    c += other.c;
  }
};

// Mean and covariance of a normalisable potential.
struct Moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

// log ∫ exp(c + hᵀx − ½ xᵀJx) dx; nothing when J is not positive definite.
[[nodiscard]] std::optional<double> log_integral(const Canonical& potential);

// The moments of the normalised potential; nothing when J is not positive definite.
[[nodiscard]] std::optional<Moments> moments(const Canonical& potential);

// ∫ potential over every coordinate outside [offset, offset + n): the canonical
// potential of the block (Schur complement), constant included. Nothing when the
// integrated block of J is not positive definite.
[[nodiscard]] std::optional<Canonical> marginal(const Canonical& potential, Eigen::Index offset, Eigen::Index n);

// The potential with the coordinates where `observed` is true fixed at `values`
// (entries elsewhere ignored): a potential over the others, in their order.
[[nodiscard]] Canonical condition(const Canonical& potential, const std::vector<bool>& observed,
                                  const Eigen::VectorXd& values);

// Whether J is symmetric positive definite (a proper Gaussian).
[[nodiscard]] bool positive_definite(const Eigen::MatrixXd& j);

}  // namespace copi::detail
