// Learning skills across tasks by EM (latent.hpp): z per episode, the E-step is each
// task's posterior expected counts of (s, z, a) and of z (per-z backward solves, then
// forward messages weighted by p(z | O)), the M-step normalises the counts summed over
// tasks. Tasks differ only in their rewards, which StepTerms swaps in over the one MDP.
#include <cmath>
#include <string>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "../forward_step.hpp"
#include "../solve_detail.hpp"
#include "episode_posterior.hpp"
#include "latent_tables.hpp"

namespace copi::control {

void SkillLearningOptions::validate() const {
  if (method == ControlMethod::map) {
    throw InputError("skill learning needs a posterior over trajectories: method exact or variational, not map");
  }
  if (iterations == 0) throw InputError("iterations = 0: must be an integer >= 1");
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) throw InputError("tolerance must be a finite number >= 0");
  solve.validate();
}

std::span<const OptionSpec> skill_learning_settings() {
  static const std::vector<OptionSpec> table = {
      choice_option("method", {"exact", "variational"}, "exact",
                    "exact: EM on log p(O); variational: variational EM on the ELBO"),
      number_option("iterations", OptionType::integer, "50", "E/M rounds at most", 1),
      number_option("tol", OptionType::real, "1e-8",
                    "stop when an iteration raises the summed log evidence by less than this; 0 runs every iteration",
                    0),
  };
  return table;
}

std::vector<OptionProblem> apply_skill_learning_settings(SkillLearningOptions& options,
                                                        std::span<const OptionSetting> settings) {
  OptionValues values;
  std::vector<OptionProblem> problems = check_options("skill learning", skill_learning_settings(), settings, values);
  if (!problems.empty()) return problems;
  if (values.has("method")) {
    options.method = parse_control_method(values.word("method", "exact"));
    options.solve.method = options.method;
  }
  if (values.has("iterations")) options.iterations = values.count("iterations", 50);
  if (values.has("tol")) options.tolerance = values.number("tol", 1e-8);
  return problems;
}

namespace {

// Posterior expected counts of one task under one z's solution, added into `counts`
// ([s][z][a]) with weight p(z | O).
void add_latent_counts(const Mdp& mdp, const detail::TransposedDynamics& transposed, const ControlSolution& solution,
                       ControlMethod method, std::size_t Z, std::size_t z, double weight, std::vector<double>& counts,
                       std::size_t threads) {
  const std::size_t S = mdp.num_states;
  const std::size_t A = mdp.num_actions;
  const std::size_t T = solution.policy.size();
  std::vector<double> d(S, 0.0);
  if (method == ControlMethod::exact) {
    // Given O the first state is tilted by its evidence: p(s_1 | O, z) ∝ p(s_1) exp(V_1^z(s_1)/α).
    double hi = -std::numeric_limits<double>::infinity();
    for (std::size_t s = 0; s < S; ++s) {
      if (mdp.initial[s] > 0.0) hi = std::max(hi, solution.value[0][s] / mdp.alpha);
    }
    double sum = 0.0;
    for (std::size_t s = 0; s < S; ++s) {
      d[s] = mdp.initial[s] > 0.0 ? mdp.initial[s] * std::exp(solution.value[0][s] / mdp.alpha - hi) : 0.0;
      sum += d[s];
    }
    for (double& x : d) x /= sum;
  } else {
    d = mdp.initial;
  }
  detail::ForwardStep forward(mdp, transposed, threads);
  std::vector<double> next(S);
  for (std::size_t t = 0; t < T; ++t) {
    const std::vector<double>& policy = solution.policy[t];
    for (std::size_t s = 0; s < S; ++s) {
      if (d[s] == 0.0) continue;
      for (std::size_t a = 0; a < A; ++a) counts[(s * Z + z) * A + a] += weight * d[s] * policy[s * A + a];
    }
    if (t + 1 == T) break;
    if (method == ControlMethod::exact) {
      forward.run_posterior(policy, d, solution.value[t + 1], nullptr, next);
    } else {
      forward.run(policy, d, nullptr, next);
    }
    d.swap(next);
  }
}

SkillCounts counts_of_task(const Mdp& mdp, const detail::TransposedDynamics& transposed,
                           std::span<const double> reward, const EpisodeLatent& model, const SolveOptions& options,
                           std::size_t threads) {
  SolveOptions per_latent = options;
  per_latent.keep = KeepSteps::all;
  const std::vector<ControlSolution> solutions = detail::solve_per_latent(mdp, reward, model, per_latent, threads);
  const detail::LatentPosterior posterior = detail::latent_posterior(model.prior, solutions, options.method, mdp.alpha);
  SkillCounts counts;
  counts.latent = posterior.posterior;
  counts.log_evidence = posterior.log_evidence;
  counts.state_latent_action.assign(mdp.num_states * model.size() * mdp.num_actions, 0.0);
  for (std::size_t z = 0; z < model.size(); ++z) {
    if (posterior.posterior[z] == 0.0) continue;
    add_latent_counts(mdp, transposed, solutions[z], options.method, model.size(), z, posterior.posterior[z],
                      counts.state_latent_action, threads);
  }
  return counts;
}

void check_learning_input(const Mdp& mdp, const std::vector<double>& reward, std::size_t task) {
  const std::string what = task == 0 ? "the task's rewards" : "task " + std::to_string(task) + "'s rewards";
  if (reward.size() != mdp.rows()) {
    throw InputError(what + " have " + std::to_string(reward.size()) + " entries, expected " +
                     std::to_string(mdp.num_states) + " states x " + std::to_string(mdp.num_actions) + " actions");
  }
  for (std::size_t row = 0; row < reward.size(); ++row) {
    if (!(std::abs(reward[row]) <= kMaxAbsReward)) {
      throw InputError(what + ": r(" + detail::state_name(mdp, row / mdp.num_actions) + ", " +
                       detail::action_name(mdp, row % mdp.num_actions) + ") is not a finite number within 1e100");
    }
  }
}

void check_horizon(const Mdp& mdp) {
  if (!mdp.horizon) {
    throw InputError("skill learning counts visits over an episode of fixed length: give the MDP a horizon");
  }
}

}  // namespace

