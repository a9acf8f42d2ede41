// Private. A store that bypasses the cache, for the policies a backup writes: far larger
// than the cache and not read again in that backup, so writing around the cache saves
// reading every line before overwriting it. The writer fences (_mm_sfence) before its
// task ends.
#pragma once

#include <cstddef>
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

// A policy table of this many bytes or more is streamed around the cache; a smaller one
// is stored normally, so that a forward pass reading it soon after (inverse RL's
// visitation, 50 steps of a 10⁴-state problem) finds it in the cache instead of memory.
inline constexpr std::size_t kStreamPolicyBytes = std::size_t{8} << 20;

inline void store_policy(double* out, double value, bool around_cache) {
  if (around_cache) {
    stream_store(out, value);
  } else {
    *out = value;
  }
}

}  // namespace copi::control::detail
