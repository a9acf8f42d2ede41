// Internal. A CSR array of probabilities stored as one-byte codes into a table of its
// distinct values, when it has at most 256 of them (grid dynamics have a handful: 0.8,
// 0.05, their sums at the walls). The gathers of the control backups and of forward
// visitation are bound by the bytes they stream per entry; a code is 1 byte where the
// double is 8, so the 4-byte child id + probability shrinks from 12 bytes to 5, and a
// 10⁴-state problem's dynamics fit in a core's L2 cache. table[code[k]] is the same
// double, bit for bit, as the array's entry k: sums read through the codes are the
// sums read from the array.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace copi::detail {

struct ProbabilityCodes {
  std::vector<std::uint8_t> code;  // one per entry; empty: the array has more than 256 distinct values
  std::array<double, 256> table{};

  [[nodiscard]] bool empty() const { return code.empty(); }
};

// The codes of `probability` (distinct values compared by bit pattern), or empty codes
// when it holds more than 256 distinct values. O(entries).
[[nodiscard]] ProbabilityCodes encode_probabilities(std::span<const double> probability);

}  // namespace copi::detail
