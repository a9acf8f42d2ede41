// GCC 12 reports -W(maybe-)uninitialized inside its own AVX-512 intrinsics headers when
// Eigen's vectorised exp/log are inlined with -march=native (a known false positive:
// the "uninitialised" value is _mm512_undefined_pd's deliberate don't-care operand).
// The pragma must come before the first include that pulls in the intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "step_backup.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include <Eigen/Core>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "copi/graph/factor_operations.hpp"  // log_add
#include "copi/inference/detail/numeric_domain.hpp"  // kLinearFloor: below it, log space
#include "copi/inference/detail/parallel.hpp"
#include "simd/vector_math.hpp"
#include "stream_store.hpp"

namespace copi::control::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Eigen's vectorised exp clamps its argument and returns ~5.6e-309 for anything below
// about -709 (exp(-inf) included); an action the prior forbids must get weight 0.
// max(e, m) - m with m the smallest normal is exactly 0 for that value and exactly e
// for every e above ~1e-292 (below that it moves e by less than 2.3e-308, nothing next
// to the sums of at least 1e-250 it enters). Branch-free, so it vectorises.
template <typename Expression>
auto flushed(const Expression& values) {
  constexpr double kSmallest = std::numeric_limits<double>::min();
  return values.max(kSmallest) - kSmallest;
}

}  // namespace

bool StepBackup::uses_csr_gather(ControlMethod method, const LeafChain* chain) {
  return chain != nullptr && method == ControlMethod::map;  // a MAP chain maximises row by row
}

StepBackup::StepBackup(const Mdp& mdp, const StepTerms& terms, ControlMethod method, const LeafChain* chain,
                       std::size_t threads)
    : mdp_(mdp),
      terms_(terms),
      chain_(chain),
      method_(method),
      gamma_(mdp.discount.value_or(1.0)),
      log_gamma_(std::log(gamma_)),
      log_end_(gamma_ < 1.0 ? std::log1p(-gamma_) : kNegInf),
      inverse_alpha_(1.0 / mdp.alpha),
      stream_policy_(mdp.rows() * sizeof(double) >= kStreamPolicyBytes),
      // Where the slices below serve the gathers, the CSR kernel is the log-space
      // redo's alone: no codes for it (a pass over every entry and a byte each).
      dynamics_(mdp.row_begin, mdp.next_state, mdp.probability, uses_csr_gather(method, chain)) {
  if (terms.has_action_factor()) {
    log_prior_.resize(mdp.rows());
    for (std::size_t row = 0; row < mdp.rows(); ++row) {
      // A chain's leaves carry the prior; here only which actions the MDP allows (an
      // action of marginal prior 0 still gets its Q, for the π_lo of a latent that the
      // chain gives probability 0).
      if (chain != nullptr) {
        log_prior_[row] = terms.allowed.empty() || terms.allowed[row] != 0 ? 0.0 : kNegInf;
        continue;
      }
      const double weight = terms.action_weight(row);
      log_prior_[row] = weight > 0.0 ? std::log(weight) : kNegInf;
    }
  }
  if (!uses_csr_gather(method, chain)) {
    static_assert(kLanes == SlicedRows::kWidth, "a group's packets are the slices' lanes");
    const std::size_t actions = mdp.num_actions;
    const std::size_t groups = (mdp.num_states + kLanes - 1) / kLanes;
    sliced_ = slice_rows(groups * actions, mdp.next_state.data(), mdp.probability.data(),
                         [&](std::size_t q, std::size_t j) {
                           const std::size_t s = q / actions * kLanes + j;
                           const std::size_t row = s * actions + q % actions;
                           return s < mdp.num_states ? std::pair{mdp.row_begin[row], mdp.row_begin[row + 1]}
                                                     : std::pair{std::uint64_t{0}, std::uint64_t{0}};
                         }, kCompactSlicesBytes, threads, actions);
  }
  refresh_rewards();
  absorbing_ = absorbing_states(mdp, terms);
  absorbing_action_.reserve(absorbing_.size());
  for (const std::uint32_t s : absorbing_) {
    std::uint32_t only = 0;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      if (terms.action_weight(s * mdp.num_actions + a) > 0.0) only = static_cast<std::uint32_t>(a);
    }
    absorbing_action_.push_back(only);
  }
}

void StepBackup::refresh_rewards() {
  if (method_ == ControlMethod::exact) refresh_action_weights();
  refresh_lane_terms();
}

