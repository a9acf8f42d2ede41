// Independent references for the continuous algorithms (Gaussian BP, EP), written
// from the textbook formulas with plain Eigen and loops, sharing no code with the
// library: a dense joint Gaussian assembled from the model's own parameters (A, b, Σ)
// and inverted; the Kalman filter and RTS smoother with the prediction-error
// decomposition of the log likelihood; fine quadrature of 1-D and 2-D posteriors; a
// scalar EP for the clutter problem; the standard normal CDF and its inverse.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

namespace copi::test {

inline constexpr double kLog2Pi = 1.8378770664093454835606594728112;  // log(2π)

// ---------------------------------------------------------------------------------
// Dense joint Gaussian.

// One term of a model over blocks of a stacked vector: either a linear-Gaussian
// conditional child | parents ~ N(A x_parents + b, Σ) (with `canonical` false), or a
// canonical potential exp(c + ηᵀz − ½ zᵀΛz) over the blocks `parents` (with `canonical`
// true; child unused).
struct DenseTerm {
  bool canonical = false;
  std::size_t child = 0;
  std::vector<std::size_t> parents;
  Eigen::MatrixXd a;
  Eigen::VectorXd b;
  Eigen::MatrixXd sigma;
  // canonical terms
  Eigen::VectorXd eta;
  Eigen::MatrixXd lambda;
  double log_c = 0.0;
};

struct DenseAnswer {
  std::vector<Eigen::VectorXd> mean;  // per block; the observed value for observed blocks
  std::vector<Eigen::MatrixXd> cov;   // per block; zero for observed blocks
  Eigen::MatrixXd joint_cov;          // over the unobserved coordinates, in block order
  double log_z = 0.0;
};

// The joint exp(c + ηᵀx − ½ xᵀΛx) of all terms over the blocks of the given sizes,
// conditioned on the observed blocks (observed[i] non-empty), integrated: the
// posterior mean and covariance per block and log Z = log ∫ Π terms dx_unobserved.
inline DenseAnswer dense_gaussian(const std::vector<std::size_t>& dims, const std::vector<DenseTerm>& terms,
                                  const std::vector<Eigen::VectorXd>& observed) {
  std::vector<std::size_t> offset(dims.size() + 1, 0);
  for (std::size_t i = 0; i < dims.size(); ++i) offset[i + 1] = offset[i] + dims[i];
  const auto n = static_cast<Eigen::Index>(offset.back());
  Eigen::MatrixXd lambda = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd eta = Eigen::VectorXd::Zero(n);
  double c = 0.0;
  for (const DenseTerm& t : terms) {
    std::vector<std::size_t> blocks;
    Eigen::VectorXd te;
    Eigen::MatrixXd tl;
    double tc = 0.0;
    if (t.canonical) {
      blocks = t.parents;
      te = t.eta;
      tl = t.lambda;
      tc = t.log_c;
    } else {
      // y − A x − b = M z − b with z = (y, x), M = [I, −A]:
      // −½ (Mz − b)ᵀ Σ⁻¹ (Mz − b) − ½ log|2πΣ|.
      blocks.push_back(t.child);
      blocks.insert(blocks.end(), t.parents.begin(), t.parents.end());
      const auto dy = t.sigma.rows();
      const auto dx = t.a.cols();
      Eigen::MatrixXd m(dy, dy + dx);
      m.leftCols(dy).setIdentity();
      if (dx > 0) m.rightCols(dx) = -t.a;
      const Eigen::MatrixXd sinv = t.sigma.inverse();
      tl = m.transpose() * sinv * m;
      te = m.transpose() * sinv * t.b;
      tc = -0.5 * t.b.dot(sinv * t.b) - 0.5 * (static_cast<double>(dy) * kLog2Pi + std::log(t.sigma.determinant()));
    }
    std::vector<Eigen::Index> idx;
    for (std::size_t blk : blocks)
      for (std::size_t k = 0; k < dims[blk]; ++k) idx.push_back(static_cast<Eigen::Index>(offset[blk] + k));
    for (std::size_t r = 0; r < idx.size(); ++r) {
      eta(idx[r]) += te(static_cast<Eigen::Index>(r));
      for (std::size_t s = 0; s < idx.size(); ++s)
        lambda(idx[r], idx[s]) += tl(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(s));
    }
    c += tc;
  }
  // Split into unobserved U and observed O coordinates.
  std::vector<Eigen::Index> u;
  std::vector<Eigen::Index> o;
  Eigen::VectorXd x_all = Eigen::VectorXd::Zero(n);
  for (std::size_t i = 0; i < dims.size(); ++i)
    for (std::size_t k = 0; k < dims[i]; ++k) {
      const auto j = static_cast<Eigen::Index>(offset[i] + k);
      if (observed.size() > i && observed[i].size() > 0) {
        o.push_back(j);
        x_all(j) = observed[i](static_cast<Eigen::Index>(k));
      } else {
        u.push_back(j);
      }
    }
  const auto nu = static_cast<Eigen::Index>(u.size());
  Eigen::MatrixXd luu(nu, nu);
  Eigen::VectorXd eu(nu);
  for (Eigen::Index r = 0; r < nu; ++r) {
    eu(r) = eta(u[static_cast<std::size_t>(r)]);
    for (Eigen::Index oo : o) eu(r) -= lambda(u[static_cast<std::size_t>(r)], oo) * x_all(oo);
    for (Eigen::Index s = 0; s < nu; ++s) luu(r, s) = lambda(u[static_cast<std::size_t>(r)], u[static_cast<std::size_t>(s)]);
  }
  for (Eigen::Index r : o) {
    c += eta(r) * x_all(r);
    for (Eigen::Index s : o) c -= 0.5 * x_all(r) * lambda(r, s) * x_all(s);
  }
  const Eigen::MatrixXd cov_u = luu.inverse();
  const Eigen::VectorXd mean_u = cov_u * eu;
  DenseAnswer ans;
  ans.joint_cov = cov_u;
  ans.log_z = c + 0.5 * eu.dot(mean_u) + 0.5 * static_cast<double>(nu) * kLog2Pi - 0.5 * std::log(luu.determinant());
  Eigen::VectorXd mean_all = x_all;
  Eigen::MatrixXd cov_all = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index r = 0; r < nu; ++r) {
    mean_all(u[static_cast<std::size_t>(r)]) = mean_u(r);
    for (Eigen::Index s = 0; s < nu; ++s)
      cov_all(u[static_cast<std::size_t>(r)], u[static_cast<std::size_t>(s)]) = cov_u(r, s);
  }
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const auto off = static_cast<Eigen::Index>(offset[i]);
    const auto d = static_cast<Eigen::Index>(dims[i]);
    ans.mean.push_back(mean_all.segment(off, d));
    ans.cov.push_back(cov_all.block(off, off, d, d));
  }
  return ans;
}

