// Latent-variable and hierarchical policies (Levine 2018, the latent-variable extensions
// of §5; DESIGN.md "Beyond a flat step"). Every model here shares one MDP's dynamics
// p(s'|s,a) — the CSR is never copied per latent value, per task or per skill:
//
//   StepModel       a time slice is an ordered chain of leaves below s_t,
//                   x_1 → x_2 → … → x_K = a_t, leaf k with a prior p(x_k | s, x_{k-1})
//                   (p(x_1 | s) for the first). Every leaf is reduced by the method's
//                   rule, as the flat step reduces its action: exact and variational
//                   V = α log Σ p exp(·/α), map the max over values of positive prior.
//                   One leaf is the flat MDP; (z, a) with p(z|s), p(a|s,z) is a latent
//                   per step (Haarnoja 2017, 2018a); longer chains (z₁ → z₂ → a) are
//                   written the same way.
//   EpisodeLatent   z ~ p(z) drawn once per episode, then p(a|s,z) at every step
//                   (Hausman 2018, Gupta 2018): one backup per z over the shared
//                   dynamics, the z's solved as parallel tasks, and the posterior p(z | O).
//   skills          a high-level MDP whose actions are z over a fixed low level
//                   π_lo(a|s,z) (skill_level_mdp).
//   learn_skills    EM over several tasks (reward functions) sharing the dynamics:
//                   the low-level skills p(a|s,z) and p(z) that maximise the summed
//                   log evidence Σ_tasks log p(O).
//
// Replacing a flat prior by a chain changes nothing for the flat policy: for every
// method π(a|s) = Σ over the latent leaves of the product of the leaf policies equals
// the flat solve with the marginal prior p(a|s) = Σ Π p(x_k | s, x_{k-1}). What the
// chain adds is the split (π_hi, π_lo), the hierarchical policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/control/tasks.hpp"
#include "copi/inference/options.hpp"

namespace copi::control {

// ---------------------------------------------------------------------------------
// Step models: a chain of leaves per time slice.

struct StepLeaf {
  std::string name;                 // for messages and output ("z", "action", …)
  std::size_t size = 0;             // number of values; the last leaf: mdp.num_actions
  // p(x_k | s, x_{k-1}) laid out [s][parent][x], parent over the previous leaf's values
  // (one parent for the first leaf): num_states × parent_size × size entries, each
  // (s, parent) row summing to one.
  std::vector<double> prior;
  std::vector<std::string> labels;  // empty, or one per value
};

struct StepModel {
  std::vector<StepLeaf> leaves;     // x_1, …, x_K; x_K is the action

  // Values of the leaf before leaf k (1 for k = 0).
  [[nodiscard]] std::size_t parent_size(std::size_t k) const { return k == 0 ? 1 : leaves[k - 1].size; }
  // Throws InputError naming the leaf and the first (state, parent) row at fault: at
  // least one leaf, the last with mdp.num_actions values, table sizes, rows summing to one
  // within kProbabilitySumTolerance, no mass on a forbidden action, and an MDP without an
  // action prior of its own (the chain replaces it).
  void validate(const Mdp& mdp) const;
};

// The latent-per-step model (z, a): `latent_prior` p(z|s) is num_states × Z and `skill`
// p(a|s,z) is num_states × Z × A.
[[nodiscard]] StepModel latent_per_step(const Mdp& mdp, std::size_t num_latents, std::vector<double> latent_prior,
                                        std::vector<double> skill, std::vector<std::string> latent_labels = {});

// The flat prior the chain marginalises to, p(a|s) = Σ_{x_1..x_{K-1}} Π_k p(x_k | s, x_{k-1}),
// rows s * A + a.
[[nodiscard]] std::vector<double> marginal_action_prior(const StepModel& model, std::size_t num_states);

struct StepModelSolution {
  // What a flat solve reports: V_t, the flat policy π_t(a|s) = Σ over the latent leaves
  // of Π_k π_t(x_k | s, x_{k-1}), log_partition, objective, iterations, error bound…
  ControlSolution flat;
  // leaf_policy[t][k] = π_t(x_k | s, x_{k-1}) in leaf k's prior layout; the same steps
  // as flat.policy (KeepSteps; one entry for an infinite horizon). For (z, a):
  // leaf_policy[t][0] is π_hi(z|s), leaf_policy[t][1] is π_lo(a|s,z).
  std::vector<std::vector<std::vector<double>>> leaf_policy;
};

// Finite horizon: backups through the chain (the CSR gather of V' is shared by all
// leaves; the leaves cost Σ_k parent_size × size per state). Infinite horizon: the
// flat fixed point under the marginal prior (any solver), then one chain backup from it
// for the leaf policies. Throws as solve() does, and InputError from validate().
StepModelSolution solve(const Mdp& mdp, const StepModel& model, const SolveOptions& options = {});

// ---------------------------------------------------------------------------------
// A latent per episode.

struct EpisodeLatent {
  std::vector<double> prior;        // p(z): Z entries summing to one
  std::vector<double> skill;        // p(a|s,z): num_states × Z × A, laid out [s][z][a]
  std::vector<std::string> labels;  // empty, or one per z

