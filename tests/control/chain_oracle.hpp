// The oracle for general step models (latent.hpp's StepModel): a chain of leaves
// x_1 → … → x_K = a below s_t, leaf k with prior p(x_k | s, x_{k-1}) laid out
// [s][parent][x]. Written from the definitions with plain loops, reading the problem from
// the Mdp arrays and the prior tables only (latent_oracle.hpp's conventions: γ ends the
// episode with probability 1 - γ after a step; tables [t][...] with t = 0 first):
//   enumerate_chain_exact   sums over every path of (x_1..x_K, s') per step;
//   chain_backup            one backup of each method's rule (soft_value_iteration.hpp's
//                           table) reduced leaf by leaf, nested loops;
//   chain_bellman           chain_backup from V_{T+1} = 0, T times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"
#include "latent_oracle.hpp"

namespace copi::control::latent_oracle {

struct Chain {
  std::vector<std::size_t> sizes;  // x_1 .. x_K; the last is the MDP's num_actions
  std::vector<Table> priors;       // p(x_k | s, x_{k-1}), [s][parent][x]; one parent for k = 0
  [[nodiscard]] std::size_t parent_size(std::size_t k) const { return k == 0 ? 1 : sizes[k - 1]; }
};

// The latent-per-step (z, a) model of a Problem as a two-leaf chain.
Chain chain_of(const Problem& problem);

// Random priors for the given leaf sizes (the last: mdp.num_actions); the latent leaves are
// positive, the action leaf may put 0 on some actions (never a whole row).
Chain random_chain(const Mdp& mdp, std::vector<std::size_t> sizes, std::uint64_t seed);

// p(a|s) = Σ over the latent leaves of Π_k p(x_k | s, x_{k-1}), [s][a].
Table chain_marginal(const Mdp& mdp, const Chain& chain);

// Policies per leaf: leaf[t][k] in leaf k's prior layout, [s][parent][x].
using LeafSteps = std::vector<std::vector<Table>>;

// For every (t, s): V = α log Σ over futures, the flat p(a_t | s_t, O) and, per leaf k and
// parent value u, p(x_k | s_t, x_{k-1} = u, O) with x_{k-1} set to u (the factors of
// leaves 1..k-1 at that step left out), so every (s, parent) row is defined.
struct ChainPosterior {
  double log_partition = 0.0;
  Steps value;
  Steps flat;
  LeafSteps leaf;
};
ChainPosterior enumerate_chain_exact(const Mdp& mdp, const Chain& chain);

// One backup from the next values V': Q(s,a) by the method's rule
//   exact        r + α log(γ E[exp(V'/α)] + 1 - γ)
//   variational  r + γ E[V']        map  the same, with max below
// then leaf by leaf from the action up: V_K(s, a) = Q, V_k(s, u) = α log Σ_x p(x|s,u)
// exp(V_{k+1}(s, x)/α) (map: the max over x of positive prior), π_k(x|s,u) =
// p(x|s,u) exp((V_{k+1}(s,x) - V_k(s,u))/α) (map: empty); V(s) = V_1(s, 0).
struct ChainBackup {
  Table value;                     // [s]
  Table q;                         // [s][a]
  std::vector<Table> leaf_value;   // [k] in [s][parent]: V_k
  std::vector<Table> leaf_policy;  // [k] in the prior layout (empty for map)
  Table flat;                      // Σ over the latent leaves of Π π_k (empty for map)
};
ChainBackup chain_backup(const Mdp& mdp, const Chain& chain, ControlMethod method, const Table& next_value);

// Finite horizon: chain_backup T times from V_{T+1} = 0 (the last step's Q is r).
std::vector<ChainBackup> chain_bellman(const Mdp& mdp, const Chain& chain, ControlMethod method);

}  // namespace copi::control::latent_oracle
