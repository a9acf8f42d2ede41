#include "continuous/canonical.hpp"

#include <cmath>
#include <numbers>
#include <vector>

namespace copi::detail {
namespace {

double log_det(const Eigen::LLT<Eigen::MatrixXd>& llt) {
  const auto& l = llt.matrixLLT();
  double total = 0.0;
  for (Eigen::Index i = 0; i < l.rows(); ++i) total += std::log(l(i, i));
  return 2.0 * total;
}

// Eigen's LLT succeeds on some matrices with a tiny negative pivot rounded to a
// positive one; a proper Gaussian here needs every pivot clearly positive.
bool factor_ok(const Eigen::LLT<Eigen::MatrixXd>& llt) {
  if (llt.info() != Eigen::Success) return false;
  const auto& l = llt.matrixLLT();
  for (Eigen::Index i = 0; i < l.rows(); ++i) {
    if (!(l(i, i) > 0.0) || !std::isfinite(l(i, i))) return false;
  }
  return true;
}

}  // namespace

std::optional<Canonical> Canonical::from_moments(const Eigen::VectorXd& mean, const Eigen::MatrixXd& covariance) {
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (!factor_ok(llt)) return std::nullopt;
  const Eigen::Index n = mean.size();
  Canonical out;
  out.j = llt.solve(Eigen::MatrixXd::Identity(n, n));
  out.j = 0.5 * (out.j + out.j.transpose()).eval();
  out.h = llt.solve(mean);
  out.c = -0.5 * mean.dot(out.h) - 0.5 * (static_cast<double>(n) * std::log(2.0 * std::numbers::pi) + log_det(llt));
  return out;
}

bool positive_definite(const Eigen::MatrixXd& j) {
  if (j.size() == 0) return true;
  return factor_ok(Eigen::LLT<Eigen::MatrixXd>(j));
}

std::optional<double> log_integral(const Canonical& potential) {
  const Eigen::Index n = potential.size();
  if (n == 0) return potential.c;
  const Eigen::LLT<Eigen::MatrixXd> llt(potential.j);
  if (!factor_ok(llt)) return std::nullopt;
  return potential.c + 0.5 * potential.h.dot(llt.solve(potential.h)) +
         0.5 * (static_cast<double>(n) * std::log(2.0 * std::numbers::pi) - log_det(llt));
}

std::optional<Moments> moments(const Canonical& potential) {
  const Eigen::LLT<Eigen::MatrixXd> llt(potential.j);
  if (!factor_ok(llt)) return std::nullopt;
  const Eigen::Index n = potential.size();
  Moments out;
  out.covariance = llt.solve(Eigen::MatrixXd::Identity(n, n));
  out.covariance = 0.5 * (out.covariance + out.covariance.transpose()).eval();
  out.mean = llt.solve(potential.h);
  return out;
}

std::optional<Canonical> marginal(const Canonical& potential, Eigen::Index offset, Eigen::Index n) {
  const Eigen::Index total = potential.size();
  const Eigen::Index rest = total - n;
  if (rest == 0) return potential;
  if (offset == 0 || offset + n == total) {
    // The integrated coordinates are one block (every pairwise factor): no gathering.
    const Eigen::Index b0 = offset == 0 ? n : 0;
    const Eigen::LLT<Eigen::MatrixXd> llt(potential.j.block(b0, b0, rest, rest));
    if (!factor_ok(llt)) return std::nullopt;
    const auto jba = potential.j.block(b0, offset, rest, n);
    const auto hb = potential.h.segment(b0, rest);
    const Eigen::MatrixXd solved_ba = llt.solve(jba);
    const Eigen::VectorXd solved_hb = llt.solve(hb);
    Canonical out;
    out.j.noalias() = potential.j.block(offset, offset, n, n) - jba.transpose() * solved_ba;
    out.h.noalias() = potential.h.segment(offset, n) - jba.transpose() * solved_hb;
    out.c = potential.c + 0.5 * hb.dot(solved_hb) +
            0.5 * (static_cast<double>(rest) * std::log(2.0 * std::numbers::pi) - log_det(llt));
    return out;
  }
  // Gather the kept block a and the integrated block b.
  std::vector<Eigen::Index> b_index;
  b_index.reserve(static_cast<std::size_t>(rest));
  for (Eigen::Index i = 0; i < total; ++i) {
    if (i < offset || i >= offset + n) b_index.push_back(i);
  }
  Eigen::MatrixXd jbb(rest, rest);
  Eigen::MatrixXd jba(rest, n);
  Eigen::VectorXd hb(rest);
  for (Eigen::Index r = 0; r < rest; ++r) {
    const Eigen::Index i = b_index[static_cast<std::size_t>(r)];
    hb[r] = potential.h[i];
    jba.row(r) = potential.j.block(i, offset, 1, n);
    for (Eigen::Index s = 0; s < rest; ++s) jbb(r, s) = potential.j(i, b_index[static_cast<std::size_t>(s)]);
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(jbb);
  if (!factor_ok(llt)) return std::nullopt;
  const Eigen::MatrixXd solved_ba = llt.solve(jba);
  const Eigen::VectorXd solved_hb = llt.solve(hb);
  Canonical out;
  out.j = potential.j.block(offset, offset, n, n) - jba.transpose() * solved_ba;
  out.j = 0.5 * (out.j + out.j.transpose()).eval();
  out.h = potential.h.segment(offset, n) - jba.transpose() * solved_hb;
  out.c = potential.c + 0.5 * hb.dot(solved_hb) +
          0.5 * (static_cast<double>(rest) * std::log(2.0 * std::numbers::pi) - log_det(llt));
  return out;
}

Canonical condition(const Canonical& potential, const std::vector<bool>& observed, const Eigen::VectorXd& values) {
  const Eigen::Index total = potential.size();
  std::vector<Eigen::Index> keep;
  std::vector<Eigen::Index> fixed;
  for (Eigen::Index i = 0; i < total; ++i) (observed[static_cast<std::size_t>(i)] ? fixed : keep).push_back(i);
  Eigen::VectorXd xb(static_cast<Eigen::Index>(fixed.size()));
  for (std::size_t r = 0; r < fixed.size(); ++r) xb[static_cast<Eigen::Index>(r)] = values[fixed[r]];
  Canonical out = Canonical::flat(static_cast<Eigen::Index>(keep.size()));
  out.c = potential.c;
  for (std::size_t r = 0; r < fixed.size(); ++r) {
    const Eigen::Index i = fixed[r];
    out.c += potential.h[i] * values[i];
    for (std::size_t s = 0; s < fixed.size(); ++s) out.c -= 0.5 * values[i] * potential.j(i, fixed[s]) * values[fixed[s]];
  }
  for (std::size_t r = 0; r < keep.size(); ++r) {
    const Eigen::Index i = keep[r];
    double h = potential.h[i];
    for (std::size_t s = 0; s < fixed.size(); ++s) h -= potential.j(i, fixed[s]) * values[fixed[s]];
    out.h[static_cast<Eigen::Index>(r)] = h;
    for (std::size_t s = 0; s < keep.size(); ++s) out.j(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(s)) = potential.j(i, keep[s]);
  }
  return out;
}

}  // namespace copi::detail
