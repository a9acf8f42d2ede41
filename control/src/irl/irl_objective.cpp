// The MCE IRL dual L(θ) and its gradient (copi/control/irl.hpp): one backward solve
// through the compiled step factors (StepBackup, the solver's own backup) and one
// forward sweep of visitation (ForwardStep), in buffers planned once.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "copi/control/irl.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "forward_step.hpp"
#include "step_backup.hpp"

namespace copi::control {
namespace {

constexpr std::size_t kMaxSolveIterations = 100000;
constexpr std::size_t kDivergenceWindow = 1000;  // exact: a largest rise kept this long is divergence
constexpr std::size_t kMaxOccupancySteps = 100000;
constexpr double kNegligibleMass = 1e-15;  // occupancy: stop when this little is still moving

// The features with the entries of absorbing states dropped: no reward accrues there
// (and a nonzero reward would make them stop being absorbing).
Features without_absorbing(const Features& features, const Mdp& mdp, const std::vector<std::uint8_t>& absorbing) {
  Features kept;
  kept.kind = features.kind;
  kept.names = features.names;
  const std::size_t units = features.begin.size() - 1;
  kept.begin.assign(units + 1, 0);
  for (std::size_t u = 0; u < units; ++u) {
    const std::size_t s = features.kind == FeatureKind::state ? u : u / mdp.num_actions;
    if (absorbing[s] == 0) {
      for (std::uint64_t k = features.begin[u]; k < features.begin[u + 1]; ++k) {
        kept.feature.push_back(features.feature[k]);
        kept.value.push_back(features.value[k]);
      }
    }
    kept.begin[u + 1] = kept.feature.size();
  }
  return kept;
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

struct IrlObjective::Impl {
  Mdp mdp;  // the problem's MDP with reward θᵀφ, rewritten in place by every evaluation
  Features features;
  std::vector<double> empirical;
  ControlMethod method;
  double solve_tolerance;
  std::size_t requested_threads;
  std::size_t threads;
  std::vector<std::uint8_t> absorbing;
  std::vector<std::uint8_t> stopped;  // γ = 1 without a horizon: absorbing states end the episode
  std::unique_ptr<detail::StepBackup> backup;
  detail::StepBackup::Scratch scratch;
  std::unique_ptr<detail::ForwardStep> forward;
  std::vector<std::vector<double>> value;   // V_t (infinite horizon: one, the warm start of the next solve)
  std::vector<std::vector<double>> policy;  // π_t
  std::vector<double> work;                 // a state vector
  std::vector<double> d;                    // visitation d_t
  std::vector<double> occupancy;            // Σ_t d_t per state, or Σ_t d_t π_t per row
  std::vector<double> expected;
  std::size_t steps() const { return mdp.horizon ? *mdp.horizon : 1; }

  void set_reward(std::span<const double> theta) {
    const std::size_t actions = mdp.num_actions;
    std::fill(mdp.reward.begin(), mdp.reward.end(), 0.0);
    const std::size_t units = features.begin.size() - 1;
    for (std::size_t u = 0; u < units; ++u) {
      double r = 0.0;
      for (std::uint64_t k = features.begin[u]; k < features.begin[u + 1]; ++k) r += theta[features.feature[k]] * features.value[k];
      if (features.kind == FeatureKind::state_action) {
        mdp.reward[u] = r;
      } else {
        for (std::size_t a = 0; a < actions; ++a) mdp.reward[u * actions + a] = r;
      }
    }
    backup->refresh_rewards();
  }

  void backward() {
    if (mdp.horizon) {
      std::fill(work.begin(), work.end(), 0.0);
      for (std::size_t t = steps(); t-- > 0;) {
        backup->run(t + 1 < steps() ? value[t + 1] : work, value[t], &policy[t], threads, scratch);
      }
      return;
    }
    // Soft value iteration from the previous θ's V: the next θ is close, so few backups.
    std::vector<double>& v = value[0];
    double window_rise = 0.0;
    for (std::size_t k = 0;; ++k) {
      if (k == kMaxSolveIterations) {
        throw NumericError("inverse RL: the soft value iteration did not reach a relative change of " +
                           number(solve_tolerance) + " in " + std::to_string(kMaxSolveIterations) +
                           " backups (a discount this close to 1 needs about log(tolerance) / log(discount) "
                           "backups, or the values diverge at this reward: use a horizon or a smaller discount)");
      }
      backup->run(v, work, nullptr, threads, scratch);
      double change = 0.0;
      double size = 1.0;
      for (std::size_t s = 0; s < mdp.num_states; ++s) {
        change = std::max(change, std::abs(work[s] - v[s]));
        size = std::max(size, std::abs(work[s]));
      }
      double rise = -std::numeric_limits<double>::infinity();
      for (std::size_t s = 0; s < mdp.num_states; ++s) rise = std::max(rise, work[s] - v[s]);
      std::swap(v, work);
      if (!std::isfinite(change)) throw NumericError("inverse RL: the soft values are not finite at this reward");
      // The exact (optimistic) backup diverges without a horizon when the rewards are
      // large: V then rises by a steady amount (the solver's own test).
      if (method == ControlMethod::exact) {
        if (k % kDivergenceWindow == 0) {
          if (k > 0 && rise > 0.0 && rise >= 0.999 * window_rise) {
            throw NumericError("inverse RL: the exact backup's values diverge at this reward without a horizon "
                               "(use --horizon, or --method variational)");
          }
          window_rise = rise;
        }
      }
      // Also stop at rounding's floor: a few ulps of the largest value.
      if (change <= std::max(solve_tolerance, 64 * std::numeric_limits<double>::epsilon()) * size) break;
    }
    backup->run(v, work, &policy[0], threads, scratch);  // the policy of the returned values
  }

  void accumulate(std::size_t t) {
    if (features.kind == FeatureKind::state) {
      for (std::size_t s = 0; s < mdp.num_states; ++s) occupancy[s] += d[s];
      return;
    }
    const std::vector<double>& pi = policy[std::min(t, steps() - 1)];
    for (std::size_t row = 0; row < mdp.rows(); ++row) occupancy[row] += d[row / mdp.num_actions] * pi[row];
  }

  // d_{t+1} from d_t into `work`, through p (variational) or the exact backup's posterior.
  void step(std::size_t t) {
    const std::vector<std::uint8_t>* stops = stopped.empty() ? nullptr : &stopped;
    const std::size_t k = std::min(t, steps() - 1);
    if (method == ControlMethod::exact) {
      forward->run_posterior(policy[k], d, mdp.horizon ? value[t + 1] : value[0], stops, work);
    } else {
      forward->run(policy[k], d, stops, work);
    }
  }

  void forward_counts() {
    std::fill(occupancy.begin(), occupancy.end(), 0.0);
    d = mdp.initial;
    if (mdp.horizon) {
      for (std::size_t t = 0; t < steps(); ++t) {
        accumulate(t);
        if (t + 1 < steps()) {
          step(t);
          std::swap(d, work);
        }
      }
    } else {
      for (std::size_t k = 0; k < kMaxOccupancySteps; ++k) {
        accumulate(0);
        step(0);
        std::swap(d, work);
        double moving = 0.0;  // in state order: the same stopping step for any thread count
        for (std::size_t s = 0; s < mdp.num_states; ++s) {
          if (stopped.empty() || stopped[s] == 0) moving += d[s];
        }
        if (moving < kNegligibleMass) {
          accumulate(0);
          break;
        }
        if (k + 1 == kMaxOccupancySteps) {
          throw NumericError("inverse RL: " + number(moving) + " of the visitation is still moving after " +
                             std::to_string(kMaxOccupancySteps) +
                             " steps; the expected counts would be truncated: use a horizon or a smaller discount");
        }
      }
    }
    std::fill(expected.begin(), expected.end(), 0.0);
    for (std::size_t u = 0; u + 1 < features.begin.size(); ++u) {
      for (std::uint64_t k = features.begin[u]; k < features.begin[u + 1]; ++k) {
        expected[features.feature[k]] += occupancy[u] * features.value[k];
      }
    }
  }
};

IrlObjective::IrlObjective(const IrlProblem& problem, ControlMethod method, double solve_tolerance,
                           std::size_t threads)
    : impl_(std::make_unique<Impl>()) {
  if (method == ControlMethod::map) throw InputError("--method map is not an inverse RL method: use variational or exact");
  if (!(solve_tolerance > 0.0) || !std::isfinite(solve_tolerance)) {
    throw InputError("the solve tolerance must be a finite number > 0");
  }
  Impl& m = *impl_;
  m.mdp = problem.mdp;
  m.mdp.reward.assign(m.mdp.rows(), 0.0);
  if (!problem.initial.empty()) m.mdp.initial = problem.initial;
  m.mdp.validate();
  problem.features.validate(m.mdp);
  if (problem.empirical.size() != problem.features.count()) {
    throw InputError("the empirical feature counts do not match the features");
  }
  m.absorbing.assign(m.mdp.num_states, 0);
  for (const std::uint32_t s : absorbing_states(m.mdp)) m.absorbing[s] = 1;
  if (!m.mdp.horizon && m.mdp.discount && *m.mdp.discount == 1.0) m.stopped = m.absorbing;
  m.features = without_absorbing(problem.features, m.mdp, m.absorbing);
  m.empirical = problem.empirical;
  m.method = method;
  m.solve_tolerance = solve_tolerance;
  m.requested_threads = threads;
  m.threads = copi::detail::with_threads(threads, [&](std::size_t pool) {
    // The slices of both directions are built in parallel, in the call's own arena.
    m.backup = std::make_unique<detail::StepBackup>(m.mdp, method, pool);
    m.forward = std::make_unique<detail::ForwardStep>(m.mdp, pool);
    return pool;
  });
  m.value.assign(m.steps(), std::vector<double>(m.mdp.num_states, 0.0));
  m.policy.assign(m.steps(), std::vector<double>(m.mdp.rows(), 0.0));
  m.work.assign(m.mdp.num_states, 0.0);
  m.d.assign(m.mdp.num_states, 0.0);
  m.occupancy.assign(m.features.kind == FeatureKind::state ? m.mdp.num_states : m.mdp.rows(), 0.0);
  m.expected.assign(m.features.count(), 0.0);
}

IrlObjective::~IrlObjective() = default;
IrlObjective::IrlObjective(IrlObjective&&) noexcept = default;
IrlObjective& IrlObjective::operator=(IrlObjective&&) noexcept = default;

double IrlObjective::evaluate(std::span<const double> theta, std::span<double> gradient) {
  Impl& m = *impl_;
  if (theta.size() != m.features.count() || (!gradient.empty() && gradient.size() != theta.size())) {
    throw InputError("θ and the gradient need one entry per feature");
  }
  for (const double w : theta) {
    if (!std::isfinite(w)) throw NumericError("inverse RL: a weight is not finite");
  }
  return copi::detail::with_threads(m.requested_threads, [&](std::size_t) {
    m.set_reward(theta);
    try {
      m.backward();
    } catch (const NumericError&) {
      // The next evaluation must not start from diverged values.
      for (std::vector<double>& v : m.value) std::fill(v.begin(), v.end(), 0.0);
      throw;
    }
    double objective = 0.0;
    for (std::size_t k = 0; k < theta.size(); ++k) objective += theta[k] * m.empirical[k];
    for (std::size_t s = 0; s < m.mdp.num_states; ++s) {
      if (m.mdp.initial[s] > 0.0) objective -= m.mdp.initial[s] * m.value[0][s];
    }
    if (!gradient.empty()) {
      m.forward_counts();
      for (std::size_t k = 0; k < theta.size(); ++k) gradient[k] = m.empirical[k] - m.expected[k];
    }
    return objective;
  });
}

const std::vector<double>& IrlObjective::expected_counts() const { return impl_->expected; }
const std::vector<double>& IrlObjective::reward() const { return impl_->mdp.reward; }

double IrlObjective::log_likelihood(const std::vector<Episode>& episodes) const {
  const Impl& m = *impl_;
  if (episodes.empty()) return 0.0;
  double total = 0.0;
  for (const Episode& episode : episodes) {
    for (std::size_t t = 0; t < episode.states.size(); ++t) {
      const std::uint32_t s = episode.states[t];
      if (m.absorbing[s] != 0) continue;
      total += std::log(m.policy[std::min(t, m.steps() - 1)][s * m.mdp.num_actions + episode.actions[t]]);
    }
  }
  return total / static_cast<double>(episodes.size());
}

}  // namespace copi::control
