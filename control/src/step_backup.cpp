#include "step_backup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

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

}  // namespace

StepBackup::StepBackup(const Mdp& mdp, ControlMethod method)
    : mdp_(mdp),
      method_(method),
      gamma_(mdp.discount.value_or(1.0)),
      log_gamma_(std::log(gamma_)),
      log_end_(gamma_ < 1.0 ? std::log1p(-gamma_) : kNegInf) {
  log_prior_.reserve(mdp.action_prior.size());
  for (const double p : mdp.action_prior) log_prior_.push_back(p > 0.0 ? std::log(p) : kNegInf);
}

void StepBackup::state(std::size_t s, const double* next, const double* z, double shift, double* q, double* value,
                       double* policy) const {
  const std::size_t actions = mdp_.num_actions;
  const double alpha = mdp_.alpha;
  for (std::size_t a = 0; a < actions; ++a) {
    const std::size_t row = s * actions + a;
    const std::uint64_t begin = mdp_.row_begin[row];
    const std::uint64_t end = mdp_.row_begin[row + 1];
    if (method_ == ControlMethod::exact) {
      // log Σ p exp(V'/α) = shift/α + log Σ p z with z = exp((V' - shift)/α) computed
      // once per successor state for the whole backup; a row whose successors all
      // sit far below the shift underflows and is redone in log space.
      double linear = 0.0;
      for (std::uint64_t k = begin; k < end; ++k) linear += mdp_.probability[k] * z[mdp_.next_state[k]];
      double log_expect = 0.0;
      if (linear > 1e-250) {
        log_expect = shift / alpha + std::log(linear);
      } else {
        double hi = kNegInf;
        for (std::uint64_t k = begin; k < end; ++k) hi = std::max(hi, next[mdp_.next_state[k]]);
        double sum = 0.0;
        for (std::uint64_t k = begin; k < end; ++k) {
          sum += mdp_.probability[k] * std::exp((next[mdp_.next_state[k]] - hi) / alpha);
        }
        log_expect = hi / alpha + std::log(sum);
      }
      q[a] = mdp_.reward[row] + alpha * log_add(log_gamma_ + log_expect, log_end_);
    } else {
      double expect = 0.0;
      for (std::uint64_t k = begin; k < end; ++k) expect += mdp_.probability[k] * next[mdp_.next_state[k]];
      q[a] = mdp_.reward[row] + gamma_ * expect;
    }
  }
  const bool has_prior = !mdp_.action_prior.empty();
  const double* prior = has_prior ? mdp_.action_prior.data() + s * actions : nullptr;
  if (method_ == ControlMethod::map) {
    std::size_t best = actions;
    for (std::size_t a = 0; a < actions; ++a) {
      if (has_prior && prior[a] == 0.0) continue;
      if (best == actions || q[a] > q[best]) best = a;
    }
    *value = q[best];
    if (policy != nullptr) {
      for (std::size_t a = 0; a < actions; ++a) policy[a] = a == best ? 1.0 : 0.0;
    }
    return;
  }
  // V = α log Σ_a p(a|s) exp(Q/α), with the largest term factored out; each term's
  // exponential is computed once and serves V and π. π = e_a / Σ e rather than
  // exp(x_a - V/α): with Q/α ~ 1e12 that difference would lose the last digits.
  const double* log_prior = has_prior ? log_prior_.data() + s * actions : nullptr;
  double hi = kNegInf;
  for (std::size_t a = 0; a < actions; ++a) {
    q[a] = q[a] / alpha + (has_prior ? log_prior[a] : 0.0);  // from here on: x_a
    hi = std::max(hi, q[a]);
  }
  double sum = 0.0;
  for (std::size_t a = 0; a < actions; ++a) {
    q[a] = std::exp(q[a] - hi);  // from here on: e_a
    sum += q[a];
  }
  *value = alpha * (hi + std::log(sum));
  if (policy != nullptr) {
    const double inverse = 1.0 / sum;
    for (std::size_t a = 0; a < actions; ++a) policy[a] = q[a] * inverse;
  }
}

