// Forward messages: state and state-action visitation under a solved policy, as a
// gather through the transposed dynamics (transposed_dynamics.hpp), parallel over next
// states and bit-identical to the serial forward sweep for any thread count.
#include <algorithm>
#include <cmath>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "forward_step.hpp"

namespace copi::control {
namespace {

constexpr std::size_t kGrain = 4096;            // rows per task
constexpr std::size_t kMaxOccupancySteps = 100000;
constexpr double kNegligibleMass = 1e-15;       // occupancy: stop when this little is still moving

void check_shapes(const Mdp& mdp, const ControlSolution& solution) {
  const std::size_t steps = mdp.horizon ? *mdp.horizon : 1;
  if (solution.policy.size() != steps) {
    throw InputError("visitation: the solution has " + std::to_string(solution.policy.size()) +
                     " policy steps, the MDP needs " + std::to_string(steps));
  }
  for (const auto& policy : solution.policy) {
    if (policy.size() != mdp.rows()) throw InputError("visitation: the policy does not fit the MDP's states and actions");
  }
}

std::vector<std::vector<double>> state_visitation(const Mdp& mdp, const ControlSolution& solution,
                                                  std::size_t threads) {
  detail::ForwardStep step(mdp, threads);
  std::vector<std::vector<double>> visits;
  if (mdp.horizon) {
    const std::size_t T = *mdp.horizon;
    visits.assign(T, std::vector<double>(mdp.num_states, 0.0));
    visits[0] = mdp.initial;
    for (std::size_t t = 0; t + 1 < T; ++t) step.run(solution.policy[t], visits[t], nullptr, visits[t + 1]);
    return visits;
  }
  // Occupancy Σ_t γ^t d_t. A stochastic shortest path (γ = 1) stops the episode in the
  // absorbing states: they count the mass that enters them, once.
  std::vector<std::uint8_t> stopped;
  if (*mdp.discount == 1.0) {
    stopped.assign(mdp.num_states, 0);
    for (const std::uint32_t s : absorbing_states(mdp)) stopped[s] = 1;
  }
  const std::vector<std::uint8_t>* stops = stopped.empty() ? nullptr : &stopped;
  std::vector<double> d = mdp.initial;
  std::vector<double> next(mdp.num_states);
  std::vector<double> total = d;
  for (std::size_t k = 0; k < kMaxOccupancySteps; ++k) {
    step.run(solution.policy[0], d, stops, next);
    double moving = 0.0;  // in state order: the same stopping step for any thread count
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      total[s] += next[s];
      if (stops == nullptr || stopped[s] == 0) moving += next[s];
    }
    std::swap(d, next);
    if (moving < kNegligibleMass) break;
    if (k + 1 == kMaxOccupancySteps) {
      throw NumericError("visitation: " + std::to_string(moving) + " of the mass is still moving after " +
                         std::to_string(kMaxOccupancySteps) +
                         " steps (a discount this close to 1, or a policy that never reaches an absorbing state); "
                         "the occupancy would be truncated: use a horizon or a smaller discount");
    }
  }
  visits.assign(1, std::move(total));
  return visits;
}

}  // namespace

Visitation visitation(const Mdp& mdp, const ControlSolution& solution, std::size_t threads) {
  mdp.validate();
  check_shapes(mdp, solution);
  return copi::detail::with_threads(threads, [&](std::size_t pool) {
    Visitation visits;
    visits.state = state_visitation(mdp, solution, pool);
    visits.state_action.resize(visits.state.size());
    for (std::size_t t = 0; t < visits.state.size(); ++t) {
      const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
      std::vector<double>& out = visits.state_action[t];
      out.resize(mdp.rows());
      const std::vector<double>& d = visits.state[t];
      copi::detail::parallel_for_range(mdp.rows(), kGrain, pool, [&](std::size_t begin, std::size_t end) {
        for (std::size_t row = begin; row < end; ++row) out[row] = d[row / mdp.num_actions] * policy[row];
      });
    }
    return visits;
  });
}

}  // namespace copi::control
