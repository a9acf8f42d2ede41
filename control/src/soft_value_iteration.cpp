#include "copi/control/soft_value_iteration.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "solve_detail.hpp"
#include "step_backup.hpp"

namespace copi::control {
namespace {

using detail::StepBackup;

// Divergence of the exact (optimistic) backup: every state's value keeps rising by a
// steady amount. Declared after this many consecutive such iterations.
constexpr std::size_t kDivergenceStreak = 200;

ControlSolution finite_horizon(const Mdp& mdp, const SolveOptions& options, std::size_t threads) {
  const std::size_t T = *mdp.horizon;
  const StepBackup backup(mdp, options.method);
  ControlSolution solution;
  solution.value.assign(T, std::vector<double>(mdp.num_states));
  solution.policy.assign(T, std::vector<double>(mdp.rows()));
  const std::vector<double> terminal(mdp.num_states, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    const std::vector<double>& next = t + 1 < T ? solution.value[t + 1] : terminal;
    backup.run(next, solution.value[t], &solution.policy[t], threads);
    ++solution.iterations;
  }
  return solution;
}

ControlSolution infinite_horizon(const Mdp& mdp, const SolveOptions& options, std::size_t threads) {
  const StepBackup backup(mdp, options.method);
  ControlSolution solution;
  std::vector<double> v(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  double previous_rise = 0.0;
  std::size_t streak = 0;
  solution.converged = false;
  for (std::size_t k = 0; k < options.max_iterations; ++k) {
    backup.run(v, next, nullptr, threads);
    ++solution.iterations;
    double change = 0.0;
    double min_rise = std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      change = std::max(change, std::abs(next[s] - v[s]));
      min_rise = std::min(min_rise, next[s] - v[s]);
    }
    std::swap(v, next);
    solution.residual = change;
    if (!std::isfinite(change)) {
      solution.diverged = true;
      break;
    }
    if (change <= options.tolerance) {
      solution.converged = true;
      break;
    }
    // Every value rising, and not by less than before: the optimistic backup diverges.
    streak = (min_rise > 0.0 && min_rise >= previous_rise * (1.0 - 1e-9)) ? streak + 1 : 0;
    previous_rise = min_rise;
    if (options.method == ControlMethod::exact && streak >= kDivergenceStreak) {
      solution.diverged = true;
      break;
    }
  }
  solution.value.assign(1, v);
  solution.policy.assign(1, std::vector<double>(mdp.rows()));
  std::vector<double> unused(mdp.num_states);
  backup.run(v, unused, &solution.policy[0], threads);  // the policy of the returned values
  return solution;
}

}  // namespace

std::string to_string(ControlMethod method) {
  switch (method) {
    case ControlMethod::exact: return "exact";
    case ControlMethod::variational: return "variational";
    case ControlMethod::map: return "map";
  }
  return "?";
}

ControlMethod parse_control_method(const std::string& text) {
  for (const ControlMethod m : {ControlMethod::exact, ControlMethod::variational, ControlMethod::map}) {
    if (text == to_string(m)) return m;
  }
  throw InputError("unknown method '" + text + "': expected exact, variational or map");
}

void SolveOptions::validate() const {
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    throw InputError("SolveOptions::tolerance = " + std::to_string(tolerance) + ": must be a positive number");
  }
  if (max_iterations == 0) throw InputError("SolveOptions::max_iterations = 0: must be at least 1");
}

ControlSolution solve(const Mdp& mdp, const SolveOptions& options) {
  mdp.validate();
  options.validate();
  const copi::detail::ThreadLimit limit(options.threads);
  return detail::solve_on(mdp, options, limit.threads());
}

ControlSolution detail::solve_on(const Mdp& mdp, const SolveOptions& options, std::size_t threads) {
  const auto start = std::chrono::steady_clock::now();
  ControlSolution solution = mdp.horizon ? finite_horizon(mdp, options, threads) : infinite_horizon(mdp, options, threads);
  solution.method = options.method;
  solution.threads = threads;
  // log p(O = 1) = log Σ_s p(s_1) exp(V_1(s)/α): meaningful for the exact method.
  const std::vector<double>& v1 = solution.value.front();
  double hi = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial[s] > 0.0) hi = std::max(hi, v1[s] / mdp.alpha);
  }
  double sum = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial[s] > 0.0) sum += mdp.initial[s] * std::exp(v1[s] / mdp.alpha - hi);
  }
  solution.log_partition = hi + std::log(sum);
  const Visitation visits = visitation(mdp, solution, threads);
  solution.objective = detail::objective(mdp, solution, visits);
  solution.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return solution;
}

}  // namespace copi::control
