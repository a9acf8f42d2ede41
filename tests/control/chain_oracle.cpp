// The step-model oracle (chain_oracle.hpp): sums over every path and the leaf-by-leaf
// backup as nested loops, from the Mdp arrays and the prior tables only.
#include "chain_oracle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace copi::control::latent_oracle {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The latent leaves' values x_1..x_{K-1} from one index, x_1 varying fastest.
std::vector<std::size_t> decode(const Chain& chain, std::size_t index) {
  std::vector<std::size_t> x(chain.sizes.size() - 1);
  for (std::size_t k = 0; k < x.size(); ++k) {
    x[k] = index % chain.sizes[k];
    index /= chain.sizes[k];
  }
  return x;
}

std::size_t latent_tuples(const Chain& chain) {
  std::size_t n = 1;
  for (std::size_t k = 0; k + 1 < chain.sizes.size(); ++k) n *= chain.sizes[k];
  return n;
}

// p(x_k | s, parent) for leaf k.
double prior_of(const Chain& chain, std::size_t k, std::size_t s, std::size_t parent, std::size_t x) {
  return chain.priors[k][(s * chain.parent_size(k) + parent) * chain.sizes[k] + x];
}

// The leaf factors of one step: f[k] = p(x_k | s, x_{k-1}) with x_K = a.
std::vector<double> step_factors(const Chain& chain, std::size_t s, const std::vector<std::size_t>& latents,
                                 std::size_t action) {
  const std::size_t K = chain.sizes.size();
  std::vector<double> f(K);
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t x = k + 1 == K ? action : latents[k];
    const std::size_t parent = k == 0 ? 0 : latents[k - 1];
    f[k] = prior_of(chain, k, s, parent, x);
  }
  return f;
}

}  // namespace

Chain chain_of(const Problem& problem) {
  Chain chain;
  chain.sizes = {problem.num_latents, problem.mdp.num_actions};
  chain.priors = {problem.latent_prior, problem.skill};
  return chain;
}

Chain random_chain(const Mdp& mdp, std::vector<std::size_t> sizes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  Chain chain;
  chain.sizes = std::move(sizes);
  const std::size_t K = chain.sizes.size();
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t n = chain.sizes[k];
    Table table(mdp.num_states * chain.parent_size(k) * n);
    for (std::size_t begin = 0; begin < table.size(); begin += n) {
      for (std::size_t x = 0; x < n; ++x) {
        table[begin + x] = k + 1 == K && uniform(0.0, 1.0) < 0.25 ? 0.0 : uniform(0.05, 1.0);
      }
      table[begin + std::uniform_int_distribution<std::size_t>(0, n - 1)(rng)] = uniform(0.05, 1.0);
    }
    normalise_rows(table, n);
    chain.priors.push_back(std::move(table));
  }
  return chain;
}

Table chain_marginal(const Mdp& mdp, const Chain& chain) {
  const std::size_t A = mdp.num_actions;
  Table marginal(mdp.num_states * A, 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t index = 0; index < latent_tuples(chain); ++index) {
      const std::vector<std::size_t> x = decode(chain, index);
      for (std::size_t a = 0; a < A; ++a) {
        const std::vector<double> f = step_factors(chain, s, x, a);
        marginal[s * A + a] += std::accumulate(f.begin(), f.end(), 1.0, std::multiplies<>());
      }
    }
  }
  return marginal;
}

ChainPosterior enumerate_chain_exact(const Mdp& mdp, const Chain& chain) {
  const std::size_t T = *mdp.horizon;
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t K = chain.sizes.size();
  ChainPosterior out;
  out.value.assign(T, Table(S));
  out.flat.assign(T, Table(S * A, 0.0));
  out.leaf.assign(T, std::vector<Table>(K));
  double evidence = 0.0;
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t k = 0; k < K; ++k) out.leaf[t][k].assign(chain.priors[k].size(), 0.0);
    for (std::size_t s = 0; s < S; ++s) {
      double total = 0.0;
      for_each_path(mdp, latent_tuples(chain), s, T - t, [&](const Path& p) {
        // The path's weight without the first step's leaf factors.
        double rest = p.dynamics;
        std::vector<std::vector<std::size_t>> latents(p.states.size());
        for (std::size_t i = 0; i < p.states.size(); ++i) {
          latents[i] = decode(chain, p.latents[i]);
          rest *= std::exp(mdp.reward[p.states[i] * A + p.actions[i]] / mdp.alpha);
          if (i == 0) continue;
          for (const double f : step_factors(chain, p.states[i], latents[i], p.actions[i])) rest *= f;
        }
        const std::vector<std::size_t>& x = latents[0];
        const std::vector<double> f = step_factors(chain, s, x, p.actions[0]);
        const double w = rest * std::accumulate(f.begin(), f.end(), 1.0, std::multiplies<>());
        total += w;
        out.flat[t][s * A + p.actions[0]] += w;
        // Leaf k given x_{k-1} = u: the factors of leaves k..K, with x_1..x_{k-2} held at 0
        // (they are upstream of x_{k-1} and have no factor here).
        for (std::size_t k = 0; k < K; ++k) {
          bool upstream_at_zero = true;
          for (std::size_t j = 0; j + 1 < k; ++j) upstream_at_zero = upstream_at_zero && x[j] == 0;
          if (!upstream_at_zero) continue;
          double given = rest;
          for (std::size_t j = k; j < K; ++j) given *= f[j];
          const std::size_t parent = k == 0 ? 0 : x[k - 1];
          const std::size_t value = k + 1 == K ? p.actions[0] : x[k];
          out.leaf[t][k][(s * chain.parent_size(k) + parent) * chain.sizes[k] + value] += given;
        }
      });
      for (std::size_t a = 0; a < A; ++a) out.flat[t][s * A + a] /= total;
      out.value[t][s] = mdp.alpha * std::log(total);
      if (t == 0) evidence += mdp.initial[s] * total;
    }
    for (std::size_t k = 0; k < K; ++k) normalise_rows(out.leaf[t][k], chain.sizes[k]);
  }
  out.log_partition = std::log(evidence);
  return out;
}