SkillCounts expected_skill_counts(const Mdp& mdp, const std::vector<double>& reward, const EpisodeLatent& model,
                                  const SolveOptions& options) {
  mdp.validate();
  check_horizon(mdp);
  options.validate();
  if (options.method == ControlMethod::map) throw InputError("expected counts need method exact or variational");
  model.validate(mdp);
  check_learning_input(mdp, reward, 0);
  const detail::TransposedDynamics transposed = detail::transpose(mdp, true);
  return copi::detail::with_threads(options.threads, [&](std::size_t threads) {
    return counts_of_task(mdp, transposed, reward, model, options, threads);
  });
}

SkillLearningResult learn_skills(const Mdp& mdp, const std::vector<std::vector<double>>& task_rewards,
                                 EpisodeLatent initial, const SkillLearningOptions& options) {
  mdp.validate();
  check_horizon(mdp);
  options.validate();
  initial.validate(mdp);
  if (task_rewards.empty()) throw InputError("skill learning needs at least one task");
  for (std::size_t k = 0; k < task_rewards.size(); ++k) check_learning_input(mdp, task_rewards[k], k + 1);
  SolveOptions solve = options.solve;
  solve.method = options.method;
  solve.keep = KeepSteps::all;
  const double per_task = solve_memory_estimate(mdp, solve) * static_cast<double>(initial.size());
  detail::check_memory(per_task * static_cast<double>(task_rewards.size()), solve,
                       "the per-latent solves of " + std::to_string(task_rewards.size()) + " tasks");

  const std::size_t K = task_rewards.size();
  const std::size_t Z = initial.size();
  const std::size_t A = mdp.num_actions;
  SkillLearningResult result;
  result.learned = std::move(initial);
  const detail::TransposedDynamics transposed = detail::transpose(mdp, true);  // once, for every forward pass
  return copi::detail::with_threads(options.solve.threads, [&](std::size_t threads) {
    std::vector<SkillCounts> counts(K);
    // E-step: every task under the current model, as parallel tasks (one thread each
    // when there are enough tasks); the sums below run in task order.
    const auto e_step = [&] {
      const std::size_t inner = std::max<std::size_t>(1, threads / K);
      copi::detail::parallel_for_range(K, 1, threads, [&](std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
          counts[k] = counts_of_task(mdp, transposed, task_rewards[k], result.learned, solve, inner);
        }
      });
      double total = 0.0;
      for (const SkillCounts& c : counts) total += c.log_evidence;
      result.log_evidence.push_back(total);
    };
    e_step();
    for (std::size_t iteration = 0; iteration < options.iterations; ++iteration) {
      // M-step: normalised counts; a (s, z) no task visits keeps its row.
      std::vector<double> total(mdp.num_states * Z * A, 0.0);
      std::vector<double> latent(Z, 0.0);
      for (const SkillCounts& c : counts) {
        for (std::size_t i = 0; i < total.size(); ++i) total[i] += c.state_latent_action[i];
        for (std::size_t z = 0; z < Z; ++z) latent[z] += c.latent[z] / static_cast<double>(K);
      }
      for (std::size_t row = 0; row < mdp.num_states * Z; ++row) {
        double sum = 0.0;
        for (std::size_t a = 0; a < A; ++a) sum += total[row * A + a];
        if (!(sum > 1e-300)) continue;
        for (std::size_t a = 0; a < A; ++a) result.learned.skill[row * A + a] = total[row * A + a] / sum;
      }
      double latent_sum = 0.0;
      for (const double p : latent) latent_sum += p;
      for (std::size_t z = 0; z < Z; ++z) result.learned.prior[z] = latent[z] / latent_sum;
      ++result.iterations;
      e_step();
      const double gain = result.log_evidence.back() - result.log_evidence[result.log_evidence.size() - 2];
      if (options.tolerance > 0.0 && gain < options.tolerance) {
        result.converged = true;
        break;
      }
    }
    for (const SkillCounts& c : counts) result.task_posterior.push_back(c.latent);
    return result;
  });
}

}  // namespace copi::control
