#include "transposed_dynamics.hpp"

#include <utility>

namespace copi::control::detail {

TransposedDynamics transpose(const Mdp& mdp, bool with_probability, std::size_t threads, bool sliced) {
  TransposedDynamics t;
  t.begin.assign(mdp.num_states + 1, 0);
  for (std::size_t k = 0; k < mdp.next_state.size(); ++k) {
    if (mdp.probability[k] > 0.0) ++t.begin[mdp.next_state[k] + 1];
  }
  for (std::size_t s = 0; s < mdp.num_states; ++s) t.begin[s + 1] += t.begin[s];
  t.row.resize(t.begin.back());
  if (with_probability) t.probability.resize(t.begin.back());
  std::vector<std::uint64_t> fill(t.begin.begin(), t.begin.end() - 1);
  for (std::size_t row = 0; row < mdp.rows(); ++row) {
    for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
      if (!(mdp.probability[k] > 0.0)) continue;
      const std::uint64_t at = fill[mdp.next_state[k]]++;
      t.row[at] = row;
      if (with_probability) t.probability[at] = mdp.probability[k];
    }
  }
  if (with_probability && sliced) {
    const std::size_t states = mdp.num_states;
    t.sliced = slice_rows((states + SlicedRows::kWidth - 1) / SlicedRows::kWidth, t.row.data(), t.probability.data(),
                          [&](std::size_t q, std::size_t j) {
                            const std::size_t x = q * SlicedRows::kWidth + j;
                            return x < states ? std::pair{t.begin[x], t.begin[x + 1]} : std::pair{std::uint64_t{0}, std::uint64_t{0}};
                          }, kCompactSlicesBytes, threads);
  }
  return t;
}

}  // namespace copi::control::detail
