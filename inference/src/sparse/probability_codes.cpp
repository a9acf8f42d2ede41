#include "copi/inference/detail/probability_codes.hpp"

#include <bit>

namespace copi::detail {
namespace {

constexpr std::size_t kSlots = 1024;  // open addressing, at most a quarter full
constexpr std::size_t kMaxValues = 256;

std::size_t slot_of(std::uint64_t bits) { return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> 54); }

}  // namespace

ProbabilityCodes encode_probabilities(std::span<const double> probability) {
  static_assert(kSlots == std::size_t{1} << 10, "slot_of keeps the top 10 bits");
  ProbabilityCodes codes;
  std::array<std::uint64_t, kSlots> key{};
  std::array<std::int16_t, kSlots> value;  // -1: empty slot
  value.fill(-1);
  std::size_t distinct = 0;
  codes.code.resize(probability.size());
  std::uint64_t last_bits = 0;
  std::uint8_t last_code = 0;
  bool have_last = false;
  for (std::size_t k = 0; k < probability.size(); ++k) {
    const auto bits = std::bit_cast<std::uint64_t>(probability[k]);
    if (have_last && bits == last_bits) {  // runs of one value are common: skip the lookup
      codes.code[k] = last_code;
      continue;
    }
    std::size_t slot = slot_of(bits);
    while (value[slot] >= 0 && key[slot] != bits) slot = (slot + 1) % kSlots;
    if (value[slot] < 0) {
      if (distinct == kMaxValues) return {};
      key[slot] = bits;
      value[slot] = static_cast<std::int16_t>(distinct);
      codes.table[distinct] = probability[k];
      ++distinct;
    }
    last_bits = bits;
    last_code = static_cast<std::uint8_t>(value[slot]);
    have_last = true;
    codes.code[k] = last_code;
  }
  return codes;
}

}  // namespace copi::detail