// ---------------------------------------------------------------------------------
// Kalman filter and RTS smoother: x_0 ~ N(m0, P0), x_{t+1} = A x_t + N(0, Q),
// y_t = H x_t + N(0, R) for t = 0 … T−1.

struct KalmanAnswer {
  std::vector<Eigen::VectorXd> mean;  // smoothed
  std::vector<Eigen::MatrixXd> cov;
  double log_likelihood = 0.0;  // Σ_t log N(y_t; H m_{t|t−1}, H P_{t|t−1} Hᵀ + R)
};

inline KalmanAnswer kalman_rts(const Eigen::VectorXd& m0, const Eigen::MatrixXd& p0, const Eigen::MatrixXd& a,
                               const Eigen::MatrixXd& q, const Eigen::MatrixXd& h, const Eigen::MatrixXd& r,
                               const std::vector<Eigen::VectorXd>& ys) {
  const std::size_t t_len = ys.size();
  std::vector<Eigen::VectorXd> mp(t_len), mf(t_len);
  std::vector<Eigen::MatrixXd> pp(t_len), pf(t_len);
  KalmanAnswer ans;
  for (std::size_t t = 0; t < t_len; ++t) {
    mp[t] = t == 0 ? m0 : Eigen::VectorXd(a * mf[t - 1]);
    pp[t] = t == 0 ? p0 : Eigen::MatrixXd(a * pf[t - 1] * a.transpose() + q);
    const Eigen::VectorXd innov = ys[t] - h * mp[t];
    const Eigen::MatrixXd s = h * pp[t] * h.transpose() + r;
    const Eigen::MatrixXd sinv = s.inverse();
    ans.log_likelihood += -0.5 * (static_cast<double>(innov.size()) * kLog2Pi + std::log(s.determinant()) +
                                  innov.dot(sinv * innov));
    const Eigen::MatrixXd k = pp[t] * h.transpose() * sinv;
    mf[t] = mp[t] + k * innov;
    pf[t] = pp[t] - k * s * k.transpose();
  }
  ans.mean.resize(t_len);
  ans.cov.resize(t_len);
  ans.mean[t_len - 1] = mf[t_len - 1];
  ans.cov[t_len - 1] = pf[t_len - 1];
  for (std::size_t t = t_len - 1; t-- > 0;) {
    const Eigen::MatrixXd g = pf[t] * a.transpose() * pp[t + 1].inverse();
    ans.mean[t] = mf[t] + g * (ans.mean[t + 1] - mp[t + 1]);
    ans.cov[t] = pf[t] + g * (ans.cov[t + 1] - pp[t + 1]) * g.transpose();
  }
  return ans;
}