  [[nodiscard]] std::size_t size() const { return prior.size(); }
  // Throws InputError naming the first fault: sizes, rows summing to one, no mass on a
  // forbidden action, an MDP without an action prior of its own.
  void validate(const Mdp& mdp) const;
};

struct EpisodeLatentSolution {
  // One flat solve per z with the prior p(a|s,z): V^z, π^z, log_partition, objective.
  std::vector<ControlSolution> per_latent;
  // exact:       p(z | O) ∝ p(z) Σ_s p(s_1) exp(V_1^z(s)/α), the exact posterior;
  // variational: q(z) ∝ p(z) exp(J^z/α), J^z = per_latent[z].objective — the structured
  //              variational posterior q(z) q(τ | z), which maximises the ELBO;
  // map:         one-hot on the z of the largest J^z (the first on ties).
  std::vector<double> posterior;
  // exact: log p(O) = log Σ_z p(z) exp(log p(O | z)); variational: the ELBO
  // log Σ_z p(z) exp(J^z/α); map: max_z J^z/α.
  double log_partition = 0.0;
  double seconds = 0.0;
  std::size_t threads = 1;
};

// The z's are solved as parallel tasks (each single-threaded inside when there are at
// least as many z's as threads), results identical for any thread count.
EpisodeLatentSolution solve(const Mdp& mdp, const EpisodeLatent& latent, const SolveOptions& options = {});

// Rollouts of a latent-per-episode solution: each draws z from the posterior once
// (Rollout::latent), then follows π^z; seeded per rollout as sample_rollouts is.
std::vector<Rollout> sample_rollouts(const Mdp& mdp, const EpisodeLatentSolution& solution, std::size_t count,
                                     std::uint64_t seed, std::size_t max_steps = 10000);

// ---------------------------------------------------------------------------------
// Hierarchical control over a fixed skill library.

// The high-level MDP whose actions are the skills z: p(s'|s,z) = Σ_a π_lo(a|s,z) p(s'|s,a),
// r(s,z) = Σ_a π_lo(a|s,z) r(s,a) (the low level follows its skill, so it adds no
// entropy term), the prior p(z|s) when `latent_prior` is given (num_states × Z), the
// MDP's initial distribution, horizon, discount and α. `skill` is num_states × Z × A.
// In the MDP's absorbing states only the first skill is available, so they stay
// absorbing. The low level does not adapt: compare the latent-per-step model, whose
// π_lo(a|s,z) is re-solved with the task (docs/control.md, "Skills").
[[nodiscard]] Mdp skill_level_mdp(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                  const std::vector<double>& latent_prior = {},
                                  std::vector<std::string> latent_labels = {});

// How solve_skill_level reaches the high level's dynamics:
//   automatic  the product table when it has no more entries than the dynamics, or for
//              an infinite horizon; the mixed backup otherwise;
//   product    skill_level_mdp's table, solved as any MDP (every solver);
//   mixed      finite horizon only: never formed — each backup gathers E[·|s,a] once per
//              action over the dynamics and mixes the rows under π_lo(a|s,z) per skill
//              (|Z|·|A| multiply-adds per state, the gather shared by every skill).
enum class SkillTable { automatic, product, mixed };

struct SkillLevelSolution {
  // The high-level solve: V_t(s), policy = π_hi(z|s) (rows s * Z + z), log_partition,
  // objective (E[Σ r − α KL(π_hi ‖ p(z|s))]), as solve(skill_level_mdp(...)) reports them.
  ControlSolution high;
  // The action distribution it induces, π(a|s) = Σ_z π_hi(z|s) π_lo(a|s,z), per kept step.
  std::vector<std::vector<double>> flat_policy;
  SkillTable table = SkillTable::product;  // the one used (never automatic)
};

// Hierarchical control over a fixed skill library: the arguments of skill_level_mdp.
SkillLevelSolution solve_skill_level(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                     const std::vector<double>& latent_prior = {}, const SolveOptions& options = {},
                                     SkillTable table = SkillTable::automatic);

// ---------------------------------------------------------------------------------
// Learning skills across tasks (EM).

struct SkillLearningOptions {
  ControlMethod method = ControlMethod::exact;  // exact (EM) or variational (variational EM)
  std::size_t iterations = 50;  // E/M rounds at most, >= 1
  // Stop when an iteration raises the summed log evidence by less than this; 0 runs
  // every iteration.
  double tolerance = 1e-8;
  SolveOptions solve;           // the per-task solves (threads caps the pool)
  void validate() const;
};

// The learning's settings as text (`copi learn-skills --method variational --iterations
// 20 --tol 0`, another program's strings), checked by the option machinery of
// copi/inference/options.hpp: method (exact | variational, default exact), iterations (an
// integer >= 1, default 50), tol (a number >= 0, default 1e-8).
[[nodiscard]] std::span<const OptionSpec> skill_learning_settings();
// Sets the given settings on `options` (the others are left as they are) and returns every
// problem; nothing is set when there is a problem.
std::vector<OptionProblem> apply_skill_learning_settings(SkillLearningOptions& options,
                                                        std::span<const OptionSetting> settings);

// The E-step of one task: posterior expected counts of (s, z, a) over the episode
// (Σ_t p(s_t = s, z, a_t = a | O), laid out [s][z][a]) and of z (p(z | O)). exact: the
// posterior over trajectories (s_1 tilted by exp(V_1^z/α), dynamics q(s'|s,a) ∝
// p(s'|s,a) exp(V'/α)); variational: the structured posterior (p(s_1), the true dynamics,
// π^z, q(z)).
struct SkillCounts {
  std::vector<double> state_latent_action;
  std::vector<double> latent;
  double log_evidence = 0.0;  // the task's log p(O) (exact) or ELBO (variational)
};
// `reward` replaces the MDP's rewards (num_states × A) for this task.
SkillCounts expected_skill_counts(const Mdp& mdp, const std::vector<double>& reward, const EpisodeLatent& model,
                                  const SolveOptions& options);

struct SkillLearningResult {
  EpisodeLatent learned;
  // log_evidence[i]: Σ_tasks log p(O) under the parameters before iteration i's M-step
  // (log_evidence[0]: the initial ones), and after the last M-step as the last entry.
  std::vector<double> log_evidence;
  std::vector<std::vector<double>> task_posterior;  // per task, p(z | O) under the learned model
  std::size_t iterations = 0;
  bool converged = false;
};

// EM from `initial` (a uniform p(a|s,z) is a symmetric fixed point: start elsewhere).
// M-step: p(a|s,z) ∝ Σ_tasks counts, p(z) ∝ Σ_tasks p(z | O); a (s, z) with no expected
// visits keeps its skill row. Tasks are solved as parallel tasks over the shared
// dynamics; the same result for any thread count. The MDP's own rewards are not used.
SkillLearningResult learn_skills(const Mdp& mdp, const std::vector<std::vector<double>>& task_rewards,
                                 EpisodeLatent initial, const SkillLearningOptions& options = {});

}  // namespace copi::control
