#include "skill_backup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/graph/factor_operations.hpp"  // log_add
#include "copi/inference/detail/numeric_domain.hpp"  // kLinearFloor
#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr std::size_t kBlock = 256;  // states per work item

}  // namespace

SkillBackup::SkillBackup(const Mdp& mdp, ControlMethod method, std::size_t num_latents,
                         const std::vector<double>& skill, const std::vector<double>& latent_prior)
    : mdp_(mdp),
      method_(method),
      Z_(num_latents),
      skill_(skill),
      gamma_(mdp.discount.value_or(1.0)),
      log_gamma_(std::log(gamma_)),
      log_end_(gamma_ < 1.0 ? std::log1p(-gamma_) : kNegInf),
      dynamics_(mdp.row_begin, mdp.next_state, mdp.probability),
      reward_(mdp.num_states * num_latents, 0.0),
      absorbing_(mdp.num_states, 0),
      absorbing_action_(mdp.num_states, 0) {
  const std::size_t A = mdp.num_actions;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z_; ++z) {
      double r = 0.0;
      for (std::size_t a = 0; a < A; ++a) r += skill[(s * Z_ + z) * A + a] * mdp.reward[s * A + a];
      reward_[s * Z_ + z] = r;
    }
  }
  if (!latent_prior.empty()) {
    log_prior_.resize(latent_prior.size());
    for (std::size_t i = 0; i < latent_prior.size(); ++i) {
      log_prior_[i] = latent_prior[i] > 0.0 ? std::log(latent_prior[i]) : kNegInf;
    }
  }
  for (const std::uint32_t s : absorbing_states(mdp)) {
    absorbing_[s] = 1;
    for (std::size_t a = 0; a < A; ++a) {
      if (mdp.action_weight(s * A + a) > 0.0) absorbing_action_[s] = static_cast<std::uint32_t>(a);
    }
  }
}

void SkillBackup::run(const std::vector<double>& next, std::vector<double>& value_out, double* high_out,
                      double* flat_out, std::size_t threads, std::vector<double>& z) const {
  const double alpha = mdp_.alpha;
  double shift = 0.0;
  double m = 0.0;
  double end_weight = 0.0;
  const double* w = next.data();
  if (method_ == ControlMethod::exact) {
    // γ E[exp(V'/α)] + 1 − γ = e^m (Σ p z + end_weight), z = exp((V' − shift)/α + log γ + shift/α − m):
    // every term at most 1, as in the flat backup.
    shift = *std::max_element(next.begin(), next.end());
    if (!std::isfinite(shift)) shift = 0.0;
    const double top = shift / alpha + log_gamma_;
    m = std::max(top, log_end_);
    end_weight = log_end_ == kNegInf ? 0.0 : std::exp(log_end_ - m);
    z.resize(next.size());
    const double offset = top - m;
    copi::detail::parallel_for_range(next.size(), 4096, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t s = begin; s < end; ++s) z[s] = std::exp((next[s] - shift) / alpha + offset);
    });
    w = z.data();
  }
  const std::size_t blocks = (mdp_.num_states + kBlock - 1) / kBlock;
  copi::detail::parallel_for_range(blocks, 4, threads, [&](std::size_t begin, std::size_t end) {
    std::vector<double> expect(mdp_.num_actions);
    std::vector<double> x(Z_);
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t first = b * kBlock;
      const std::size_t last = std::min(mdp_.num_states, first + kBlock);
      std::uint64_t k = mdp_.row_begin[first * mdp_.num_actions];
      for (std::size_t s = first; s < last; ++s) {
        state_backup(s, k, w, shift, m, end_weight, next.data(), expect, x, value_out.data() + s,
                     high_out != nullptr ? high_out + s * Z_ : nullptr,
                     flat_out != nullptr ? flat_out + s * mdp_.num_actions : nullptr);
      }
    }
  });
}

