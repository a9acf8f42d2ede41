// Internal (installed because the control module reads it). The one rule for when a
// kernel may compute in the linear domain and when it must fall back to log space,
// shared by exact inference, belief propagation, sparse conditionals and the control
// backups. docs/algorithms.md ("Linear or log domain") states it for users.
//
// A kernel may work on a max-shifted linear copy of its log values — exp(l - max l),
// so the largest value is 1 and the shift is kept aside as a log — because plain
// multiplies and adds are far faster than a log-sum-exp per entry. The copy is exact to
// double precision as long as every result the kernel keeps (a sum, a normaliser, a
// bound on a table's smallest positive entry) is above kLinearFloor: anything that
// fell below the smallest normal double (2.2e-308) on the way, even a trillion such
// terms, is then less than 1e-45 of that result, far below one rounding (1.1e-16).
// Where a kernel cannot keep that guarantee it does the work again in log space (the
// largest term factored out, nothing can underflow): the row (sparse conditionals,
// control backups), or the whole solve (exact inference, belief propagation).
#pragma once

namespace copi::detail {

// A linear-domain kernel keeps only results above this; at or below it, log space. Far
// above the subnormals (where precision is lost and Eigen's vectorised log is inaccurate).
inline constexpr double kLinearFloor = 1e-250;

// The widest span (max - min, in nats) of finite log values a table may have to be
// stored linear: exp(-575) = 1.1e-250, so every positive entry of its max-shifted copy
// is above kLinearFloor. A product of k such tables may span k times this, which
// is why the kernels check their results (or, in exact inference, a bound on them) too.
inline constexpr double kLinearLogRange = 575.0;

// A running product of linear messages is rescaled (largest entry back to 1) when its
// largest entry falls below this, the square root of the floor: rescaling is exact (the
// scale is dropped by normalisation) and keeps the product of two factors of that
// size at the floor or above, so rarely below it.
inline constexpr double kRescaleBelow = 1e-125;

}  // namespace copi::detail
