// Independent oracles for the inverse RL tests, written from the MDP arrays without
// the library's backup or visitation code: soft value iteration by the textbook
// recursion (variational eq. 15, exact eq. 7) and expected feature counts by a plain
// forward sweep (exact: through the posterior dynamics ∝ p(s'|s,a) exp(V'(s')/α)).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "copi/control/irl.hpp"

namespace copi::control::irl_oracles {

// A random MDP: every (s, a) has `successors` next states (1: deterministic).
inline Mdp random_mdp(std::uint64_t seed, std::size_t states, std::size_t actions, std::size_t successors) {
  std::mt19937_64 rng(seed);
  Mdp mdp;
  mdp.num_states = states;
  mdp.num_actions = actions;
  std::vector<Transition> transitions;
  std::vector<std::uint32_t> order(states);
  for (std::uint32_t s = 0; s < states; ++s) {
    for (std::uint32_t a = 0; a < actions; ++a) {
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), rng);
      std::vector<double> p(successors);
      for (double& x : p) x = std::uniform_real_distribution<double>(0.1, 1.0)(rng);
      const double total = std::accumulate(p.begin(), p.end(), 0.0);
      for (std::size_t k = 0; k < successors; ++k) transitions.push_back({s, a, order[k], p[k] / total});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), 0.0);
  mdp.initial.assign(states, 1.0 / static_cast<double>(states));
  return mdp;
}

// Dense random features: `count` per state or per (state, action).
inline Features random_features(std::uint64_t seed, const Mdp& mdp, FeatureKind kind, std::size_t count) {
  std::mt19937_64 rng(seed);
  const std::size_t units = kind == FeatureKind::state ? mdp.num_states : mdp.rows();
  std::vector<FeatureEntry> entries;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < count; ++k) names.push_back("f" + std::to_string(k));
  for (std::uint32_t u = 0; u < units; ++u) {
    for (std::uint32_t k = 0; k < count; ++k) {
      entries.push_back({u, k, std::uniform_real_distribution<double>(-1.0, 1.0)(rng)});
    }
  }
  return make_features(kind, names, units, entries);
}

inline double feature_value(const Features& f, std::size_t unit, std::size_t k) {
  for (std::uint64_t e = f.begin[unit]; e < f.begin[unit + 1]; ++e) {
    if (f.feature[e] == k) return f.value[e];
  }
  return 0.0;
}

inline std::vector<double> reward_of(const Mdp& mdp, const Features& f, const std::vector<double>& theta) {
  std::vector<double> r(mdp.rows(), 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const std::size_t unit = f.kind == FeatureKind::state ? s : s * mdp.num_actions + a;
      for (std::size_t k = 0; k < theta.size(); ++k) r[s * mdp.num_actions + a] += theta[k] * feature_value(f, unit, k);
    }
  }
  return r;
}

struct Soft {
  std::vector<std::vector<double>> value;   // V_t (infinite: one)
  std::vector<std::vector<double>> policy;  // π_t
};

// One backup from V'. `ended` flags absorbing states (V = 0, their one action taken);
// actions of weight 0 (Mdp::allowed) are left out of the soft maximum.
inline void backup(const Mdp& mdp, const std::vector<double>& r, bool exact, const std::vector<double>& next,
                   std::vector<double>& v, std::vector<double>& pi, const std::vector<bool>& ended = {}) {
  const double gamma = mdp.discount.value_or(1.0);
  const double alpha = mdp.alpha;
  const std::size_t A = mdp.num_actions;
  v.assign(mdp.num_states, 0.0);
  pi.assign(mdp.rows(), 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (!ended.empty() && ended[s]) {
      for (std::size_t a = 0; a < A; ++a) pi[s * A + a] = mdp.action_weight(s * A + a) > 0.0 ? 1.0 : 0.0;
      continue;
    }
    std::vector<double> q(A, -std::numeric_limits<double>::infinity());
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t row = s * A + a;
      if (mdp.action_weight(row) == 0.0) continue;
      double e = 0.0;
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        e += mdp.probability[k] * (exact ? std::exp(next[mdp.next_state[k]] / alpha) : next[mdp.next_state[k]]);
      }
      q[a] = r[row] + (exact ? alpha * std::log(gamma * e + 1.0 - gamma) : gamma * e);
    }
    const double hi = *std::max_element(q.begin(), q.end());
    double sum = 0.0;
    for (double x : q) sum += std::exp((x - hi) / alpha);
    v[s] = hi + alpha * std::log(sum);
    for (std::size_t a = 0; a < A; ++a) pi[s * A + a] = std::exp((q[a] - v[s]) / alpha);
  }
}