void SkillBackup::state_backup(std::size_t s, std::uint64_t& k, const double* w, double shift, double m,
                               double end_weight, const double* next, std::vector<double>& expect,
                               std::vector<double>& x, double* value, double* high, double* flat) const {
  const std::size_t A = mdp_.num_actions;
  const double alpha = mdp_.alpha;
  dynamics_.for_each_row_sum(s * A, A, k, w, [&](std::size_t a, double acc) { expect[a] = acc; });
  if (absorbing_[s] != 0) {
    *value = 0.0;
    if (high != nullptr) {
      for (std::size_t z = 0; z < Z_; ++z) high[z] = z == 0 ? 1.0 : 0.0;  // the first skill, as skill_level_mdp
    }
    if (flat != nullptr) {
      for (std::size_t a = 0; a < A; ++a) flat[a] = a == absorbing_action_[s] ? 1.0 : 0.0;
    }
    return;
  }
  const double* low = skill_.data() + s * Z_ * A;
  double hi = kNegInf;
  for (std::size_t z = 0; z < Z_; ++z) {
    const double log_prior = log_prior_.empty() ? 0.0 : log_prior_[s * Z_ + z];
    double mix = 0.0;
    for (std::size_t a = 0; a < A; ++a) mix += low[z * A + a] * expect[a];
    double q = 0.0;  // Q(s,z)/α (map: Q)
    if (method_ == ControlMethod::exact) {
      double log_continue = m + std::log(mix + end_weight);
      if (!(mix + end_weight > copi::detail::kLinearFloor)) {
        // Every term underflows: log Σ_a π_lo E_a[exp(V'/α)] in log space.
        double log_mix = kNegInf;
        for (std::size_t a = 0; a < A; ++a) {
          if (!(low[z * A + a] > 0.0)) continue;
          const double log_expect =
              shift / alpha + dynamics_.row_message(s * A + a, [&](std::uint32_t t) { return (next[t] - shift) / alpha; },
                                                    MessageRule::sum);
          log_mix = log_add(log_mix, std::log(low[z * A + a]) + log_expect);
        }
        log_continue = log_add(log_gamma_ + log_mix, log_end_);
      }
      q = reward_[s * Z_ + z] / alpha + log_continue;
    } else if (method_ == ControlMethod::variational) {
      q = (reward_[s * Z_ + z] + gamma_ * mix) / alpha;
    } else {
      q = reward_[s * Z_ + z] + gamma_ * mix;
    }
    x[z] = log_prior == kNegInf ? kNegInf : method_ == ControlMethod::map ? q : q + log_prior;
    hi = std::max(hi, x[z]);
  }
  if (method_ == ControlMethod::map) {
    const std::size_t best = static_cast<std::size_t>(std::find(x.begin(), x.end(), hi) - x.begin());
    *value = hi;
    for (std::size_t z = 0; z < Z_; ++z) x[z] = z == best ? 1.0 : 0.0;
  } else {
    double sum = 0.0;
    for (std::size_t z = 0; z < Z_; ++z) {
      x[z] = std::exp(x[z] - hi);
      sum += x[z];
    }
    *value = alpha * (hi + std::log(sum));
    for (std::size_t z = 0; z < Z_; ++z) x[z] /= sum;
  }
  if (high != nullptr) std::copy(x.begin(), x.end(), high);
  if (flat != nullptr) {
    for (std::size_t a = 0; a < A; ++a) {
      double p = 0.0;
      for (std::size_t z = 0; z < Z_; ++z) p += x[z] * low[z * A + a];
      flat[a] = p;
    }
  }
}

void SkillBackup::evaluate(const std::vector<double>& high, const std::vector<double>& flat,
                           const std::vector<double>& w_next, std::vector<double>& w, std::size_t threads) const {
  const std::size_t A = mdp_.num_actions;
  const std::size_t blocks = (mdp_.num_states + kBlock - 1) / kBlock;
  copi::detail::parallel_for_range(blocks, 4, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t b = begin; b < end; ++b) {
      const std::size_t first = b * kBlock;
      const std::size_t last = std::min(mdp_.num_states, first + kBlock);
      std::uint64_t k = mdp_.row_begin[first * A];
      for (std::size_t s = first; s < last; ++s) {
        double future = 0.0;
        dynamics_.for_each_row_sum(s * A, A, k, w_next.data(),
                                   [&](std::size_t a, double acc) { future += flat[s * A + a] * acc; });
        if (absorbing_[s] != 0) {
          w[s] = 0.0;
          continue;
        }
        double c = 0.0;
        for (std::size_t z = 0; z < Z_; ++z) {
          const double pi = high[s * Z_ + z];
          if (!(pi > 0.0)) continue;
          double term = reward_[s * Z_ + z];
          if (method_ != ControlMethod::map) {
            term += mdp_.alpha * ((log_prior_.empty() ? 0.0 : log_prior_[s * Z_ + z]) - std::log(pi));
          }
          c += pi * term;
        }
        w[s] = c + gamma_ * future;
      }
    }
  });
}

}  // namespace copi::control::detail
