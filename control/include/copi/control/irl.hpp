// Inverse reinforcement learning as learning in the control graphical model (Levine
// 2018 §5.4): demonstrations are trajectories of the soft-optimal policy of an unknown
// reward r_θ(s, a) = θᵀφ(s, a); maximum causal entropy IRL (Ziebart et al. 2010)
// maximises the concave dual
//
//   L(θ) = mean over demonstrations of θᵀ Σ_t γ^t φ(s_t, a_t)  −  E_{s_0 ~ p_0}[V_0^θ(s_0)]
//
// whose gradient is the empirical minus the expected feature counts. The expected
// counts are the engine's forward messages (visitation) from p_0 under the soft-optimal
// policy, over the same time steps (t = 0 .. T−1, or all t with a discount) and with
// the same discount γ^t as the empirical ones. One gradient evaluation = one backward
// solve + one forward sweep + feature contractions, in buffers kept across evaluations.
//
//   variational  the causal backup Q = r + γ E[V'] (eq. 15): maximum causal entropy
//                IRL. With deterministic dynamics L = α × mean Σ_t log π_t(a_t|s_t)
//                (finite horizon, γ = 1, full-length episodes).
//   exact        the exact backup Q = r + α log(γ E[exp(V'/α)] + 1 − γ) (eq. 7):
//                MaxEnt IRL of Ziebart et al. 2008, the likelihood of whole
//                trajectories p(τ) ∝ p(s_0) Π p(s'|s,a) exp(Σ r/α). Its expected counts
//                follow the posterior dynamics q(s'|s,a) ∝ p(s'|s,a) exp(V'(s')/α), not
//                p (the optimism of §2.4: it assumes the agent steers the dynamics). The
//                two agree for deterministic dynamics.
//
// Features of absorbing states are ignored (no reward accrues once the episode has
// ended there), and demonstration steps in absorbing states count nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"
#include "copi/control/soft_value_iteration.hpp"

namespace copi::control {

enum class FeatureKind { state, state_action };

// Sparse features φ: per state (then φ(s, a) = φ(s) for every action) or per
// (state, action) row s * A + a. Entries of unit u are [begin[u], begin[u + 1]).
struct Features {
  FeatureKind kind = FeatureKind::state;
  std::vector<std::string> names;     // one per feature: θ's coordinates
  std::vector<std::uint64_t> begin;   // units + 1
  std::vector<std::uint32_t> feature;
  std::vector<double> value;

  [[nodiscard]] std::size_t count() const { return names.size(); }
  // Throws InputError unless the arrays fit `mdp` (units, ids in range, finite values).
  void validate(const Mdp& mdp) const;
};

struct FeatureEntry {
  std::uint32_t unit;  // state, or row s * A + a
  std::uint32_t feature;
  double value;
};
// Builds the CSR arrays from entries in any order (a repeated (unit, feature) adds up).
Features make_features(FeatureKind kind, std::vector<std::string> names, std::size_t units,
                       std::vector<FeatureEntry> entries);

// One episode: step t is (state[t], action[t]), t = 0, 1, ...
struct Episode {
  std::vector<std::uint32_t> states;
  std::vector<std::uint32_t> actions;
};

// Mean over episodes of Σ_t γ^t φ(s_t, a_t), skipping steps in absorbing states.
[[nodiscard]] std::vector<double> empirical_feature_counts(const Mdp& mdp, const Features& features,
                                                           const std::vector<Episode>& episodes);
// p_0(s): the fraction of episodes that start in s.
[[nodiscard]] std::vector<double> initial_from_episodes(std::size_t num_states, const std::vector<Episode>& episodes);

struct IrlOptions {
  ControlMethod method = ControlMethod::variational;  // variational or exact
  double l2 = 0.0;                  // maximise L(θ) − (l2 / 2)‖θ‖², ≥ 0
  double tolerance = 1e-6;          // stop when ‖∇‖₂ ≤ tolerance · max(‖empirical counts‖₂, 1)
  std::size_t max_iterations = 1000;  // gradient evaluations at most, ≥ 1
  // Infinite horizon: each solve ends when the sup-norm change of V is at most this
  // times max(1, max |V|) (it starts from the previous evaluation's V).
  double solve_tolerance = 1e-12;
  std::size_t threads = 0;          // 0: COPI_THREADS or all cores
  bool policy = false;              // also return the learned reward's soft-optimal solution
  std::vector<double> start;        // θ to start from (empty: 0)
  // Throws InputError naming the option (as `--l2`, `--tol`, ...).
  void validate() const;
};

// What is learned from: the MDP's dynamics, horizon / discount, α, action prior and
// labels (its rewards are ignored), the features, and the empirical feature counts
// with the initial distribution (usually empirical_feature_counts and
// initial_from_episodes of the demonstrations, or the MDP's own initial distribution).
struct IrlProblem {
  Mdp mdp;
  Features features;
  std::vector<double> empirical;  // one per feature
  std::vector<double> initial;    // p_0, one per state; empty: mdp.initial
};

// L(θ) and its gradient, planned once and evaluated many times (the backup, the
// transposed dynamics and every V, π and visitation buffer are kept).
class IrlObjective {
 public:
  IrlObjective(const IrlProblem& problem, ControlMethod method, double solve_tolerance = 1e-12,
               std::size_t threads = 0);
  ~IrlObjective();
  IrlObjective(IrlObjective&&) noexcept;
  IrlObjective& operator=(IrlObjective&&) noexcept;

  // L(θ) without penalty; fills `gradient` (one per feature) when it is not empty.
  // Throws NumericError when an infinite-horizon solve does not converge.
  double evaluate(std::span<const double> theta, std::span<double> gradient);
  // After evaluate: the expected feature counts and the reward r(s, a) per row at that θ
  // (the soft-optimal solution itself: solve() with that reward, or IrlOptions::policy).
  [[nodiscard]] const std::vector<double>& expected_counts() const;
  [[nodiscard]] const std::vector<double>& reward() const;
  // Mean over episodes of Σ_t log π_t(a_t | s_t) at the last θ (steps in absorbing
  // states skipped; infinite horizon: the stationary policy).
  [[nodiscard]] double log_likelihood(const std::vector<Episode>& episodes) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct IrlResult {
  std::vector<double> weights;      // θ, one per feature (names: problem.features.names)
  std::vector<double> reward;       // θᵀφ(s, a) per row s * A + a
  double objective = 0.0;           // L(θ), without the penalty
  double log_likelihood = 0.0;      // mean over episodes of Σ_t log π_t(a_t|s_t) (when episodes are given)
  std::vector<double> empirical;    // feature counts
  std::vector<double> expected;
  double max_feature_gap = 0.0;     // max |empirical − expected|
  double gradient_norm = 0.0;       // ‖∇(L − penalty)‖₂
  double relative_gradient_norm = 0.0;  // the same over max(‖empirical‖₂, 1)
  std::size_t iterations = 0;       // gradient evaluations
  bool converged = false;           // reached options.tolerance
  std::string termination;          // why the optimiser stopped, for the user
  std::optional<ControlSolution> policy;  // with options.policy
  double seconds = 0.0;
  std::vector<std::string> notes;   // for the user (ignored features, short episodes)
};

// Maximises L(θ) − (l2/2)‖θ‖² with NLopt's L-BFGS. `episodes` (optional) only feed the
// reported log-likelihood. Throws InputError for invalid problems or options.
IrlResult fit_irl(const IrlProblem& problem, const IrlOptions& options = {}, const std::vector<Episode>& episodes = {});

}  // namespace copi::control
