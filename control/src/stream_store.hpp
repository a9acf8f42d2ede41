// Private. A store that bypasses the cache, for the policies a backup writes: far larger
// than the cache and not read again in that backup, so writing around the cache saves
// reading every line before overwriting it. The writer fences (_mm_sfence) before its
// task ends.
#pragma once

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace copi::control::detail {

inline void stream_store(double* out, double value) {
#if defined(__x86_64__)
  long long bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  _mm_stream_si64(reinterpret_cast<long long*>(out), bits);
#else
  *out = value;
#endif
}

}  // namespace copi::control::detail
