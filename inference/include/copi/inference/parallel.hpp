// The thread pool size copi's parallel algorithms use by default: COPI_THREADS when
// set (a positive integer), otherwise every hardware thread. Algorithms take an
// explicit `threads` option that overrides it; results never depend on it.
#pragma once

#include <cstddef>

namespace copi {

// Throws InputError when COPI_THREADS is set but is not a positive integer.
[[nodiscard]] std::size_t default_thread_count();

}  // namespace copi
