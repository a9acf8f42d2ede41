// Private. The dynamics read backwards: for each next state s', the CSR entries that
// lead to it (their (s, a) row and probability), in increasing entry order — the order
// in which a forward sweep over the rows meets them. A gather over these lists adds
// the same terms in the same order as that sweep, so it gives the same bits, and it
// runs in parallel over next states without two tasks writing one value.
// Entries of probability 0 are left out.
#pragma once

#include <cstdint>
#include <vector>

#include "copi/control/mdp.hpp"
#include "simd/sliced_rows.hpp"

namespace copi::control::detail {

struct TransposedDynamics {
  std::vector<std::uint64_t> begin;  // num_states + 1: entries of next state s' are [begin[s'], begin[s' + 1])
  std::vector<std::uint64_t> row;    // the row s * A + a of each entry
  std::vector<double> probability;   // p(s' | s, a) of each entry; empty unless asked for
  // With the probabilities: the same lists eight next states at a time (slice q: next
  // states 8q .. 8q + 7), for the vectorised gather; empty if a row id exceeds int32.
  SlicedRows sliced;
};

// O(entries) time; 8 bytes per entry for the rows, 8 + ~12 more with the probabilities
// (the slices only when `sliced` is set).
TransposedDynamics transpose(const Mdp& mdp, bool with_probability, std::size_t threads = 1, bool sliced = true);

}  // namespace copi::control::detail
