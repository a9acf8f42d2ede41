// Internal. An allocator for the few large arrays an inference call fills once (Gaussian
// BP's pools of messages and potentials, the result's marginals): blocks of 2 MiB and
// more are 2 MiB-aligned and marked for transparent huge pages (madvise(MADV_HUGEPAGE),
// a hint about this block alone, no process-wide setting). A Kalman smoother over 10⁵
// steps touches ~90 MB of fresh memory per call; in 4 KiB pages that is ~23,000 page
// faults, which on a virtual machine cost as much as the arithmetic. Smaller blocks,
// and systems without madvise, get plain operator new.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace copi::detail {

template <typename T>
struct LargeBlockAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  LargeBlockAllocator() = default;
  template <typename U>
  explicit LargeBlockAllocator(const LargeBlockAllocator<U>&) noexcept {}

  [[nodiscard]] T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= kHugePage) {
      const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
      void* p = std::aligned_alloc(kHugePage, rounded);
      if (p == nullptr) throw std::bad_alloc();
      (void)madvise(p, rounded, MADV_HUGEPAGE);  // a hint: refused, the block still works
      return static_cast<T*>(p);
    }
#endif
    return static_cast<T*>(::operator new(bytes));
  }

  void deallocate(T* p, std::size_t n) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (n * sizeof(T) >= kHugePage) {
      std::free(p);
      return;
    }
#endif
    ::operator delete(p);
    (void)n;
  }

  template <typename U>
  bool operator==(const LargeBlockAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace copi::detail