void StepBackup::run(const std::vector<double>& next, std::vector<double>& value_out,
                     std::vector<double>* policy_out, std::size_t threads) const {
  // Exact: z(s') = exp((V'(s') - shift)/α) once per state, shift = max V'.
  double shift = 0.0;
  std::vector<double> z;
  if (method_ == ControlMethod::exact) {
    shift = *std::max_element(next.begin(), next.end());
    z.resize(next.size());
    copi::detail::parallel_for_range(next.size(), 4096, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t s = begin; s < end; ++s) z[s] = std::exp((next[s] - shift) / mdp_.alpha);
    });
  }
  if (method_ == ControlMethod::map) {
    copi::detail::parallel_for_range(mdp_.num_states, 4096, threads, [&](std::size_t begin, std::size_t end) {
      std::vector<double> q(mdp_.num_actions);
      for (std::size_t s = begin; s < end; ++s) {
        double* policy = policy_out != nullptr ? policy_out->data() + s * mdp_.num_actions : nullptr;
        state(s, next.data(), z.data(), shift, q.data(), &value_out[s], policy);
      }
    });
    return;
  }
  // Soft methods: blocks of kBlock states at fixed boundaries (so every state is
  // computed the same way whatever the thread count), the exponentials and logarithms
  // of a block vectorised by Eigen.
  const std::size_t blocks = (mdp_.num_states + kBlock - 1) / kBlock;
  copi::detail::parallel_for_range(blocks, 4, threads, [&](std::size_t begin, std::size_t end) {
    BlockBuffers buffers(kBlock, mdp_.num_actions);
    for (std::size_t b = begin; b < end; ++b) {
      soft_block(b * kBlock, std::min(mdp_.num_states, (b + 1) * kBlock), next.data(), z.data(), shift, buffers,
                 value_out.data(), policy_out != nullptr ? policy_out->data() : nullptr);
    }
  });
}

void StepBackup::soft_block(std::size_t first, std::size_t last, const double* next, const double* z, double shift,
                            BlockBuffers& buffers, double* value_out, double* policy_out) const {
  const std::size_t actions = mdp_.num_actions;
  const std::size_t count = last - first;
  const double alpha = mdp_.alpha;
  // Column-major, one column per action: the per-action columns are contiguous, so
  // Eigen's vectorised exp / log apply (a row-major broadcast would fall back to scalar).
  auto x = buffers.x.topRows(static_cast<Eigen::Index>(count));
  // 1. The per-row expectation: E[V'] (variational) or the log of E[exp(V'/α)] (exact).
  std::vector<std::uint8_t>& fallback = buffers.fallback;
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = (first + i) * actions + a;
      const std::uint64_t begin = mdp_.row_begin[row];
      const std::uint64_t end = mdp_.row_begin[row + 1];
      double acc = 0.0;
      if (method_ == ControlMethod::exact) {
        for (std::uint64_t k = begin; k < end; ++k) acc += mdp_.probability[k] * z[mdp_.next_state[k]];
        fallback[i * actions + a] = acc > 1e-250 ? 0 : 1;
        if (acc <= 1e-250) acc = 1.0;  // replaced below
      } else {
        for (std::uint64_t k = begin; k < end; ++k) acc += mdp_.probability[k] * next[mdp_.next_state[k]];
      }
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(a)) = acc;
    }
  }
  // 2. Q / α.
  if (method_ == ControlMethod::exact) {
    x = x.log() + shift / alpha;  // log E[exp(V'/α)]
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t a = 0; a < actions; ++a) {
        if (fallback[i * actions + a] == 0) continue;
        // Every successor far below the shift: this row in log space.
        const std::size_t row = (first + i) * actions + a;
        double hi = kNegInf;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) hi = std::max(hi, next[mdp_.next_state[k]]);
        double sum = 0.0;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          sum += mdp_.probability[k] * std::exp((next[mdp_.next_state[k]] - hi) / alpha);
        }
        x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(a)) = hi / alpha + std::log(sum);
      }
    }
    if (log_end_ != kNegInf) {  // log(γ E[exp(V'/α)] + 1 - γ) = log_add(log γ + ·, log(1 - γ))
      auto& t = buffers.t;
      auto tt = t.topRows(static_cast<Eigen::Index>(count));
      tt = x + log_gamma_;
      // log(1 + e^d) with d <= 0: Eigen vectorises log and exp (not log1p); the
      // absolute error for tiny e^d is ~1e-16, far below what Q/α can resolve.
      x = tt.max(log_end_) + ((-(tt - log_end_).abs()).exp() + 1.0).log();
    }
  } else {
    x = x * (gamma_ / alpha);  // γ E[V'] / α
  }
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t a = 0; a < actions; ++a) {
      const std::size_t row = (first + i) * actions + a;
      x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(a)) +=
          mdp_.reward[row] / alpha + (log_prior_.empty() ? 0.0 : log_prior_[row]);
    }
  }
  // 3. V = α (hi + log Σ_a exp(x - hi)), π = exp(x - hi) / Σ.
  auto hi = buffers.hi.head(static_cast<Eigen::Index>(count));
  auto sum = buffers.sum.head(static_cast<Eigen::Index>(count));
  hi = x.rowwise().maxCoeff();
  x = (x.colwise() - hi).exp();
  sum = x.rowwise().sum();
  for (std::size_t i = 0; i < count; ++i) {
    value_out[first + i] = alpha * (hi(static_cast<Eigen::Index>(i)) + std::log(sum(static_cast<Eigen::Index>(i))));
  }
  if (policy_out != nullptr) {
    x.colwise() /= sum;
    for (std::size_t i = 0; i < count; ++i) {
      for (std::size_t a = 0; a < actions; ++a) {
        policy_out[(first + i) * actions + a] = x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(a));
      }
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
