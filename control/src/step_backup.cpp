#include "step_backup.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <Eigen/Core>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

// Below this a sum of exponentials is redone in log space: far above the subnormals,
// where Eigen's log loses accuracy.
constexpr double kUnderflow = 1e-250;

// Eigen's vectorised exp clamps its argument and returns ~5.6e-309 for anything below
// about -709 (exp(-inf) included); an action the prior forbids must get weight 0.
void flush_tiny(double* values, Eigen::Index n) {
  for (Eigen::Index j = 0; j < n; ++j) values[j] = values[j] < std::numeric_limits<double>::min() ? 0.0 : values[j];
}

// out[i * actions + a] = block[a * count + i]: the action-major block back to the
// policy's row order. Non-temporal stores: the policy (|S||A| doubles) is far larger
// than the cache and is not read again in this backup, so writing it around the cache
// saves reading every line before overwriting it.
void store_rows(const double* block, std::size_t count, std::size_t actions, double* out) {
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t a = 0; a < actions; ++a) {
#if defined(__x86_64__)
      long long bits = 0;
      std::memcpy(&bits, &block[a * count + i], sizeof bits);
      _mm_stream_si64(reinterpret_cast<long long*>(out + i * actions + a), bits);
#else
      out[i * actions + a] = block[a * count + i];
#endif
    }
  }
}

}  // namespace

StepBackup::StepBackup(const Mdp& mdp, ControlMethod method)
    : mdp_(mdp),
      method_(method),
      gamma_(mdp.discount.value_or(1.0)),
      log_gamma_(std::log(gamma_)),
      log_end_(gamma_ < 1.0 ? std::log1p(-gamma_) : kNegInf),
      inverse_alpha_(1.0 / mdp.alpha) {
  log_prior_.reserve(mdp.action_prior.size());
  for (const double p : mdp.action_prior) log_prior_.push_back(p > 0.0 ? std::log(p) : kNegInf);
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

void StepBackup::expect_block(std::size_t first, std::size_t count, const double* w, const RowTerms& terms,
                              double* out, double* bias) const {
  const std::size_t actions = mdp_.num_actions;
  const std::size_t row0 = first * actions;
  const std::uint64_t* row_begin = mdp_.row_begin.data() + row0;
  const std::uint32_t* to = mdp_.next_state.data();
  const double* p = mdp_.probability.data();
  const double* reward = mdp_.reward.data() + row0;
  const double* log_prior = log_prior_.empty() || !terms.log_prior ? nullptr : log_prior_.data() + row0;
  std::uint64_t k = row_begin[0];
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = i * actions + a;
      const std::uint64_t end = row_begin[row + 1];
      double acc = 0.0;
      for (; k < end; ++k) acc += p[k] * w[to[k]];
      // Streaming the rewards (and prior) here, next to the CSR, costs nothing extra.
      const double b = reward[row] * terms.reward_scale + (log_prior != nullptr ? log_prior[row] : 0.0);
      if (bias != nullptr) {
        out[a * count + i] = acc;
        bias[a * count + i] = b;
      } else {
        out[a * count + i] = acc * terms.expect_scale + b;
      }
    }
  }
}

double StepBackup::log_expect_exact(std::size_t row, const double* next) const {
  const double alpha = mdp_.alpha;
  const std::uint64_t begin = mdp_.row_begin[row];
  const std::uint64_t end = mdp_.row_begin[row + 1];
  double hi = kNegInf;
  for (std::uint64_t k = begin; k < end; ++k) hi = std::max(hi, next[mdp_.next_state[k]]);
  double sum = 0.0;
  for (std::uint64_t k = begin; k < end; ++k) sum += mdp_.probability[k] * std::exp((next[mdp_.next_state[k]] - hi) / alpha);
  return log_add(log_gamma_ + hi / alpha + std::log(sum), log_end_);
}

