// libFuzzer target: see dsl_inputs.hpp for how an input is read and checked.
#include <cstddef>
#include <cstdint>

#include "dsl_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return copi::fuzz::fuzz_one(copi::fuzz::kCsv, data, size);
}
