#include "copi/control/kernels.hpp"

#include "simd/vector_math.hpp"

namespace copi::control {

std::string backup_instruction_set() { return detail::vector_math_target(); }

}  // namespace copi::control