void StepBackup::refresh_lane_terms() {
  // The gather's per-row term (see gather()) in the packets' layout: whole packets then
  // add it (variational) or carry it (exact). The same numbers as the CSR path's.
  if (sliced_.empty() || method_ == ControlMethod::map) return;
  const std::size_t actions = mdp_.num_actions;
  lane_terms_.assign((mdp_.num_states + kLanes - 1) / kLanes * actions, Lanes::Zero());
  for (std::size_t s = 0; s < mdp_.num_states; ++s) {
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = s * actions + a;
      const double term = method_ == ControlMethod::exact
                              ? action_weight_[row]
                              : terms_.reward[row] * inverse_alpha_ + (log_prior_.empty() ? 0.0 : log_prior_[row]);
      lane_terms_[s / kLanes * actions + a][static_cast<Eigen::Index>(s % kLanes)] = term;
    }
  }
}

void StepBackup::refresh_action_weights() {
  // e^{b_a - B(s)} with b_a = r/α + log p(a|s) and B(s) = max_a b_a: the same in
  // every backup, so computed once per reward (one vector of the policy's size).
  const std::size_t actions = mdp_.num_actions;
  action_offset_.resize(mdp_.num_states);
  action_weight_.resize(mdp_.rows());
  double* weights = action_weight_.data();
  for (std::size_t s = 0; s < mdp_.num_states; ++s) {
    double top = kNegInf;
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = s * actions + a;
      weights[row] = terms_.reward[row] * inverse_alpha_ + (log_prior_.empty() ? 0.0 : log_prior_[row]);
      top = std::max(top, weights[row]);
    }
    for (std::size_t a = 0; a < actions; ++a) weights[s * actions + a] -= top;
    action_offset_[s] = top;
  }
  auto in_place = Eigen::Map<Eigen::ArrayXd>(weights, static_cast<Eigen::Index>(mdp_.rows()));
  in_place = flushed(in_place.exp());  // in place: no second copy of the table
}

StepBackup::ExactScale StepBackup::exact_scale(const std::vector<double>& next) const {
  ExactScale scale;
  scale.shift = *std::max_element(next.begin(), next.end());
  if (!std::isfinite(scale.shift)) scale.shift = 0.0;
  // The two terms of γ E[exp(V'/α)] + (1 - γ) at their largest: log γ + max V'/α and
  // log(1 - γ). Scaling both by exp(-m), m the larger, keeps every term in [0, 1].
  const double top = scale.shift / mdp_.alpha + log_gamma_;
  scale.m = std::max(top, log_end_);
  scale.z_offset = top - scale.m;
  scale.end_weight = log_end_ == kNegInf ? 0.0 : std::exp(log_end_ - scale.m);
  return scale;
}

double StepBackup::log_expect_exact(std::size_t row, const double* next, const ExactScale& scale) const {
  // log E[exp(V'/α)] = shift/α + log Σ p exp(u), u = (V' - shift)/α: the sum rule of
  // the dynamics' message kernel, in log space.
  const double shift = scale.shift;
  const double alpha = mdp_.alpha;
  const double log_expect =
      shift / alpha + dynamics_.row_message(row, [&](std::uint32_t x) { return (next[x] - shift) / alpha; }, MessageRule::sum);
  return log_add(log_gamma_ + log_expect, log_end_);
}

void StepBackup::run(const std::vector<double>& next, std::vector<double>& value_out,
                     std::vector<double>* policy_out, std::size_t threads, Scratch& scratch) const {
  run_impl(next, value_out, policy_out != nullptr ? policy_out->data() : nullptr, {}, threads, scratch);
}

void StepBackup::run_chain(const std::vector<double>& next, std::vector<double>& value_out,
                           std::vector<double>& policy_out, std::span<double* const> leaf_out, std::size_t threads,
                           Scratch& scratch) const {
  run_impl(next, value_out, policy_out.data(), leaf_out, threads, scratch);
}

LeafChain::Outputs StepBackup::chain_outputs(std::size_t s, std::span<double* const> leaf_out,
                                             GroupBuffers& buffers) const {
  for (std::size_t k = 0; k < chain_->leaves(); ++k) {
    buffers.leaf[k] = k < leaf_out.size() && leaf_out[k] != nullptr ? leaf_out[k] + s * chain_->block(k) : nullptr;
  }
  return {buffers.leaf, buffers.policy_row.data()};
}

