// The latent-model oracle (latent_oracle.hpp): sums over every trajectory and the
// Bellman recursions as nested loops, from the Mdp arrays only.
#include "latent_oracle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace copi::control::latent_oracle {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double gamma_of(const Mdp& mdp) { return mdp.discount.value_or(1.0); }

// Σ_s' p(s'|s,a) V(s') for row s * A + a.
double expected_next(const Mdp& mdp, std::size_t row, const Table& next_value) {
  double total = 0.0;
  for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
    total += mdp.probability[k] * next_value[mdp.next_state[k]];
  }
  return total;
}

// α log Σ_i w_i exp(x_i/α) over the w_i > 0 (max-shifted); the max for `hard`.
double soft_max(const std::vector<double>& weight, const std::vector<double>& x, double alpha, bool hard) {
  double top = -kInf;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (weight[i] > 0.0) top = std::max(top, x[i]);
  }
  if (hard) return top;
  double total = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (weight[i] > 0.0) total += weight[i] * std::exp((x[i] - top) / alpha);
  }
  return top + alpha * std::log(total);
}

// dynamics × Π prior(s, a) exp(r/α) for a path with one latent value (z ignored).
double flat_path_weight(const Mdp& mdp, const Table& action_prior, const Path& path) {
  double w = path.dynamics;
  for (std::size_t i = 0; i < path.states.size(); ++i) {
    const std::size_t row = path.states[i] * mdp.num_actions + path.actions[i];
    w *= action_prior[row] * std::exp(mdp.reward[row] / mdp.alpha);
  }
  return w;
}

}  // namespace

void normalise_rows(Table& table, std::size_t row_size) {
  for (std::size_t begin = 0; begin < table.size(); begin += row_size) {
    double total = 0.0;
    for (std::size_t i = 0; i < row_size; ++i) total += table[begin + i];
    for (std::size_t i = 0; i < row_size; ++i) table[begin + i] /= total;
  }
}

Problem random_problem(std::uint64_t seed, const ProblemShape& shape) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto integer = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  // A distribution over n values, some zero with probability `zero` but never all.
  auto distribution = [&](std::size_t n, double zero) {
    std::vector<double> w(n);
    for (double& x : w) x = uniform(0.0, 1.0) < zero ? 0.0 : uniform(0.05, 1.0);
    w[integer(0, n - 1)] = uniform(0.05, 1.0);
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    for (double& x : w) x /= total;
    return w;
  };
  Problem problem;
  Mdp& mdp = problem.mdp;
  mdp.num_states = integer(2, 3);
  mdp.num_actions = 2;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  std::vector<Transition> transitions;
  std::vector<std::uint32_t> order(S);
  for (std::uint32_t s = 0; s < S; ++s) {
    for (std::uint32_t a = 0; a < A; ++a) {
      std::iota(order.begin(), order.end(), 0u);
      std::shuffle(order.begin(), order.end(), rng);
      const std::size_t successors = integer(2, S);
      std::vector<double> p(successors);
      for (double& x : p) x = uniform(0.1, 1.0);
      const double total = std::accumulate(p.begin(), p.end(), 0.0);
      for (std::size_t k = 0; k < successors; ++k) transitions.push_back({s, a, order[k], p[k] / total});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.resize(S * A);
  for (double& r : mdp.reward) r = uniform(-2.0, 2.0);
  mdp.initial = distribution(S, 0.3);
  mdp.alpha = uniform(0.5, 2.0);
  mdp.horizon = integer(shape.min_horizon, shape.max_horizon);
  if (shape.discount) mdp.discount = uniform(0.6, 0.95);

  const std::size_t Z = integer(shape.min_latents, shape.max_latents);
  problem.num_latents = Z;
  for (std::size_t s = 0; s < S; ++s) {
    const std::vector<double> row = distribution(Z, shape.latent_zeros ? 0.3 : 0.0);
    problem.latent_prior.insert(problem.latent_prior.end(), row.begin(), row.end());
    for (std::size_t z = 0; z < Z; ++z) {
      const std::vector<double> actions = distribution(A, shape.skill_zeros ? 0.25 : 0.0);
      problem.skill.insert(problem.skill.end(), actions.begin(), actions.end());
    }
  }
  problem.episode_prior = distribution(Z, 0.0);
  return problem;
}

double latent_prior(const Problem& problem, std::size_t s, std::size_t z) {
  return problem.latent_prior[s * problem.num_latents + z];
}

double skill(const Problem& problem, std::size_t s, std::size_t z, std::size_t a) {
  return problem.skill[(s * problem.num_latents + z) * problem.mdp.num_actions + a];
}

Table marginal_action_prior(const Problem& problem) {
  const std::size_t A = problem.mdp.num_actions;
  Table marginal(problem.mdp.num_states * A, 0.0);
  for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
    for (std::size_t z = 0; z < problem.num_latents; ++z) {
      for (std::size_t a = 0; a < A; ++a) marginal[s * A + a] += latent_prior(problem, s, z) * skill(problem, s, z, a);
    }
  }
  return marginal;
}

