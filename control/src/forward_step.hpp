// Private. One forward message: the visitation of the next step from this step's,
// as a gather through the transposed dynamics (transposed_dynamics.hpp), parallel
// over next states and bit-identical to the serial forward sweep over the rows for
// any thread count. visitation() and inverse RL's expected feature counts use it.
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

  // out(s') = Σ over entries into s', in entry order, of (γ d(s)) π(a|s) p(s'|s,a): the
  // same products, added in the same order, as a serial sweep over the rows. States
  // flagged in `stopped` send nothing on.
  void run(const std::vector<double>& policy, const std::vector<double>& d, const std::vector<std::uint8_t>* stopped,
           std::vector<double>& out);

  // The exact (optimistic, eq. 7) backup's posterior: given O = 1 the dynamics are
  // not p(s'|s,a) but q(s'|s,a) = γ p(s'|s,a) exp(V'(s')/α) / (γ E_p[exp(V'/α)] + 1 − γ)
  // (the rest, 1 − Σ q, is the episode ending). out(s') = Σ d(s) π(a|s) q(s'|s,a), with
  // `next_value` = V'. Scaled by the largest V' (rows that would underflow by their
  // own), so nothing overflows or vanishes.
  void run_posterior(const std::vector<double>& policy, const std::vector<double>& d,
                     const std::vector<double>& next_value, const std::vector<std::uint8_t>* stopped,
                     std::vector<double>& out);

 private:
  // out(s') = Σ mass_ p over the entries into s', through the sliced lists.
  void gather_sliced(std::vector<double>& out) const;

  const Mdp& mdp_;
  std::size_t threads_;
  TransposedDynamics owned_;  // empty when reading a shared one
  const TransposedDynamics& dynamics_;
  std::vector<double> mass_;     // per row: γ d(s) π(a|s) (posterior: see run_posterior)
  std::vector<double> row_max_;  // posterior: the scale of a row redone in log space
  std::vector<double> z_;        // posterior: exp((V'(s') - max V') / α) per state
};

}  // namespace copi::control::detail
