// Internal. Gaussian potentials in canonical form, exp(c + hᵀx − ½ xᵀJx), and the
// operations message passing needs: products (sums of parameters), marginals (Schur
// complements), normalisers and moments. A potential need not be normalisable; the
// operations that integrate say so by returning nothing when J is not positive
// definite over what they integrate.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <optional>
#include <vector>

#include "copi/inference/detail/large_block_allocator.hpp"

namespace copi::detail {

// A canonical potential whose numbers live elsewhere (an owning Canonical, a
// CanonicalPool): what the operations below read.
struct CanonicalView {
  Eigen::Map<const Eigen::VectorXd> h;
  Eigen::Map<const Eigen::MatrixXd> j;
  double c = 0.0;

  [[nodiscard]] Eigen::Index size() const { return h.size(); }
};

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

  [[nodiscard]] static Canonical copy_of(const CanonicalView& v) { return {v.h, v.j, v.c}; }

  [[nodiscard]] Eigen::Index size() const { return h.size(); }
  // NOLINTNEXTLINE(google-explicit-constructor): an owning potential reads as a view
  operator CanonicalView() const { return {{h.data(), h.size()}, {j.data(), j.rows(), j.cols()}, c}; }
  Canonical& operator+=(const CanonicalView& other) {
    h += other.h;
    j += other.j;
    c += other.c;
    return *this;
  }
  Canonical& operator-=(const CanonicalView& other) {
    h -= other.h;
    j -= other.j;
    c -= other.c;
    return *this;
  }
  // Adds `other` into the block [offset, offset + other.size()).
  void add_block(const CanonicalView& other, Eigen::Index offset) {
    const Eigen::Index n = other.size();
    h.segment(offset, n) += other.h;
    j.block(offset, offset, n, n) += other.j;
    c += other.c;
  }
};

// Many potentials in one block of memory, so that a model's factors, messages and
// beliefs cost no allocation each (a 10⁵-step Kalman chain has 3·10⁵ messages).
// Potentials are added while setting up; views stay valid until the next add.
class CanonicalPool {
 public:
  // A zero potential of dimension n (the flat message); returns its index.
  std::size_t add(Eigen::Index n);
  std::size_t add(const CanonicalView& potential);

  [[nodiscard]] std::size_t count() const { return size_.size(); }
  [[nodiscard]] Eigen::Index size(std::size_t i) const { return size_[i]; }
  [[nodiscard]] Eigen::Map<Eigen::VectorXd> h(std::size_t i) { return {numbers_.data() + at_[i], size_[i]}; }
  [[nodiscard]] Eigen::Map<Eigen::MatrixXd> j(std::size_t i) {
    return {numbers_.data() + at_[i] + size_[i], size_[i], size_[i]};
  }
  [[nodiscard]] double& c(std::size_t i) { return c_[i]; }
  [[nodiscard]] CanonicalView view(std::size_t i) const {
    return {{numbers_.data() + at_[i], size_[i]}, {numbers_.data() + at_[i] + size_[i], size_[i], size_[i]}, c_[i]};
  }
  void reserve(std::size_t potentials, std::size_t numbers);

 private:
  // Per potential: h, then J column by column (the bulk of a large model's memory).
  std::vector<double, LargeBlockAllocator<double>> numbers_;
  std::vector<std::size_t, LargeBlockAllocator<std::size_t>> at_;  // per potential: where its h starts
  std::vector<Eigen::Index, LargeBlockAllocator<Eigen::Index>> size_;
  std::vector<double, LargeBlockAllocator<double>> c_;
};

