#include "copi/control/soft_value_iteration.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

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

std::string format_value(double v) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(v);
}

ControlSolution finite_horizon(const Mdp& mdp, const SolveOptions& options, std::size_t threads) {
  const std::size_t T = *mdp.horizon;
  const StepBackup backup(mdp, options.method);
  StepBackup::Scratch scratch;
  ControlSolution solution;
  solution.value.assign(T, std::vector<double>(mdp.num_states));
  solution.policy.assign(T, std::vector<double>(mdp.rows()));
  const std::vector<double> terminal(mdp.num_states, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    const std::vector<double>& next = t + 1 < T ? solution.value[t + 1] : terminal;
    backup.run(next, solution.value[t], &solution.policy[t], threads, scratch);
    ++solution.iterations;
  }
  if (options.action_values) {
    solution.action_value.resize(T);
    for (std::size_t t = 0; t < T; ++t) {
      solution.action_value[t] =
          detail::action_values(mdp, options.method, t + 1 < T ? solution.value[t + 1] : terminal, threads);
    }
  }
  return solution;
}

ControlSolution infinite_horizon(const Mdp& mdp, const SolveOptions& options, std::size_t threads) {
  const StepBackup backup(mdp, options.method);
  StepBackup::Scratch scratch;
  ControlSolution solution;
  std::vector<double> v(mdp.num_states, 0.0);
  std::vector<double> next(mdp.num_states, 0.0);
  std::vector<double> rises;  // largest rise per iteration
  solution.converged = false;
  for (std::size_t k = 0; k < options.max_iterations; ++k) {
    backup.run(v, next, nullptr, threads, scratch);
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
  backup.run(v, unused, &solution.policy[0], threads, scratch);  // the policy of the returned values
  if (options.action_values) solution.action_value.assign(1, detail::action_values(mdp, options.method, v, threads));
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
    throw InputError("tolerance = " + format_value(tolerance) + ": must be a finite number > 0");
  }
  if (max_iterations == 0) throw InputError("max_iterations = 0: must be an integer >= 1");
}

double solve_memory_estimate(const Mdp& mdp, const SolveOptions& options) {
  // A std::vector<double> of n: its 24-byte object and a heap block of at least 32
  // bytes, 8 of them the allocator's header, in 16-byte steps.
  const auto vector_bytes = [](double n) { return 24.0 + std::max(32.0, 16.0 * std::ceil((8.0 * n + 8.0) / 16.0)); };
  const double states = static_cast<double>(mdp.num_states);
  const double rows = static_cast<double>(mdp.rows());
  const double steps = mdp.horizon ? static_cast<double>(*mdp.horizon) : 1.0;
  const double per_step = vector_bytes(states) + vector_bytes(rows) * (options.action_values ? 2.0 : 1.0);
  // The backup: row lengths, log p(a|s), the exact method's action weights and z; the
  // objective's and the infinite horizon's few state vectors.
  double working = rows + 5.0 * 8.0 * states;
  if (mdp.has_action_factor()) working += 8.0 * rows;
  if (options.method == ControlMethod::exact) working += 8.0 * rows + 16.0 * states;
  return steps * per_step + working;
}

ControlSolution solve(const Mdp& mdp, const SolveOptions& options) {
  mdp.validate();
  options.validate();
  std::ostringstream what;
  what << "V, the policy" << (options.action_values ? " and Q" : "") << " for " << (mdp.horizon ? *mdp.horizon : 1)
       << (mdp.horizon && *mdp.horizon == 1 ? " step" : " steps") << " of " << mdp.num_states << " states x "
       << mdp.num_actions << " actions";
  detail::check_memory(solve_memory_estimate(mdp, options), options, what.str());
  return copi::detail::with_threads(options.threads,
                                    [&](std::size_t threads) { return detail::solve_on(mdp, options, threads); });
}

void detail::check_memory(double bytes, const SolveOptions& options, const std::string& what) {
  if (options.memory_limit_bytes == 0 || bytes <= static_cast<double>(options.memory_limit_bytes)) return;
  const auto gib = [](double b) {
    std::ostringstream out;
    out.precision(3);
    out << b / (1024.0 * 1024 * 1024) << " GiB";
    return out.str();
  };
  throw ResourceError("the solution needs about " + gib(bytes) + " (" + what + "), over the memory limit of " +
                      gib(static_cast<double>(options.memory_limit_bytes)));
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
    solution.objective = detail::objective(mdp, solution, threads);
  } else {
    solution.objective = detail::discounted_objective(mdp, solution, options.tolerance, options.max_iterations, threads);
  }
  solution.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return solution;
}

}  // namespace copi::control
