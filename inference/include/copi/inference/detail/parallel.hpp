// Internal (copi modules only, not a user API). The one place oneTBB appears: a thread limit for a scope and a parallel
// loop over an index range. Algorithms read as math; the pool is set here.
#pragma once

#include <cstddef>
#include <memory>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>

#include "copi/inference/parallel.hpp"

namespace copi::detail {

// Caps the number of worker threads while alive (0 means default_thread_count()).
class ThreadLimit {
 public:
  explicit ThreadLimit(std::size_t threads)
      : threads_(threads == 0 ? default_thread_count() : threads),
        control_(oneapi::tbb::global_control::max_allowed_parallelism, threads_) {}
  [[nodiscard]] std::size_t threads() const { return threads_; }

 private:
  std::size_t threads_;
  oneapi::tbb::global_control control_;
};

// Chunk size for `count` items on `threads` threads: a few chunks per thread (for
// balance), never below `min_grain` items (so scheduling costs stay small).
inline std::size_t chunk_size(std::size_t count, std::size_t min_grain, std::size_t threads) {
  const std::size_t even = (count + 4 * threads - 1) / (4 * threads);
  return even > min_grain ? even : min_grain;
}

// body(begin, end) over [0, count) in chunks of at least `min_grain` items; with
// one thread, or too little work, the loop runs inline. Each index must write only
// its own outputs.
template <typename Body>
void parallel_for_range(std::size_t count, std::size_t min_grain, std::size_t threads, Body&& body) {
  if (threads <= 1 || count <= 2 * min_grain) {
    body(std::size_t{0}, count);
    return;
  }
  oneapi::tbb::parallel_for(
      oneapi::tbb::blocked_range<std::size_t>(0, count, chunk_size(count, min_grain, threads)),
      [&](const oneapi::tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); },
      oneapi::tbb::simple_partitioner());
}

// The maximum of body(begin, end) over chunks: max is exact in any order, so the
// result does not depend on the thread count.
template <typename Body>
double parallel_max(std::size_t count, std::size_t min_grain, std::size_t threads, Body&& body) {
  if (threads <= 1 || count <= 2 * min_grain) return body(std::size_t{0}, count);
  return oneapi::tbb::parallel_reduce(
      oneapi::tbb::blocked_range<std::size_t>(0, count, chunk_size(count, min_grain, threads)), 0.0,
      [&](const oneapi::tbb::blocked_range<std::size_t>& r, double acc) {
        const double m = body(r.begin(), r.end());
        return m > acc ? m : acc;
      },
      [](double a, double b) { return a > b ? a : b; }, oneapi::tbb::simple_partitioner());
}

}  // namespace copi::detail
