// An independent oracle for the latent-variable and hierarchical control models
// (copi/control/latent.hpp), written from the definitions with plain loops over every
// trajectory: it reads the problem from the Mdp struct's arrays and never calls copi's
// solver or kernels. Tiny seeded random problems (2-3 states, 2 actions, 2-3 latent
// values, horizon 2-3), sums over every (z, a, s') sequence (Levine 2018, eq. 4-7), the
// soft and hard Bellman recursions written out as nested loops over (s, z, a, s') (eq. 15),
// and the ELBO of a policy by enumerating its trajectories.
//
// Discount γ: after every step the episode ends with probability 1 - γ (nothing accrues
// after), so a path of fewer than T steps carries the factor 1 - γ and each step taken
// the factor γ p(s'|s,a) — the exact rule of soft_value_iteration.hpp.
//
// Layouts follow latent.hpp: p(z|s) and π_hi are [s][z], p(a|s,z) and π_lo are
// [s][z][a], flat policies [s][a]; time-indexed tables are [t][...] with t = 0 first.
#pragma once

#include <algorithm>
#include <cmath>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "copi/control/mdp.hpp"
#include "copi/control/soft_value_iteration.hpp"

namespace copi::control::latent_oracle {

using Table = std::vector<double>;
using Steps = std::vector<Table>;  // [t][...]

// One tiny problem: the MDP (no action prior of its own) and the latent priors.
struct Problem {
  Mdp mdp;
  std::size_t num_latents = 0;
  Table latent_prior;   // p(z|s), [s][z]
  Table skill;          // p(a|s,z), [s][z][a]
  Table episode_prior;  // p(z), for a latent per episode
};

struct ProblemShape {
  bool discount = false;       // γ in [0.6, 0.95] next to the horizon
  bool skill_zeros = true;     // p(a|s,z) may be 0 for some actions (never a whole row)
  bool latent_zeros = false;   // p(z|s) may be 0 for some z (never a whole row)
  std::size_t min_latents = 2;
  std::size_t max_latents = 3;
  std::size_t min_horizon = 2;
  std::size_t max_horizon = 3;
};

// Seeded std::mt19937_64 draws: 2-3 states, 2 actions, stochastic dynamics (each (s, a)
// has at least two successors), rewards in [-2, 2], α in [0.5, 2].
Problem random_problem(std::uint64_t seed, const ProblemShape& shape);

// Rows summing to one (the M-step's and the generator's normalisation).
void normalise_rows(Table& table, std::size_t row_size);

// The high-level view of the tables: p(z|s), p(a|s,z) and their marginal p(a|s).
double latent_prior(const Problem& problem, std::size_t s, std::size_t z);
double skill(const Problem& problem, std::size_t s, std::size_t z, std::size_t a);
Table marginal_action_prior(const Problem& problem);  // [s][a] = Σ_z p(z|s) p(a|s,z)

// ---- trajectories ------------------------------------------------------------------

// A path of at most `steps` steps: s_1 z_1 a_1 s_2 z_2 a_2 …; `dynamics` is Π γ p(s'|s,a)
// over the transitions taken, times 1 - γ when it ends before `steps`.
struct Path {
  std::vector<std::size_t> states;
  std::vector<std::size_t> latents;
  std::vector<std::size_t> actions;
  double dynamics = 1.0;
};
// Every path from `state`, every z in [0, num_latents) and every action tried at each step
// (the caller weights them); paths ending early are included when γ < 1.
void for_each_path(const Mdp& mdp, std::size_t num_latents, std::size_t state, std::size_t steps,
                   const std::function<void(const Path&)>& visit);

// ---- latent per step ---------------------------------------------------------------

// p(τ, O = 1 | s_1) of a per-step-latent path: dynamics × Π p(z|s) p(a|s,z) exp(r/α);
// `skip_first_latent_prior` leaves out p(z_1|s_1) (conditioning on z_1).
double step_path_weight(const Problem& problem, const Path& path, bool skip_first_latent_prior = false);

// The exact posterior by enumeration. For every (t, s) the futures from s_t = s give
// value α log Σ weights, π_hi(z|s) = p(z_t = z | s_t = s, O), π_lo(a|s,z) = p(a_t = a | s_t = s,
// z_t = z, O) (enumerated from (s, z) with p(z|s) left out, so it is defined for every z)
// and the flat π(a|s) = p(a_t = a | s_t = s, O).
struct StepPosterior {
  double log_partition = 0.0;  // log Σ_s p(s_1) Σ_τ p(τ, O = 1 | s_1)
  Steps value;                 // [t][s]
  Steps high;                  // [t][s][z]
  Steps low;                   // [t][s][z][a]
  Steps flat;                  // [t][s][a]
};
StepPosterior enumerate_step_exact(const Problem& problem);

// p(z_t = z | s_t = s, O_{1:T}) and p(a_t | s_t, O_{1:T}) by conditioning whole trajectories
// from p(s_1); `mass[t][s]` is p(s_t = s, O) / p(O) (0 where s_t = s is unreachable).
struct TrajectoryConditionals {
  Steps high;
  Steps flat;
  Steps mass;
};
TrajectoryConditionals enumerate_step_conditionals(const Problem& problem);

// eq. 15 through the chain, nested loops over (s, z, a, s'):
//   Q_t(s,a) = r(s,a) + γ Σ_s' p(s'|s,a) V_{t+1}(s')         (V_{T+1} = 0)
//   V_lo(s,z) = α log Σ_a p(a|s,z) exp(Q/α),  V(s) = α log Σ_z p(z|s) exp(V_lo/α)
//   π_hi = p(z|s) exp((V_lo - V)/α),  π_lo = p(a|s,z) exp((Q - V_lo)/α)
// `hard`: the map limit, max over positive-prior values instead (π_hi, π_lo left empty).
struct StepBellman {
  Steps value;      // [t][s]
  Steps value_low;  // [t][s][z]
  Steps q;          // [t][s][a]; -inf where no z gives a positive prior (hard only)
  Steps high;
  Steps low;
  Steps flat;       // Σ_z π_hi π_lo
};
StepBellman step_bellman(const Problem& problem, bool hard);

// The ELBO of a hierarchical policy by enumerating its trajectories:
// E[Σ_t r + α (log p(z|s) p(a|s,z) - log π_hi(z|s) π_lo(a|s,z))] under
// p(s_1) Π π_hi π_lo p(s'|s,a) (and the end events).
double step_elbo(const Problem& problem, const Steps& high, const Steps& low);

// ---- flat policies under a prior (a latent per episode fixes z) ----------------------

// The flat soft / hard Bellman recursion for the prior p(a|s) ([s][a]), nested loops.
struct FlatBellman {
  Steps value;   // [t][s]
  Steps policy;  // [t][s][a] (hard: empty)
};
FlatBellman flat_bellman(const Mdp& mdp, const Table& action_prior, bool hard);

// E[Σ_t r + α (log p(a|s) - log π(a|s))] under π by enumerating trajectories;
// `entropy` false: the expected reward alone.
double flat_elbo(const Mdp& mdp, const Table& action_prior, const Steps& policy, bool entropy = true);

// p(a|s,z) for one z as a flat prior [s][a].
Table skill_of(const Problem& problem, std::size_t z);

// ---- latent per episode --------------------------------------------------------------

// Enumerating (z, τ): log p(O) = log Σ_z p(z) Σ_s p(s_1) Σ_τ p(τ|z) exp(Σ r/α), p(z | O),
// and per z the exact V_t^z(s) = α log Σ over futures from s and π_t^z(a|s).
struct EpisodePosterior {
  double log_partition = 0.0;
  Table posterior;                // [z]
  std::vector<Steps> value;       // [z][t][s]
  std::vector<Steps> policy;      // [z][t][s][a]
};
EpisodePosterior enumerate_episode_exact(const Problem& problem);

// ---- the skill-level MDP --------------------------------------------------------------

// Exact inference in the high-level model by enumerating (z, a, s') sequences with
// p(s_1) Π p(z|s) π_lo(a|s,z) exp(r_hi(s,z)/α) p(s'|s,a), r_hi(s,z) = Σ_a π_lo(a|s,z) r(s,a):
// log p(O), V_t(s) and p(z_t | s_t, O). `prior` empty: every z weighs 1.
struct SkillLevelPosterior {
  double log_partition = 0.0;
  Steps value;   // [t][s]
  Steps policy;  // [t][s][z]
};
SkillLevelPosterior enumerate_skill_level_exact(const Mdp& mdp, std::size_t num_latents, const Table& low,
                                                const Table& prior);
// eq. 15 / expectimax on the high-level model, nested loops over (s, z, a, s').
FlatBellman skill_level_bellman(const Mdp& mdp, std::size_t num_latents, const Table& low, const Table& prior,
                                bool hard);

// ---- EM's E-step -------------------------------------------------------------------------

// Σ_t p(s_t = s, z, a_t = a | O) ([s][z][a]), p(z | O) and log p(O) for one task
// (`reward` replaces the MDP's, [s][a]) with a latent per episode; exact: the posterior
// over (z, τ) by enumeration; variational: q(z) ∝ p(z) exp(J^z/α) and, given z, the
// soft-optimal π^z under the true dynamics (flat_bellman), log_evidence the ELBO.
struct EnumeratedCounts {
  Table state_latent_action;
  Table latent;
  double log_evidence = 0.0;
};
EnumeratedCounts enumerate_skill_counts(const Problem& problem, const Table& reward, bool variational);

// The shapes the latent tests cycle through: even seeds undiscounted, odd ones with
// γ < 1; every other pair lets p(z|s) forbid a z.
inline ProblemShape shape_for(std::uint64_t seed) {
  ProblemShape shape;
  shape.discount = seed % 2 == 1;
  shape.latent_zeros = (seed / 2) % 2 == 1;
  return shape;
}

inline double tolerance(double expected, double relative) { return relative * std::max(1.0, std::abs(expected)); }

inline SolveOptions options(ControlMethod method) { return SolveOptions{.method = method, .threads = 1}; }

}  // namespace copi::control::latent_oracle
