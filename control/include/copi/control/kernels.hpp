// What the control kernels run with on this CPU, for `copi --version` and bug reports.
#pragma once

#include <string>

namespace copi::control {

// The instruction set the backups' kernels (the vectorised gather, exp, log and soft
// maximum) were dispatched to at run time (Google Highway's target name: "AVX3" is
// AVX-512, then "AVX2", "SSE4", "SSSE3", "EMU128").
std::string backup_instruction_set();

}  // namespace copi::control
