// Fitting θ: NLopt's L-BFGS on the penalised dual L(θ) − (l2/2)‖θ‖², stopped by the
// relative gradient norm (NLopt has no gradient test of its own, so the objective
// callback checks it and asks NLopt to stop).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <span>
#include <sstream>

#include <nlopt.hpp>

#include "copi/control/irl.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

double norm(const std::vector<double>& x) {
  double sum = 0.0;
  for (const double v : x) sum += v * v;
  return std::sqrt(sum);
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// What the callback keeps between NLopt's calls.
struct Search {
  IrlObjective* objective = nullptr;
  const IrlOptions* options = nullptr;
  nlopt::opt* optimiser = nullptr;
  double scale = 1.0;  // max(‖empirical‖₂, 1)
  double factor = 1.0;  // NLopt sees factor × L (see fit_irl)
  std::size_t evaluations = 0;
  bool converged = false;
  std::vector<double> best;  // θ of the largest penalised L so far (or the converged θ)
  double best_value = -std::numeric_limits<double>::infinity();
  std::exception_ptr error;  // NLopt swallows exceptions thrown in callbacks
  std::vector<double> gradient;
};

double penalised(unsigned n, const double* x, double* grad, void* data) {
  Search& search = *static_cast<Search*>(data);
  try {
    const std::span<const double> theta(x, n);
    search.gradient.resize(n);
    double value = search.objective->evaluate(theta, search.gradient);
    ++search.evaluations;
    const double l2 = search.options->l2;
    double squared = 0.0;
    for (unsigned k = 0; k < n; ++k) {
      value -= 0.5 * l2 * x[k] * x[k];
      search.gradient[k] -= l2 * x[k];
      squared += search.gradient[k] * search.gradient[k];
      if (grad != nullptr) grad[k] = search.factor * search.gradient[k];
    }
    if (value > search.best_value) {
      search.best_value = value;
      search.best.assign(x, x + n);
    }
    if (std::sqrt(squared) <= search.options->tolerance * search.scale) {
      search.converged = true;
      search.best.assign(x, x + n);
      search.optimiser->force_stop();
    }
    return search.factor * value;
  } catch (...) {
    search.error = std::current_exception();
    search.optimiser->force_stop();
    return -HUGE_VAL;
  }
}

std::string termination(nlopt::result result) {
  switch (result) {
    case nlopt::MAXEVAL_REACHED: return "stopped at --max-iter before reaching --tol";
    case nlopt::ROUNDOFF_LIMITED: return "L-BFGS stopped by roundoff before reaching --tol";
    case nlopt::FTOL_REACHED:
    case nlopt::XTOL_REACHED:
    case nlopt::SUCCESS: return "L-BFGS found no further progress before reaching --tol";
    case nlopt::FAILURE: return "L-BFGS failed (NLopt's generic failure) before reaching --tol";
    default: return "L-BFGS stopped (NLopt result " + std::to_string(static_cast<int>(result)) + ") before reaching --tol";
  }
}

}  // namespace

void IrlOptions::validate() const {
  if (method == ControlMethod::map) throw InputError("--method map is not an inverse RL method: use variational or exact");
  if (!(l2 >= 0.0) || !std::isfinite(l2)) throw InputError("--l2 " + number(l2) + ": must be a finite number >= 0");
  if (!(tolerance > 0.0) || !std::isfinite(tolerance)) {
    throw InputError("--tol " + number(tolerance) + ": must be a finite number > 0");
  }
  if (max_iterations == 0) throw InputError("--max-iter 0: must be an integer >= 1");
  if (!(solve_tolerance > 0.0) || !std::isfinite(solve_tolerance)) {
    throw InputError("the solve tolerance " + number(solve_tolerance) + ": must be a finite number > 0");
  }
}

