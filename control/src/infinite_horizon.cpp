// Infinite-horizon solves: value iteration, policy iteration (Newton's method on
// T V - V) and Anderson-accelerated value iteration. All three stop on one certified
// bound on the returned V (docs/control.md, "The tolerance"):
//
//   T is a contraction of modulus L on a set holding x and the fixed point V*, so
//   ‖x - V*‖ ≤ ‖T x - x‖ / (1 - L) and ‖T x - V*‖ ≤ L ‖T x - x‖ / (1 - L).
//
// variational and map: L = γ everywhere. exact: the row sums of T's Jacobian are
// Σ_a w_a ρ_a / Σ_a w_a with ρ_a = γ E_a[e^{V'/α}] / (γ E_a[e^{V'/α}] + 1 - γ) ≤ L(M) =
// γ e^{M/α} / (γ e^{M/α} + 1 - γ), M the largest value; on the ball of radius δ about x
// L = L(max x + δ), and the smallest δ with ‖T x - x‖ ≤ (1 - L) δ makes T map that ball
// into itself (Banach: the fixed point is there).
#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>
#include <Eigen/Cholesky>

#include "copi/inference/detail/parallel.hpp"
#include "policy_evaluation.hpp"
#include "solve_detail.hpp"
#include "step_backup.hpp"

namespace copi::control::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Divergence of the exact (optimistic) backup: some state's value keeps rising by a
// steady amount. A contraction shrinks the largest rise geometrically, so a largest
// rise that has not fallen by 0.1 % over this many backups is divergence.
constexpr std::size_t kDivergenceWindow = 1000;
// Rounding: a residual within kRoundingFloor ulps of the values that has not improved
// for kStallWindow backups will not improve; the solve stops (not converged).
constexpr double kRoundingFloor = 1e4;
constexpr std::size_t kStallWindow = 30;
constexpr double kRoundingAllowance = 4 * std::numeric_limits<double>::epsilon();
constexpr std::size_t kAndersonDepth = 5;
constexpr std::size_t kMonitorBlock = 4096;  // states per block of the convergence checks
// An Anderson step moves at most this many times ‖f‖∞ / (1 - γ) from g (for a
// γ-contraction the fixed point is within γ ‖f‖∞ / (1 - γ)): a nearly singular least-
// squares problem cannot throw the iterate far away.
constexpr double kAndersonTrust = 10.0;
// Policy iteration: each Newton step's linear solve stops at a relative residual η
// (inexact Newton, Eisenstat and Walker's choice 2: η = 0.9 (r_k / r_{k-1})², within
// [kNewtonTightest, kNewtonLoosest], and no tighter than the final tolerance needs).
// The next Bellman residual is about η times the last plus Newton's quadratic term;
// the result's accuracy is certified by the backups, not by η.
constexpr double kNewtonLoosest = 0.1;
constexpr double kNewtonTightest = 1e-8;
constexpr std::size_t kMaxProductsPerSolve = 20000;

struct Bound {
  double point = kInf;  // ‖x - V*‖∞
  double image = kInf;  // ‖T x - V*‖∞
};

// 1 - L(top) for the exact backup, without cancellation: 1 / (1 + e^t).
double exact_gap(double gamma, double alpha, double top) {
  const double t = top / alpha + std::log(gamma) - std::log1p(-gamma);
  return 1.0 / (1.0 + std::exp(t));
}

// `scale`: the largest |value|. The bound holds for the residual of exact arithmetic;
// the computed one may be off by the rounding of the values themselves (and is 0 at a
// floating-point fixed point of a map without one), so no less than that enters it.
Bound certified_bound(ControlMethod method, double gamma, double alpha, double residual, double top, double scale) {
  residual = std::max(residual, kRoundingAllowance * scale);
  Bound bound;
  if (!(gamma < 1.0) || !std::isfinite(residual) || !std::isfinite(top)) return bound;
  if (method != ControlMethod::exact) {
    bound.point = residual / (1.0 - gamma);
    bound.image = gamma * bound.point;
    return bound;
  }
  // The smallest δ with residual <= (1 - L(top + δ)) δ: δ_{j+1} = residual / (1 -
  // L(top + δ_j)) increases to it when it exists.
  double delta = residual / exact_gap(gamma, alpha, top);
  for (int j = 0; j < 200 && std::isfinite(delta); ++j) {
    const double next = residual / exact_gap(gamma, alpha, top + delta);
    if (next <= delta * (1.0 + 1e-12)) break;
    delta = next;
  }
  delta *= 1.0 + 1e-9;
  const double gap = exact_gap(gamma, alpha, top + delta);
  if (!std::isfinite(delta) || !(residual <= gap * delta)) return bound;
  bound.point = delta;
  bound.image = (1.0 - gap) * delta;
  return bound;
}

