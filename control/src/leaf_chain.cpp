#include "leaf_chain.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/inference/detail/numeric_domain.hpp"  // kLinearFloor
#include "stream_store.hpp"

namespace copi::control::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

}  // namespace

LeafChain::LeafChain(const StepModel& model) {
  for (std::size_t k = 0; k < model.leaves.size(); ++k) {
    size_.push_back(model.leaves[k].size);
    parent_.push_back(model.parent_size(k));
    prior_.push_back(model.leaves[k].prior.data());
  }
  two_ = size_.size() == 2;
}

LeafChain::Scratch LeafChain::scratch() const {
  Scratch scratch;
  for (std::size_t k = 0; k < leaves(); ++k) scratch.sums.emplace_back(block(k));
  std::size_t widest = 1;
  for (const std::size_t n : size_) widest = std::max(widest, n);
  scratch.mass.resize(widest);
  scratch.carry.resize(widest);
  return scratch;
}

// scratch.sums[k] holds leaf k's conditional policy [parent][x] once a reduce is done;
// the node sums (one per parent) pass up the chain in scratch.carry.

double LeafChain::reduce_linear(std::size_t s, const double* w, const Outputs& out, Scratch& scratch) const {
  if (two_) return reduce_two_linear(s, w, out, scratch);
  std::vector<double>& child = scratch.mass;  // the values below the current leaf
  std::copy(w, w + actions(), child.begin());
  double total = 0.0;
  for (std::size_t k = leaves(); k-- > 0;) {
    const std::size_t n = size_[k];
    const double* prior = prior_[k] + s * block(k);
    double* policy = scratch.sums[k].data();
    for (std::size_t p = 0; p < parent_[k]; ++p) {
      double sum = 0.0;
      for (std::size_t x = 0; x < n; ++x) {
        policy[p * n + x] = prior[p * n + x] * child[x];
        sum += policy[p * n + x];
      }
      if (!(sum >= copi::detail::kLinearFloor)) return 0.0;  // underflow: the caller redoes it in log space
      const double inverse = 1.0 / sum;
      for (std::size_t x = 0; x < n; ++x) policy[p * n + x] *= inverse;
      scratch.carry[p] = sum;
    }
    std::copy(scratch.carry.begin(), scratch.carry.begin() + static_cast<std::ptrdiff_t>(parent_[k]), child.begin());
    total = scratch.carry[0];
  }
  flatten(out, scratch);
  return total;
}

double LeafChain::reduce_log(std::size_t s, const double* x_in, const Outputs& out, Scratch& scratch) const {
  std::vector<double>& child = scratch.mass;
  std::copy(x_in, x_in + actions(), child.begin());
  double total = kNegInf;
  for (std::size_t k = leaves(); k-- > 0;) {
    const std::size_t n = size_[k];
    const double* prior = prior_[k] + s * block(k);
    double* policy = scratch.sums[k].data();
    for (std::size_t p = 0; p < parent_[k]; ++p) {
      double hi = kNegInf;
      for (std::size_t x = 0; x < n; ++x) {
        const double term = prior[p * n + x] > 0.0 ? std::log(prior[p * n + x]) + child[x] : kNegInf;
        policy[p * n + x] = term;
        hi = std::max(hi, term);
      }
      double sum = 0.0;
      for (std::size_t x = 0; x < n; ++x) {
        policy[p * n + x] = hi == kNegInf ? 0.0 : std::exp(policy[p * n + x] - hi);
        sum += policy[p * n + x];
      }
      if (hi == kNegInf) {
        // Every child ruled out (only below a node the chain never reaches): keep the prior.
        for (std::size_t x = 0; x < n; ++x) policy[p * n + x] = prior[p * n + x];
        scratch.carry[p] = kNegInf;
        continue;
      }
      for (std::size_t x = 0; x < n; ++x) policy[p * n + x] /= sum;
      scratch.carry[p] = hi + std::log(sum);
    }
    std::copy(scratch.carry.begin(), scratch.carry.begin() + static_cast<std::ptrdiff_t>(parent_[k]), child.begin());
    total = scratch.carry[0];
  }
  flatten(out, scratch);
  return total;
}