// ---------------------------------------------------------------------------------
// Scalar helpers.

inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

inline double log_normal_pdf(double x, double mean, double variance) {
  return -0.5 * (kLog2Pi + std::log(variance) + (x - mean) * (x - mean) / variance);
}

// Φ⁻¹(p) by bisection on erfc (to the last bit; slow and simple on purpose).
inline double normal_quantile(double p) {
  double lo = -40.0;
  double hi = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

inline double log_sum_exp(const std::vector<double>& v) {
  double top = -std::numeric_limits<double>::infinity();
  for (double x : v) top = std::max(top, x);
  double s = 0.0;
  for (double x : v) s += std::exp(x - top);
  return top + std::log(s);
}

// ---------------------------------------------------------------------------------
// Quadrature of an unnormalised log density.

struct Moments1 {
  double log_z = 0.0;
  double mean = 0.0;
  double variance = 0.0;
};

// ∫ exp(log_p) over [lo, hi] by composite Simpson with `panels` (even) panels, relative to
// the largest value on the grid so that nothing underflows.
inline Moments1 quadrature_1d(const std::function<double(double)>& log_p, double lo, double hi,
                              int panels = 200000) {
  const double h = (hi - lo) / panels;
  std::vector<double> lp(static_cast<std::size_t>(panels) + 1);
  double top = -std::numeric_limits<double>::infinity();
  for (int j = 0; j <= panels; ++j) {
    lp[static_cast<std::size_t>(j)] = log_p(lo + j * h);
    top = std::max(top, lp[static_cast<std::size_t>(j)]);
  }
  double z = 0.0, m1 = 0.0, m2 = 0.0;
  for (int j = 0; j <= panels; ++j) {
    const double w = (j == 0 || j == panels) ? 1.0 : (j % 2 == 1 ? 4.0 : 2.0);
    const double x = lo + j * h;
    const double g = w * std::exp(lp[static_cast<std::size_t>(j)] - top);
    z += g;
    m1 += g * x;
    m2 += g * x * x;
  }
  Moments1 m;
  m.mean = m1 / z;
  m.variance = m2 / z - m.mean * m.mean;
  m.log_z = top + std::log(z * h / 3.0);
  return m;
}

struct Moments2 {
  double log_z = 0.0;
  Eigen::Vector2d mean;
  Eigen::Matrix2d cov;
};

// The same on the square [lo, hi]² with a tensor Simpson rule.
inline Moments2 quadrature_2d(const std::function<double(double, double)>& log_p, double lo, double hi,
                              int panels = 1200) {
  const double h = (hi - lo) / panels;
  const auto n = static_cast<std::size_t>(panels) + 1;
  std::vector<double> lp(n * n);
  double top = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      lp[i * n + j] = log_p(lo + static_cast<double>(i) * h, lo + static_cast<double>(j) * h);
      top = std::max(top, lp[i * n + j]);
    }
  auto weight = [&](std::size_t j) {
    return (j == 0 || j + 1 == n) ? 1.0 : (j % 2 == 1 ? 4.0 : 2.0);
  };
  double z = 0.0;
  Eigen::Vector2d m1 = Eigen::Vector2d::Zero();
  Eigen::Matrix2d m2 = Eigen::Matrix2d::Zero();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double g = weight(i) * weight(j) * std::exp(lp[i * n + j] - top);
      const Eigen::Vector2d x(lo + static_cast<double>(i) * h, lo + static_cast<double>(j) * h);
      z += g;
      m1 += g * x;
      m2 += g * x * x.transpose();
    }
  Moments2 m;
  m.mean = m1 / z;
  m.cov = m2 / z - m.mean * m.mean.transpose();
  m.log_z = top + std::log(z * h * h / 9.0);
  return m;
}

// ---------------------------------------------------------------------------------
// Clutter (Minka 2001): θ ~ N(0, prior_var), x_i | θ ~ (1 − w) N(θ, 1) + w N(0, clutter_var).

struct Clutter {
  double w = 0.5;
  double prior_var = 100.0;
  double clutter_var = 10.0;
  std::vector<double> x;

