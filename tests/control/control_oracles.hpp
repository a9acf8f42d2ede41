// Independent oracles for the control tests, written from the MDP arrays without the
// solver's code: seeded random tiny MDPs, sums over every trajectory (Levine 2018,
// eq. 4-7), the hard and optimistic Bellman recursions, and one backup of each method.
// Discount γ: the episode ends with probability 1 - γ after every step (value 0 after).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::oracles {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct TinyShape {
  bool prior = false;          // an action prior p(a|s)
  bool prior_zeros = true;     // the prior may forbid actions (p(a|s) = 0)
  bool forbid = false;         // forbidden moves (Mdp::allowed): random without a prior, the prior's zeros with one
  bool discount = false;       // a discount γ < 1 next to the horizon
  bool deterministic = false;  // one successor per (s, a)
  bool infinite = false;       // no horizon (needs the discount)
  std::size_t min_actions = 1;
  double reward_low = -2.0;
  double reward_high = 2.0;
};

inline Mdp random_tiny_mdp(std::uint64_t seed, const TinyShape& shape) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto integer = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  auto normalise = [](std::vector<double>& w) {
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (double& x : w) x /= total;
  };
  Mdp mdp;
  mdp.num_states = integer(1, 4);
  mdp.num_actions = integer(shape.min_actions, 3);
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  std::vector<Transition> transitions;
  std::vector<std::uint32_t> order(S);
  for (std::uint32_t s = 0; s < S; ++s) {
    for (std::uint32_t a = 0; a < A; ++a) {
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), rng);
      const std::size_t successors = shape.deterministic ? 1 : integer(1, S);
      std::vector<double> p(successors);
      for (double& x : p) x = uniform(0.05, 1.0);
      normalise(p);
      for (std::size_t k = 0; k < successors; ++k) transitions.push_back({s, a, order[k], p[k]});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.resize(S * A);
  for (double& r : mdp.reward) r = uniform(shape.reward_low, shape.reward_high);
  mdp.initial.resize(S);
  for (double& p : mdp.initial) p = uniform(0.0, 1.0) < 0.3 ? 0.0 : uniform(0.05, 1.0);
  mdp.initial[integer(0, S - 1)] = 1.0;  // at least one start state
  normalise(mdp.initial);
  if (shape.prior) {
    mdp.action_prior.resize(S * A);
    for (std::size_t s = 0; s < S; ++s) {
      std::vector<double> w(A);
      for (double& x : w) x = shape.prior_zeros && uniform(0.0, 1.0) < 0.2 ? 0.0 : uniform(0.05, 1.0);
      w[integer(0, A - 1)] = uniform(0.05, 1.0);  // at least one allowed action
      normalise(w);
      std::copy(w.begin(), w.end(), mdp.action_prior.begin() + static_cast<std::ptrdiff_t>(s * A));
    }
  }
  if (shape.forbid) {
    mdp.allowed.resize(S * A);
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t row = s * A + a;
        mdp.allowed[row] = shape.prior ? mdp.action_prior[row] > 0.0 : uniform(0.0, 1.0) < 0.6;
      }
      if (!shape.prior) mdp.allowed[s * A + integer(0, A - 1)] = 1;  // at least one available action
    }
  }
  mdp.alpha = uniform(0.3, 2.0);
  if (!shape.infinite) mdp.horizon = integer(1, 4);
  if (shape.discount || shape.infinite) mdp.discount = uniform(0.5, 0.95);
  return mdp;
}

// The step's action factor: p(a|s), or weight 1 per available action without a prior;
// 0 for a forbidden move either way.
inline double prior_of(const Mdp& mdp, std::size_t s, std::size_t a) {
  const std::size_t row = s * mdp.num_actions + a;
  if (!mdp.allowed.empty() && mdp.allowed[row] == 0) return 0.0;
  return mdp.action_prior.empty() ? 1.0 : mdp.action_prior[row];
}

// ---- trajectory enumeration -------------------------------------------------------

// One trajectory from some start time: the states and actions it visits and the
// probability of its transitions, Π γ p(s'|s,a), times 1 - γ when it ends early.
struct Path {
  std::vector<std::size_t> states;
  std::vector<std::size_t> actions;
  double dynamics = 1.0;
};