void StepBackup::run_impl(const std::vector<double>& next, std::vector<double>& value_out, double* policy,
                          std::span<double* const> leaf_out, std::size_t threads, Scratch& scratch) const {
  // Work is split at fixed boundaries and every packet computes the same lanes for any
  // thread count (and any address of the caller's vectors): bit-identical results.
  ExactScale scale;
  if (method_ == ControlMethod::exact) {
    scale = exact_scale(next);
    scratch.z.resize(static_cast<Eigen::Index>(next.size()));  // allocated by the first backup only
    const std::size_t chunks = (next.size() + kZChunk - 1) / kZChunk;
    copi::detail::parallel_for_range(chunks, 1, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t c = begin; c < end; ++c) {
        const auto first = static_cast<Eigen::Index>(c * kZChunk);
        const auto count = static_cast<Eigen::Index>(std::min(next.size(), (c + 1) * kZChunk)) - first;
        auto z = scratch.z.segment(first, count);
        z = (Eigen::Map<const Eigen::ArrayXd>(next.data() + first, count) - scale.shift) / mdp_.alpha + scale.z_offset;
        exp_in_place(z.data(), static_cast<std::size_t>(count));
      }
    });
  }
  const std::size_t blocks = (mdp_.num_states + kBlock - 1) / kBlock;
  copi::detail::parallel_for_range(blocks, 4, threads, [&](std::size_t begin, std::size_t end) {
    GroupBuffers buffers(mdp_.num_actions, chain_, chain_ != nullptr ? chain_->leaves() : 0);
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t last = std::min(mdp_.num_states, (b + 1) * kBlock);
      std::uint64_t k = mdp_.row_begin[b * kBlock * mdp_.num_actions];  // the block's first CSR entry
      const std::uint32_t* absorbing =
          std::lower_bound(absorbing_.data(), absorbing_.data() + absorbing_.size(), b * kBlock);
      if (method_ == ControlMethod::map) {
        map_states(b * kBlock, last - b * kBlock, k, next.data(), absorbing, value_out.data(), policy, leaf_out,
                   buffers);
        continue;
      }
      soft_block(b * kBlock, last - b * kBlock, k, next.data(), scratch.z.data(), scale, buffers, absorbing,
                 value_out.data(), policy, leaf_out);
    }
#if defined(__x86_64__)
    _mm_sfence();  // the policy's non-temporal stores are visible before the task ends
#endif
  });
}

void StepBackup::gather(std::size_t first, std::size_t count, std::uint64_t& k, const GatherTerms& terms, Lanes* expect,
                        Lanes* bias_out) const {
  const std::size_t actions = mdp_.num_actions;
  const std::size_t row0 = first * actions;
  const auto finish = [&](std::size_t i, std::size_t a, double acc) {
    const auto lane = static_cast<Eigen::Index>(i);
    const double bias = terms.per_row[row0 + i * actions + a] * terms.bias_scale +
                        (terms.log_prior != nullptr ? terms.log_prior[row0 + i * actions + a] : 0.0);
    if (terms.add_bias) {
      expect[a][lane] = acc * terms.expect_scale + bias;
    } else {
      expect[a][lane] = acc * terms.expect_scale;
      bias_out[a][lane] = bias;
    }
  };
  if (!sliced_.empty()) {
    // The group's packets lie side by side (one vector of Lanes): the slices' sums
    // land in them directly, action after action.
    sliced_sums(sliced_, first / kLanes * actions, actions, terms.w, expect[0].data());
    const Lanes* term = lane_terms_.data() + first / kLanes * actions;  // this group's per-row terms
    for (std::size_t a = 0; a < actions; ++a) {
      if (terms.add_bias) {
        expect[a] = expect[a] * terms.expect_scale + term[a];
      } else {
        expect[a] *= terms.expect_scale;
        bias_out[a] = term[a];
      }
    }
    // k is left behind: only the CSR path below reads it (a load per group that missed
    // the cache on large problems).
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      dynamics_.for_each_row_sum(row0 + i * actions, actions, k, terms.w,
                                 [&](std::size_t a, double acc) { finish(i, a, acc); });
    }
  }
  for (std::size_t a = 0; a < actions; ++a) {
    for (auto lane = static_cast<Eigen::Index>(count); lane < kLanes; ++lane) {
      expect[a][lane] = 1.0;
      bias_out[a][lane] = terms.pad_bias;
    }
  }
}

