#include "copi/control/kernels.hpp"

#include "simd/sliced_rows.hpp"
#include "simd/vector_math.hpp"

namespace copi::control {

std::string backup_instruction_set() {
  // The two kernel files are compiled for the same targets, so the CPU picks the same
  // one for both; should that ever differ, say both.
  const std::string arithmetic = detail::vector_math_target();
  const std::string gather = detail::sliced_sums_target();
  return gather == arithmetic ? arithmetic : arithmetic + " (gather: " + gather + ")";
}

}  // namespace copi::control