// Every path of at most `steps` steps from `state`, each action tried at each step
// (the caller weights actions). Paths ending early (probability 1 - γ) are included.
inline void for_each_path(const Mdp& mdp, std::size_t state, std::size_t steps, const std::function<void(const Path&)>& visit) {
  const double gamma = mdp.discount.value_or(1.0);
  Path path;
  std::function<void(std::size_t)> extend = [&](std::size_t s) {
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      path.states.push_back(s);
      path.actions.push_back(a);
      if (path.states.size() == steps) {
        visit(path);
      } else {
        const double before = path.dynamics;
        if (gamma < 1.0) {
          path.dynamics = before * (1.0 - gamma);
          visit(path);
        }
        const std::size_t row = s * mdp.num_actions + a;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          path.dynamics = before * gamma * mdp.probability[k];
          extend(mdp.next_state[k]);
        }
        path.dynamics = before;
      }
      path.states.pop_back();
      path.actions.pop_back();
    }
  };
  extend(state);
}

// p(τ, O = 1) up to p(s_1): dynamics × Π p(a|s) exp(r/α) over the steps taken.
inline double posterior_weight(const Mdp& mdp, const Path& path) {
  double w = path.dynamics;
  for (std::size_t i = 0; i < path.states.size(); ++i) {
    const std::size_t row = path.states[i] * mdp.num_actions + path.actions[i];
    w *= prior_of(mdp, path.states[i], path.actions[i]) * std::exp(mdp.reward[row] / mdp.alpha);
  }
  return w;
}

// log p(O_{1:T} = 1) = log Σ_τ p(s_1) p(τ, O = 1 | s_1).
inline double enumerated_log_partition(const Mdp& mdp) {
  double z = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial[s] == 0.0) continue;
    for_each_path(mdp, s, *mdp.horizon, [&](const Path& p) { z += mdp.initial[s] * posterior_weight(mdp, p); });
  }
  return std::log(z);
}

// p(a_t | s_t = s, O_{t:T} = 1) from the futures of (s, t), and α log of their total
// weight (the exact V_t(s)).
struct FutureSums {
  std::vector<double> action_weight;
  double total = 0.0;
};
inline FutureSums enumerated_futures(const Mdp& mdp, std::size_t s, std::size_t t) {
  FutureSums sums;
  sums.action_weight.assign(mdp.num_actions, 0.0);
  for_each_path(mdp, s, *mdp.horizon - t, [&](const Path& p) {
    const double w = posterior_weight(mdp, p);
    sums.action_weight[p.actions.front()] += w;
    sums.total += w;
  });
  return sums;
}

// E over trajectories of π (time-indexed, policy[t][s*A + a]) of Σ_t (r + α log p(a|s) - α log π):
// the variational objective; with `entropy` false only the expected reward.
struct PolicyScore {
  double objective = 0.0;
  std::vector<std::vector<double>> visits;  // P(s_t = s and the episode still running)
};
inline PolicyScore enumerated_policy_score(const Mdp& mdp, const std::vector<std::vector<double>>& policy, bool entropy) {
  const std::size_t T = *mdp.horizon;
  PolicyScore score;
  score.visits.assign(T, std::vector<double>(mdp.num_states, 0.0));
  for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
    if (mdp.initial[s1] == 0.0) continue;
    for_each_path(mdp, s1, T, [&](const Path& p) {
      double probability = mdp.initial[s1] * p.dynamics;
      double total = 0.0;
      for (std::size_t t = 0; t < p.states.size(); ++t) {
        const std::size_t row = p.states[t] * mdp.num_actions + p.actions[t];
        const double pi = policy[t][row];
        probability *= pi;
        if (probability == 0.0) return;
        total += mdp.reward[row];
        if (entropy) total += mdp.alpha * (std::log(prior_of(mdp, p.states[t], p.actions[t])) - std::log(pi));
      }
      score.objective += probability * total;
    });
  }
  // Visitation by a separate forward enumeration over prefixes (every path of length t+1
  // is a prefix whose continuation probabilities sum to one).
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
      if (mdp.initial[s1] == 0.0) continue;
      for_each_path(mdp, s1, t + 1, [&](const Path& p) {
        if (p.states.size() != t + 1) return;  // ended before t
        double probability = mdp.initial[s1] * p.dynamics;
        for (std::size_t i = 0; i < t; ++i) probability *= policy[i][p.states[i] * mdp.num_actions + p.actions[i]];
        // the last action is summed over (its π sums to one): count each state once
        if (p.actions.back() == 0) score.visits[t][p.states.back()] += probability;
      });
    }
  }
  return score;
}

// ---- hard recursions for α → 0 ------------------------------------------------------

