// Internal. An allocator for the few large arrays an inference call fills once (Gaussian
// BP's pools of messages and potentials, the result's marginals): blocks of 2 MiB and
// more are 2 MiB-aligned and marked for transparent huge pages (madvise(MADV_HUGEPAGE),
// a hint about this block alone, no process-wide setting). A Kalman smoother over 10⁵
// steps touches ~90 MB of fresh memory per call; in 4 KiB pages that is ~23,000 page
// faults, which on a virtual machine cost as much as the arithmetic. Smaller blocks,
// and systems without madvise, get plain operator new.
#pragma once

#include <cstddef>

namespace copi::detail {

// The untyped halves (large_block_allocator.cpp): bytes from allocate_block go back to
// free_block with the same count.
[[nodiscard]] void* allocate_block(std::size_t bytes);
void free_block(void* block, std::size_t bytes) noexcept;

template <typename T>
struct LargeBlockAllocator {
  using value_type = T;

  LargeBlockAllocator() = default;
  template <typename U>
  explicit LargeBlockAllocator(const LargeBlockAllocator<U>&) noexcept {}

  [[nodiscard]] T* allocate(std::size_t n) { return static_cast<T*>(allocate_block(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { free_block(p, n * sizeof(T)); }

  template <typename U>
  bool operator==(const LargeBlockAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace copi::detail
