// Hierarchical control over a fixed skill library (latent.hpp, solve_skill_level): the
// product table when it is no denser than the dynamics (or for an infinite horizon,
// whose solvers work on an explicit MDP), the mixed backup otherwise.
#include <chrono>
#include <string>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "../objective.hpp"
#include "../solve_detail.hpp"
#include "latent_tables.hpp"
#include "skill_backup.hpp"

namespace copi::control {
namespace {

// Entries the product table would have before merging equal successors: an upper bound,
// O(states × skills × actions) to count.
std::uint64_t product_entries(const Mdp& mdp, std::size_t Z, const std::vector<double>& skill) {
  const std::size_t A = mdp.num_actions;
  std::uint64_t entries = 0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z; ++z) {
      for (std::size_t a = 0; a < A; ++a) {
        if (skill[(s * Z + z) * A + a] > 0.0) entries += mdp.row_begin[s * A + a + 1] - mdp.row_begin[s * A + a];
      }
    }
  }
  return entries;
}

std::vector<double> induced_policy(const Mdp& mdp, std::size_t Z, const std::vector<double>& skill,
                                   const std::vector<double>& high) {
  const std::size_t A = mdp.num_actions;
  std::vector<double> flat(mdp.rows(), 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z; ++z) {
      const double h = high[s * Z + z];
      if (h == 0.0) continue;
      for (std::size_t a = 0; a < A; ++a) flat[s * A + a] += h * skill[(s * Z + z) * A + a];
    }
  }
  return flat;
}

SkillLevelSolution solve_mixed(const Mdp& mdp, std::size_t Z, const std::vector<double>& skill,
                               const std::vector<double>& latent_prior, const SolveOptions& options,
                               std::size_t threads) {
  const std::size_t T = *mdp.horizon;
  const bool keep_all = options.keep == KeepSteps::all;
  const detail::SkillBackup backup(mdp, options.method, Z, skill, latent_prior);
  SkillLevelSolution result;
  result.table = SkillTable::mixed;
  ControlSolution& high = result.high;
  high.method = options.method;
  high.keep = options.keep;
  high.error_bound = 0.0;
  high.threads = threads;
  const std::size_t kept = keep_all ? T : 1;
  high.value.assign(kept, std::vector<double>(mdp.num_states));
  high.policy.assign(kept, std::vector<double>(mdp.num_states * Z));
  result.flat_policy.assign(kept, std::vector<double>(mdp.rows()));
  std::vector<double> next(mdp.num_states, 0.0);
  std::vector<double> value(mdp.num_states);
  std::vector<double> high_buffer(keep_all ? 0 : mdp.num_states * Z);
  std::vector<double> flat_buffer(keep_all ? 0 : mdp.rows());
  std::vector<double> z;
  const bool evaluate = options.method == ControlMethod::exact;
  std::vector<double> w(evaluate ? mdp.num_states : 0, 0.0);
  std::vector<double> w_next(evaluate ? mdp.num_states : 0, 0.0);
  for (std::size_t t = T; t-- > 0;) {
    const bool stored = keep_all || t == 0;
    const std::size_t slot = keep_all ? t : 0;
    std::vector<double>& high_t = stored ? high.policy[slot] : high_buffer;
    std::vector<double>& flat_t = stored ? result.flat_policy[slot] : flat_buffer;
    backup.run(next, value, high_t.data(), flat_t.data(), threads, z);
    ++high.iterations;
    if (evaluate) {
      backup.evaluate(high_t, flat_t, w_next, w, threads);
      std::swap(w, w_next);
      ++high.evaluations;
    }
    if (stored) high.value[slot] = value;
    if (options.keep == KeepSteps::stream && options.on_step) options.on_step(SolveStep{t, value, high_t, {}});
    std::swap(next, value);
  }
  high.objective = detail::expected_start(mdp, evaluate ? w_next : high.value.front());
  high.log_partition = detail::log_partition_of(mdp, high.value.front());
  return result;
}

}  // namespace

SkillLevelSolution solve_skill_level(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                     const std::vector<double>& latent_prior, const SolveOptions& options,
                                     SkillTable table) {
  mdp.validate();
  options.validate();
  detail::check_skill_library(mdp, num_latents, skill, latent_prior, {});
  if (table == SkillTable::automatic) {
    table = !mdp.horizon || product_entries(mdp, num_latents, skill) <= mdp.next_state.size() ? SkillTable::product
                                                                                                : SkillTable::mixed;
  }
  if (table == SkillTable::mixed && !mdp.horizon) {
    throw InputError("the mixed skill backup is for a finite horizon: an infinite horizon's solvers need the "
                     "product table (SkillTable::product)");
  }
  if (table == SkillTable::mixed && options.action_values) {
    throw InputError("action values of the skill level need the product table (SkillTable::product)");
  }
  if (table == SkillTable::product) {
    SkillLevelSolution result;
    result.table = SkillTable::product;
    // Checked above; solve() validates the product once more (its rows' sums).
    result.high = solve(detail::build_skill_level_mdp(mdp, num_latents, skill, latent_prior, {}), options);
    for (const std::vector<double>& high : result.high.policy) {
      result.flat_policy.push_back(induced_policy(mdp, num_latents, skill, high));
    }
    return result;
  }
  const std::size_t kept = options.keep == KeepSteps::all ? *mdp.horizon : 1;
  const double per_step =
      8.0 * static_cast<double>(mdp.num_states * (1 + num_latents) + mdp.rows()) + 3.0 * 40.0;
  detail::check_memory(static_cast<double>(kept + 1) * per_step + 8.0 * static_cast<double>(mdp.num_states * (4 + num_latents)),
                       options, "V, the high-level and the induced policies for " + std::to_string(kept) + " steps");
  return copi::detail::with_threads(options.threads, [&](std::size_t threads) {
    const auto start = std::chrono::steady_clock::now();
    SkillLevelSolution result = solve_mixed(mdp, num_latents, skill, latent_prior, options, threads);
    result.high.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  });
}

}  // namespace copi::control
