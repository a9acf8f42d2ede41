// Private. BiCGSTAB (van der Vorst 1992) with right Jacobi preconditioning, parallel
// in its vector operations: the iteration of Eigen's BiCGSTAB (restarts included),
// written out because Eigen evaluates its vector updates and dot products serially —
// at 10^6 states they were 40% of a policy evaluation and the part that did not scale
// with threads. Each pass fuses an update with the dot products that follow it (five
// passes per iteration), and dot products are summed over fixed blocks in block order
// (copi::detail::parallel_sums), so the iterates are bit-identical for any thread count.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "copi/inference/detail/parallel.hpp"

namespace copi::control::detail {

// Vectors kept across solves (a policy iteration solves one system per improvement).
struct BicgstabWorkspace {
  std::vector<double> r, r0, p, v, s, t, y, z;
  std::vector<std::array<double, 2>> partial;
};

// Solves A x = b from the guess in x until ‖b - A x‖₂ <= relative ‖b‖₂ (checked on the
// recurrence's residual, as Eigen does) or max_products / 2 iterations; returns the
// products with A done. `apply(in, out)` writes out = A in (in parallel as it likes);
// `inverse_diagonal` is the Jacobi preconditioner, 1 / A(i, i).
template <typename Apply>
std::size_t bicgstab(Apply&& apply, const double* inverse_diagonal, const double* b, double* x, std::size_t n,
                     double relative, std::size_t max_products, std::size_t threads, BicgstabWorkspace& w) {
  constexpr std::size_t kBlock = 4096;  // items per summed block and per task
  const auto sums = [&](auto&& body) { return copi::detail::parallel_sums<2>(n, kBlock, threads, w.partial, body); };
  const auto each = [&](auto&& body) { copi::detail::parallel_for_range(n, kBlock, threads, body); };
  for (std::vector<double>* vector : {&w.r, &w.r0, &w.p, &w.v, &w.s, &w.t, &w.y, &w.z}) vector->resize(n);
  double* r = w.r.data();
  double* r0 = w.r0.data();
  double* p = w.p.data();
  double* v = w.v.data();
  double* s = w.s.data();
  double* t = w.t.data();
  double* y = w.y.data();
  double* z = w.z.data();

  std::size_t products = 0;
  // r = r0 = b - A x; returns {‖r‖², ‖b‖²}.
  const auto residual = [&] {
    apply(static_cast<const double*>(x), t);
    ++products;
    return sums([&](std::size_t begin, std::size_t end) {
      std::array<double, 2> acc{};
      for (std::size_t i = begin; i < end; ++i) {
        r[i] = r0[i] = b[i] - t[i];
        acc[0] += r[i] * r[i];
        acc[1] += b[i] * b[i];
      }
      return acc;
    });
  };
  const std::array<double, 2> start = residual();
  double r0_squared = start[0];
  const double b_squared = start[1];
  if (b_squared == 0.0) {
    each([&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) x[i] = 0.0;
    });
    return products;
  }
  each([&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) p[i] = v[i] = 0.0;
  });
  const double threshold = relative * relative * b_squared;
  constexpr double kEps2 = std::numeric_limits<double>::epsilon() * std::numeric_limits<double>::epsilon();
  const std::size_t max_iterations = max_products / 2;
  double r_squared = r0_squared;
  double next_rho = r0_squared;  // r0 · r, from the pass that made r
  double rho = 1.0;
  double alpha = 1.0;
  double omega = 1.0;
  std::size_t restarts = 0;
  for (std::size_t i = 0; r_squared > threshold && i < max_iterations; ++i) {
    const double rho_old = rho;
    rho = next_rho;
    if (std::abs(rho) < kEps2 * r0_squared) {
      // r has become orthogonal to the shadow residual r0: restart with r0 = r.
      rho = r0_squared = residual()[0];
      if (restarts++ == 0) i = 0;
    }
    const double beta = (rho / rho_old) * (alpha / omega);
    each([&](std::size_t begin, std::size_t end) {
      for (std::size_t k = begin; k < end; ++k) {
        p[k] = r[k] + beta * (p[k] - omega * v[k]);
        y[k] = inverse_diagonal[k] * p[k];
      }
    });
    apply(static_cast<const double*>(y), v);
    ++products;
    const double r0_v = sums([&](std::size_t begin, std::size_t end) {
      std::array<double, 2> acc{};
      for (std::size_t k = begin; k < end; ++k) acc[0] += r0[k] * v[k];
      return acc;
    })[0];
    alpha = rho / r0_v;
    each([&](std::size_t begin, std::size_t end) {
      for (std::size_t k = begin; k < end; ++k) {
        s[k] = r[k] - alpha * v[k];
        z[k] = inverse_diagonal[k] * s[k];
      }
    });
    apply(static_cast<const double*>(z), t);
    ++products;
    const std::array<double, 2> ts = sums([&](std::size_t begin, std::size_t end) {
      std::array<double, 2> acc{};
      for (std::size_t k = begin; k < end; ++k) {
        acc[0] += t[k] * t[k];
        acc[1] += t[k] * s[k];
      }
      return acc;
    });
    omega = ts[0] > 0.0 ? ts[1] / ts[0] : 0.0;
    const std::array<double, 2> next = sums([&](std::size_t begin, std::size_t end) {
      std::array<double, 2> acc{};
      for (std::size_t k = begin; k < end; ++k) {
        x[k] += alpha * y[k] + omega * z[k];
        r[k] = s[k] - omega * t[k];
        acc[0] += r[k] * r[k];
        acc[1] += r0[k] * r[k];
      }
      return acc;
    });
    r_squared = next[0];
    next_rho = next[1];
  }
  return products;
}

}  // namespace copi::control::detail
