#include "copi/inference/detail/parallel.hpp"

#include <cstdlib>
#include <string>
#include <thread>

#include "copi/graph/error.hpp"

namespace copi {

std::size_t default_thread_count() {
  if (const char* text = std::getenv("COPI_THREADS"); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value <= 0 || value > 4096) {
      throw InputError(std::string("COPI_THREADS='") + text + "': expected a positive integer");
    }
    return static_cast<std::size_t>(value);
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : hardware;
}

}  // namespace copi