void StepBackup::soft_block(std::size_t first, std::size_t count, std::uint64_t& k, const double* next, const double* z,
                            const ExactScale& scale, GroupBuffers& buffers, const std::uint32_t*& absorbing,
                            double* value_out, double* policy_out, std::span<double* const> leaf_out) const {
  // Three passes over the block's groups (kLanes states each, their packets side by
  // side in the buffers), so that the exponentials and the logarithms are one
  // dispatched call per block rather than per group.
  const std::size_t actions = mdp_.num_actions;
  const std::size_t groups = (count + kLanes - 1) / kLanes;
  const auto lanes_of = [&](std::size_t g) { return std::min<std::size_t>(kLanes, count - g * kLanes); };
  const bool exact = method_ == ControlMethod::exact;
  // 1. Weights w_a = exp(Q_a/α + log p(a|s) - hi), hi a per-state offset that makes
  // the largest about 1.
  bool any_underflow = false;
  for (std::size_t g = 0; g < groups; ++g) {
    Lanes* q = buffers.expect.data() + g * actions;
    Lanes* bias = buffers.bias.data() + g * actions;
    Lanes& hi = buffers.hi[g];
    const std::size_t group_first = first + g * kLanes;
    const std::size_t n = lanes_of(g);
    if (exact) {
      // exp(Q_a/α) p(a|s) = e^m (E_a + end_weight) e^{b_a} with E_a = Σ p z: no
      // logarithm per action. w_a = (E_a + end_weight) e^{b_a - B}, hi = m + B (the
      // weights after this loop, in one dispatched pass). A state with a row whose every
      // term underflows is redone in log space below.
      gather(group_first, n, k, {z, 1.0, action_weight_.data(), 1.0, nullptr, false, 1.0}, q, bias);
      for (Eigen::Index lane = 0; lane < kLanes; ++lane) {
        hi[lane] = lane < static_cast<Eigen::Index>(n) ? action_offset_[group_first + static_cast<std::size_t>(lane)] : 0.0;
      }
      hi += scale.m;
    } else {
      // x_a = γ E[V']/α + r/α + log p(a|s), hi = max_a x_a, w_a = exp(x_a - hi).
      const double* log_prior = log_prior_.empty() ? nullptr : log_prior_.data();
      gather(group_first, n, k,
             {next, gamma_ * inverse_alpha_, terms_.reward.data(), inverse_alpha_, log_prior, true, 0.0}, q, bias);
    }
  }
  // Variational: hi = max_a x_a, w_a = exp(x_a - hi); exact: w_a as above and each
  // state's smallest Σ p z; both Σ_a w_a and (a flat policy wanted) w_a / Σ w, in one
  // dispatched pass over the block.
  static_assert(kLanes == kPacketLanes, "the groups' packets are the kernels'");
  const bool normalised = policy_out != nullptr && chain_ == nullptr;
  if (exact) {
    exact_packets(buffers.expect[0].data(), buffers.bias[0].data(), groups, actions, scale.end_weight,
                  buffers.lowest[0].data(), buffers.sum[0].data(), normalised);
    for (std::size_t g = 0; g < groups && !any_underflow; ++g) {
      any_underflow = buffers.lowest[g].minCoeff() + scale.end_weight <= copi::detail::kLinearFloor;
    }
  } else {
    soft_max_packets(buffers.expect[0].data(), groups, actions, buffers.hi[0].data(), buffers.sum[0].data(), normalised);
  }
  // A chain: the leaves' sums replace Σ_a w_a, and each state's flat policy goes into q.
  // Bit i of redo[g]: lane i of group g is redone in log space.
  for (std::size_t g = 0; g < groups; ++g) {
    std::uint32_t& redo = buffers.redo[g];
    redo = 0;
    Lanes* q = buffers.expect.data() + g * actions;
    const std::size_t group_first = first + g * kLanes;
    if (chain_ != nullptr) {
      for (std::size_t i = 0; i < lanes_of(g); ++i) {
        const auto lane = static_cast<Eigen::Index>(i);
        for (std::size_t a = 0; a < actions; ++a) buffers.action_term[a] = q[a][lane];
        const double total = chain_->reduce_linear(group_first + i, buffers.action_term.data(),
                                                   chain_outputs(group_first + i, leaf_out, buffers),
                                                   buffers.chain_scratch);
        buffers.sum[g][lane] = total > 0.0 ? total : 1.0;
        if (total == 0.0) redo |= 1u << i;
        for (std::size_t a = 0; a < actions; ++a) q[a][lane] = buffers.policy_row[a];
      }
    }
    if (any_underflow) {
      for (std::size_t i = 0; i < lanes_of(g); ++i) {
        if (buffers.lowest[g][static_cast<Eigen::Index>(i)] + scale.end_weight <= copi::detail::kLinearFloor) {
          redo |= 1u << i;
        }
      }
    }
  }
  // 2. V = α (hi + log Σ_a w_a), π = w_a / Σ w: one exponential per action serves both.
  // (π = exp(x_a - V/α) would lose the last digits when Q/α ~ 1e12.)
  for (std::size_t g = 0; g < groups; ++g) buffers.log_sum[g] = buffers.sum[g];
  log_in_place(buffers.log_sum[0].data(), groups * static_cast<std::size_t>(kLanes));
  for (std::size_t g = 0; g < groups; ++g) {
    Lanes* q = buffers.expect.data() + g * actions;
    const std::size_t group_first = first + g * kLanes;
    const std::size_t n = lanes_of(g);
    const Lanes value = mdp_.alpha * (buffers.hi[g] + buffers.log_sum[g]);
    for (std::size_t i = 0; i < n; ++i) value_out[group_first + i] = value[static_cast<Eigen::Index>(i)];
    const std::uint32_t redo = buffers.redo[g];
    for (std::size_t i = 0; redo != 0 && i < n; ++i) {
      if ((redo >> i & 1u) == 0) continue;
      const std::size_t s = group_first + i;
      double* x = buffers.action_term.data();
      log_action_terms(s, next, scale, x);
      if (chain_ != nullptr) {
        value_out[s] = mdp_.alpha * chain_->reduce_log(s, x, chain_outputs(s, leaf_out, buffers), buffers.chain_scratch);
      } else {
        value_out[s] = mdp_.alpha * soft_max_in_place(x, actions);
      }
      const double* policy = chain_ != nullptr ? buffers.policy_row.data() : x;
      for (std::size_t a = 0; a < actions; ++a) q[a][static_cast<Eigen::Index>(i)] = policy[a];
    }
    const std::uint32_t* const absorbing_end = absorbing_.data() + absorbing_.size();
    for (; absorbing != absorbing_end && *absorbing < group_first + n; ++absorbing) {
      const auto lane = static_cast<Eigen::Index>(*absorbing - group_first);
      value_out[*absorbing] = 0.0;
      const std::size_t only = absorbing_action_[static_cast<std::size_t>(absorbing - absorbing_.data())];
      for (std::size_t a = 0; a < actions; ++a) q[a][lane] = a == only ? 1.0 : 0.0;
      if (chain_ != nullptr) chain_->prior_policies(*absorbing, only, chain_outputs(*absorbing, leaf_out, buffers));
    }
    if (policy_out != nullptr) {
      double* out = policy_out + group_first * actions;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t a = 0; a < actions; ++a) {
          store_policy(out + i * actions + a, q[a][static_cast<Eigen::Index>(i)], stream_policy_);
        }
      }
    }
  }
}

