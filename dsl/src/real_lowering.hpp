// Private. Small helpers shared by the files that lower statements about real
// variables (real_draws.cpp, real_mixtures.cpp, real_sites.cpp).
#pragma once

#include <cmath>
#include <numbers>

#include <boost/spirit/home/x3/support/ast/variant.hpp>

#include "ast.hpp"

namespace copi::dsl {

inline const ast::Expression* expression_in(const ast::TableItem& item) {
  return boost::get<ast::Expression>(&item);
}

// The call an argument is, or null (`normal(...)` inside `mixture(w: normal(...))`).
const ast::Call* call_in(const ast::TableItem& item);

inline double log_normal_density(double residual, double variance) {
  return -0.5 * std::log(2.0 * std::numbers::pi * variance) - residual * residual / (2.0 * variance);
}

}  // namespace copi::dsl