// Scratch matrices reused from call to call, so that the hot loops of message
// passing allocate nothing: slot k is a buffer grown as needed. The operations
// below use slots 0–2 of the workspace they are given; callers use 3 and up.
class Workspace {
 public:
  // Inline: called a few times per message in the hot loops.
  [[nodiscard]] Eigen::Map<Eigen::MatrixXd> matrix(std::size_t slot, Eigen::Index rows, Eigen::Index cols) {
    const auto needed = static_cast<std::size_t>(rows * cols);
    if (slot >= buffers_.size() || buffers_[slot].size() < needed) grow(slot, needed);
    return {buffers_[slot].data(), rows, cols};
  }
  [[nodiscard]] Eigen::Map<Eigen::VectorXd> vector(std::size_t slot, Eigen::Index n) {
    return {matrix(slot, n, 1).data(), n};
  }

 private:
  void grow(std::size_t slot, std::size_t needed);

  std::vector<std::vector<double>> buffers_;
};

// The precision P = Σ⁻¹ and log det Σ of the last few covariances seen: the factors
// of a time-invariant model (a Kalman chain's dynamics and observations) share a
// handful of Σ, each factorised once.
class PrecisionCache {
 public:
  struct Entry {
    Eigen::MatrixXd covariance;
    Eigen::MatrixXd precision;
    double log_det = 0.0;
  };
  // Σ must be symmetric positive definite (the factors' constructors check it).
  const Entry& of(const Eigen::MatrixXd& covariance);

 private:
  static constexpr std::size_t kEntries = 8;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;  // the entry replaced next once all are in use
};

// Mean and covariance of a normalisable potential.
struct Moments {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};

// log ∫ exp(c + hᵀx − ½ xᵀJx) dx; nothing when J is not positive definite.
[[nodiscard]] std::optional<double> log_integral(const CanonicalView& potential);

// The moments of the normalised potential; nothing when J is not positive definite.
[[nodiscard]] std::optional<Moments> moments(const CanonicalView& potential);
// The same into given storage (mean of size n, covariance n × n); false when J is not
// positive definite.
[[nodiscard]] bool moments_into(const CanonicalView& potential, Workspace& ws, Eigen::Ref<Eigen::VectorXd> mean,
                                Eigen::Ref<Eigen::MatrixXd> covariance);

// ∫ potential over every coordinate outside [offset, offset + n): the canonical
// potential of the block (Schur complement), constant included. Nothing when the
// integrated block of J is not positive definite.
[[nodiscard]] std::optional<Canonical> marginal(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n);
// The same written into (h, j, c), which must not alias the potential; false when the
// integrated block is not positive definite (the outputs are then unspecified).
// `integrated_log_det`, when given, receives log det of the integrated block of J (0
// when nothing is integrated): the pivot of this step of variable elimination.
[[nodiscard]] bool marginal_into(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n, Workspace& ws,
                                 Eigen::Ref<Eigen::VectorXd> h, Eigen::Ref<Eigen::MatrixXd> j, double& c,
                                 double* integrated_log_det = nullptr);

// log N(x; J⁻¹h, J⁻¹) = ½ log det J − (n/2) log 2π − ½ (Jx − h)ᵀ J⁻¹ (Jx − h): the
// normalised density of a canonical (h, J) at x, from the residual; nothing when J is
// not positive definite.
[[nodiscard]] std::optional<double> normalised_log_density(const Eigen::Ref<const Eigen::VectorXd>& h,
                                                           const Eigen::Ref<const Eigen::MatrixXd>& j,
                                                           const Eigen::Ref<const Eigen::VectorXd>& x, Workspace& ws);

// log det J, nothing when J is not positive definite. J is copied into the workspace.
[[nodiscard]] std::optional<double> log_determinant(const Eigen::Ref<const Eigen::MatrixXd>& j, Workspace& ws);

// The potential with the coordinates where `observed` is true fixed at `values`
// (entries elsewhere ignored): a potential over the others, in their order.
[[nodiscard]] Canonical condition(const CanonicalView& potential, const std::vector<bool>& observed,
                                  const Eigen::VectorXd& values);

// Whether J is symmetric positive definite (a proper Gaussian).
[[nodiscard]] bool positive_definite(const Eigen::MatrixXd& j);

}  // namespace copi::detail
