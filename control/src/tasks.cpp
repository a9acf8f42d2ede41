#include "copi/control/tasks.hpp"

#include <random>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "rollout.hpp"
#include "solve_detail.hpp"

namespace copi::control {

std::vector<ControlSolution> solve_all(const std::vector<Mdp>& mdps, const SolveOptions& options) {
  options.validate();
  double bytes = 0.0;
  for (const Mdp& mdp : mdps) {
    mdp.validate();
    bytes += solve_memory_estimate(mdp, options);
  }
  detail::check_memory(bytes, options, "the solutions of " + std::to_string(mdps.size()) + " MDPs");
  std::vector<ControlSolution> solutions(mdps.size());
  // One task per MDP; inside a task the backups run on its thread alone.
  copi::detail::with_threads(options.threads, [&](std::size_t threads) {
    copi::detail::parallel_for_range(mdps.size(), 1, threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) solutions[i] = detail::solve_on(mdps[i], options, 1);
    });
  });
  return solutions;
}

std::size_t detail::draw(std::mt19937_64& rng, const double* weights, std::size_t n) {
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  for (std::size_t i = 0; i < n; ++i) {
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  for (std::size_t i = n; i-- > 0;) {  // rounding left a sliver: the last possible choice
    if (weights[i] > 0.0) return i;
  }
  return 0;
}

void detail::check_rollout_steps(const Mdp& mdp, const ControlSolution& solution) {
  if (mdp.horizon && solution.policy.size() != *mdp.horizon) {
    throw InputError("rollouts: the solution keeps " + std::to_string(solution.policy.size()) + " of the " +
                     std::to_string(*mdp.horizon) + " steps' policies (keep = first or stream); solve with keep = all");
  }
}

Rollout detail::roll_out(const Mdp& mdp, const ControlSolution& solution, std::mt19937_64& rng,
                         std::size_t max_steps) {
  Rollout r;
  const double gamma = mdp.discount.value_or(1.0);
  const std::size_t steps = mdp.horizon ? *mdp.horizon : max_steps;
  std::size_t s = draw(rng, mdp.initial.data(), mdp.num_states);
  for (std::size_t t = 0; t < steps; ++t) {
    const std::vector<double>& policy = solution.policy[std::min(t, solution.policy.size() - 1)];
    const std::size_t a = draw(rng, policy.data() + s * mdp.num_actions, mdp.num_actions);
    r.states.push_back(static_cast<std::uint32_t>(s));
    r.actions.push_back(static_cast<std::uint32_t>(a));
    const std::size_t row = s * mdp.num_actions + a;
    r.total_reward += mdp.reward[row];
    if (gamma < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng) >= gamma) break;
    const std::uint64_t begin = mdp.row_begin[row];
    s = mdp.next_state[begin + draw(rng, mdp.probability.data() + begin, mdp.row_begin[row + 1] - begin)];
  }
  return r;
}

std::vector<Rollout> sample_rollouts(const Mdp& mdp, const ControlSolution& solution, std::size_t count,
                                     std::uint64_t seed, std::size_t max_steps) {
  detail::check_rollout_steps(mdp, solution);
  std::vector<Rollout> rollouts(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::seed_seq sequence{seed, static_cast<std::uint64_t>(i)};
    std::mt19937_64 rng(sequence);
    rollouts[i] = detail::roll_out(mdp, solution, rng, max_steps);
  }
  return rollouts;
}

}  // namespace copi::control
