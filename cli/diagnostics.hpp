// How the copi command reports failures: compiler-style `file:line:col: error: ...`
// followed by the offending source line and a caret, and the exit status each error
// kind maps to (DESIGN.md: 0 ok, 1 not converged / numeric, 2 bad input, 3 refused).
#pragma once

#include <exception>
#include <iosfwd>

namespace copi::cli {

enum ExitStatus : int { kOk = 0, kNotConverged = 1, kBadInput = 2, kResourceLimit = 3 };

// Prints the error in flight (call from a catch block) and returns its exit status.
int report_current_exception(std::ostream& err);

}  // namespace copi::cli