void StepBackup::map_states(std::size_t first, std::size_t count, std::uint64_t& k, const double* next,
                            const std::uint32_t*& absorbing, double* value_out, double* policy_out,
                            std::span<double* const> leaf_out, GroupBuffers& buffers) const {
  if (chain_ != nullptr) {
    map_chain_states(first, count, k, next, absorbing, value_out, policy_out, leaf_out, buffers);
    return;
  }
  // Q = r + γ E[V'], V = max over the available actions, π one-hot on the first best
  // action. No exp/log here, so the gather feeds the maximum directly.
  const std::size_t actions = mdp_.num_actions;
  const std::size_t row0 = first * actions;
  const double gamma = gamma_;
  const auto choose = [&](std::size_t i, const auto& expect_of) {
    const double* reward = terms_.reward.data() + row0 + i * actions;
    const double* log_prior = log_prior_.empty() ? nullptr : log_prior_.data() + row0 + i * actions;
    std::size_t best = actions;
    double best_q = 0.0;
    for (std::size_t a = 0; a < actions; ++a) {
      const double q = reward[a] + gamma * expect_of(a);
      if (log_prior != nullptr && log_prior[a] == kNegInf) continue;  // forbidden
      if (best == actions || q > best_q) {
        best = a;
        best_q = q;
      }
    }
    if (absorbing != absorbing_.data() + absorbing_.size() && *absorbing == first + i) {
      best = absorbing_action_[static_cast<std::size_t>(absorbing - absorbing_.data())];
      best_q = 0.0;
      ++absorbing;
    }
    value_out[first + i] = best_q;
    if (policy_out != nullptr) {
      double* out = policy_out + (first + i) * actions;
      for (std::size_t a = 0; a < actions; ++a) store_policy(out + a, a == best ? 1.0 : 0.0, stream_policy_);
    }
  };
  if (!sliced_.empty()) {
    // A group's E[V'] per action from its slices (blocks start on a group boundary).
    for (std::size_t g = 0; g * kLanes < count; ++g) {
      Lanes* expect = buffers.expect.data();
      sliced_sums(sliced_, (first / kLanes + g) * actions, actions, next, expect[0].data());
      for (std::size_t i = g * kLanes; i < std::min(count, (g + 1) * kLanes); ++i) {
        const auto lane = static_cast<Eigen::Index>(i - g * kLanes);
        choose(i, [&](std::size_t a) { return expect[a][lane]; });
      }
    }
    return;
  }
  double* sums = buffers.action_term.data();
  for (std::size_t i = 0; i < count; ++i) {
    dynamics_.for_each_row_sum(row0 + i * actions, actions, k, next, [&](std::size_t a, double acc) { sums[a] = acc; });
    choose(i, [&](std::size_t a) { return sums[a]; });
  }
}

