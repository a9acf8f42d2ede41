#include "forward_step.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

constexpr std::size_t kGrain = 4096;  // states per task

}  // namespace

ForwardStep::ForwardStep(const Mdp& mdp, std::size_t threads)
    : mdp_(mdp), threads_(threads), dynamics_(transpose(mdp, true)), mass_(mdp.rows()) {}

void ForwardStep::run(const std::vector<double>& policy, const std::vector<double>& d,
                      const std::vector<std::uint8_t>* stopped, std::vector<double>& out) {
  const double gamma = mdp_.discount.value_or(1.0);
  const std::size_t actions = mdp_.num_actions;
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const bool silent = stopped != nullptr && (*stopped)[s] != 0;
      for (std::size_t a = 0; a < actions; ++a) {
        mass_[s * actions + a] = silent ? 0.0 : gamma * d[s] * policy[s * actions + a];
      }
    }
  });
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

void ForwardStep::run_posterior(const std::vector<double>& policy, const std::vector<double>& d,
                                const std::vector<double>& next_value, const std::vector<std::uint8_t>* stopped,
                                std::vector<double>& out) {
  // q(s'|s,a) = γ p e^{(V'(s') - m)/α} / D with D = γ Σ p e^{(V' - m)/α} + (1 - γ) e^{-m/α}
  // and m the row's largest V': the sum is at least the largest successor's p, and
  // e^{-m/α} may overflow to +inf only when the episode surely ends (q = 0 then).
  const double gamma = mdp_.discount.value_or(1.0);
  const double alpha = mdp_.alpha;
  const std::size_t actions = mdp_.num_actions;
  row_max_.resize(mdp_.rows());
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) {
      const bool silent = stopped != nullptr && (*stopped)[s] != 0;
      for (std::size_t a = 0; a < actions; ++a) {
        const std::size_t row = s * actions + a;
        double top = -std::numeric_limits<double>::infinity();
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          if (mdp_.probability[k] > 0.0) top = std::max(top, next_value[mdp_.next_state[k]]);
        }
        const double weight = silent ? 0.0 : d[s] * policy[row];
        if (weight == 0.0 || !std::isfinite(top)) {
          mass_[row] = 0.0;
          row_max_[row] = 0.0;
          continue;
        }
        double sum = 0.0;
        for (std::uint64_t k = mdp_.row_begin[row]; k < mdp_.row_begin[row + 1]; ++k) {
          if (mdp_.probability[k] > 0.0) sum += mdp_.probability[k] * std::exp((next_value[mdp_.next_state[k]] - top) / alpha);
        }
        const double end_term = gamma < 1.0 ? (1.0 - gamma) * std::exp(-top / alpha) : 0.0;
        mass_[row] = weight * gamma / (gamma * sum + end_term);
        row_max_[row] = top;
      }
    }
  });
  copi::detail::parallel_for_range(mdp_.num_states, kGrain, threads_, [&](std::size_t begin, std::size_t end) {
    for (std::size_t x = begin; x < end; ++x) {
      double total = 0.0;
      for (std::uint64_t e = dynamics_.begin[x]; e < dynamics_.begin[x + 1]; ++e) {
        const std::uint64_t row = dynamics_.row[e];
        if (mass_[row] == 0.0) continue;
        total += mass_[row] * dynamics_.probability[e] * std::exp((next_value[x] - row_max_[row]) / alpha);
      }
      out[x] = total;
    }
  });
}

}  // namespace copi::control::detail