inline Soft soft_solve(const Mdp& mdp, const std::vector<double>& r, bool exact, const std::vector<bool>& ended = {}) {
  Soft soft;
  if (mdp.horizon) {
    const std::size_t T = *mdp.horizon;
    soft.value.assign(T, {});
    soft.policy.assign(T, {});
    const std::vector<double> zero(mdp.num_states, 0.0);
    for (std::size_t t = T; t-- > 0;) backup(mdp, r, exact, t + 1 < T ? soft.value[t + 1] : zero, soft.value[t], soft.policy[t], ended);
    return soft;
  }
  std::vector<double> v(mdp.num_states, 0.0);
  std::vector<double> next;
  std::vector<double> pi;
  for (int k = 0; k < 20000; ++k) {
    backup(mdp, r, exact, v, next, pi, ended);
    double change = 0.0;
    for (std::size_t s = 0; s < v.size(); ++s) change = std::max(change, std::abs(next[s] - v[s]));
    v = next;
    if (change < 1e-15) break;
  }
  backup(mdp, r, exact, v, next, pi, ended);
  soft.value = {v};
  soft.policy = {pi};
  return soft;
}

// Σ_t Σ_{s,a} d_t(s) π_t(a|s) φ(s,a) from d_0 = p_0: d_{t+1}(s') = Σ d_t π_t K(s'|s,a) with
// K = γ p (variational) or the exact posterior γ p e^{V'/α} / (γ E[e^{V'/α}] + 1 − γ).
inline std::vector<double> expected_counts(const Mdp& mdp, const Features& f, const Soft& soft, bool exact,
                                           const std::vector<double>& p0) {
  const double gamma = mdp.discount.value_or(1.0);
  const std::size_t A = mdp.num_actions;
  const std::size_t steps = mdp.horizon ? *mdp.horizon : 3000;
  std::vector<double> counts(f.count(), 0.0);
  std::vector<double> d = p0;
  for (std::size_t t = 0; t < steps; ++t) {
    const std::size_t i = std::min(t, soft.policy.size() - 1);
    const std::vector<double>& pi = soft.policy[i];
    const std::vector<double>* next_value = nullptr;
    if (mdp.horizon) {
      if (t + 1 < steps) next_value = &soft.value[t + 1];
    } else {
      next_value = &soft.value[0];
    }
    std::vector<double> next(mdp.num_states, 0.0);
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t row = s * A + a;
        const double mass = d[s] * pi[row];
        const std::size_t unit = f.kind == FeatureKind::state ? s : row;
        for (std::size_t k = 0; k < counts.size(); ++k) counts[k] += mass * feature_value(f, unit, k);
        if (next_value == nullptr) continue;
        double e = 0.0;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          e += mdp.probability[k] * std::exp((*next_value)[mdp.next_state[k]] / mdp.alpha);
        }
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          const std::uint32_t x = mdp.next_state[k];
          const double kernel = exact ? gamma * mdp.probability[k] * std::exp((*next_value)[x] / mdp.alpha) /
                                            (gamma * e + 1.0 - gamma)
                                      : gamma * mdp.probability[k];
          next[x] += mass * kernel;
        }
      }
    }
    d = next;
  }
  return counts;
}

}  // namespace copi::control::irl_oracles