void StepBackup::run(const std::vector<double>& next, std::vector<double>& value_out,
                     std::vector<double>* policy_out, std::size_t threads) const {
  // Work is split at fixed block boundaries and every vectorised pass runs on aligned
  // Eigen storage, so each value is computed by the same instructions for any thread
  // count (and any address of the caller's vectors).
  double* policy = policy_out != nullptr ? policy_out->data() : nullptr;
  ExactScale scale;
  Eigen::ArrayXd& z = z_;
  if (method_ == ControlMethod::exact) {
    scale = exact_scale(next);
    z.resize(static_cast<Eigen::Index>(next.size()));  // allocated by the first backup only
    const std::size_t chunks = (next.size() + kZChunk - 1) / kZChunk;
    copi::detail::parallel_for_range(chunks, 1, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t c = begin; c < end; ++c) {
        const auto first = static_cast<Eigen::Index>(c * kZChunk);
        const auto count = static_cast<Eigen::Index>(std::min(next.size(), (c + 1) * kZChunk)) - first;
        auto zc = z.segment(first, count);
        zc = ((Eigen::Map<const Eigen::ArrayXd>(next.data() + first, count) - scale.shift) / mdp_.alpha +
              scale.z_offset)
                 .exp();
        flush_tiny(zc.data(), zc.size());
      }
    });
  }
  const std::size_t blocks = (mdp_.num_states + kBlock - 1) / kBlock;
  copi::detail::parallel_for_range(blocks, 4, threads, [&](std::size_t begin, std::size_t end) {
    BlockBuffers buffers(kBlock, mdp_.num_actions);
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t first = b * kBlock;
      const std::size_t last = std::min(mdp_.num_states, first + kBlock);
      if (method_ == ControlMethod::map) {
        map_block(first, last, next.data(), buffers, value_out.data(), policy);
      } else {
        soft_block(first, last, next.data(), z.data(), scale, buffers, value_out.data(), policy);
      }
    }
#if defined(__x86_64__)
    _mm_sfence();  // the policy's non-temporal stores are visible before the task ends
#endif
  });
}

void StepBackup::prefetch_block(std::size_t first, std::size_t last) const {
  // The block's CSR slice, rewards and row offsets, requested while this block's
  // exp/log passes keep the core busy: the next gather then finds them in cache.
  const std::size_t actions = mdp_.num_actions;
  const std::uint64_t k0 = mdp_.row_begin[first * actions];
  const std::uint64_t k1 = mdp_.row_begin[last * actions];
  const auto touch = [](const void* begin, std::size_t bytes) {
    const char* p = static_cast<const char*>(begin);
    for (std::size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset);
  };
  touch(mdp_.probability.data() + k0, (k1 - k0) * sizeof(double));
  touch(mdp_.next_state.data() + k0, (k1 - k0) * sizeof(std::uint32_t));
  touch(mdp_.row_begin.data() + first * actions, (last - first) * actions * sizeof(std::uint64_t));
  touch(mdp_.reward.data() + first * actions, (last - first) * actions * sizeof(double));
}

