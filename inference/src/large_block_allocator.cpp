#include "copi/inference/detail/large_block_allocator.hpp"

#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace copi::detail {
namespace {

#if defined(__linux__) && defined(MADV_HUGEPAGE)
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr bool kHugePages = true;
#else
constexpr std::size_t kHugePage = 0;
constexpr bool kHugePages = false;
#endif

bool huge(std::size_t bytes) { return kHugePages && bytes >= kHugePage; }

}  // namespace

void* allocate_block(std::size_t bytes) {
  if (!huge(bytes)) return ::operator new(bytes);
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* block = std::aligned_alloc(kHugePage, rounded);
  if (block == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  (void)madvise(block, rounded, MADV_HUGEPAGE);  // a hint: if refused, the block still works
#endif
  return block;
}

void free_block(void* block, std::size_t bytes) noexcept {
  if (huge(bytes)) {
    std::free(block);
  } else {
    ::operator delete(block);
  }
}

}  // namespace copi::detail