double LeafChain::reduce_max(std::size_t s, const double* q, const Outputs& out, Scratch& scratch) const {
  if (two_) return reduce_two_max(s, q, out);
  std::vector<double>& child = scratch.mass;
  std::copy(q, q + actions(), child.begin());
  double total = kNegInf;
  for (std::size_t k = leaves(); k-- > 0;) {
    const std::size_t n = size_[k];
    const double* prior = prior_[k] + s * block(k);
    double* policy = scratch.sums[k].data();
    for (std::size_t p = 0; p < parent_[k]; ++p) {
      std::size_t best = n;
      for (std::size_t x = 0; x < n; ++x) {
        if (prior[p * n + x] > 0.0 && (best == n || child[x] > child[best])) best = x;
      }
      for (std::size_t x = 0; x < n; ++x) policy[p * n + x] = x == best ? 1.0 : 0.0;
      scratch.carry[p] = child[best];
    }
    std::copy(scratch.carry.begin(), scratch.carry.begin() + static_cast<std::ptrdiff_t>(parent_[k]), child.begin());
    total = scratch.carry[0];
  }
  flatten(out, scratch);
  return total;
}

namespace {

// The (z, a) sums for one state with the action count a compile-time constant when it
// is small (kActions > 0: the loops over a unroll), or `actions` otherwise.
template <std::size_t kActions>
double two_leaf_sums(std::size_t Z, std::size_t actions, const double* __restrict pz, const double* __restrict pa,
                     const double* __restrict w, double* __restrict node, double* __restrict flat, double* high,
                     double* low) {
  const std::size_t A = kActions > 0 ? kActions : actions;
  double total = 0.0;
  bool small = false;
  for (std::size_t z = 0; z < Z; ++z) {
    double sum = 0.0;
    for (std::size_t a = 0; a < A; ++a) sum += pa[z * A + a] * w[a];
    small |= !(sum >= copi::detail::kLinearFloor);
    node[z] = sum;
    total += pz[z] * sum;
  }
  if (small || !(total >= copi::detail::kLinearFloor)) return 0.0;  // the caller redoes it in log space
  // π_hi(z) = p(z|s) S_z / total, π_lo(a|z) = p(a|s,z) w_a / S_z, and
  // π(a) = Σ_z π_hi π_lo = w_a Σ_z p(z|s) p(a|s,z) / total.
  const double inverse_total = 1.0 / total;
  for (std::size_t a = 0; a < A; ++a) {
    double mass = 0.0;
    for (std::size_t z = 0; z < Z; ++z) mass += pz[z] * pa[z * A + a];
    flat[a] = mass * w[a] * inverse_total;
  }
  if (high != nullptr) {
    for (std::size_t z = 0; z < Z; ++z) stream_store(high + z, pz[z] * node[z] * inverse_total);
  }
  if (low != nullptr) {
    for (std::size_t z = 0; z < Z; ++z) {
      const double inverse = 1.0 / node[z];
      for (std::size_t a = 0; a < A; ++a) stream_store(low + z * A + a, pa[z * A + a] * w[a] * inverse);
    }
  }
  return total;
}

}  // namespace

double LeafChain::reduce_two_linear(std::size_t s, const double* w, const Outputs& out, Scratch& scratch) const {
  const std::size_t Z = size_[0];
  const std::size_t A = size_[1];
  const double* pz = prior_[0] + s * Z;
  const double* pa = prior_[1] + s * Z * A;
  double* node = scratch.carry.data();
  switch (A) {
    case 2: return two_leaf_sums<2>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    case 3: return two_leaf_sums<3>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    case 4: return two_leaf_sums<4>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    case 5: return two_leaf_sums<5>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    case 6: return two_leaf_sums<6>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    case 8: return two_leaf_sums<8>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
    default: return two_leaf_sums<0>(Z, A, pz, pa, w, node, out.flat, out.leaf[0], out.leaf[1]);
  }
}

