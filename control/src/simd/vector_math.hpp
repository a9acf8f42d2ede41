// Private. The exponential of an array, vectorised for the CPU found at run time
// (Google Highway's dynamic dispatch: one copy of the kernel per instruction set, each
// in its own namespace and compiled with its own target attributes, so the portable
// build runs AVX2 or AVX-512 code where the CPU has it without an ODR hazard). The
// backups' exp is where their time goes; Eigen's is vectorised only as far as the
// compiler flags allow (SSE2 in the portable release build).
#pragma once

#include <cstddef>
#include <string>

namespace copi::control::detail {

// x[i] = exp(x[i]) for i < n; exp(-inf) and anything below -745 give 0, NaN stays NaN.
// At most 1 ulp from the correctly rounded value (Highway's documented bound).
void exp_in_place(double* x, std::size_t n);

// x[i] = log(x[i]) for i < n, as std::log for 0 (-inf), +inf, negatives and NaN (NaN).
// At most 1 ulp from the correctly rounded value (Highway's documented bound).
void log_in_place(double* x, std::size_t n);

// Packets of kPacketLanes doubles: lane j of packet (g, a) at q[(g A + a) kPacketLanes + j],
// for groups g of states and their actions a. Per group and lane: hi = max_a q,
// q <- exp(q - hi) (as exp_in_place), sum = Σ_a q (in action order), then, if
// `normalise`, q <- q · (1 / sum). hi and sum hold kPacketLanes values per group.
inline constexpr std::size_t kPacketLanes = 8;
void soft_max_packets(double* q, std::size_t groups, std::size_t actions, double* hi, double* sum, bool normalise);

// The exact backup's weights, packets as above with `weight` laid out like q: per group
// and lane, lowest = min_a q (before), q <- (q + end_weight) · weight, sum = Σ_a q (in
// action order), then, if `normalise`, q <- q · (1 / sum).
void exact_packets(double* q, const double* weight, std::size_t groups, std::size_t actions, double end_weight,
                   double* lowest, double* sum, bool normalise);

// The instruction set exp_in_place runs with on this CPU ("AVX3", "AVX2", "SSE4", ...).
std::string vector_math_target();

}  // namespace copi::control::detail