void StepBackup::map_chain_states(std::size_t first, std::size_t count, std::uint64_t& k, const double* next,
                                  const std::uint32_t*& absorbing, double* value_out, double* policy_out,
                                  std::span<double* const> leaf_out, GroupBuffers& buffers) const {
  // Every action's Q = r + γ E[V'], then the chain maximises leaf by leaf.
  const std::size_t actions = mdp_.num_actions;
  const std::size_t row0 = first * actions;
  const double gamma = gamma_;
  double* q = buffers.action_term.data();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t s = first + i;
    const double* reward = terms_.reward.data() + row0 + i * actions;
    dynamics_.for_each_row_sum(row0 + i * actions, actions, k, next,
                               [&](std::size_t a, double acc) { q[a] = reward[a] + gamma * acc; });
    const LeafChain::Outputs out = chain_outputs(s, leaf_out, buffers);
    double value = 0.0;
    if (absorbing != absorbing_.data() + absorbing_.size() && *absorbing == s) {
      chain_->prior_policies(s, absorbing_action_[static_cast<std::size_t>(absorbing - absorbing_.data())], out);
      ++absorbing;
    } else {
      value = chain_->reduce_max(s, q, out, buffers.chain_scratch);
    }
    value_out[s] = value;
    if (policy_out != nullptr) {
      double* row = policy_out + s * actions;
      for (std::size_t a = 0; a < actions; ++a) store_policy(row + a, buffers.policy_row[a], stream_policy_);
    }
  }
}

void StepBackup::log_action_terms(std::size_t s, const double* next, const ExactScale& scale, double* x) const {
  const std::size_t actions = mdp_.num_actions;
  for (std::size_t a = 0; a < actions; ++a) {
    const std::size_t row = s * actions + a;
    const double log_prior = log_prior_.empty() ? 0.0 : log_prior_[row];
    if (log_prior == kNegInf) {
      x[a] = kNegInf;
    } else if (method_ == ControlMethod::exact) {
      x[a] = terms_.reward[row] * inverse_alpha_ + log_prior + log_expect_exact(row, next, scale);
    } else {
      double expect = 0.0;
      for (std::uint64_t e = mdp_.row_begin[row]; e < mdp_.row_begin[row + 1]; ++e) {
        expect += mdp_.probability[e] * next[mdp_.next_state[e]];
      }
      x[a] = (terms_.reward[row] + gamma_ * expect) * inverse_alpha_ + log_prior;
    }
  }
}

double StepBackup::soft_max_in_place(double* x, std::size_t n) {
  double hi = kNegInf;
  for (std::size_t i = 0; i < n; ++i) hi = std::max(hi, x[i]);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - hi);
    sum += x[i];
  }
  for (std::size_t i = 0; i < n; ++i) x[i] /= sum;
  return hi + std::log(sum);
}

}  // namespace copi::control::detail