void StepBackup::soft_block(std::size_t first, std::size_t last, const double* next, const double* z,
                            const ExactScale& scale, BlockBuffers& buffers, double* value_out,
                            double* policy_out) const {
  const std::size_t actions = mdp_.num_actions;
  const std::size_t count = last - first;
  const std::size_t row0 = first * actions;
  const auto rows = static_cast<Eigen::Index>(count);
  const auto n = static_cast<Eigen::Index>(count * actions);
  // The block action-major, x(i, a) = x[a * count + i]: every pass below is a
  // vectorised operation on whole columns.
  double* x = buffers.x.data();
  auto all = buffers.x.head(n);
  const auto column = [rows](Eigen::ArrayXd& block, std::size_t a) {
    return block.segment(static_cast<Eigen::Index>(a) * rows, rows);
  };
  auto hi = buffers.hi.head(rows);
  auto sum = buffers.sum.head(rows);
  // 1. The weights w_a = exp(Q_a/α + log p(a|s) - hi) of every state's actions, with a
  // per-state offset hi that keeps the largest near 1.
  std::vector<std::size_t>& fallback = buffers.fallback;  // states redone in log space
  fallback.clear();
  if (method_ == ControlMethod::exact) {
    // exp(Q_a/α) p(a|s) = e^m (E_a + end_weight) e^{b_a} with E_a = Σ p z and the bias
    // b_a = r/α + log p(a|s): no logarithm per action. With B = max_a b_a,
    // w_a = (E_a + end_weight) e^{b_a - B} and hi = m + B.
    expect_block(first, count, z, {1.0, inverse_alpha_, true}, x, buffers.bias.data());
    prefetch_block(last, std::min(mdp_.num_states, last + kBlock));
    if ((all + scale.end_weight).minCoeff() <= kUnderflow) {
      // A row whose every term underflows: its state is redone in log space below.
      for (Eigen::Index j = 0; j < n; ++j) {
        if (x[j] + scale.end_weight <= kUnderflow) fallback.push_back(static_cast<std::size_t>(j) % count);
      }
      std::sort(fallback.begin(), fallback.end());
      fallback.erase(std::unique(fallback.begin(), fallback.end()), fallback.end());
    }
    hi = column(buffers.bias, 0);
    for (std::size_t a = 1; a < actions; ++a) hi = hi.max(column(buffers.bias, a));
    for (std::size_t a = 0; a < actions; ++a) column(buffers.bias, a) -= hi;
    auto bias = buffers.bias.head(n);
    bias = bias.exp();
    flush_tiny(buffers.bias.data(), n);
    all = (all + scale.end_weight) * bias;
    hi += scale.m;
  } else {
    // x_a = γ E[V']/α + r/α + log p(a|s); hi = max_a x_a.
    expect_block(first, count, next, {gamma_ * inverse_alpha_, inverse_alpha_, true}, x, nullptr);
    prefetch_block(last, std::min(mdp_.num_states, last + kBlock));
    hi = column(buffers.x, 0);
    for (std::size_t a = 1; a < actions; ++a) hi = hi.max(column(buffers.x, a));
    for (std::size_t a = 0; a < actions; ++a) column(buffers.x, a) -= hi;
    all = all.exp();
    flush_tiny(x, n);
  }
  // 2. V = α (hi + log Σ_a w_a) and π = w_a / Σ w: one exponential per action serves
  // both. (π = exp(x_a - V/α) would lose the last digits when Q/α ~ 1e12.)
  sum = column(buffers.x, 0);
  for (std::size_t a = 1; a < actions; ++a) sum += column(buffers.x, a);
  Eigen::Map<Eigen::ArrayXd>(value_out + first, rows) = mdp_.alpha * (hi + sum.log());
  if (policy_out != nullptr) {
    sum = sum.inverse();
    for (std::size_t a = 0; a < actions; ++a) column(buffers.x, a) *= sum;
  }
  std::vector<double>& policy_row = buffers.policy_row;
  for (const std::size_t i : fallback) {
    exact_state_in_log_space(first + i, next, value_out + first + i, policy_row.data());
    for (std::size_t a = 0; a < actions; ++a) x[a * count + i] = policy_row[a];
  }
  if (policy_out != nullptr) store_rows(x, count, actions, policy_out + row0);
}

void StepBackup::exact_state_in_log_space(std::size_t s, const double* next, double* value, double* policy) const {
  const std::size_t actions = mdp_.num_actions;
  double hi = kNegInf;
  for (std::size_t a = 0; a < actions; ++a) {
    const std::size_t row = s * actions + a;
    policy[a] = mdp_.reward[row] * inverse_alpha_ + (log_prior_.empty() ? 0.0 : log_prior_[row]) +
                log_expect_exact(row, next);
    hi = std::max(hi, policy[a]);
  }
  double sum = 0.0;
  for (std::size_t a = 0; a < actions; ++a) {
    policy[a] = std::exp(policy[a] - hi);
    sum += policy[a];
  }
  *value = mdp_.alpha * (hi + std::log(sum));
  for (std::size_t a = 0; a < actions; ++a) policy[a] /= sum;
}