enum class Status { running, converged, diverged, stalled };

// The checks after each backup g = T x, shared by the solvers.
class Monitor {
 public:
  Monitor(const Mdp& mdp, const SolveOptions& options, std::size_t threads)
      : method_(options.method),
        gamma_(mdp.discount.value_or(1.0)),
        alpha_(mdp.alpha),
        tolerance_(options.tolerance),
        threads_(threads) {}

  Status check(const std::vector<double>& x, const std::vector<double>& g) {
    // Four maxima per block of states, in parallel, then over the blocks: a maximum is
    // exact in any order, so the same for any thread count.
    const std::size_t blocks = (x.size() + kMonitorBlock - 1) / kMonitorBlock;
    partial_.assign(4 * blocks, 0.0);
    copi::detail::parallel_for_range(blocks, 4, threads_, [&](std::size_t begin, std::size_t end) {
      for (std::size_t b = begin; b < end; ++b) {
        double residual = 0.0;
        double rise = -kInf;
        double top = -kInf;
        double scale = 0.0;
        bool nan = false;
        for (std::size_t s = b * kMonitorBlock; s < std::min(x.size(), (b + 1) * kMonitorBlock); ++s) {
          residual = std::max(residual, std::abs(g[s] - x[s]));
          rise = std::max(rise, g[s] - x[s]);
          top = std::max(top, x[s]);
          scale = std::max(scale, std::abs(g[s]));
          nan = nan || std::isnan(g[s]);
        }
        partial_[4 * b] = nan ? kInf : residual;  // a NaN value is no convergence
        partial_[4 * b + 1] = rise;
        partial_[4 * b + 2] = top;
        partial_[4 * b + 3] = scale;
      }
    });
    double residual = 0.0;
    double rise = -kInf;
    double top = -kInf;
    double scale = 0.0;
    for (std::size_t b = 0; b < blocks; ++b) {
      residual = std::max(residual, partial_[4 * b]);
      rise = std::max(rise, partial_[4 * b + 1]);
      top = std::max(top, partial_[4 * b + 2]);
      scale = std::max(scale, partial_[4 * b + 3]);
    }
    residual_ = residual;
    bound_ = certified_bound(method_, gamma_, alpha_, residual, top, scale);
    if (!std::isfinite(residual)) return Status::diverged;
    if (gamma_ < 1.0 ? bound_.image <= tolerance_ : residual <= tolerance_) return Status::converged;
    rises_.push_back(rise);
    if (method_ == ControlMethod::exact && rises_.size() > kDivergenceWindow) {
      const double earlier = rises_[rises_.size() - 1 - kDivergenceWindow];
      if (rise > 10 * tolerance_ && rise >= 0.999 * earlier) return Status::diverged;
    }
    if (residual < best_) {
      best_ = residual;
      since_best_ = 0;
    } else if (++since_best_ >= kStallWindow &&
               residual <= kRoundingFloor * std::numeric_limits<double>::epsilon() * scale) {
      return Status::stalled;
    }
    return Status::running;
  }

  [[nodiscard]] double residual() const { return residual_; }
  [[nodiscard]] const Bound& bound() const { return bound_; }

 private:
  ControlMethod method_;
  double gamma_;
  double alpha_;
  double tolerance_;
  std::size_t threads_;
  std::vector<double> partial_;  // per block: residual, rise, top, scale
  double residual_ = kInf;
  Bound bound_;
  double best_ = kInf;
  std::size_t since_best_ = 0;
  std::vector<double> rises_;  // largest rise per backup
};

struct Iterate {
  std::vector<double> value;  // the last T x
  Status status = Status::running;
  double residual = kInf;
  double bound = kInf;  // on value
  std::size_t backups = 0;
  std::size_t products = 0;
};

