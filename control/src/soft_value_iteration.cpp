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
#include "policy_evaluation.hpp"

namespace copi::control {
namespace {

std::string format_value(double v) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(v);
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

std::string to_string(ControlSolver solver) {
  switch (solver) {
    case ControlSolver::automatic: return "auto";
    case ControlSolver::value_iteration: return "vi";
    case ControlSolver::policy_iteration: return "pi";
    case ControlSolver::anderson: return "anderson";
  }
  return "?";
}

ControlSolver parse_control_solver(const std::string& text) {
  for (const ControlSolver s : {ControlSolver::automatic, ControlSolver::value_iteration,
                                ControlSolver::policy_iteration, ControlSolver::anderson}) {
    if (text == to_string(s)) return s;
  }
  throw InputError("unknown solver '" + text + "': expected auto, vi, pi or anderson");
}

std::string to_string(KeepSteps keep) {
  switch (keep) {
    case KeepSteps::all: return "all";
    case KeepSteps::first: return "first";
    case KeepSteps::stream: return "stream";
  }
  return "?";
}

KeepSteps parse_keep_steps(const std::string& text) {
  for (const KeepSteps k : {KeepSteps::all, KeepSteps::first, KeepSteps::stream}) {
    if (text == to_string(k)) return k;
  }
  throw InputError("unknown keep '" + text + "': expected all, first or stream");
}

void SolveOptions::validate() const {
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    throw InputError("tolerance = " + format_value(tolerance) + ": must be a finite number > 0");
  }
  if (max_iterations == 0) throw InputError("max_iterations = 0: must be an integer >= 1");
  if (solver == ControlSolver::policy_iteration && method == ControlMethod::exact) {
    throw InputError("solver = pi: policy iteration needs a backup that is linear in V for a fixed policy "
                     "(variational or map); the exact method's is not: use auto, vi or anderson");
  }
}

double solve_memory_estimate(const Mdp& mdp, const SolveOptions& options) {
  // A std::vector<double> of n: its 24-byte object and a heap block of at least 32
  // bytes, 8 of them the allocator's header, in 16-byte steps.
  const auto vector_bytes = [](double n) { return 24.0 + std::max(32.0, 16.0 * std::ceil((8.0 * n + 8.0) / 16.0)); };
  const double states = static_cast<double>(mdp.num_states);
  const double rows = static_cast<double>(mdp.rows());
  const bool keep_all = options.keep == KeepSteps::all;
  const double steps = mdp.horizon && keep_all ? static_cast<double>(*mdp.horizon) : 1.0;
  const double per_step = vector_bytes(states) + vector_bytes(rows) * (options.action_values ? 2.0 : 1.0);
  // The backup: row lengths, log p(a|s), the exact method's action weights and z; the
  // objective's and the solvers' few state vectors.
  const double entries = static_cast<double>(mdp.next_state.size());
  // Row lengths, the probabilities' one-byte codes, and the sliced gather
  // (simd/sliced_rows.hpp): at most 12 bytes per entry (3 for large dynamics with
  // locality and few distinct probabilities), with its per-row terms for the soft
  // methods.
  double working = rows + 13.0 * entries + 5.0 * 8.0 * states;
  if (options.method != ControlMethod::map) working += 8.0 * rows;
  if (mdp.has_action_factor()) working += 8.0 * rows;
  if (options.method == ControlMethod::exact) working += 8.0 * rows + 16.0 * states;
  if (mdp.horizon) {
    // KeepSteps::first / stream: V_{t+1}, V_t, π_t (and Q_t) in flight.
    if (!keep_all) working += per_step + 8.0 * states;
  } else {
    // P_π on its pattern and the linear solver's vectors (every infinite-horizon solve
    // evaluates its policy for the objective); Anderson's history of g and f.
    working += detail::PolicyEvaluation::memory_bytes(mdp) + 8.0 * rows;
    if (detail::resolve_solver(options) == ControlSolver::anderson) working += 8.0 * states * 24.0;
  }
  return steps * per_step + working;
}

ControlSolution solve(const Mdp& mdp, const SolveOptions& options) {
  mdp.validate();
  options.validate();
  std::ostringstream what;
  const std::size_t kept = mdp.horizon && options.keep == KeepSteps::all ? *mdp.horizon : 1;
  what << "V, the policy" << (options.action_values ? " and Q" : "") << " for " << kept
       << (kept == 1 ? " step" : " steps") << " of " << mdp.num_states << " states x "
       << mdp.num_actions << " actions";
  detail::check_memory(solve_memory_estimate(mdp, options), options, what.str());
  return copi::detail::with_threads(options.threads,
                                    [&](std::size_t threads) { return detail::solve_on(mdp, options, threads); });
}

double detail::log_partition_of(const Mdp& mdp, const std::vector<double>& first_value) {
  // log p(O = 1) = log Σ_s p(s_1) exp(V_1(s)/α): meaningful for the exact method.
  double hi = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial[s] > 0.0) hi = std::max(hi, first_value[s] / mdp.alpha);
  }
  double sum = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial[s] > 0.0) sum += mdp.initial[s] * std::exp(first_value[s] / mdp.alpha - hi);
  }
  return hi + std::log(sum);
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
  return solve_on(mdp, StepTerms::of(mdp), options, threads);
}

ControlSolution detail::solve_on(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options,
                                 std::size_t threads) {
  const auto start = std::chrono::steady_clock::now();
  ControlSolution solution = mdp.horizon ? solve_finite_horizon(mdp, terms, options, threads)
                                         : solve_infinite_horizon(mdp, terms, options, threads);
  solution.method = options.method;
  solution.threads = threads;
  solution.log_partition = log_partition_of(mdp, solution.value.front());
  solution.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return solution;
}

}  // namespace copi::control