ChainBackup chain_backup(const Mdp& mdp, const Chain& chain, ControlMethod method, const Table& next_value) {
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t K = chain.sizes.size();
  const double alpha = mdp.alpha;
  const double gamma = mdp.discount.value_or(1.0);
  const bool hard = method == ControlMethod::map;
  ChainBackup out;
  out.q.resize(S * A);
  for (std::size_t row = 0; row < S * A; ++row) {
    double expect = 0.0;
    double expect_exp = 0.0;
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
      expect += mdp.probability[k] * next_value[mdp.next_state[k]];
      expect_exp += mdp.probability[k] * std::exp(next_value[mdp.next_state[k]] / alpha);
    }
    out.q[row] = method == ControlMethod::exact ? mdp.reward[row] + alpha * std::log(gamma * expect_exp + 1.0 - gamma)
                                                : mdp.reward[row] + gamma * expect;
  }
  out.leaf_value.resize(K);
  if (!hard) out.leaf_policy.resize(K);
  for (std::size_t k = K; k-- > 0;) {
    const std::size_t n = chain.sizes[k];
    out.leaf_value[k].resize(S * chain.parent_size(k));
    if (!hard) out.leaf_policy[k].resize(chain.priors[k].size());
    for (std::size_t s = 0; s < S; ++s) {
      // The children's values: Q for the action leaf, else the next leaf's V_{k+1}(s, x).
      std::vector<double> child(n);
      for (std::size_t x = 0; x < n; ++x) child[x] = k + 1 == K ? out.q[s * A + x] : out.leaf_value[k + 1][s * n + x];
      for (std::size_t u = 0; u < chain.parent_size(k); ++u) {
        double top = -kInf;
        for (std::size_t x = 0; x < n; ++x) {
          if (prior_of(chain, k, s, u, x) > 0.0) top = std::max(top, child[x]);
        }
        double v = top;
        if (!hard) {
          double total = 0.0;
          for (std::size_t x = 0; x < n; ++x) {
            const double p = prior_of(chain, k, s, u, x);
            if (p > 0.0) total += p * std::exp((child[x] - top) / alpha);
          }
          v = top + alpha * std::log(total);
          for (std::size_t x = 0; x < n; ++x) {
            out.leaf_policy[k][(s * chain.parent_size(k) + u) * n + x] =
                prior_of(chain, k, s, u, x) * std::exp((child[x] - v) / alpha);
          }
        }
        out.leaf_value[k][s * chain.parent_size(k) + u] = v;
      }
    }
  }
  out.value = out.leaf_value[0];
  if (hard) return out;
  // Σ over the latent leaves of Π π_k: carry the distribution of x_k down the chain.
  out.flat.assign(S * A, 0.0);
  for (std::size_t s = 0; s < S; ++s) {
    std::vector<double> d = {1.0};
    for (std::size_t k = 0; k < K; ++k) {
      std::vector<double> next(chain.sizes[k], 0.0);
      for (std::size_t u = 0; u < d.size(); ++u) {
        for (std::size_t x = 0; x < chain.sizes[k]; ++x) {
          next[x] += d[u] * out.leaf_policy[k][(s * chain.parent_size(k) + u) * chain.sizes[k] + x];
        }
      }
      d = std::move(next);
    }
    for (std::size_t a = 0; a < A; ++a) out.flat[s * A + a] = d[a];
  }
  return out;
}

std::vector<ChainBackup> chain_bellman(const Mdp& mdp, const Chain& chain, ControlMethod method) {
  const std::size_t T = *mdp.horizon;
  std::vector<ChainBackup> out(T);
  Table next(mdp.num_states, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    out[t] = chain_backup(mdp, chain, method, next);
    next = out[t].value;
  }
  return out;
}

}  // namespace copi::control::latent_oracle