IrlResult fit_irl(const IrlProblem& problem, const IrlOptions& options, const std::vector<Episode>& episodes) {
  const auto start = std::chrono::steady_clock::now();
  options.validate();
  IrlObjective objective(problem, options.method, options.solve_tolerance, options.threads);
  const std::size_t n = problem.features.count();
  if (!options.start.empty() && options.start.size() != n) throw InputError("the start θ needs one entry per feature");

  Search search;
  search.objective = &objective;
  search.options = &options;
  search.scale = std::max(norm(problem.empirical), 1.0);
  // NLopt's L-BFGS (Lukšan's) stops by itself once max_k |∂f/∂θ_k| ≤ 1e-8; scaling f so
  // that this happens far below --tol leaves the stopping to the relative gradient norm.
  search.factor = std::max(1.0, 1e-6 / (options.tolerance * search.scale));
  std::vector<double> theta = options.start.empty() ? std::vector<double>(n, 0.0) : options.start;
  nlopt::result result = nlopt::FAILURE;
  // A run that stops short (roundoff in its line search, its own tests) is restarted
  // from the best θ with a fresh curvature memory, while it still makes progress.
  constexpr int kRestarts = 5;
  for (int run = 0; run <= kRestarts && !search.converged && search.evaluations < options.max_iterations; ++run) {
    const double before = search.best_value;
    nlopt::opt optimiser(nlopt::LD_LBFGS, static_cast<unsigned>(n));
    search.optimiser = &optimiser;
    optimiser.set_max_objective(penalised, &search);
    optimiser.set_maxeval(static_cast<int>(std::min<std::size_t>(options.max_iterations - search.evaluations, 1u << 30)));
    if (!search.best.empty()) theta = search.best;
    double found = 0.0;
    try {
      result = optimiser.optimize(theta, found);
    } catch (const nlopt::forced_stop&) {
      result = nlopt::FORCED_STOP;
    } catch (const nlopt::roundoff_limited&) {
      result = nlopt::ROUNDOFF_LIMITED;
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::invalid_argument& e) {
      if (!search.error) throw NumericError(std::string("inverse RL: L-BFGS refused its arguments: ") + e.what());
    } catch (const std::runtime_error&) {
      result = nlopt::FAILURE;  // NLopt's generic failure: keep the best θ, maybe restart
    }
    if (search.error) std::rethrow_exception(search.error);
    if (run > 0 && !(search.best_value > before)) break;
  }

  IrlResult fit;
  fit.weights = search.best.empty() ? theta : search.best;
  fit.iterations = search.evaluations;
  fit.converged = search.converged;
  fit.termination = search.converged ? "converged: relative gradient norm <= --tol" : termination(result);
  // The outputs at the returned θ (one more evaluation: NLopt's last point need not be it).
  std::vector<double> gradient(n);
  fit.objective = objective.evaluate(fit.weights, gradient);
  for (std::size_t k = 0; k < n; ++k) gradient[k] -= options.l2 * fit.weights[k];
  fit.gradient_norm = norm(gradient);
  fit.relative_gradient_norm = fit.gradient_norm / search.scale;
  fit.reward = objective.reward();
  fit.empirical = problem.empirical;
  fit.expected = objective.expected_counts();
  for (std::size_t k = 0; k < n; ++k) {
    fit.max_feature_gap = std::max(fit.max_feature_gap, std::abs(fit.empirical[k] - fit.expected[k]));
  }
  fit.log_likelihood = objective.log_likelihood(episodes);
  if (!fit.converged) fit.notes.push_back("not converged: " + fit.termination);
  if (options.policy) {
    Mdp learned = problem.mdp;
    learned.reward = fit.reward;
    if (!problem.initial.empty()) learned.initial = problem.initial;
    SolveOptions solve_options;
    solve_options.method = options.method;
    // solve_tolerance is relative to the values; a solve's tolerance is a certified
    // absolute distance, which rounding bounds below by about 4 eps max|V| γ/(1-γ).
    // |V| is at most (max |r| + α log A) / (1 - γ): the tolerance is taken relative to that.
    double top = 0.0;
    for (const double r : fit.reward) top = std::max(top, std::abs(r));
    const double gamma = learned.discount.value_or(1.0);
    double scale = top + learned.alpha * std::log(static_cast<double>(std::max<std::size_t>(learned.num_actions, 1)));
    scale = gamma < 1.0 ? scale / (1.0 - gamma) : scale * static_cast<double>(learned.horizon.value_or(1));
    solve_options.tolerance = std::max(options.solve_tolerance, 1e-9) * std::max(1.0, scale);
    solve_options.threads = options.threads;
    fit.policy = solve(learned, solve_options);
    if (!fit.policy->converged) {
      std::ostringstream note;
      note << "the learned reward's policy did not reach its tolerance " << solve_options.tolerance << " in "
           << fit.policy->iterations << " backups (certified error " << fit.policy->error_bound << ")";
      fit.notes.push_back(note.str());
    }
  }
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fit;
}

}  // namespace copi::control