namespace {

// The (z, a) maxima for one state, the action count a compile-time constant when small
// (as two_leaf_sums). Branch-free selects (the comparisons are data-dependent, so
// branches mispredict): each node keeps the first best child of positive prior.
template <std::size_t kActions>
double two_leaf_maxima(std::size_t Z, std::size_t actions, const double* __restrict pz, const double* __restrict pa,
                       const double* __restrict q, double* __restrict flat, double* high, double* low) {
  const std::size_t A = kActions > 0 ? kActions : actions;
  std::size_t best_z = 0;
  std::size_t best_a_of_best_z = 0;
  double best = kNegInf;
  for (std::size_t z = 0; z < Z; ++z) {
    std::size_t best_a = 0;
    double best_q = kNegInf;
    for (std::size_t a = 0; a < A; ++a) {
      const double value = pa[z * A + a] > 0.0 ? q[a] : kNegInf;
      const bool better = value > best_q;
      best_q = better ? value : best_q;
      best_a = better ? a : best_a;
    }
    if (low != nullptr) {
      for (std::size_t a = 0; a < A; ++a) stream_store(low + z * A + a, a == best_a ? 1.0 : 0.0);
    }
    const bool better = pz[z] > 0.0 && best_q > best;
    best = better ? best_q : best;
    best_z = better ? z : best_z;
    best_a_of_best_z = better ? best_a : best_a_of_best_z;
  }
  if (high != nullptr) {
    for (std::size_t z = 0; z < Z; ++z) stream_store(high + z, z == best_z ? 1.0 : 0.0);
  }
  for (std::size_t a = 0; a < A; ++a) flat[a] = a == best_a_of_best_z ? 1.0 : 0.0;
  return best;
}

}  // namespace

double LeafChain::reduce_two_max(std::size_t s, const double* q, const Outputs& out) const {
  const std::size_t Z = size_[0];
  const std::size_t A = size_[1];
  const double* pz = prior_[0] + s * Z;
  const double* pa = prior_[1] + s * Z * A;
  switch (A) {
    case 2: return two_leaf_maxima<2>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    case 3: return two_leaf_maxima<3>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    case 4: return two_leaf_maxima<4>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    case 5: return two_leaf_maxima<5>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    case 6: return two_leaf_maxima<6>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    case 8: return two_leaf_maxima<8>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
    default: return two_leaf_maxima<0>(Z, A, pz, pa, q, out.flat, out.leaf[0], out.leaf[1]);
  }
}

void LeafChain::prior_policies(std::size_t s, std::size_t only, const Outputs& out) const {
  for (std::size_t k = 0; k < leaves(); ++k) {
    if (out.leaf[k] == nullptr) continue;
    const double* prior = prior_[k] + s * block(k);
    std::copy(prior, prior + block(k), out.leaf[k]);
  }
  for (std::size_t a = 0; a < actions(); ++a) out.flat[a] = a == only ? 1.0 : 0.0;
}

void LeafChain::flatten(const Outputs& out, Scratch& scratch) const {
  // mass(x_k) = Σ_{x_{k-1}} mass(x_{k-1}) π(x_k | x_{k-1}), from the single root.
  std::vector<double>& mass = scratch.mass;
  std::vector<double>& next = scratch.carry;
  mass[0] = 1.0;
  for (std::size_t k = 0; k < leaves(); ++k) {
    const std::size_t n = size_[k];
    const double* policy = scratch.sums[k].data();
    std::fill(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), 0.0);
    for (std::size_t p = 0; p < parent_[k]; ++p) {
      for (std::size_t x = 0; x < n; ++x) next[x] += mass[p] * policy[p * n + x];
    }
    std::copy(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), mass.begin());
    if (out.leaf[k] != nullptr) std::copy(policy, policy + block(k), out.leaf[k]);
  }
  std::copy(mass.begin(), mass.begin() + static_cast<std::ptrdiff_t>(actions()), out.flat);
}

}  // namespace copi::control::detail