  [[nodiscard]] double log_site(std::size_t i, double theta) const {
    return log_sum_exp({std::log(1.0 - w) + log_normal_pdf(x[i], theta, 1.0),
                        std::log(w) + log_normal_pdf(x[i], 0.0, clutter_var)});
  }
  [[nodiscard]] double log_joint(double theta) const {
    double s = log_normal_pdf(theta, 0.0, prior_var);
    for (std::size_t i = 0; i < x.size(); ++i) s += log_site(i, theta);
    return s;
  }
  // The exact posterior moments and evidence by Simpson on ±(|x|max + 120): beyond
  // that the prior (sd 10) leaves less than e^-70.
  [[nodiscard]] Moments1 exact() const {
    double span = 120.0;
    for (double xi : x) span = std::max(span, std::abs(xi) + 120.0);
    return quadrature_1d([this](double t) { return log_joint(t); }, -span, span);
  }
};

// A scalar EP for the clutter problem, written out in closed form (the site is a
// Gaussian plus a constant, so the tilted moments are those of a two-component
// mixture): sequential sweeps in data order, damping on the site's natural
// parameters, sites whose cavity precision is not positive skipped for that sweep.
struct ScalarEpAnswer {
  double mean = 0.0;
  double variance = 0.0;
  double log_z = 0.0;
  bool converged = false;
  std::size_t iterations = 0;
};

inline ScalarEpAnswer clutter_ep(const Clutter& c, double damping, std::size_t max_iterations, double tolerance) {
  const std::size_t n = c.x.size();
  std::vector<double> tau(n, 0.0), nu(n, 0.0);  // site precision and precision × mean
  const double lam0 = 1.0 / c.prior_var;
  double lam = lam0;
  double eta = 0.0;
  ScalarEpAnswer ans;
  std::vector<double> log_zi(n, 0.0);
  for (std::size_t it = 0; it < max_iterations; ++it) {
    const double old_mean = eta / lam;
    const double old_sd = std::sqrt(1.0 / lam);
    for (std::size_t i = 0; i < n; ++i) {
      const double lc = lam - tau[i];
      const double ec = eta - nu[i];
      if (!(lc > 0.0)) continue;
      const double mc = ec / lc;
      const double vc = 1.0 / lc;
      // cavity × [(1 − w) N(x_i; θ, 1) + w N(x_i; 0, clutter)]
      const double l1 = std::log(1.0 - c.w) + log_normal_pdf(c.x[i], mc, vc + 1.0);
      const double l2 = std::log(c.w) + log_normal_pdf(c.x[i], 0.0, c.clutter_var);
      const double lz = log_sum_exp({l1, l2});
      const double r = std::exp(l1 - lz);
      const double v1 = 1.0 / (lc + 1.0);
      const double m1 = v1 * (ec + c.x[i]);
      const double mean = r * m1 + (1 - r) * mc;
      const double second = r * (v1 + m1 * m1) + (1 - r) * (vc + mc * mc);
      const double var = second - mean * mean;
      const double new_tau = (1.0 - damping) * (1.0 / var - lc) + damping * tau[i];
      const double new_nu = (1.0 - damping) * (mean / var - ec) + damping * nu[i];
      lam += new_tau - tau[i];
      eta += new_nu - nu[i];
      tau[i] = new_tau;
      nu[i] = new_nu;
    }
    ans.iterations = it + 1;
    const double mean = eta / lam;
    const double sd = std::sqrt(1.0 / lam);
    if (std::abs(mean - old_mean) <= tolerance * std::max(1.0, std::abs(mean)) &&
        std::abs(sd - old_sd) <= tolerance * std::max(1.0, sd)) {
      ans.converged = true;
      break;
    }
  }
  // log Z_EP = A(q) − A(prior) + Σ_i [log Z_i + A(cavity_i) − A(q)], A(η, λ) = ½η²/λ + ½log(2π/λ),
  // with Z_i the tilted normaliser of site i against its cavity at the final state.
  auto big_a = [](double e, double l) { return 0.5 * e * e / l + 0.5 * (kLog2Pi - std::log(l)); };
  double log_z = big_a(eta, lam) - big_a(0.0, lam0);
  for (std::size_t i = 0; i < n; ++i) {
    const double lc = lam - tau[i];
    const double ec = eta - nu[i];
    const double mc = ec / lc;
    const double vc = 1.0 / lc;
    const double lz = log_sum_exp({std::log(1.0 - c.w) + log_normal_pdf(c.x[i], mc, vc + 1.0),
                                   std::log(c.w) + log_normal_pdf(c.x[i], 0.0, c.clutter_var)});
    log_z += lz + big_a(ec, lc) - big_a(eta, lam);
  }
  ans.mean = eta / lam;
  ans.variance = 1.0 / lam;
  ans.log_z = log_z;
  return ans;
}