void StepBackup::map_block(std::size_t first, std::size_t last, const double* next, BlockBuffers& buffers,
                           double* value_out, double* policy_out) const {
  // Q = r + γ E[V'], V = max over the actions the prior allows, π one-hot on the first
  // best action.
  const std::size_t actions = mdp_.num_actions;
  const std::size_t count = last - first;
  const std::size_t row0 = first * actions;
  double* q = buffers.x.data();  // action-major, as in soft_block
  expect_block(first, count, next, {gamma_, 1.0, false}, q, nullptr);  // Q = r + γ E[V']
  const double* prior = mdp_.action_prior.empty() ? nullptr : mdp_.action_prior.data() + row0;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t best = actions;
    double best_q = 0.0;
    for (std::size_t a = 0; a < actions; ++a) {
      const double value = q[a * count + i];
      if (prior != nullptr && prior[i * actions + a] == 0.0) continue;
      if (best == actions || value > best_q) {
        best = a;
        best_q = value;
      }
    }
    value_out[first + i] = best_q;
    if (policy_out != nullptr) {
      for (std::size_t a = 0; a < actions; ++a) policy_out[row0 + i * actions + a] = a == best ? 1.0 : 0.0;
    }
  }
}

namespace {

// c(s, a): the reward plus α times the log prior ratio that the objective counts.
double step_value(const Mdp& mdp, const ControlSolution& solution, std::size_t row, double pi) {
  double term = mdp.reward[row];
  if (solution.method != ControlMethod::map) {
    const double prior = mdp.action_prior.empty() ? 1.0 : mdp.action_prior[row];
    term += mdp.alpha * (std::log(prior) - std::log(pi));
  }
  return term;
}

}  // namespace

double discounted_objective(const Mdp& mdp, const ControlSolution& solution, double tolerance,
                            std::size_t max_iterations) {
  // Policy evaluation, W = c_π + γ P_π W, iterated from 0 like the solve itself; the
  // objective is E_{p(s_1)}[W]. (Summing forward visitation instead would need a
  // tail of γ^k mass that vanishes slowly when γ is close to 1.)
  const double gamma = *mdp.discount;
  const std::vector<double>& policy = solution.policy.front();
  std::vector<double> w(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  for (std::size_t k = 0; k < max_iterations; ++k) {
    double change = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      double total = 0.0;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        const double pi = policy[row];
        if (pi == 0.0) continue;
        double expect = 0.0;
        for (std::uint64_t j = mdp.row_begin[row]; j < mdp.row_begin[row + 1]; ++j) {
          expect += mdp.probability[j] * w[mdp.next_state[j]];
        }
        total += pi * (step_value(mdp, solution, row, pi) + gamma * expect);
      }
      next[s] = total;
      change = std::max(change, std::abs(next[s] - w[s]));
    }
    std::swap(w, next);
    if (change <= tolerance) break;
  }
  double objective = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) objective += mdp.initial[s] * w[s];
  return objective;
}

double objective(const Mdp& mdp, const ControlSolution& solution, const Visitation& visits) {
  const bool has_prior = !mdp.action_prior.empty();
  double total = 0.0;
  for (std::size_t t = 0; t < visits.state.size(); ++t) {
    const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      const double d = visits.state[t][s];
      if (d == 0.0) continue;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        const std::size_t row = s * mdp.num_actions + a;
        const double pi = policy[row];
        if (pi == 0.0) continue;
        double term = mdp.reward[row];
        if (solution.method != ControlMethod::map) {
          term += mdp.alpha * ((has_prior ? std::log(mdp.action_prior[row]) : 0.0) - std::log(pi));
        }
        total += d * pi * term;
      }
    }
  }
  return total;
}

}  // namespace copi::control::detail