void finish(Iterate& out, Status status, const Monitor& monitor) {
  out.status = status;
  out.residual = monitor.residual();
  out.bound = monitor.bound().image;
}

Iterate value_iteration(const Mdp& mdp, const SolveOptions& options, const StepBackup& backup, std::size_t threads) {
  StepBackup::Scratch scratch;
  Monitor monitor(mdp, options, threads);
  Iterate out;
  std::vector<double> x(mdp.num_states, 0.0);
  out.value.assign(mdp.num_states, 0.0);
  Status status = Status::running;
  while (out.backups < options.max_iterations) {
    backup.run(x, out.value, nullptr, threads, scratch);
    ++out.backups;
    status = monitor.check(x, out.value);
    if (status != Status::running) break;
    std::swap(x, out.value);  // x = T x; out.value is overwritten by the next backup
  }
  if (status == Status::running) std::swap(x, out.value);  // the cap: the last T x is in x
  finish(out, status, monitor);
  return out;
}

// Newton's method on F(x) = T x - x: F's Jacobian is γ P_π - I with π the (soft-)
// greedy policy of x, so a step solves (I - γ P_π) δ = T x - x; x + δ is the value of
// π (policy iteration), here to the relative accuracy kNewtonTolerance.
Iterate policy_iteration(const Mdp& mdp, const SolveOptions& options, const StepBackup& backup,
                         PolicyEvaluation& evaluation, std::size_t threads) {
  StepBackup::Scratch scratch;
  Monitor monitor(mdp, options, threads);
  Iterate out;
  std::vector<double> x(mdp.num_states, 0.0);
  std::vector<double> policy(mdp.rows());
  out.value.assign(mdp.num_states, 0.0);
  const auto n = static_cast<Eigen::Index>(mdp.num_states);
  Eigen::VectorXd rhs(n);
  Eigen::VectorXd delta(n);
  const double gamma = mdp.discount.value_or(1.0);
  // The residual at which the bound reaches the tolerance.
  const double target = gamma < 1.0 ? options.tolerance * (1.0 - gamma) / gamma : options.tolerance;
  double last_residual = kInf;
  Status status = Status::running;
  while (out.backups < options.max_iterations) {
    backup.run(x, out.value, &policy, threads, scratch);
    ++out.backups;
    status = monitor.check(x, out.value);
    if (status != Status::running) break;
    const double residual = monitor.residual();
    double eta = std::isfinite(last_residual) ? 0.9 * (residual / last_residual) * (residual / last_residual)
                                              : kNewtonLoosest;
    eta = std::clamp(std::max(eta, 0.1 * target / residual), kNewtonTightest, kNewtonLoosest);
    last_residual = residual;
    evaluation.set_policy(policy, false);
    for (Eigen::Index s = 0; s < n; ++s) rhs[s] = out.value[static_cast<std::size_t>(s)] - x[static_cast<std::size_t>(s)];
    delta = rhs;  // the value-iteration step: a good guess far from the solution
    out.products += evaluation.solve(rhs, delta, eta, kMaxProductsPerSolve);
    if (!delta.allFinite()) delta = rhs;
    for (Eigen::Index s = 0; s < n; ++s) x[static_cast<std::size_t>(s)] += delta[s];
  }
  finish(out, status, monitor);
  return out;
}

// Anderson acceleration (type II, depth m): x_{k+1} = g_k - ΔG θ with θ minimising
// ‖f_k - ΔF θ‖₂ over the last m differences of g = T x and f = g - x, kept in ring
// buffers with their Gram matrix updated by one column per step. A step whose residual
// is larger than the last one's (or not finite) restarts from plain value iteration.
// Dot products are Eigen's serial ones: the same bits for any thread count.
class AndersonHistory {
 public:
  explicit AndersonHistory(Eigen::Index n)
      : df_(n, kDepth), dg_(n, kDepth), gram_(Eigen::MatrixXd::Zero(kDepth, kDepth)), last_g_(n), last_f_(n) {}