Table skill_of(const Problem& problem, std::size_t z) {
  const std::size_t A = problem.mdp.num_actions;
  Table prior(problem.mdp.num_states * A);
  for (std::size_t s = 0; s < problem.mdp.num_states; ++s) {
    for (std::size_t a = 0; a < A; ++a) prior[s * A + a] = skill(problem, s, z, a);
  }
  return prior;
}

// ---- trajectories ----------------------------------------------------------------------

void for_each_path(const Mdp& mdp, std::size_t num_latents, std::size_t state, std::size_t steps,
                   const std::function<void(const Path&)>& visit) {
  const double gamma = gamma_of(mdp);
  Path path;
  std::function<void(std::size_t)> extend = [&](std::size_t s) {
    for (std::size_t z = 0; z < num_latents; ++z) {
      for (std::size_t a = 0; a < mdp.num_actions; ++a) {
        path.states.push_back(s);
        path.latents.push_back(z);
        path.actions.push_back(a);
        if (path.states.size() == steps) {
          visit(path);
        } else {
          const double before = path.dynamics;
          if (gamma < 1.0) {  // the episode ends after this step
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
        path.latents.pop_back();
        path.actions.pop_back();
      }
    }
  };
  extend(state);
}

// ---- latent per step ----------------------------------------------------------------------

double step_path_weight(const Problem& problem, const Path& path, bool skip_first_latent_prior) {
  const Mdp& mdp = problem.mdp;
  double w = path.dynamics;
  for (std::size_t i = 0; i < path.states.size(); ++i) {
    const std::size_t s = path.states[i];
    const std::size_t z = path.latents[i];
    const std::size_t a = path.actions[i];
    if (i > 0 || !skip_first_latent_prior) w *= latent_prior(problem, s, z);
    w *= skill(problem, s, z, a) * std::exp(mdp.reward[s * mdp.num_actions + a] / mdp.alpha);
  }
  return w;
}

StepPosterior enumerate_step_exact(const Problem& problem) {
  const Mdp& mdp = problem.mdp;
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  StepPosterior out;
  out.value.assign(T, Table(S));
  out.high.assign(T, Table(S * Z));
  out.low.assign(T, Table(S * Z * A));
  out.flat.assign(T, Table(S * A));
  double evidence = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t s = 0; s < S; ++s) {
      // given (s_t, z_t): weights without p(z_t|s_t)
      Table given_z(Z * A, 0.0);
      for_each_path(mdp, Z, s, T - t, [&](const Path& p) {
        given_z[p.latents[0] * A + p.actions[0]] += step_path_weight(problem, p, true);
      });
      double total = 0.0;
      for (std::size_t z = 0; z < Z; ++z) {
        double latent_total = 0.0;
        for (std::size_t a = 0; a < A; ++a) latent_total += given_z[z * A + a];
        for (std::size_t a = 0; a < A; ++a) {
          out.low[t][(s * Z + z) * A + a] = given_z[z * A + a] / latent_total;
          out.flat[t][s * A + a] += latent_prior(problem, s, z) * given_z[z * A + a];
        }
        out.high[t][s * Z + z] = latent_prior(problem, s, z) * latent_total;
        total += out.high[t][s * Z + z];
      }
      for (std::size_t z = 0; z < Z; ++z) out.high[t][s * Z + z] /= total;
      for (std::size_t a = 0; a < A; ++a) out.flat[t][s * A + a] /= total;
      out.value[t][s] = mdp.alpha * std::log(total);
      if (t == 0) evidence += mdp.initial[s] * total;
    }
  }
  out.log_partition = std::log(evidence);
  return out;
}

