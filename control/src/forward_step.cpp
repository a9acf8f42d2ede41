#include "forward_step.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "copi/inference/detail/numeric_domain.hpp"  // kLinearFloor: below it, log space
#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

constexpr std::size_t kGrain = 4096;  // states per task

// Whether every state's rows list the same successors in the same order.
bool actions_share_successors(const Mdp& mdp) {
  const std::size_t actions = mdp.num_actions;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    const std::uint64_t first = mdp.row_begin[s * actions];
    const std::uint64_t length = mdp.row_begin[s * actions + 1] - first;
    for (std::size_t a = 1; a < actions; ++a) {
      const std::uint64_t begin = mdp.row_begin[s * actions + a];
      if (mdp.row_begin[s * actions + a + 1] - begin != length ||
          !std::equal(mdp.next_state.begin() + static_cast<std::ptrdiff_t>(first),
                      mdp.next_state.begin() + static_cast<std::ptrdiff_t>(first + length),
                      mdp.next_state.begin() + static_cast<std::ptrdiff_t>(begin))) {
        return false;
      }
    }
  }
  return true;
}

// flow[k] = Σ_a (scale π_a) p_a[k] over a state's N shared successors, actions in order
// (p: the state's rows one after another, N entries each).
template <std::size_t N>
void state_flow(const double* p, const double* pi, std::size_t actions, double scale, double* flow) {
  std::array<double, N> sum{};
  for (std::size_t a = 0; a < actions; ++a, p += N) {
    const double mass = scale * pi[a];
    for (std::size_t k = 0; k < N; ++k) sum[k] += mass * p[k];
  }
  for (std::size_t k = 0; k < N; ++k) flow[k] = sum[k];
}

}  // namespace

ForwardStep::ForwardStep(const Mdp& mdp, std::size_t threads)
    : mdp_(mdp),
      threads_(threads),
      owned_(transpose(mdp, true, threads, mdp.num_actions == 1 || !actions_share_successors(mdp))),
      dynamics_(owned_),
      mass_(mdp.rows()) {
  if (owned_.sliced.empty() && mdp.num_actions > 1) share_successors();
}

void ForwardStep::share_successors() {
  const std::size_t actions = mdp_.num_actions;
  const std::size_t states = mdp_.num_states;
  successor_begin_.assign(states + 1, 0);
  for (std::size_t s = 0; s < states; ++s) {
    successor_begin_[s + 1] = successor_begin_[s] + (mdp_.row_begin[s * actions + 1] - mdp_.row_begin[s * actions]);
  }
  const std::uint64_t entries = successor_begin_.back();
  // The entries leading to each next state, in increasing order (a counting sort).
  std::vector<std::uint64_t> into_begin(states + 1, 0);
  for (std::size_t s = 0; s < states; ++s) {
    for (std::uint64_t k = mdp_.row_begin[s * actions]; k < mdp_.row_begin[s * actions + 1]; ++k) {
      ++into_begin[mdp_.next_state[k] + 1];
    }
  }
  for (std::size_t x = 0; x < states; ++x) into_begin[x + 1] += into_begin[x];
  std::vector<std::uint64_t> source(entries);
  std::vector<std::uint64_t> fill(into_begin.begin(), into_begin.end() - 1);
  for (std::size_t s = 0; s < states; ++s) {
    const std::uint64_t first = mdp_.row_begin[s * actions];
    for (std::uint64_t k = first; k < mdp_.row_begin[s * actions + 1]; ++k) {
      source[fill[mdp_.next_state[k]]++] = successor_begin_[s] + (k - first);
    }
  }
  const std::vector<double> ones(entries, 1.0);
  constexpr std::size_t W = SlicedRows::kWidth;
  into_ = slice_rows((states + W - 1) / W, source.data(), ones.data(), [&](std::size_t q, std::size_t j) {
    const std::size_t x = q * W + j;
    return x < states ? std::pair{into_begin[x], into_begin[x + 1]} : std::pair{std::uint64_t{0}, std::uint64_t{0}};
  }, kCompactSlicesBytes, threads_);
  if (into_.empty()) {  // an entry id past int32: the rows' own slices instead
    successor_begin_.clear();
    owned_ = transpose(mdp_, true, threads_);
    return;
  }
  flow_.resize(entries);
}

ForwardStep::ForwardStep(const Mdp& mdp, const TransposedDynamics& shared, std::size_t threads)
    : mdp_(mdp), threads_(threads), dynamics_(shared), mass_(mdp.rows()) {}

