#include "copi/control/soft_value_iteration.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "solve_detail.hpp"
#include "objective.hpp"
#include "step_backup.hpp"

namespace copi::control {
namespace {

using detail::StepBackup;

// Divergence of the exact (optimistic) backup: some state's value keeps rising by a
// steady amount. A contraction shrinks the largest rise geometrically, so a largest
// rise that has not fallen by 0.1 % over this many iterations is divergence.
constexpr std::size_t kDivergenceWindow = 1000;

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
  std::vector<double> rises;  // largest rise per iteration
  solution.converged = false;
  for (std::size_t k = 0; k < options.max_iterations; ++k) {
    backup.run(v, next, nullptr, threads);
    ++solution.iterations;
    double change = 0.0;
    double max_rise = -std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      change = std::max(change, std::abs(next[s] - v[s]));
      max_rise = std::max(max_rise, next[s] - v[s]);
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
    rises.push_back(max_rise);
    if (options.method == ControlMethod::exact && rises.size() > kDivergenceWindow) {
      const double earlier = rises[rises.size() - 1 - kDivergenceWindow];
      if (max_rise > 10 * options.tolerance && max_rise >= 0.999 * earlier) {
        solution.diverged = true;
        break;
      }
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
  return copi::detail::with_threads(options.threads,
                                    [&](std::size_t threads) { return detail::solve_on(mdp, options, threads); });
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
  if (mdp.horizon) {
    solution.objective = detail::objective(mdp, solution, detail::state_visitation(mdp, solution));
  } else {
    solution.objective = detail::discounted_objective(mdp, solution, options.tolerance, options.max_iterations, threads);
  }
  solution.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return solution;
}

}  // namespace copi::control