TrajectoryConditionals enumerate_step_conditionals(const Problem& problem) {
  const Mdp& mdp = problem.mdp;
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  TrajectoryConditionals out;
  out.high.assign(T, Table(S * Z, 0.0));
  out.flat.assign(T, Table(S * A, 0.0));
  out.mass.assign(T, Table(S, 0.0));
  double evidence = 0.0;
  for (std::size_t s1 = 0; s1 < S; ++s1) {
    if (mdp.initial[s1] == 0.0) continue;
    for_each_path(mdp, Z, s1, T, [&](const Path& p) {
      const double w = mdp.initial[s1] * step_path_weight(problem, p);
      evidence += w;
      for (std::size_t t = 0; t < p.states.size(); ++t) {
        out.high[t][p.states[t] * Z + p.latents[t]] += w;
        out.flat[t][p.states[t] * A + p.actions[t]] += w;
        out.mass[t][p.states[t]] += w;
      }
    });
  }
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t s = 0; s < S; ++s) {
      const double mass = out.mass[t][s];
      if (mass > 0.0) {
        for (std::size_t z = 0; z < Z; ++z) out.high[t][s * Z + z] /= mass;
        for (std::size_t a = 0; a < A; ++a) out.flat[t][s * A + a] /= mass;
      }
      out.mass[t][s] = mass / evidence;
    }
  }
  return out;
}

StepBellman step_bellman(const Problem& problem, bool hard) {
  const Mdp& mdp = problem.mdp;
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  const double alpha = mdp.alpha;
  const double gamma = gamma_of(mdp);
  StepBellman out;
  out.value.assign(T, Table(S));
  out.value_low.assign(T, Table(S * Z));
  out.q.assign(T, Table(S * A));
  if (!hard) {
    out.high.assign(T, Table(S * Z));
    out.low.assign(T, Table(S * Z * A));
    out.flat.assign(T, Table(S * A, 0.0));
  }
  Table next(S, 0.0);  // V_{T+1} = 0
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t a = 0; a < A; ++a) {
        const std::size_t row = s * A + a;
        out.q[t][row] = mdp.reward[row] + gamma * expected_next(mdp, row, next);
      }
      std::vector<double> q(out.q[t].begin() + static_cast<std::ptrdiff_t>(s * A),
                            out.q[t].begin() + static_cast<std::ptrdiff_t>((s + 1) * A));
      std::vector<double> latent_weight(Z);
      std::vector<double> value_low(Z);
      for (std::size_t z = 0; z < Z; ++z) {
        std::vector<double> action_weight(A);
        for (std::size_t a = 0; a < A; ++a) action_weight[a] = skill(problem, s, z, a);
        value_low[z] = soft_max(action_weight, q, alpha, hard);
        out.value_low[t][s * Z + z] = value_low[z];
        latent_weight[z] = latent_prior(problem, s, z);
      }
      const double v = soft_max(latent_weight, value_low, alpha, hard);
      out.value[t][s] = v;
      if (hard) continue;
      for (std::size_t z = 0; z < Z; ++z) {
        const double high = latent_weight[z] * std::exp((value_low[z] - v) / alpha);
        out.high[t][s * Z + z] = high;
        for (std::size_t a = 0; a < A; ++a) {
          const double low = skill(problem, s, z, a) * std::exp((q[a] - value_low[z]) / alpha);
          out.low[t][(s * Z + z) * A + a] = low;
          out.flat[t][s * A + a] += high * low;
        }
      }
    }
    next = out.value[t];
  }
  return out;
}

double step_elbo(const Problem& problem, const Steps& high, const Steps& low) {
  const Mdp& mdp = problem.mdp;
  const std::size_t T = *mdp.horizon;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  double elbo = 0.0;
  for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
    if (mdp.initial[s1] == 0.0) continue;
    for_each_path(mdp, Z, s1, T, [&](const Path& p) {
      double probability = mdp.initial[s1] * p.dynamics;
      double total = 0.0;
      for (std::size_t t = 0; t < p.states.size(); ++t) {
        const std::size_t s = p.states[t];
        const std::size_t z = p.latents[t];
        const std::size_t a = p.actions[t];
        const double policy = high[t][s * Z + z] * low[t][(s * Z + z) * A + a];
        probability *= policy;
        if (probability == 0.0) return;
        const double prior = latent_prior(problem, s, z) * skill(problem, s, z, a);
        total += mdp.reward[s * A + a] + mdp.alpha * (std::log(prior) - std::log(policy));
      }
      elbo += probability * total;
    });
  }
  return elbo;
}

// ---- flat policies ----------------------------------------------------------------------------

