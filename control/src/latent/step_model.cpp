// Step models (latent.hpp): a chain of leaves per time slice over the MDP's dynamics.
// Finite horizon: T chain backups (StepBackup with a LeafChain). Infinite horizon: the
// flat fixed point under the marginal prior — the chain's V is that flat V, because the
// nested soft maxima (or maxima) over the leaves collapse to one over the actions with
// the marginal prior — then one chain backup from it for the leaf policies.
#include <chrono>
#include <string>

#include "copi/control/latent.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"
#include "../leaf_chain.hpp"
#include "../objective.hpp"
#include "../solve_detail.hpp"
#include "../step_backup.hpp"
#include "latent_tables.hpp"

namespace copi::control {

void StepModel::validate(const Mdp& mdp) const {
  if (leaves.empty()) throw InputError("the step model has no leaves: it needs at least the action");
  if (!mdp.action_prior.empty()) {
    throw InputError("the MDP has an action prior of its own; a step model's leaves replace it: give p(action | ...) "
                     "as the last leaf");
  }
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    const StepLeaf& leaf = leaves[k];
    const std::string what = "leaf '" + leaf.name + "'";
    if (leaf.size == 0) throw InputError(what + " has no values");
    if (!leaf.labels.empty() && leaf.labels.size() != leaf.size) {
      throw InputError(what + " has " + std::to_string(leaf.labels.size()) + " labels for " +
                       std::to_string(leaf.size) + " values");
    }
    const std::size_t parents = parent_size(k);
    const std::vector<std::string>& parent_labels = k == 0 ? leaf.labels : leaves[k - 1].labels;
    const std::string parent_name = k == 0 ? "" : leaves[k - 1].name;
    detail::check_distribution_rows(leaf.prior, mdp.num_states * parents, leaf.size, "the prior of " + what,
                                    [&](std::size_t row) {
                                      std::string text = detail::state_name(mdp, row / parents);
                                      if (k > 0) text += ", " + parent_name + " " + detail::value_name(parent_labels, row % parents);
                                      return text;
                                    });
  }
  const StepLeaf& last = leaves.back();
  if (last.size != mdp.num_actions) {
    throw InputError("the last leaf '" + last.name + "' is the action: it has " + std::to_string(last.size) +
                     " values, the MDP " + std::to_string(mdp.num_actions) + " actions");
  }
  if (!mdp.allowed.empty()) {
    const std::size_t parents = parent_size(leaves.size() - 1);
    const std::size_t A = mdp.num_actions;
    for (std::size_t row = 0; row < mdp.num_states * parents; ++row) {
      const std::size_t s = row / parents;
      for (std::size_t a = 0; a < A; ++a) {
        if (mdp.allowed[s * A + a] == 0 && last.prior[row * A + a] > 0.0) {
          throw InputError("the prior of leaf '" + last.name + "', " + detail::state_name(mdp, s) + ": " +
                           detail::action_name(mdp, a) + " is not available there but has positive probability");
        }
      }
    }
  }
}

StepModel latent_per_step(const Mdp& mdp, std::size_t num_latents, std::vector<double> latent_prior,
                          std::vector<double> skill, std::vector<std::string> latent_labels) {
  StepModel model;
  model.leaves.push_back(StepLeaf{"z", num_latents, std::move(latent_prior), std::move(latent_labels)});
  model.leaves.push_back(StepLeaf{"action", mdp.num_actions, std::move(skill), mdp.action_labels});
  return model;
}

std::vector<double> marginal_action_prior(const StepModel& model, std::size_t num_states) {
  const std::size_t A = model.leaves.back().size;
  std::vector<double> marginal(num_states * A);
  std::vector<double> mass;
  std::vector<double> next;
  for (std::size_t s = 0; s < num_states; ++s) {
    mass.assign(1, 1.0);
    for (std::size_t k = 0; k < model.leaves.size(); ++k) {
      const StepLeaf& leaf = model.leaves[k];
      const std::size_t parents = model.parent_size(k);
      const double* prior = leaf.prior.data() + s * parents * leaf.size;
      next.assign(leaf.size, 0.0);
      for (std::size_t p = 0; p < parents; ++p) {
        for (std::size_t x = 0; x < leaf.size; ++x) next[x] += mass[p] * prior[p * leaf.size + x];
      }
      mass.swap(next);
    }
    std::copy(mass.begin(), mass.end(), marginal.begin() + static_cast<std::ptrdiff_t>(s * A));
  }
  return marginal;
}

