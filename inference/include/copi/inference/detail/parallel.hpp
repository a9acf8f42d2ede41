// Internal (copi modules only, not a user API). The one place oneTBB appears: a
// per-call task arena sized by the caller's thread count, and parallel loops over an
// index range. Algorithms read as math; the pool is chosen here.
//
// copi is a guest in its host's process: it never touches tbb::global_control (that
// would change the parallelism of every other TBB user in the process). Each entry
// point runs its parallel work inside its own tbb::task_arena instead.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include "copi/inference/parallel.hpp"

namespace copi::detail {

// The thread count a call runs with: `requested`, or default_thread_count() for 0.
inline std::size_t resolve_threads(std::size_t requested) {
  return requested == 0 ? default_thread_count() : requested;
}

// Runs body(threads) with parallel loops confined to an arena of `requested` threads
// (0: the default); `threads` is the count in effect. One thread needs no arena: the
// loops below then run inline on the caller's thread.
template <typename Body>
auto with_threads(std::size_t requested, Body&& body) -> std::invoke_result_t<Body&, std::size_t> {
  const std::size_t threads = resolve_threads(requested);
  if (threads <= 1) return body(std::size_t{1});
  oneapi::tbb::task_arena arena(static_cast<int>(threads));
  return arena.execute([&] { return body(static_cast<std::size_t>(arena.max_concurrency())); });
}

// Chunk size for `count` items on `threads` threads: a few chunks per thread (for
// balance), never below `min_grain` items (so scheduling costs stay small).
inline std::size_t chunk_size(std::size_t count, std::size_t min_grain, std::size_t threads) {
  const std::size_t even = (count + 4 * threads - 1) / (4 * threads);
  return even > min_grain ? even : min_grain;
}

// body(begin, end) over [0, count) in chunks of at least `min_grain` items; with
// one thread, or too little work, the loop runs inline. Each index must write only
// its own outputs. Call it inside with_threads (it runs in the current arena).
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

// Sums of body(begin, end) -> std::array<double, N> over fixed blocks of `block` items,
// added in block order: the blocks do not depend on the thread count, so neither do
// the rounding and the result (a parallel_reduce's split would).
template <std::size_t N, typename Body>
std::array<double, N> parallel_sums(std::size_t count, std::size_t block, std::size_t threads,
                                    std::vector<std::array<double, N>>& partial, Body&& body) {
  const std::size_t blocks = (count + block - 1) / block;
  partial.resize(blocks);
  parallel_for_range(blocks, 1, threads, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
      const std::size_t begin = b * block;
      partial[b] = body(begin, count - begin < block ? count : begin + block);
    }
  });
  std::array<double, N> total{};
  for (const std::array<double, N>& sums : partial) {
    for (std::size_t k = 0; k < N; ++k) total[k] += sums[k];
  }
  return total;
}

}  // namespace copi::detail