FlatBellman flat_bellman(const Mdp& mdp, const Table& action_prior, bool hard) {
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const double gamma = gamma_of(mdp);
  FlatBellman out;
  out.value.assign(T, Table(S));
  if (!hard) out.policy.assign(T, Table(S * A));
  Table next(S, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < S; ++s) {
      std::vector<double> q(A);
      std::vector<double> weight(A);
      for (std::size_t a = 0; a < A; ++a) {
        q[a] = mdp.reward[s * A + a] + gamma * expected_next(mdp, s * A + a, next);
        weight[a] = action_prior[s * A + a];
      }
      const double v = soft_max(weight, q, mdp.alpha, hard);
      out.value[t][s] = v;
      if (hard) continue;
      for (std::size_t a = 0; a < A; ++a) out.policy[t][s * A + a] = weight[a] * std::exp((q[a] - v) / mdp.alpha);
    }
    next = out.value[t];
  }
  return out;
}

double flat_elbo(const Mdp& mdp, const Table& action_prior, const Steps& policy, bool entropy) {
  const std::size_t A = mdp.num_actions;
  double elbo = 0.0;
  for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
    if (mdp.initial[s1] == 0.0) continue;
    for_each_path(mdp, 1, s1, *mdp.horizon, [&](const Path& p) {
      double probability = mdp.initial[s1] * p.dynamics;
      double total = 0.0;
      for (std::size_t t = 0; t < p.states.size(); ++t) {
        const std::size_t row = p.states[t] * A + p.actions[t];
        probability *= policy[t][row];
        if (probability == 0.0) return;
        total += mdp.reward[row];
        if (entropy) total += mdp.alpha * (std::log(action_prior[row]) - std::log(policy[t][row]));
      }
      elbo += probability * total;
    });
  }
  return elbo;
}

// ---- latent per episode ----------------------------------------------------------------------

EpisodePosterior enumerate_episode_exact(const Problem& problem) {
  const Mdp& mdp = problem.mdp;
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  EpisodePosterior out;
  out.posterior.assign(Z, 0.0);
  out.value.assign(Z, Steps(T, Table(S)));
  out.policy.assign(Z, Steps(T, Table(S * A, 0.0)));
  double evidence = 0.0;
  for (std::size_t z = 0; z < Z; ++z) {
    const Table prior = skill_of(problem, z);
    double evidence_z = 0.0;  // Σ_s p(s_1) Σ_τ p(τ | z, s_1) exp(Σ r/α)
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t s = 0; s < S; ++s) {
        double total = 0.0;
        for_each_path(mdp, 1, s, T - t, [&](const Path& p) {
          const double w = flat_path_weight(mdp, prior, p);
          total += w;
          out.policy[z][t][s * A + p.actions[0]] += w;
        });
        for (std::size_t a = 0; a < A; ++a) out.policy[z][t][s * A + a] /= total;
        out.value[z][t][s] = mdp.alpha * std::log(total);
        if (t == 0) evidence_z += mdp.initial[s] * total;
      }
    }
    out.posterior[z] = problem.episode_prior[z] * evidence_z;
    evidence += out.posterior[z];
  }
  for (double& p : out.posterior) p /= evidence;
  out.log_partition = std::log(evidence);
  return out;
}

// ---- the skill-level MDP -----------------------------------------------------------------------

namespace {

// r_hi(s, z) = Σ_a π_lo(a|s,z) r(s,a), [s][z].
Table skill_level_reward(const Mdp& mdp, std::size_t Z, const Table& low) {
  const std::size_t A = mdp.num_actions;
  Table reward(mdp.num_states * Z, 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z; ++z) {
      for (std::size_t a = 0; a < A; ++a) reward[s * Z + z] += low[(s * Z + z) * A + a] * mdp.reward[s * A + a];
    }
  }
  return reward;
}

double weight_of(const Table& prior, std::size_t index) { return prior.empty() ? 1.0 : prior[index]; }

}  // namespace

SkillLevelPosterior enumerate_skill_level_exact(const Mdp& mdp, std::size_t num_latents, const Table& low,
                                                const Table& prior) {
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = num_latents;
  const Table reward = skill_level_reward(mdp, Z, low);
  auto weight = [&](const Path& p) {
    double w = p.dynamics;
    for (std::size_t i = 0; i < p.states.size(); ++i) {
      const std::size_t sz = p.states[i] * Z + p.latents[i];
      w *= weight_of(prior, sz) * low[sz * A + p.actions[i]] * std::exp(reward[sz] / mdp.alpha);
    }
    return w;
  };
  SkillLevelPosterior out;
  out.value.assign(T, Table(S));
  out.policy.assign(T, Table(S * Z, 0.0));
  double evidence = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t s = 0; s < S; ++s) {
      double total = 0.0;
      for_each_path(mdp, Z, s, T - t, [&](const Path& p) {
        const double w = weight(p);
        total += w;
        out.policy[t][s * Z + p.latents[0]] += w;
      });
      for (std::size_t z = 0; z < Z; ++z) out.policy[t][s * Z + z] /= total;
      out.value[t][s] = mdp.alpha * std::log(total);
      if (t == 0) evidence += mdp.initial[s] * total;
    }
  }
  out.log_partition = std::log(evidence);
  return out;
}

