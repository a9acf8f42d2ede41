// libFuzzer target for the .copi front end: any byte string must compile to a model
// or to diagnostics — never crash, hang or trip a sanitizer.
//   CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCOPI_BUILD_FUZZ=ON
//   cmake --build build/fuzz --target fuzz_parser
//   build/fuzz/fuzz/fuzz_parser fuzz/corpus/parser -max_total_time=600
#include <cstddef>
#include <cstdint>
#include <string>

#include "copi/dsl/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // A directory with no files: includes and CSV sources fail cleanly as diagnostics.
  const copi::dsl::CompileResult result = copi::dsl::compile_text(text, "fuzz.copi", "/nonexistent-copi-fuzz-dir");
  (void)result;
  return 0;
}
