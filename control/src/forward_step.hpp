// Private. One forward message: the visitation of the next step from this step's,
// as a gather through the transposed dynamics (transposed_dynamics.hpp), parallel
// over next states and bit-identical for any thread count. visitation() and inverse
// RL's expected feature counts use it.
//
// When every state's actions list the same successors in the same order (a slippery
// grid's do), the flow leaving a state is summed over its actions first, per
// successor, and each next state gathers one value per predecessor state instead of
// one per (state, action) row: A times fewer gathers. The sums then differ from the
// serial sweep over the rows by rounding only; otherwise they are its very bits.
#pragma once

#include <cstdint>
#include <vector>

#include "copi/control/mdp.hpp"
#include "transposed_dynamics.hpp"

namespace copi::control::detail {

class ForwardStep {
 public:
  ForwardStep(const Mdp& mdp, std::size_t threads);
  // Reading a transposition the caller keeps (one per MDP for many forward passes:
  // skill learning's tasks and latent values); it must outlive this object.
  ForwardStep(const Mdp& mdp, const TransposedDynamics& shared, std::size_t threads);

  // out(s') = Σ over entries into s' of (γ d(s)) π(a|s) p(s'|s,a): without shared
  // successors the same products, added in the same order, as a serial sweep over the
  // rows; with them Σ over predecessor states s, in increasing order, of
  // Σ_a (γ d(s) π(a|s)) p(s'|s,a), actions in increasing order. States flagged in
  // `stopped` send nothing on.
  void run(const std::vector<double>& policy, const std::vector<double>& d, const std::vector<std::uint8_t>* stopped,
           std::vector<double>& out);

  // The exact (optimistic, eq. 7) backup's posterior: given O = 1 the dynamics are
  // not p(s'|s,a) but q(s'|s,a) = γ p(s'|s,a) exp(V'(s')/α) / (γ E_p[exp(V'/α)] + 1 − γ)
  // (the rest, 1 − Σ q, is the episode ending). out(s') = Σ d(s) π(a|s) q(s'|s,a), with
  // `next_value` = V'. Scaled by the largest V' (rows that would underflow by their
  // own), so nothing overflows or vanishes.
  // Whether run() takes the shared-successor form.
  [[nodiscard]] bool shares_successors() const { return !successor_begin_.empty(); }

  void run_posterior(const std::vector<double>& policy, const std::vector<double>& d,
                     const std::vector<double>& next_value, const std::vector<std::uint8_t>* stopped,
                     std::vector<double>& out);

 private:
  // out(s') = Σ weight · w over the entries of `sliced` into s' (lane s' mod 8 of slice s' / 8).
  void gather_sliced(const SlicedRows& sliced, const double* w, std::vector<double>& out) const;
  // The shared-successor form (see above), when the MDP has it: built by the constructor.
  void share_successors();

  const Mdp& mdp_;
  std::size_t threads_;
  TransposedDynamics owned_;  // empty when reading a shared one
  const TransposedDynamics& dynamics_;
  std::vector<double> mass_;     // per row: γ d(s) π(a|s) (posterior: see run_posterior)
  std::vector<double> row_max_;  // posterior: the scale of a row redone in log space
  std::vector<double> z_;        // posterior: exp((V'(s') - max V') / α) per state
  // Shared successors: state s's successors are entries [successor_begin_[s],
  // successor_begin_[s + 1]) (those of its action-0 row), flow_ holds per such entry
  // γ d(s) Σ_a π(a|s) p(s'|s,a), and into_ slices, eight next states at a time, the
  // entries leading to each next state (weight 1) in increasing order. Empty: not shared.
  std::vector<std::uint64_t> successor_begin_;
  SlicedRows into_;
  std::vector<double> flow_;
};

}  // namespace copi::control::detail
