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
// result is bit-identical for any thread count. Absorbing states (is_absorbing in
// mdp.hpp) have V = 0 exactly. γ = 1 without a horizon is a stochastic shortest path:
// accepted when every policy reaches an absorbing state (Mdp::validate).
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"

namespace copi::control {

enum class ControlMethod { exact, variational, map };

[[nodiscard]] std::string to_string(ControlMethod method);
// "exact", "variational", "map"; throws InputError otherwise.
[[nodiscard]] ControlMethod parse_control_method(const std::string& text);

// How an infinite-horizon solve reaches its tolerance (docs/control.md, "Solvers"):
//   automatic          policy_iteration for variational and map, anderson for exact;
//   value_iteration    plain backups V <- T V;
//   policy_iteration   soft (variational) or hard (map) policy iteration: Newton's method
//                      on T V - V, each step a policy evaluation (I - γ P_π) δ = T V - V
//                      solved by Eigen's BiCGSTAB (Jacobi-preconditioned, warm-started);
//                      not for exact, whose backup is not linear in V for a fixed policy;
//   anderson           Anderson-accelerated value iteration (depth 5), safeguarded: a
//                      step that does not shrink the residual falls back to T V.
// Every solver stops on the same certified bound on the returned V (error_bound).
enum class ControlSolver { automatic, value_iteration, policy_iteration, anderson };
// "auto", "vi", "pi", "anderson"
[[nodiscard]] std::string to_string(ControlSolver solver);
[[nodiscard]] ControlSolver parse_control_solver(const std::string& text);

// Which steps of a finite-horizon solve the solution keeps: every V_t and π_t, only
// t = 1, or t = 1 with every step handed to SolveOptions::on_step as it is computed
// (backwards, t = T first) and then dropped. Memory: T steps, or one.
enum class KeepSteps { all, first, stream };
// "all", "first", "stream"
[[nodiscard]] std::string to_string(KeepSteps keep);
[[nodiscard]] KeepSteps parse_keep_steps(const std::string& text);

// One finite-horizon step as it is computed: t counts from 0 (the first step); the
// action values are empty unless SolveOptions::action_values.
struct SolveStep {
  std::size_t t = 0;
  std::span<const double> value;
  std::span<const double> policy;
  std::span<const double> action_value;
};

struct SolveOptions {
  ControlMethod method = ControlMethod::variational;
  // Infinite horizon: the returned V is within this sup-norm distance of the fixed point
  // (a certified bound, ControlSolution::error_bound; with γ = 1 the last change). > 0.
  double tolerance = 1e-10;
  std::size_t max_iterations = 100000;  // infinite horizon: backups at most, >= 1
  ControlSolver solver = ControlSolver::automatic;  // infinite horizon only
  KeepSteps keep = KeepSteps::all;                 // finite horizon only
  // KeepSteps::stream: called once per step, t = T-1 down to 0, on the solving thread.
  std::function<void(const SolveStep&)> on_step = nullptr;
  std::size_t threads = 0;           // 0: COPI_THREADS or all cores
  bool action_values = false;        // also return Q (ControlSolution::action_value)
  // solve() refuses (ResourceError) before allocating when its outputs and working
  // arrays (solve_memory_estimate) would exceed this. 0: no limit.
  std::size_t memory_limit_bytes = std::size_t{2} << 30;  // 2 GiB
  // Throws InputError naming the field, the value and the accepted range.
  void validate() const;
};

struct ControlSolution {
  ControlMethod method = ControlMethod::variational;
  // Finite horizon: value[t][s] for t = 0..T-1 (t = 0 is the first step), policy[t][s*A + a];
  // with KeepSteps::first or stream only t = 0 (one entry). Infinite horizon: one entry
  // (the stationary value and policy).
  std::vector<std::vector<double>> value;
  std::vector<std::vector<double>> policy;
  // With SolveOptions::action_values, Q_t(s, a) in the policy's layout: the term the
  // method's V soft-maximises (the table above; exact: eq. 7's optimistic Q, variational:
  // eq. 15's, map: the hard Bellman Q), so V = α log Σ_a p(a|s) exp(Q/α) (map: max_a Q).
  // -inf for an unavailable action. Empty otherwise.
  std::vector<std::vector<double>> action_value;
  KeepSteps keep = KeepSteps::all;
  ControlSolver solver = ControlSolver::value_iteration;  // the one that ran (never automatic)
  std::size_t iterations = 0;        // backups done
  // Infinite horizon: products with (I - γ P_π) in policy evaluations (BiCGSTAB's, two
  // per iteration, and the objective's). Finite horizon: the objective's evaluation
  // sweeps (exact: one per step; variational and map: 0, the objective is E[V_1]).
  std::size_t evaluations = 0;
  bool converged = true;             // infinite horizon: error_bound <= tolerance
  bool diverged = false;             // exact, infinite horizon: V grows without bound
  // Infinite horizon: stopped because rounding in values of this size keeps the bound
  // above the tolerance (not converged; a tolerance above error_bound can be certified).
  bool stalled = false;
  double residual = 0.0;             // infinite horizon: ‖T V - V‖∞ at the last point
  // Infinite horizon: a bound on ‖V - V*‖∞ for the returned V (docs/control.md,
  // "The tolerance"); +inf when none can be given (γ = 1: then the last change).
  double error_bound = std::numeric_limits<double>::infinity();
  double log_partition = 0.0;        // exact: log p(O_{1:T} = 1) = log Σ_s p(s_1) exp(V_1(s)/α)
  double objective = 0.0;            // E[Σ_t r + α (log p(a|s) - log π(a|s))] under π
  double seconds = 0.0;              // the solve alone
  std::size_t threads = 1;
};

// Throws InputError for an invalid MDP or options, ResourceError when the solution
// would exceed options.memory_limit_bytes.
ControlSolution solve(const Mdp& mdp, const SolveOptions& options = {});

// Bytes solve() allocates for this MDP and these options: V, π (and Q) for every kept
// step (options.keep), with the allocator's per-vector overhead, plus the working
// arrays of the backup and of the infinite-horizon solver.
[[nodiscard]] double solve_memory_estimate(const Mdp& mdp, const SolveOptions& options);

// State visitation d_t(s) (t = 0..T-1; infinite horizon: the discounted occupancy
// Σ_t γ^t d_t, summed until the mass still moving is below 1e-15) and state-action
// visitation d_t(s) π(a|s). With γ = 1 and no horizon (a stochastic shortest path) an
// absorbing state is counted once, when the episode enters it: its occupancy is the
// probability that the episode ends there; the others count expected visits.
// Parallel over next states (each gathers its predecessors in a fixed order): the
// same bits for any thread count, and the same as the serial forward sweep
// d'(s') += γ d(s) π(a|s) p(s'|s,a) over rows in order. Builds the transposed dynamics
// once (16 bytes per CSR entry). Throws InputError when the solution does not fit the MDP.
struct Visitation {
  std::vector<std::vector<double>> state;
  std::vector<std::vector<double>> state_action;
};
Visitation visitation(const Mdp& mdp, const ControlSolution& solution, std::size_t threads = 0);

}  // namespace copi::control
