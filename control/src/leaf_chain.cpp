#include "leaf_chain.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/inference/detail/numeric_domain.hpp"  // kLinearFloor

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