// Expectimax: H_t(s) = max over allowed a of r + γ Σ p H_{t+1}(s').
inline std::vector<std::vector<double>> hard_bellman(const Mdp& mdp) {
  const std::size_t T = *mdp.horizon;
  const double gamma = mdp.discount.value_or(1.0);
  std::vector<std::vector<double>> h(T + 1, std::vector<double>(mdp.num_states, 0.0));
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      double best = -kInf;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        if (prior_of(mdp, s, a) == 0.0) continue;
        const std::size_t row = s * mdp.num_actions + a;
        double expect = 0.0;
        for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
          expect += mdp.probability[k] * h[t + 1][mdp.next_state[k]];
        }
        best = std::max(best, mdp.reward[row] + gamma * expect);
      }
      h[t][s] = best;
    }
  }
  return h;
}

// The optimistic limit of eq. 7: α log(γ E[exp(V'/α)] + 1 - γ) → max(best successor, 0 if the
// episode can end), then the max over allowed actions.
inline std::vector<std::vector<double>> optimistic_bellman(const Mdp& mdp) {
  const std::size_t T = *mdp.horizon;
  const bool can_end = mdp.discount.value_or(1.0) < 1.0;
  std::vector<std::vector<double>> h(T + 1, std::vector<double>(mdp.num_states, 0.0));
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      double best = -kInf;
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        if (prior_of(mdp, s, a) == 0.0) continue;
        const std::size_t row = s * mdp.num_actions + a;
        double future = 0.0;  // the last step has no successor
        if (t + 1 < T) {
          future = can_end ? 0.0 : -kInf;
          for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
            future = std::max(future, h[t + 1][mdp.next_state[k]]);
          }
        }
        best = std::max(best, mdp.reward[row] + future);
      }
      h[t][s] = best;
    }
  }
  return h;
}

inline double smallest_positive(const std::vector<double>& values, double fallback) {
  double m = fallback;
  for (const double x : values) {
    if (x > 0.0) m = std::min(m, x);
  }
  return m;
}

inline double tolerance_for(double expected, double relative) { return relative * std::max(1.0, std::abs(expected)); }

inline TinyShape shape_for(std::uint64_t seed) {
  TinyShape shape;
  shape.prior = seed % 2 == 1;
  shape.discount = (seed / 2) % 2 == 1;
  shape.forbid = (seed / 4) % 2 == 1;
  return shape;
}

// Q(s, a) of each method from the next values `v`, from the MDP arrays (the table in
// soft_value_iteration.hpp); -inf for an unavailable action.
inline std::vector<double> bellman_action_values(const Mdp& mdp, ControlMethod method, const std::vector<double>& v) {
  const double gamma = mdp.discount.value_or(1.0);
  const double alpha = mdp.alpha;
  std::vector<double> q(mdp.rows());
  for (std::size_t row = 0; row < mdp.rows(); ++row) {
    double expect = 0.0;
    double expect_exp = 0.0;  // E[exp(V'/α)] (only for the exact rule; tests keep V/α moderate)
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
      expect += mdp.probability[k] * v[mdp.next_state[k]];
      if (method == ControlMethod::exact) expect_exp += mdp.probability[k] * std::exp(v[mdp.next_state[k]] / alpha);
    }
    q[row] = method == ControlMethod::exact ? mdp.reward[row] + alpha * std::log(gamma * expect_exp + 1.0 - gamma)
                                            : mdp.reward[row] + gamma * expect;
    if (prior_of(mdp, row / mdp.num_actions, row % mdp.num_actions) == 0.0) q[row] = -kInf;
  }
  return q;
}

// One backup of `v`: V = α log Σ_a p(a|s) exp(Q/α), or max_a Q for map.
inline std::vector<double> bellman_backup(const Mdp& mdp, ControlMethod method, const std::vector<double>& v) {
  const std::vector<double> q = bellman_action_values(mdp, method, v);
  const std::size_t A = mdp.num_actions;
  std::vector<double> out(mdp.num_states);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    const double hi = *std::max_element(q.begin() + static_cast<std::ptrdiff_t>(s * A),
                                        q.begin() + static_cast<std::ptrdiff_t>((s + 1) * A));
    if (method == ControlMethod::map) {
      out[s] = hi;
      continue;
    }
    double total = 0.0;
    for (std::size_t a = 0; a < A; ++a) {
      if (prior_of(mdp, s, a) > 0.0) total += prior_of(mdp, s, a) * std::exp((q[s * A + a] - hi) / mdp.alpha);
    }
    out[s] = hi + mdp.alpha * std::log(total);
  }
  return out;
}

inline double sup_distance(const std::vector<double>& x, const std::vector<double>& y) {
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(x[i] - y[i]));
  return d;
}

}  // namespace copi::control::oracles
