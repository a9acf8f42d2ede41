#include "lqr_forms.hpp"

#include <cmath>

namespace copi::dsl {
namespace {

std::vector<double> unit(std::size_t d, std::size_t i, double scale = 1.0) {
  std::vector<double> w(d, 0.0);
  w[i] = scale;
  return w;
}

// A point with no special structure (distinct magnitudes, alternating signs).
std::vector<double> probe(std::size_t d) {
  std::vector<double> w(d);
  for (std::size_t i = 0; i < d; ++i) w[i] = (i % 2 == 0 ? 1.0 : -1.0) * (0.75 + 0.375 * static_cast<double>(i));
  return w;
}

bool close(double got, double want, double scale) { return std::abs(got - want) <= 1e-9 * (1.0 + scale); }

}  // namespace

LinearRead read_linear(const PointFunction& f, std::size_t d) {
  LinearRead out;
  out.constant = f(std::vector<double>(d, 0.0));
  out.coefficients.resize(d);
  for (std::size_t j = 0; j < d; ++j) out.coefficients[j] = f(unit(d, j)) - out.constant + 0.0;
  const std::vector<double> z = probe(d);
  double want = out.constant, scale = std::abs(out.constant);
  for (std::size_t j = 0; j < d; ++j) {
    want += out.coefficients[j] * z[j];
    scale += std::abs(out.coefficients[j] * z[j]);
  }
  out.linear = close(f(z), want, scale);
  return out;
}

QuadraticRead read_quadratic(const PointFunction& f, std::size_t d) {
  QuadraticRead out;
  out.constant = f(std::vector<double>(d, 0.0));
  out.form = control::LqrMatrix(d, d);
  std::vector<double> plus(d);
  for (std::size_t i = 0; i < d; ++i) {
    plus[i] = f(unit(d, i)) - out.constant;
    const double minus = f(unit(d, i, -1.0)) - out.constant;
    if (!out.linear_in && !close(plus[i], minus, std::abs(plus[i]) + std::abs(minus))) out.linear_in = i;
    out.form(i, i) = -(plus[i] + minus);
  }
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = i + 1; j < d; ++j) {
      std::vector<double> both = unit(d, i);
      both[j] = 1.0;
      out.form(i, j) = out.form(j, i) = plus[i] + plus[j] - (f(both) - out.constant);
    }
  }
  for (double& v : out.form.data) v += 0.0;  // −0 (from −(0 + 0)) reads as 0 in messages
  const std::vector<double> z = probe(d);
  double want = out.constant, scale = std::abs(out.constant);
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      want -= 0.5 * z[i] * out.form(i, j) * z[j];
      scale += std::abs(z[i] * out.form(i, j) * z[j]);
    }
  }
  out.quadratic = !out.linear_in && close(f(z), want, scale);
  return out;
}

}  // namespace copi::dsl