void ForwardStep::run(const std::vector<double>& policy, const std::vector<double>& d,
                      const std::vector<std::uint8_t>* stopped, std::vector<double>& out) {
  const double gamma = mdp_.discount.value_or(1.0);
  const std::size_t actions = mdp_.num_actions;
  if (!successor_begin_.empty()) {
    // Each state's flow per successor, its actions' masses summed in action order.
    copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
      for (std::size_t s = begin; s < end; ++s) {
        double* flow = flow_.data() + successor_begin_[s];
        const std::uint64_t count = successor_begin_[s + 1] - successor_begin_[s];
        const bool silent = stopped != nullptr && (*stopped)[s] != 0;
        const double* p = mdp_.probability.data() + mdp_.row_begin[s * actions];
        const double* pi = policy.data() + s * actions;
        const double scale = gamma * d[s];
        if (silent) {
          std::fill(flow, flow + count, 0.0);
          continue;
        }
        switch (count) {  // the common short lists with their sums in registers
          case 1: state_flow<1>(p, pi, actions, scale, flow); continue;
          case 2: state_flow<2>(p, pi, actions, scale, flow); continue;
          case 3: state_flow<3>(p, pi, actions, scale, flow); continue;
          case 4: state_flow<4>(p, pi, actions, scale, flow); continue;
          case 5: state_flow<5>(p, pi, actions, scale, flow); continue;
          case 6: state_flow<6>(p, pi, actions, scale, flow); continue;
          case 7: state_flow<7>(p, pi, actions, scale, flow); continue;
          case 8: state_flow<8>(p, pi, actions, scale, flow); continue;
          default: break;
        }
        std::fill(flow, flow + count, 0.0);
        for (std::size_t a = 0; a < actions; ++a, p += count) {
          const double mass = scale * pi[a];
          for (std::uint64_t k = 0; k < count; ++k) flow[k] += mass * p[k];
        }
      }
    });
    gather_sliced(into_, flow_.data(), out);
    return;
  }
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const bool silent = stopped != nullptr && (*stopped)[s] != 0;
      for (std::size_t a = 0; a < actions; ++a) {
        mass_[s * actions + a] = silent ? 0.0 : gamma * d[s] * policy[s * actions + a];
      }
    }
  });
  if (!dynamics_.sliced.empty()) {
    gather_sliced(dynamics_.sliced, mass_.data(), out);
    return;
  }
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t x = begin; x < end; ++x) {
      double total = 0.0;
      for (std::uint64_t e = dynamics_.begin[x]; e < dynamics_.begin[x + 1]; ++e) {
        total += mass_[dynamics_.row[e]] * dynamics_.probability[e];
      }
      out[x] = total;
    }
  });
}

void ForwardStep::gather_sliced(const SlicedRows& sliced, const double* w, std::vector<double>& out) const {
  // The same sums as the CSR loop of run(), eight next states per vector.
  constexpr std::size_t W = SlicedRows::kWidth;
  const std::size_t full = mdp_.num_states / W;  // slices whose eight states all exist
  copi::detail::parallel_for_range(sliced.slices(), kGrain / W, threads_, [&](std::size_t begin, std::size_t end) {
    const std::size_t full_end = std::min(end, full);
    if (begin < full_end) sliced_sums(sliced, begin, full_end - begin, w, out.data() + begin * W);
    for (std::size_t q = std::max(begin, full_end); q < end; ++q) {
      double tail[W];
      sliced_sums(sliced, q, 1, w, tail);
      for (std::size_t j = 0; q * W + j < mdp_.num_states; ++j) out[q * W + j] = tail[j];
    }
  });
}

void ForwardStep::run_posterior(const std::vector<double>& policy, const std::vector<double>& d,
                                const std::vector<double>& next_value, const std::vector<std::uint8_t>* stopped,
                                std::vector<double>& out) {
  // With z(s') = e^{(V'(s') - M)/α}, M the largest V', the posterior is
  //   q(s'|s,a) = γ p z(s') / (γ Z + (1 - γ) e^{-M/α}),   Z = Σ_{s'} p z(s'),
  // so a row sends mass d π γ / (γ Z + ...) and the gather multiplies by z(s') once per
  // next state: no exponential per entry. A row whose Z underflows (every successor
  // some 575α below M) is redone with its own largest V' in place of M (row_max_), its
  // entries then weighted one by one (mass_ negative marks such rows).
  const double gamma = mdp_.discount.value_or(1.0);
  const double alpha = mdp_.alpha;
  const std::size_t actions = mdp_.num_actions;
  const double top = *std::max_element(next_value.begin(), next_value.end());
  z_.resize(mdp_.num_states);
  row_max_.resize(mdp_.rows());
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t x = begin; x < end; ++x) z_[x] = std::exp((next_value[x] - top) / alpha);
  });
  const double end_term = gamma < 1.0 ? (1.0 - gamma) * std::exp(-top / alpha) : 0.0;
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const bool silent = stopped != nullptr && (*stopped)[s] != 0;
      for (std::size_t a = 0; a < actions; ++a) {
        const std::size_t row = s * actions + a;
        const double weight = silent ? 0.0 : d[s] * policy[row];
        mass_[row] = 0.0;
        if (weight == 0.0) continue;
        double sum = 0.0;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          sum += mdp_.probability[k] * z_[mdp_.next_state[k]];
        }
        if (sum > copi::detail::kLinearFloor) {
          mass_[row] = weight * gamma / (gamma * sum + end_term);
          continue;
        }
        // Log space for this row: its own largest successor value m.
        double m = -std::numeric_limits<double>::infinity();
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          if (mdp_.probability[k] > 0.0) m = std::max(m, next_value[mdp_.next_state[k]]);
        }
        double local = 0.0;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          if (mdp_.probability[k] > 0.0) local += mdp_.probability[k] * std::exp((next_value[mdp_.next_state[k]] - m) / alpha);
        }
        const double local_end = gamma < 1.0 ? (1.0 - gamma) * std::exp(-m / alpha) : 0.0;
        mass_[row] = -weight * gamma / (gamma * local + local_end);  // negative: weighted per entry
        row_max_[row] = m;
      }
    }
  });
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t x = begin; x < end; ++x) {
      double shared = 0.0;  // rows scaled by M: times z(x) below
      double own = 0.0;     // rows in log space: each entry weighted by its row's own scale
      for (std::uint64_t e = dynamics_.begin[x]; e < dynamics_.begin[x + 1]; ++e) {
        const std::uint64_t row = dynamics_.row[e];
        const double mass = mass_[row];
        if (mass > 0.0) {
          shared += mass * dynamics_.probability[e];
        } else if (mass < 0.0) {
          own -= mass * dynamics_.probability[e] * std::exp((next_value[x] - row_max_[row]) / alpha);
        }
      }
      out[x] = shared * z_[x] + own;
    }
  });
}

}  // namespace copi::control::detail
