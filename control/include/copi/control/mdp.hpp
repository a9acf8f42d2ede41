// A Markov decision process for control as inference (Levine 2018): states, actions,
// sparse stochastic dynamics p(s'|s,a) in CSR form (a 10^6-state MDP is never
// densified), reward r(s,a), initial distribution p(s_1), optional action prior
// p(a|s), horizon T and/or discount γ, temperature α. Optimality variables have
// p(O_t = 1 | s_t, a_t) = exp(r(s_t, a_t) / α).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace copi::control {

// Limits Mdp::validate enforces, for readers that check them at the line of a file.
inline constexpr double kProbabilitySumTolerance = 1e-9;  // a distribution sums to 1 within this
inline constexpr double kMaxAbsReward = 1e100;            // |r(s, a)| at most this

struct Mdp {
  std::size_t num_states = 0;
  std::size_t num_actions = 0;
  // Row (s, a) is index s * num_actions + a; its successors are
  // next_state[row_begin[row] .. row_begin[row + 1]) with probabilities probability[...].
  std::vector<std::uint64_t> row_begin;  // num_states * num_actions + 1 entries
  std::vector<std::uint32_t> next_state;
  std::vector<double> probability;
  std::vector<double> reward;            // num_states * num_actions, r(s, a)
  std::vector<double> initial;           // num_states, p(s_1)
  std::vector<double> action_prior;      // empty (no prior factor) or num_states * num_actions
  // Forbidden moves: empty (every action available everywhere) or num_states *
  // num_actions flags, 0 = action a is unavailable in state s. Without a prior the
  // available actions weigh 1 each, so V = α log Σ_{available a} exp(Q/α); with a prior
  // it must give the unavailable actions probability 0.
  std::vector<std::uint8_t> allowed;
  std::optional<std::size_t> horizon;    // T: finite horizon
  std::optional<double> discount;        // γ in (0, 1]: the episode ends with probability 1 - γ per step
  double alpha = 1.0;                    // temperature α > 0
  std::vector<std::string> state_labels;   // optional, for output
  std::vector<std::string> action_labels;  // optional, for output

  [[nodiscard]] std::size_t rows() const { return num_states * num_actions; }
  // Whether the step has an action factor (a prior or forbidden moves) and its weight
  // for row s * num_actions + a: p(a|s), or 1 / 0 for an available / forbidden action.
  [[nodiscard]] bool has_action_factor() const { return !action_prior.empty() || !allowed.empty(); }
  [[nodiscard]] double action_weight(std::size_t row) const {
    if (!allowed.empty() && allowed[row] == 0) return 0.0;
    return action_prior.empty() ? 1.0 : action_prior[row];
  }

  // Throws InputError naming the first violated rule: sizes, ids in range, rows and
  // distributions summing to one within 1e-9, α in [1e-100, 1e100], 0 < γ ≤ 1, rewards
  // within ±1e100, a horizon or a discount (or both), an available action in every
  // state, no prior mass on a forbidden action; γ = 1 without a horizon only for a
  // stochastic shortest path (see check_stochastic_shortest_path).
  void validate() const;
};

// Whether the episode has ended in state s: exactly one available action, of weight 1
// (no prior, or p(a|s) = 1), whose only successor is s itself (probability 1), with
// reward 0. Neither reward nor entropy accrues there, so V(s) = 0 for every method
// (the solvers return exactly 0). This is how the language lowers `absorbing`.
[[nodiscard]] bool is_absorbing(const Mdp& mdp, std::size_t s);
// The absorbing states, in increasing order.
[[nodiscard]] std::vector<std::uint32_t> absorbing_states(const Mdp& mdp);

// γ = 1 without a horizon is well defined when every policy reaches an absorbing state
// with probability 1 (a stochastic shortest path). Checked on the graph alone: there
// must be no nonempty set C of non-absorbing states in which each state has an
// available action whose successors (those of positive probability) all lie in C —
// a policy choosing those actions would stay in C forever. Returns the largest such
// set (empty: every policy ends; then every stationary policy, soft ones included,
// reaches an absorbing state with probability 1). O(entries) time and memory.
[[nodiscard]] std::vector<std::uint32_t> states_that_can_avoid_absorption(const Mdp& mdp);

// Builds the CSR arrays from (state, action, next_state, probability) transitions
// given in any order; rows are sorted by (s, a) and successors by next state.
struct Transition {
  std::uint32_t state;
  std::uint32_t action;
  std::uint32_t next_state;
  double probability;
};
void set_transitions(Mdp& mdp, std::vector<Transition> transitions);

}  // namespace copi::control
