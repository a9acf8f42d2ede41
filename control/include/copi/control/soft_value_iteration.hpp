// Solving an MDP as inference: backward message passing through the compiled step
// factors f_t(s_t, a_t, s_{t+1}) = p(a|s) exp(r(s,a)/α) p(s'|s,a), with the rule the
// method names applied to the child s_{t+1} (DESIGN.md "Compiling a step"):
//
//   exact        sum:    Q = r + α log(γ E[exp(V'/α)] + 1 - γ)      (eq. 7, optimistic)
//   variational  expect: Q = r + γ E[V']                            (eq. 15)
//   map          max over actions: Q = r + γ E[V'], V = max_a Q     (α → 0, hard Bellman)
//
// with V = α log Σ_a p(a|s) exp(Q/α) (no prior: every action weight 1) and
// π(a|s) = p(a|s) exp((Q - V)/α). Backups run in parallel over states (oneTBB); the
// result is bit-identical for any thread count.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"

namespace copi::control {

enum class ControlMethod { exact, variational, map };

[[nodiscard]] std::string to_string(ControlMethod method);
// "exact", "variational", "map"; throws InputError otherwise.
[[nodiscard]] ControlMethod parse_control_method(const std::string& text);

struct SolveOptions {
  ControlMethod method = ControlMethod::variational;
  double tolerance = 1e-10;          // infinite horizon: sup-norm change of V
  std::size_t max_iterations = 100000;
  std::size_t threads = 0;           // 0: COPI_THREADS or all cores
  void validate() const;
};

struct ControlSolution {
  ControlMethod method = ControlMethod::variational;
  // Finite horizon: value[t][s] for t = 0..T-1 (t = 0 is the first step), policy[t][s*A + a].
  // Infinite horizon: one entry (the stationary value and policy).
  std::vector<std::vector<double>> value;
  std::vector<std::vector<double>> policy;
  std::size_t iterations = 0;        // backups done
  bool converged = true;             // infinite horizon: reached the tolerance
  bool diverged = false;             // exact, infinite horizon: V grows without bound
  double residual = 0.0;             // last sup-norm change (infinite horizon)
  double log_partition = 0.0;        // exact: log p(O_{1:T} = 1) = log Σ_s p(s_1) exp(V_1(s)/α)
  double objective = 0.0;            // E[Σ_t r + α (log p(a|s) - log π(a|s))] under π
  double seconds = 0.0;              // the solve alone
  std::size_t threads = 1;
};

// Throws InputError for an invalid MDP or options.
ControlSolution solve(const Mdp& mdp, const SolveOptions& options = {});

// State visitation d_t(s) (t = 0..T-1; infinite horizon: the discounted occupancy
// Σ_t γ^t d_t, to the solver's tolerance) and state-action visitation d_t(s) π(a|s).
struct Visitation {
  std::vector<std::vector<double>> state;
  std::vector<std::vector<double>> state_action;
};
Visitation visitation(const Mdp& mdp, const ControlSolution& solution, std::size_t threads = 0);

}  // namespace copi::control