  void clear() {
    head_ = 0;  // columns 0 .. count_ - 1 are the live ones until the ring wraps
    count_ = 0;
    has_last_ = false;
  }
  [[nodiscard]] bool extrapolating() const { return count_ > 0; }
  [[nodiscard]] const Eigen::VectorXd& last_g() const { return last_g_; }

  // Records g = T x and f = g - x; returns the next iterate in `next` (g itself until
  // there is a difference).
  void push(const Eigen::Map<const Eigen::VectorXd>& g, const Eigen::Map<const Eigen::VectorXd>& x,
            Eigen::VectorXd& next) {
    if (has_last_) {
      const Eigen::Index j = head_;
      df_.col(j) = (g - x) - last_f_;
      dg_.col(j) = g - last_g_;
      head_ = (head_ + 1) % kDepth;
      count_ = std::min<Eigen::Index>(count_ + 1, kDepth);
      for (Eigen::Index i = 0; i < count_; ++i) gram_(i, j) = gram_(j, i) = df_.col(i).dot(df_.col(j));
    }
    last_f_ = g - x;
    last_g_ = g;
    has_last_ = true;
    if (count_ == 0) {
      next = g;
      return;
    }
    // Columns in ring order; the least-squares problem is the same whatever the order.
    Eigen::MatrixXd gram = gram_.topLeftCorner(count_, count_);
    gram.diagonal().array() += 1e-14 * gram.trace() + std::numeric_limits<double>::min();
    Eigen::VectorXd rhs(count_);
    for (Eigen::Index i = 0; i < count_; ++i) rhs[i] = df_.col(i).dot(last_f_);
    const Eigen::VectorXd theta = gram.ldlt().solve(rhs);
    next = g;
    for (Eigen::Index i = 0; i < count_; ++i) next -= theta[i] * dg_.col(i);
  }

 private:
  static constexpr Eigen::Index kDepth = static_cast<Eigen::Index>(kAndersonDepth);
  Eigen::MatrixXd df_;
  Eigen::MatrixXd dg_;
  Eigen::MatrixXd gram_;
  Eigen::VectorXd last_g_;
  Eigen::VectorXd last_f_;
  Eigen::Index head_ = 0;
  Eigen::Index count_ = 0;
  bool has_last_ = false;
};

Iterate anderson(const Mdp& mdp, const SolveOptions& options, const StepBackup& backup, std::size_t threads) {
  StepBackup::Scratch scratch;
  Monitor monitor(mdp, options, threads);
  Iterate out;
  const auto n = static_cast<Eigen::Index>(mdp.num_states);
  const double gamma = mdp.discount.value_or(1.0);
  std::vector<double> x(mdp.num_states, 0.0);
  out.value.assign(mdp.num_states, 0.0);
  AndersonHistory history(n);
  Eigen::VectorXd next(n);
  double last_residual = kInf;
  bool extrapolated = false;  // x came from an Anderson step
  Status status = Status::running;
  while (out.backups < options.max_iterations) {
    backup.run(x, out.value, nullptr, threads, scratch);
    ++out.backups;
    status = monitor.check(x, out.value);
    if (extrapolated && (status == Status::diverged || !(monitor.residual() <= last_residual))) {
      // Rejected: back to the last accepted g, plain value iteration from there.
      const Eigen::VectorXd& restart = history.last_g();
      std::copy(restart.data(), restart.data() + n, x.begin());
      history.clear();
      extrapolated = false;
      last_residual = kInf;
      continue;
    }
    if (status != Status::running) break;
    last_residual = monitor.residual();
    const Eigen::Map<const Eigen::VectorXd> g(out.value.data(), n);
    const Eigen::Map<const Eigen::VectorXd> xs(x.data(), n);
    history.push(g, xs, next);
    // A nearly singular least-squares problem must not throw the iterate far away.
    const double reach = kAndersonTrust * last_residual / std::max(1.0 - gamma, 1e-3);
    extrapolated = history.extrapolating() && next.allFinite() && (next - g).lpNorm<Eigen::Infinity>() <= reach;
    if (extrapolated) {
      std::copy(next.data(), next.data() + n, x.begin());
    } else {
      std::copy(out.value.begin(), out.value.end(), x.begin());
    }
  }
  finish(out, status, monitor);
  return out;
}

