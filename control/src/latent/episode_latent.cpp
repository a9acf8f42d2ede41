// A latent per episode (latent.hpp): one flat solve per z with the prior p(a|s,z), all
// over the MDP's own dynamics (StepTerms replaces the prior; the CSR is shared), run as
// parallel tasks; then the posterior over z.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "../rollout.hpp"
#include "../solve_detail.hpp"
#include "episode_posterior.hpp"
#include "latent_tables.hpp"

namespace copi::control {

void EpisodeLatent::validate(const Mdp& mdp) const {
  if (prior.empty()) throw InputError("the latent has no values: p(z) is empty");
  if (!mdp.action_prior.empty()) {
    throw InputError("the MDP has an action prior of its own; a latent model's p(action | state, z) replaces it");
  }
  if (!labels.empty() && labels.size() != prior.size()) {
    throw InputError("the latent has " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(prior.size()) + " values");
  }
  detail::check_distribution_rows(prior, 1, prior.size(), "the latent prior p(z)", [](std::size_t) { return "p(z)"; });
  detail::check_skill_table(mdp, prior.size(), skill, labels, "p(action | state, z)");
}

namespace detail {

LatentPosterior latent_posterior(const std::vector<double>& prior, const std::vector<ControlSolution>& per_latent,
                                 ControlMethod method, double alpha) {
  const std::size_t Z = prior.size();
  LatentPosterior result;
  result.posterior.assign(Z, 0.0);
  // The evidence of each z: log p(O | z) (exact) or the ELBO J^z / α of its policy.
  std::vector<double> evidence(Z);
  for (std::size_t z = 0; z < Z; ++z) {
    evidence[z] = method == ControlMethod::exact ? per_latent[z].log_partition : per_latent[z].objective / alpha;
  }
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  if (method == ControlMethod::map) {
    std::size_t best = Z;
    for (std::size_t z = 0; z < Z; ++z) {
      if (prior[z] > 0.0 && (best == Z || evidence[z] > evidence[best])) best = z;
    }
    result.posterior[best] = 1.0;
    result.log_evidence = evidence[best];
    return result;
  }
  double hi = kNegInf;
  for (std::size_t z = 0; z < Z; ++z) {
    if (prior[z] > 0.0) hi = std::max(hi, std::log(prior[z]) + evidence[z]);
  }
  double sum = 0.0;
  for (std::size_t z = 0; z < Z; ++z) {
    if (prior[z] > 0.0) {
      result.posterior[z] = std::exp(std::log(prior[z]) + evidence[z] - hi);
      sum += result.posterior[z];
    }
  }
  for (double& p : result.posterior) p /= sum;
  result.log_evidence = hi + std::log(sum);
  return result;
}

std::vector<ControlSolution> solve_per_latent(const Mdp& mdp, std::span<const double> reward,
                                              const EpisodeLatent& latent, const SolveOptions& options,
                                              std::size_t threads) {
  std::vector<ControlSolution> solutions(latent.size());
  // One task per z; with fewer z's than threads each solve also splits its states.
  const std::size_t inner = std::max<std::size_t>(1, threads / latent.size());
  copi::detail::parallel_for_range(latent.size(), 1, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t z = begin; z < end; ++z) {
      const std::vector<double> prior = skill_of_latent(mdp, latent.size(), latent.skill, z);
      solutions[z] = solve_on(mdp, StepTerms::replaced(mdp, reward, prior), options, inner);
    }
  });
  return solutions;
}

}  // namespace detail

EpisodeLatentSolution solve(const Mdp& mdp, const EpisodeLatent& latent, const SolveOptions& options) {
  mdp.validate();
  options.validate();
  latent.validate(mdp);
  const double per_solve = solve_memory_estimate(mdp, options) + 8.0 * static_cast<double>(mdp.rows());
  detail::check_memory(per_solve * static_cast<double>(latent.size()), options,
                       "one solve per latent value, " + std::to_string(latent.size()) + " of them");
  return copi::detail::with_threads(options.threads, [&](std::size_t threads) {
    const auto start = std::chrono::steady_clock::now();
    EpisodeLatentSolution solution;
    solution.per_latent = detail::solve_per_latent(mdp, {}, latent, options, threads);
    const detail::LatentPosterior posterior =
        detail::latent_posterior(latent.prior, solution.per_latent, options.method, mdp.alpha);
    solution.posterior = posterior.posterior;
    solution.log_partition = posterior.log_evidence;
    solution.threads = threads;
    solution.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return solution;
  });
}

std::vector<Rollout> sample_rollouts(const Mdp& mdp, const EpisodeLatentSolution& solution, std::size_t count,
                                     std::uint64_t seed, std::size_t max_steps) {
  if (solution.per_latent.size() != solution.posterior.size() || solution.per_latent.empty()) {
    throw InputError("rollouts: the latent solution has no per-latent policies");
  }
  for (const ControlSolution& per_latent : solution.per_latent) detail::check_rollout_steps(mdp, per_latent);
  std::vector<Rollout> rollouts(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::seed_seq sequence{seed, static_cast<std::uint64_t>(i)};
    std::mt19937_64 rng(sequence);
    // z once per episode from the posterior, then z's policy throughout.
    const std::size_t z = detail::draw(rng, solution.posterior.data(), solution.posterior.size());
    rollouts[i] = detail::roll_out(mdp, solution.per_latent[z], rng, max_steps);
    rollouts[i].latent = static_cast<std::int64_t>(z);
  }
  return rollouts;
}

}  // namespace copi::control