FlatBellman skill_level_bellman(const Mdp& mdp, std::size_t num_latents, const Table& low, const Table& prior,
                                bool hard) {
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = num_latents;
  const double gamma = gamma_of(mdp);
  FlatBellman out;
  out.value.assign(T, Table(S));
  if (!hard) out.policy.assign(T, Table(S * Z));
  Table next(S, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    for (std::size_t s = 0; s < S; ++s) {
      std::vector<double> q(Z, 0.0);
      std::vector<double> weight(Z);
      for (std::size_t z = 0; z < Z; ++z) {
        for (std::size_t a = 0; a < A; ++a) {
          const std::size_t row = s * A + a;
          q[z] += low[(s * Z + z) * A + a] * (mdp.reward[row] + gamma * expected_next(mdp, row, next));
        }
        weight[z] = weight_of(prior, s * Z + z);
      }
      const double v = soft_max(weight, q, mdp.alpha, hard);
      out.value[t][s] = v;
      if (hard) continue;
      for (std::size_t z = 0; z < Z; ++z) out.policy[t][s * Z + z] = weight[z] * std::exp((q[z] - v) / mdp.alpha);
    }
    next = out.value[t];
  }
  return out;
}

// ---- EM's E-step ---------------------------------------------------------------------------------

EnumeratedCounts enumerate_skill_counts(const Problem& problem, const Table& reward, bool variational) {
  Mdp mdp = problem.mdp;
  mdp.reward = reward;
  const std::size_t T = *mdp.horizon;
  const std::size_t A = mdp.num_actions;
  const std::size_t Z = problem.num_latents;
  EnumeratedCounts out;
  out.state_latent_action.assign(mdp.num_states * Z * A, 0.0);
  out.latent.assign(Z, 0.0);
  if (!variational) {
    double evidence = 0.0;
    for (std::size_t z = 0; z < Z; ++z) {
      const Table prior = skill_of(problem, z);
      for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
        if (mdp.initial[s1] == 0.0) continue;
        for_each_path(mdp, 1, s1, T, [&](const Path& p) {
          const double w = problem.episode_prior[z] * mdp.initial[s1] * flat_path_weight(mdp, prior, p);
          evidence += w;
          out.latent[z] += w;
          for (std::size_t t = 0; t < p.states.size(); ++t) {
            out.state_latent_action[(p.states[t] * Z + z) * A + p.actions[t]] += w;
          }
        });
      }
    }
    for (double& c : out.state_latent_action) c /= evidence;
    for (double& c : out.latent) c /= evidence;
    out.log_evidence = std::log(evidence);
    return out;
  }
  // q(z) ∝ p(z) exp(J^z/α); given z the soft-optimal π^z under the true dynamics.
  std::vector<Steps> policy(Z);
  std::vector<double> objective(Z);
  double top = -kInf;
  for (std::size_t z = 0; z < Z; ++z) {
    const Table prior = skill_of(problem, z);
    policy[z] = flat_bellman(mdp, prior, false).policy;
    objective[z] = flat_elbo(mdp, prior, policy[z]);
    top = std::max(top, objective[z] / mdp.alpha);
  }
  double total = 0.0;
  for (std::size_t z = 0; z < Z; ++z) {
    out.latent[z] = problem.episode_prior[z] * std::exp(objective[z] / mdp.alpha - top);
    total += out.latent[z];
  }
  for (double& q : out.latent) q /= total;
  out.log_evidence = top + std::log(total);
  for (std::size_t z = 0; z < Z; ++z) {
    for (std::size_t s1 = 0; s1 < mdp.num_states; ++s1) {
      if (mdp.initial[s1] == 0.0) continue;
      for_each_path(mdp, 1, s1, T, [&](const Path& p) {
        double probability = out.latent[z] * mdp.initial[s1] * p.dynamics;
        for (std::size_t t = 0; t < p.states.size(); ++t) probability *= policy[z][t][p.states[t] * A + p.actions[t]];
        for (std::size_t t = 0; t < p.states.size(); ++t) {
          out.state_latent_action[(p.states[t] * Z + z) * A + p.actions[t]] += probability;
        }
      });
    }
  }
  return out;
}

}  // namespace copi::control::latent_oracle