// E_{p(s_1)}[W] for the objective W of `policy`: (I - γ P_π) W = c_π, solved from
// `start` (variational and map: the returned V, whose residual c_π + γ P_π V - V is
// the last backup's T V - V, so few products are needed; exact: zero).
double objective_of(const Mdp& mdp, PolicyEvaluation& evaluation, const std::vector<double>& policy,
                    const std::vector<double>& start, double tolerance, std::size_t& products) {
  evaluation.set_policy(policy);
  const auto n = static_cast<Eigen::Index>(mdp.num_states);
  Eigen::VectorXd w(n);
  for (Eigen::Index s = 0; s < n; ++s) w[s] = start[static_cast<std::size_t>(s)];
  Eigen::VectorXd applied(n);
  evaluation.apply(w.data(), applied.data());
  ++products;
  const Eigen::VectorXd rhs = evaluation.step_reward() - applied;
  // A correction accurate to about 1e-2 of the tolerance (2-norm residual times the
  // inverse's norm 1 / (1 - γ)).
  const double gamma = mdp.discount.value_or(1.0);
  const double norm = rhs.norm();
  const double target = 1e-2 * tolerance * (gamma < 1.0 ? 1.0 - gamma : 1.0);
  const double relative = norm > 0.0 ? std::clamp(target / norm, 1e-13, 1e-2) : 1e-2;
  Eigen::VectorXd delta = Eigen::VectorXd::Zero(n);
  products += evaluation.solve(rhs, delta, relative, 50 * kMaxProductsPerSolve);
  w += delta;
  double objective = 0.0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) objective += mdp.initial[s] * w[static_cast<Eigen::Index>(s)];
  return objective;
}

}  // namespace

ControlSolver resolve_solver(const SolveOptions& options) {
  if (options.solver != ControlSolver::automatic) return options.solver;
  return options.method == ControlMethod::exact ? ControlSolver::anderson : ControlSolver::policy_iteration;
}

ControlSolution solve_infinite_horizon(const Mdp& mdp, const StepTerms& terms, const SolveOptions& options,
                                       std::size_t threads) {
  const StepBackup backup(mdp, terms, options.method, nullptr, threads);
  PolicyEvaluation evaluation(mdp, terms, options.method, threads);  // policy iteration's and the objective's
  ControlSolution solution;
  solution.solver = resolve_solver(options);
  Iterate result;
  switch (solution.solver) {
    case ControlSolver::policy_iteration: result = policy_iteration(mdp, options, backup, evaluation, threads); break;
    case ControlSolver::anderson: result = anderson(mdp, options, backup, threads); break;
    default: result = value_iteration(mdp, options, backup, threads); break;
  }
  solution.iterations = result.backups;
  solution.evaluations = result.products;
  solution.converged = result.status == Status::converged;
  solution.diverged = result.status == Status::diverged;
  solution.stalled = result.status == Status::stalled;
  solution.residual = result.residual;
  solution.error_bound = solution.diverged ? kInf : result.bound;
  // The policy of the returned values, and from the same backup a second bound.
  solution.policy.assign(1, std::vector<double>(mdp.rows()));
  std::vector<double> image(mdp.num_states);
  StepBackup::Scratch scratch;
  backup.run(result.value, image, &solution.policy[0], threads, scratch);
  if (!solution.diverged) {
    double residual = 0.0;
    double top = -kInf;
    double scale = 0.0;
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      residual = std::max(residual, std::abs(image[s] - result.value[s]));
      top = std::max(top, result.value[s]);
      scale = std::max({scale, std::abs(result.value[s]), std::abs(image[s])});
    }
    const double gamma = mdp.discount.value_or(1.0);
    solution.error_bound = std::min(solution.error_bound,
                                    certified_bound(options.method, gamma, mdp.alpha, residual, top, scale).point);
  }
  const std::vector<double> zero(options.method == ControlMethod::exact ? mdp.num_states : 0, 0.0);
  solution.objective =
      objective_of(mdp, evaluation, solution.policy[0], options.method == ControlMethod::exact ? zero : result.value,
                   options.tolerance, solution.evaluations);
  if (options.action_values) solution.action_value.assign(1, action_values(mdp, terms, options.method, result.value, threads));
  solution.value.assign(1, std::move(result.value));
  return solution;
}

}  // namespace copi::control::detail
