// Private. The reduction of one state's action terms through a step model's chain of
// leaves x_1 → … → x_K = a (latent.hpp), leaf k with prior p(x_k | s, x_{k-1}). From
// the last leaf up, each (s, parent) node sums (soft rules) or maximises (map) its
// children under its prior row; the conditional policies fall out of the same sums,
// and the flat policy π(a|s) is their product summed over the latent leaves.
// A handful of multiply-adds per (parent, value) pair: no exp or log here, the
// backup's own per-action exponentials serve every leaf.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "copi/control/latent.hpp"

namespace copi::control::detail {

class LeafChain {
 public:
  // Views the model's tables: the model must outlive this object.
  explicit LeafChain(const StepModel& model);

  [[nodiscard]] std::size_t leaves() const { return size_.size(); }
  [[nodiscard]] std::size_t actions() const { return size_.back(); }
  // Entries of leaf k's table per state: parent_size × size.
  [[nodiscard]] std::size_t block(std::size_t k) const { return parent_[k] * size_[k]; }

  // Working memory for one thread: per leaf, its nodes' sums.
  struct Scratch {
    std::vector<std::vector<double>> sums;
    std::vector<double> mass;   // the forward product
    std::vector<double> carry;
  };
  [[nodiscard]] Scratch scratch() const;

  // Where one state's outputs go: per leaf, the start of its (parent × size) block (or
  // nullptr: not wanted); the flat policy's row (A entries, required).
  struct Outputs {
    std::span<double* const> leaf;
    double* flat;
  };

  // Soft rules (exact, variational), linear domain: w[a] >= 0 proportional to
  // exp(Q(s,a)/α) (0 for a forbidden action). Returns Σ over the chain of the priors'
  // products times w — V(s)/α = log of it plus the caller's offset — or 0 when some
  // node's sum fell below the linear floor (then call reduce_log).
  double reduce_linear(std::size_t s, const double* w, const Outputs& out, Scratch& scratch) const;
  // The same from x[a] = Q(s,a)/α (-inf for a forbidden action), in log space: exact
  // for any spread. Returns V(s)/α.
  double reduce_log(std::size_t s, const double* x, const Outputs& out, Scratch& scratch) const;
  // map: q[a] = Q(s,a) (ignored where every prior gives a zero); each node keeps its
  // best child of positive prior (the first on ties), one-hot policies. Returns V(s).
  double reduce_max(std::size_t s, const double* q, const Outputs& out, Scratch& scratch) const;
  // An absorbing state: the posterior is the prior (nothing below s depends on the
  // choice), the flat policy one-hot on `only`.
  void prior_policies(std::size_t s, std::size_t only, const Outputs& out) const;

 private:
  // (z, a) with p(z|s), p(a|s,z) — the latent per step: the same sums with the loops
  // laid out for it, storing around the cache.
  double reduce_two_linear(std::size_t s, const double* w, const Outputs& out, Scratch& scratch) const;
  double reduce_two_max(std::size_t s, const double* q, const Outputs& out) const;
  // After the leaf policies are written: the flat policy as their product summed over
  // the latent leaves.
  void flatten(const Outputs& out, Scratch& scratch) const;

  std::vector<std::size_t> size_;
  std::vector<std::size_t> parent_;
  std::vector<const double*> prior_;
  bool two_ = false;  // exactly (z, a) with one parent for z
};

}  // namespace copi::control::detail
