// libFuzzer target: see control_inputs.hpp for how an input is read and checked.
#include <cstddef>
#include <cstdint>

#include "control_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return copi::fuzz::fuzz_one(copi::fuzz::kLatentCsv, data, size);
}