namespace {

using LeafTables = std::vector<std::vector<double>>;

LeafTables leaf_tables(const detail::LeafChain& chain, std::size_t num_states) {
  LeafTables tables;
  for (std::size_t k = 0; k < chain.leaves(); ++k) tables.emplace_back(num_states * chain.block(k));
  return tables;
}

std::vector<double*> pointers(LeafTables& tables) {
  std::vector<double*> out;
  for (auto& table : tables) out.push_back(table.data());
  return out;
}

StepModelSolution solve_finite(const Mdp& mdp, const detail::StepTerms& terms, const detail::LeafChain& chain,
                               const SolveOptions& options, std::size_t threads) {
  const std::size_t T = *mdp.horizon;
  const bool keep_all = options.keep == KeepSteps::all;
  const detail::StepBackup backup(mdp, terms, options.method, &chain, threads);
  detail::StepBackup::Scratch scratch;
  StepModelSolution result;
  ControlSolution& solution = result.flat;
  solution.keep = options.keep;
  solution.error_bound = 0.0;
  const std::size_t kept = keep_all ? T : 1;
  solution.value.assign(kept, std::vector<double>(mdp.num_states));
  solution.policy.assign(kept, std::vector<double>(mdp.rows()));
  if (options.action_values) solution.action_value.resize(kept);
  result.leaf_policy.resize(kept);
  for (auto& step : result.leaf_policy) step = leaf_tables(chain, mdp.num_states);
  std::vector<double> next(mdp.num_states, 0.0);
  std::vector<double> value(mdp.num_states);
  std::vector<double> policy(keep_all ? 0 : mdp.rows());
  // Exact: the objective by policy evaluation under the marginal prior (at the solution
  // the joint policy's KL from the chain's prior equals the flat one's from the marginal).
  const bool evaluate = options.method == ControlMethod::exact;
  detail::StepEvaluation evaluation(mdp, terms, options.method, threads);
  std::vector<double> w(evaluate ? mdp.num_states : 0, 0.0);
  std::vector<double> w_next(evaluate ? mdp.num_states : 0, 0.0);
  std::vector<double> q;
  for (std::size_t t = T; t-- > 0;) {
    const bool stored = keep_all || t == 0;
    const std::size_t slot = keep_all ? t : 0;
    std::vector<double>& policy_t = stored ? solution.policy[slot] : policy;
    // Steps not kept write no leaf tables (the flat policy still feeds the objective).
    const std::vector<double*> leaf_out =
        stored ? pointers(result.leaf_policy[slot]) : std::vector<double*>(chain.leaves(), nullptr);
    backup.run_chain(next, value, policy_t, leaf_out, threads, scratch);
    ++solution.iterations;
    if (options.action_values) {
      q = detail::action_values(mdp, terms, options.method, next, threads);
      if (stored) solution.action_value[slot] = q;
    }
    if (evaluate) {
      evaluation.set_policy(policy_t);
      (void)evaluation.sweep(w, w_next);
      std::swap(w, w_next);
      ++solution.evaluations;
    }
    if (stored) solution.value[slot] = value;
    if (options.keep == KeepSteps::stream && options.on_step) options.on_step(SolveStep{t, value, policy_t, q});
    std::swap(next, value);
  }
  solution.objective = detail::expected_start(mdp, evaluate ? w : solution.value.front());
  return result;
}

}  // namespace

StepModelSolution solve(const Mdp& mdp, const StepModel& model, const SolveOptions& options) {
  mdp.validate();
  options.validate();
  model.validate(mdp);
  double leaf_bytes = 0.0;
  for (std::size_t k = 0; k < model.leaves.size(); ++k) {
    leaf_bytes += 8.0 * static_cast<double>(mdp.num_states * model.parent_size(k) * model.leaves[k].size);
  }
  const std::size_t kept = mdp.horizon && options.keep == KeepSteps::all ? *mdp.horizon : 1;
  detail::check_memory(solve_memory_estimate(mdp, options) + static_cast<double>(kept + 1) * leaf_bytes +
                           8.0 * static_cast<double>(mdp.rows()),
                       options, "V, the flat and the leaf policies for " + std::to_string(kept) + " steps");
  const std::vector<double> marginal = marginal_action_prior(model, mdp.num_states);
  const detail::StepTerms terms = detail::StepTerms::replaced(mdp, {}, marginal);
  const detail::LeafChain chain(model);
  return copi::detail::with_threads(options.threads, [&](std::size_t threads) {
    const auto start = std::chrono::steady_clock::now();
    StepModelSolution result;
    if (mdp.horizon) {
      result = solve_finite(mdp, terms, chain, options, threads);
      result.flat.method = options.method;
      result.flat.threads = threads;
      result.flat.log_partition = detail::log_partition_of(mdp, result.flat.value.front());
    } else {
      result.flat = detail::solve_on(mdp, terms, options, threads);
      // The leaf policies of the fixed point: one chain backup from V.
      const detail::StepBackup backup(mdp, terms, options.method, &chain, threads);
      detail::StepBackup::Scratch scratch;
      std::vector<double> image(mdp.num_states);
      result.leaf_policy.assign(1, leaf_tables(chain, mdp.num_states));
      const std::vector<double*> leaf_out = pointers(result.leaf_policy[0]);
      backup.run_chain(result.flat.value[0], image, result.flat.policy[0], leaf_out, threads, scratch);
    }
    result.flat.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  });
}

}  // namespace copi::control