// Multivariate EP for probit sites Φ(a_iᵀw) under a Gaussian prior N(w; m0, S0), written
// out in closed form: sites exp(ν_i s − ½ τ_i s²) on s = a_iᵀw, sequential sweeps in
// data order, the approximation N(w; Λ⁻¹η, Λ⁻¹) recomputed after each site, sites whose
// cavity variance is not positive skipped for that sweep.
struct VectorEpAnswer {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
  double log_z = 0.0;
  bool converged = false;
  std::size_t iterations = 0;
};

inline VectorEpAnswer probit_ep(const Eigen::VectorXd& m0, const Eigen::MatrixXd& s0,
                                const std::vector<Eigen::VectorXd>& a, double damping, std::size_t max_iterations,
                                double tolerance) {
  const std::size_t n = a.size();
  const Eigen::MatrixXd lam0 = s0.inverse();
  const Eigen::VectorXd eta0 = lam0 * m0;
  Eigen::MatrixXd lam = lam0;
  Eigen::VectorXd eta = eta0;
  std::vector<double> tau(n, 0.0), nu(n, 0.0);
  auto phi = [](double z) { return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi); };
  // The cavity of site i on s = a_iᵀw: mean and variance.
  auto cavity = [&](std::size_t i, const Eigen::MatrixXd& cov, const Eigen::VectorXd& mean, double& mc, double& vc) {
    const double vq = a[i].dot(cov * a[i]);
    const double mq = a[i].dot(mean);
    const double lc = 1.0 / vq - tau[i];
    vc = 1.0 / lc;
    mc = vc * (mq / vq - nu[i]);
    return lc > 0.0;
  };
  VectorEpAnswer ans;
  Eigen::MatrixXd cov = lam.inverse();
  Eigen::VectorXd mean = cov * eta;
  for (std::size_t it = 0; it < max_iterations; ++it) {
    const Eigen::VectorXd old_mean = mean;
    const Eigen::VectorXd old_sd = cov.diagonal().cwiseSqrt();
    for (std::size_t i = 0; i < n; ++i) {
      double mc = 0.0, vc = 0.0;
      if (!cavity(i, cov, mean, mc, vc)) continue;
      const double z = mc / std::sqrt(1.0 + vc);
      const double ratio = phi(z) / normal_cdf(z);
      const double m = mc + vc * ratio / std::sqrt(1.0 + vc);
      const double v = vc - vc * vc * ratio / (1.0 + vc) * (z + ratio);
      const double new_tau = (1.0 - damping) * (1.0 / v - 1.0 / vc) + damping * tau[i];
      const double new_nu = (1.0 - damping) * (m / v - mc / vc) + damping * nu[i];
      lam += (new_tau - tau[i]) * a[i] * a[i].transpose();
      eta += (new_nu - nu[i]) * a[i];
      tau[i] = new_tau;
      nu[i] = new_nu;
      cov = lam.inverse();
      mean = cov * eta;
    }
    ans.iterations = it + 1;
    const Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
    bool done = true;
    for (Eigen::Index k = 0; k < mean.size(); ++k) {
      done = done && std::abs(mean(k) - old_mean(k)) <= tolerance * std::max(1.0, std::abs(mean(k)));
      done = done && std::abs(sd(k) - old_sd(k)) <= tolerance * std::max(1.0, sd(k));
    }
    if (done) {
      ans.converged = true;
      break;
    }
  }
  // log Z_EP = A(η, Λ) − A(η0, Λ0) + Σ_i [log Z_i + A₁(cavity_i) − A₁(q on s_i)].
  const auto d = static_cast<double>(m0.size());
  auto big_a = [d](const Eigen::VectorXd& e, const Eigen::MatrixXd& l) {
    return 0.5 * e.dot(l.inverse() * e) + 0.5 * d * kLog2Pi - 0.5 * std::log(l.determinant());
  };
  auto a1 = [](double m, double v) { return 0.5 * m * m / v + 0.5 * (kLog2Pi + std::log(v)); };
  double log_z = big_a(eta, lam) - big_a(eta0, lam0);
  for (std::size_t i = 0; i < n; ++i) {
    double mc = 0.0, vc = 0.0;
    cavity(i, cov, mean, mc, vc);
    log_z += std::log(normal_cdf(mc / std::sqrt(1.0 + vc))) + a1(mc, vc) - a1(a[i].dot(mean), a[i].dot(cov * a[i]));
  }
  ans.mean = mean;
  ans.cov = cov;
  ans.log_z = log_z;
  return ans;
}

}  // namespace copi::test
