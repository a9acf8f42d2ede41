#include "copi/inference/detail/probability_codes.hpp"

#include <bit>

namespace copi::detail {
namespace {

std::size_t slot_of(std::uint64_t bits) { return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> 54); }

}  // namespace

ProbabilityEncoder::ProbabilityEncoder() {
  static_assert(kSlots == std::size_t{1} << 10, "slot_of keeps the top 10 bits");
  slot_code_.fill(-1);
}

bool ProbabilityEncoder::encode(double value, std::uint8_t& code) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  if (have_last_ && bits == last_bits_) {  // runs of one value are common: skip the lookup
    code = last_code_;
    return true;
  }
  std::size_t slot = slot_of(bits);
  while (slot_code_[slot] >= 0 && key_[slot] != bits) slot = (slot + 1) % kSlots;
  if (slot_code_[slot] < 0) {
    if (distinct_ == table_.size()) return false;
    key_[slot] = bits;
    slot_code_[slot] = static_cast<std::int16_t>(distinct_);
    table_[distinct_] = value;
    ++distinct_;
  }
  last_bits_ = bits;
  last_code_ = static_cast<std::uint8_t>(slot_code_[slot]);
  have_last_ = true;
  code = last_code_;
  return true;
}

ProbabilityCodes encode_probabilities(std::span<const double> probability) {
  ProbabilityCodes codes;
  ProbabilityEncoder encoder;
  codes.code.resize(probability.size());
  for (std::size_t k = 0; k < probability.size(); ++k) {
    if (!encoder.encode(probability[k], codes.code[k])) return {};
  }
  codes.table = encoder.table();
  return codes;
}

}  // namespace copi::detail
