// A user-written EP site through the installed package: robust estimation of a mean
// θ from observations with Student-t noise (one outlier among them). copi has no
// Student-t site; the site below supplies the two things EP needs — the tilted
// moments of N(s; m, v) f(s) and log f(s) — and copi's EP does the rest. The program
// checks EP's posterior against the exact one (a fine grid over θ) and exits 1 when
// they disagree by more than the tolerance it prints.
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "copi/graph/factor_graph.hpp"
#include "copi/inference/expectation_propagation.hpp"

namespace {

// log of the Student-t density of the residual y − s with ν degrees of freedom and
// scale σ.
struct StudentObservation {
  double y = 0.0;
  double nu = 3.0;
  double scale = 1.0;

  [[nodiscard]] double log_likelihood(double s) const {
    const double r = (y - s) / scale;
    return std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * std::numbers::pi) -
           std::log(scale) - (nu + 1) / 2 * std::log1p(r * r / nu);
  }

  // Moments of N(s; m, v) f(s) by a composite Simpson rule over m ± 12 sd: plain and
  // adequate for a smooth 1-D likelihood (the cavity is what makes it peaked).
  [[nodiscard]] copi::TiltedMoments tilted(double m, double v) const {
    const double sd = std::sqrt(v);
    const int n = 2000;
    const double lo = m - 12 * sd;
    const double h = 24 * sd / n;
    std::vector<double> log_w(n + 1);
    double hi = -INFINITY;
    for (int i = 0; i <= n; ++i) {
      const double s = lo + i * h;
      log_w[i] = -0.5 * (s - m) * (s - m) / v + log_likelihood(s);
      hi = std::max(hi, log_w[i]);
    }
    double z = 0, first = 0, second = 0;
    for (int i = 0; i <= n; ++i) {
      const double s = lo + i * h;
      const double w = std::exp(log_w[i] - hi) * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
      z += w;
      first += w * s;
      second += w * s * s;
    }
    const double mean = first / z;
    return {hi + std::log(z * h / 3) - 0.5 * std::log(2 * std::numbers::pi * v), mean, second / z - mean * mean};
  }
};

}  // namespace

int main() {
  const std::vector<double> data{1.1, 0.7, 1.4, 0.9, 1.3, 8.0};  // the last one is an outlier
  const double prior_mean = 0.0, prior_variance = 100.0;

  copi::FactorGraph graph;
  const copi::VarId theta = graph.add_variable(copi::Variable::real("theta", 1));
  graph.add_factor(copi::GaussianFactor::normal({theta}, {1}, Eigen::VectorXd::Constant(1, prior_mean),
                                                Eigen::MatrixXd::Constant(1, 1, prior_variance)));
  for (const double y : data) {
    graph.add_factor(copi::SiteFactor({theta}, {1}, Eigen::VectorXd::Ones(1), 0.0,
                                      copi::CustomSite("student-t", StudentObservation{y, 3.0, 0.5})));
  }
  copi::EpOptions options;
  options.damping = 0.3;
  const copi::InferenceResult ep = copi::expectation_propagation(graph, {}, {}, copi::Task::partition, options);
  const double ep_mean = ep.real_marginals[theta.index].mean[0];
  const double ep_sd = std::sqrt(ep.real_marginals[theta.index].covariance(0, 0));

  // The exact posterior on a fine grid (independent of EP).
  double z = 0, first = 0, second = 0, hi = -INFINITY;
  const double lo = -20, step = 1e-4;
  std::vector<double> log_p;
  for (double t = lo; t <= 20; t += step) {
    double lp = -0.5 * (t - prior_mean) * (t - prior_mean) / prior_variance -
                0.5 * std::log(2 * std::numbers::pi * prior_variance);
    for (const double y : data) lp += StudentObservation{y, 3.0, 0.5}.log_likelihood(t);
    log_p.push_back(lp);
    hi = std::max(hi, lp);
  }
  for (std::size_t i = 0; i < log_p.size(); ++i) {
    const double t = lo + static_cast<double>(i) * step;
    const double w = std::exp(log_p[i] - hi);
    z += w;
    first += w * t;
    second += w * t * t;
  }
  const double mean = first / z;
  const double sd = std::sqrt(second / z - mean * mean);
  const double log_evidence = hi + std::log(z * step);

  std::printf("EP (%zu sweeps, %s): theta = %.4f ± %.4f, log Z ≈ %.4f\n", ep.report.iterations,
              copi::to_string(ep.report.termination).c_str(), ep_mean, ep_sd, *ep.log_z);
  std::printf("exact (grid):            theta = %.4f ± %.4f, log Z = %.4f\n", mean, sd, log_evidence);
  // EP is an approximation: the tolerances are a tenth of a posterior sd for the mean,
  // 10%% of the sd, and 0.1 in log Z; the outlier is what a Gaussian likelihood gets wrong
  // (its mean would be pulled to about 2.2).
  const double tolerance_mean = 0.1 * sd;
  const bool ok = ep.report.converged() && std::abs(ep_mean - mean) < tolerance_mean &&
                  std::abs(ep_sd - sd) < 0.1 * sd && std::abs(*ep.log_z - log_evidence) < 0.1;
  std::printf("%s (mean within %.4f, sd within 10%%, log Z within 0.1)\n", ok ? "agree" : "DISAGREE", tolerance_mean);
  return ok ? 0 : 1;
}
