// libFuzzer target: see graph_inputs.hpp for how an input is read and checked.
#include <cstddef>
#include <cstdint>

#include "graph_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return copi::fuzz::fuzz_one(copi::fuzz::kClusters, data, size);
}
