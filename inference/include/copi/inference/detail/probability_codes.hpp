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

// Codes one value at a time, for callers that fill their own code array.
class ProbabilityEncoder {
 public:
  ProbabilityEncoder();
  // The value's code (distinct values compared by bit pattern); false when it would
  // be the 257th distinct value.
  [[nodiscard]] bool encode(double value, std::uint8_t& code);
  [[nodiscard]] const std::array<double, 256>& table() const { return table_; }

 private:
  static constexpr std::size_t kSlots = 1024;  // open addressing, at most a quarter full
  std::array<std::uint64_t, kSlots> key_{};
  std::array<std::int16_t, kSlots> slot_code_;  // -1: empty slot
  std::array<double, 256> table_{};
  std::size_t distinct_ = 0;
  std::uint64_t last_bits_ = 0;
  std::uint8_t last_code_ = 0;
  bool have_last_ = false;
};

// The codes of `probability`, or empty codes when it holds more than 256 distinct
// values. O(entries).
[[nodiscard]] ProbabilityCodes encode_probabilities(std::span<const double> probability);

}  // namespace copi::detail
