// Private. Reading a linear map or a quadratic form from a function that can only be
// evaluated (an `lqr` block's expression with its components bound): the
// coefficients at the unit vectors (and their pairwise sums), then one check at a
// point with no special structure, so that an expression of another form is caught.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "copi/control/lqr.hpp"

namespace copi::dsl {

using PointFunction = std::function<double(const std::vector<double>&)>;

struct LinearRead {
  double constant = 0.0;             // f(0); a linear map has none
  std::vector<double> coefficients;  // f(e_j) − f(0)
  bool linear = false;               // f(z) = Σ_j c_j z_j at the probe (relative 1e-9)
};

// f on R^d as Σ_j c_j w_j.
LinearRead read_linear(const PointFunction& f, std::size_t d);

struct QuadraticRead {
  double constant = 0.0;                  // f(0); a quadratic form has none
  std::optional<std::size_t> linear_in;   // the first component with a linear term
  control::LqrMatrix form;                // M with f(w) = −½ wᵀ M w (symmetric)
  bool quadratic = false;                 // checked at the probe (relative 1e-9)
};

// f on R^d as −½ wᵀ M w: M_ii = −(f(e_i) + f(−e_i)), M_ij = f(e_i) + f(e_j) − f(e_i + e_j).
QuadraticRead read_quadratic(const PointFunction& f, std::size_t d);

}  // namespace copi::dsl
