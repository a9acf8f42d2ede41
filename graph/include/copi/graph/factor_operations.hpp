// The factor algebra every algorithm needs, in log space: product, sum- and
// max-marginalisation, reduction by evidence. -inf (hard zero) survives all of them.
// Clear, general kernels; hot loops in the algorithms use specialised ones.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "copi/graph/discrete_factor.hpp"

namespace copi {

// log( Σ exp(values) ), exact for -inf entries; -inf for an empty or all -inf input.
double log_sum_exp(std::span<const double> log_values);
// log(exp(a) + exp(b)) with the larger factored out; exact for -inf on either side.
double log_add(double a, double b);

// The product of two factors; the result scope is a's scope followed by b's
// variables that are not in a.
DiscreteFactor product(const DiscreteFactor& a, const DiscreteFactor& b);

// Sum (in linear space) over the listed variables; variables absent from the scope
// are ignored.
DiscreteFactor sum_out(const DiscreteFactor& factor, std::span<const VarId> vars);

// Max over the listed variables.
DiscreteFactor max_out(const DiscreteFactor& factor, std::span<const VarId> vars);

// The factor restricted to var = state: var leaves the scope.
DiscreteFactor reduce(const DiscreteFactor& factor, VarId var, std::size_t state);

// The same function with its scope permuted to `order` (a permutation of the scope).
DiscreteFactor reorder(const DiscreteFactor& factor, std::span<const VarId> order);

// Shift log values so that they log-sum-exp to 0; returns the shift (the old log
// normaliser). Throws NumericError when every entry is -inf.
double normalize(DiscreteFactor& factor);

}  // namespace copi
