#include "continuous/canonical.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "continuous/small_llt.hpp"

namespace copi::detail {
namespace {

template <typename Llt>
double log_det(const Llt& llt) {
  const auto& l = llt.matrixLLT();
  double total = 0.0;
  for (Eigen::Index i = 0; i < l.rows(); ++i) total += std::log(l(i, i));
  return 2.0 * total;
}

// Eigen's LLT succeeds on some matrices with a tiny negative pivot rounded to a
// positive one; a proper Gaussian here needs every pivot clearly positive.
template <typename Llt>
bool factor_ok(const Llt& llt) {
  if (llt.info() != Eigen::Success) return false;
  const auto& l = llt.matrixLLT();
  for (Eigen::Index i = 0; i < l.rows(); ++i) {
    if (!(l(i, i) > 0.0) || !std::isfinite(l(i, i))) return false;
  }
  return true;
}

using InPlaceLlt = Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>>;

// m = ½ (m + mᵀ), in place.
void symmetrise(Eigen::Ref<Eigen::MatrixXd> m) {
  for (Eigen::Index c = 0; c < m.cols(); ++c) {
    for (Eigen::Index r = c + 1; r < m.rows(); ++r) m(r, c) = m(c, r) = 0.5 * (m(r, c) + m(c, r));
  }
}

// Calls f with std::integral_constant<int, n> for n = 2 … 8 and with Eigen::Dynamic
// otherwise: the small dense kernels below run on fixed-size Eigen matrices (on the
// stack, unrolled), faster than dynamic ones at these sizes. (Size 1 stays dynamic:
// GCC 12 warns falsely about Eigen's packet copies out of a 1 × 1 matrix.)
template <typename F>
decltype(auto) with_size(Eigen::Index n, F&& f) {
  switch (n) {
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    case 8: return f(std::integral_constant<int, 8>{});
    default: return f(std::integral_constant<int, Eigen::Dynamic>{});
  }
}

// An R × C scratch matrix holding `value`: on the stack when the sizes are fixed, in
// the workspace's `slot` otherwise.
template <int R, int C, typename Expr>
auto scratch(Workspace& ws, std::size_t slot, const Expr& value) {
  if constexpr (R != Eigen::Dynamic && C != Eigen::Dynamic) {
    return Eigen::Matrix<double, R, C>(value);
  } else {
    Eigen::Map<Eigen::MatrixXd> m = ws.matrix(slot, value.rows(), value.cols());
    m = value;
    return m;
  }
}

// The Cholesky factorisation of an N × N matrix held by `scratch`: of a copy when N is
// fixed (small_llt.hpp says why not Eigen's), in place otherwise.
template <int N>
using LltOf = std::conditional_t<N == Eigen::Dynamic, InPlaceLlt, SmallLlt<N>>;

// x ← L⁻¹ x for either kind of factorisation.
template <typename X>
void solve_lower(const InPlaceLlt& llt, X& x) {
  llt.matrixL().solveInPlace(x);
}
template <int N, typename X>
void solve_lower(const SmallLlt<N>& llt, X& x) {
  llt.solve_lower(x);
}

template <int N>
bool moments_sized(const CanonicalView& potential, Workspace& ws, Eigen::Ref<Eigen::VectorXd> mean,
                   Eigen::Ref<Eigen::MatrixXd> covariance) {
  auto factor = scratch<N, N>(ws, 0, potential.j);
  const LltOf<N> llt(factor);
  if (!factor_ok(llt)) return false;
  if constexpr (N == Eigen::Dynamic) {
    covariance.setIdentity();
    llt.solveInPlace(covariance);
    mean = potential.h;
    llt.solveInPlace(mean);
    symmetrise(covariance);
  } else {
    covariance = llt.inverse();  // symmetric by construction
    Eigen::Matrix<double, N, 1> m = potential.h;
    llt.solveInPlace(m);
    mean = m;
  }
  return true;
}

template <int N>
std::optional<double> log_determinant_sized(const Eigen::Ref<const Eigen::MatrixXd>& j, Workspace& ws) {
  auto factor = scratch<N, N>(ws, 0, j);
  const LltOf<N> llt(factor);
  if (!factor_ok(llt)) return std::nullopt;
  return log_det(llt);
}

// marginal_into's work when the integrated block b (size B) starts at b0 and the kept
// block (size A) at `offset`. With J_bb = L Lᵀ, W = L⁻¹ J_ba and w = L⁻¹ h_b:
// J_ab J_bb⁻¹ J_ba = WᵀW and J_ab J_bb⁻¹ h_b = Wᵀw, one triangular solve each.
template <int B, int A>
bool schur_sized(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n, Eigen::Index b0,
                 Workspace& ws, Eigen::Ref<Eigen::VectorXd> h, Eigen::Ref<Eigen::MatrixXd> j, double& c,
                 double* integrated_log_det) {
  const Eigen::Index rest = potential.size() - n;
  auto jbb = scratch<B, B>(ws, 0, potential.j.block(b0, b0, rest, rest));
  const LltOf<B> llt(jbb);
  if (!factor_ok(llt)) return false;
  auto w_ba = scratch<B, A>(ws, 1, potential.j.block(b0, offset, rest, n));
  solve_lower(llt, w_ba);
  auto w_b = scratch<B, 1>(ws, 2, potential.h.segment(b0, rest));
  solve_lower(llt, w_b);
  if constexpr (A != Eigen::Dynamic && B != Eigen::Dynamic) {
    // On the stack first: products into the dynamic outputs would not be unrolled.
    const Eigen::Matrix<double, A, A> schur =
        potential.j.template block<A, A>(offset, offset) - w_ba.transpose() * w_ba;
    const Eigen::Matrix<double, A, 1> shifted = potential.h.template segment<A>(offset) - w_ba.transpose() * w_b;
    j = schur;
    h = shifted;
  } else {
    j = potential.j.block(offset, offset, n, n);
    j.noalias() -= w_ba.transpose() * w_ba;
    h = potential.h.segment(offset, n);
    h.noalias() -= w_ba.transpose() * w_b;
  }
  const double pivot = log_det(llt);
  if (integrated_log_det != nullptr) *integrated_log_det = pivot;
  c = potential.c + 0.5 * w_b.squaredNorm() + 0.5 * (static_cast<double>(rest) * std::log(2.0 * std::numbers::pi) - pivot);
  return true;
}

// marginal() when the integrated coordinates are not one block: gathered first.
std::optional<Canonical> gathered_marginal(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n,
                                           double* integrated_log_det) {
  const Eigen::Index total = potential.size();
  const Eigen::Index rest = total - n;
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
  const double pivot = log_det(llt);
  if (integrated_log_det != nullptr) *integrated_log_det = pivot;
  const Eigen::MatrixXd solved_ba = llt.solve(jba);
  const Eigen::VectorXd solved_hb = llt.solve(hb);
  Canonical out;
  out.j = potential.j.block(offset, offset, n, n) - jba.transpose() * solved_ba;
  out.j = 0.5 * (out.j + out.j.transpose()).eval();
  out.h = potential.h.segment(offset, n) - jba.transpose() * solved_hb;
  out.c = potential.c + 0.5 * hb.dot(solved_hb) +
          0.5 * (static_cast<double>(rest) * std::log(2.0 * std::numbers::pi) - pivot);
  return out;
}

}  // namespace

std::size_t CanonicalPool::add(Eigen::Index n) {
  at_.push_back(numbers_.size());
  size_.push_back(n);
  c_.push_back(0.0);
  numbers_.resize(numbers_.size() + static_cast<std::size_t>(n + n * n), 0.0);
  return size_.size() - 1;
}

std::size_t CanonicalPool::add(const CanonicalView& potential) {
  const std::size_t i = add(potential.size());
  h(i) = potential.h;
  j(i) = potential.j;
  c(i) = potential.c;
  return i;
}

void CanonicalPool::reserve(std::size_t potentials, std::size_t numbers) {
  at_.reserve(potentials);
  size_.reserve(potentials);
  c_.reserve(potentials);
  numbers_.reserve(numbers);
}

void Workspace::grow(std::size_t slot, std::size_t needed) {
  if (slot >= buffers_.size()) buffers_.resize(slot + 1);
  std::vector<double>& buffer = buffers_[slot];
  if (buffer.size() < needed) buffer.resize(needed);
}

const PrecisionCache::Entry& PrecisionCache::of(const Eigen::MatrixXd& covariance) {
  for (const Entry& e : entries_) {
    if (e.covariance.rows() == covariance.rows() && e.covariance.cols() == covariance.cols() &&
        e.covariance == covariance) {
      return e;
    }
  }
  if (entries_.size() < kEntries) {
    entries_.emplace_back();
    next_ = entries_.size() - 1;
  }
  Entry& e = entries_[next_];
  next_ = (next_ + 1) % kEntries;
  const Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  const Eigen::Index m = covariance.rows();
  e.precision = llt.solve(Eigen::MatrixXd::Identity(m, m));
  symmetrise(e.precision);
  e.log_det = log_det(llt);
  e.covariance = covariance;
  return e;
}

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

std::optional<double> log_integral(const CanonicalView& potential) {
  const Eigen::Index n = potential.size();
  if (n == 0) return potential.c;
  const Eigen::LLT<Eigen::MatrixXd> llt(potential.j);
  if (!factor_ok(llt)) return std::nullopt;
  return potential.c + 0.5 * potential.h.dot(llt.solve(potential.h)) +
         0.5 * (static_cast<double>(n) * std::log(2.0 * std::numbers::pi) - log_det(llt));
}

std::optional<Moments> moments(const CanonicalView& potential) {
  const Eigen::Index n = potential.size();
  Moments out{Eigen::VectorXd(n), Eigen::MatrixXd(n, n)};
  Workspace ws;
  if (!moments_into(potential, ws, out.mean, out.covariance)) return std::nullopt;
  return out;
}

bool moments_into(const CanonicalView& potential, Workspace& ws, Eigen::Ref<Eigen::VectorXd> mean,
                  Eigen::Ref<Eigen::MatrixXd> covariance) {
  if (potential.size() == 1) {  // scalar variables (TrueSkill's skills): no factorisation at all
    const double precision = potential.j(0, 0);
    if (!(precision > 0.0) || !std::isfinite(precision)) return false;
    covariance(0, 0) = 1.0 / precision;
    mean(0) = potential.h(0) / precision;
    return true;
  }
  return with_size(potential.size(), [&](auto n) { return moments_sized<n>(potential, ws, mean, covariance); });
}

std::optional<double> normalised_log_density(const Eigen::Ref<const Eigen::VectorXd>& h,
                                            const Eigen::Ref<const Eigen::MatrixXd>& j,
                                            const Eigen::Ref<const Eigen::VectorXd>& x, Workspace& ws) {
  const Eigen::Index n = h.size();
  if (n == 0) return 0.0;
  Eigen::Map<Eigen::MatrixXd> factor = ws.matrix(0, n, n);
  factor = j;
  const InPlaceLlt llt(factor);
  if (!factor_ok(llt)) return std::nullopt;
  Eigen::Map<Eigen::VectorXd> r = ws.vector(1, n);
  r.noalias() = j * x;
  r -= h;
  llt.matrixL().solveInPlace(r);
  return 0.5 * log_det(llt) - 0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi) - 0.5 * r.squaredNorm();
}

std::optional<double> log_determinant(const Eigen::Ref<const Eigen::MatrixXd>& j, Workspace& ws) {
  if (j.size() == 0) return 0.0;
  return with_size(j.rows(), [&](auto n) { return log_determinant_sized<n>(j, ws); });
}

bool marginal_into(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n, Workspace& ws,
                   Eigen::Ref<Eigen::VectorXd> h, Eigen::Ref<Eigen::MatrixXd> j, double& c,
                   double* integrated_log_det) {
  const Eigen::Index total = potential.size();
  const Eigen::Index rest = total - n;
  if (integrated_log_det != nullptr) *integrated_log_det = 0.0;
  if (rest == 0) {
    h = potential.h;
    j = potential.j;
    c = potential.c;
    return true;
  }
  if (offset != 0 && offset + n != total) {
    const std::optional<Canonical> out = gathered_marginal(potential, offset, n, integrated_log_det);
    if (!out) return false;
    h = out->h;
    j = out->j;
    c = out->c;
    return true;
  }
  // The integrated coordinates are one block b (every pairwise factor): no gathering.
  const Eigen::Index b0 = offset == 0 ? n : 0;
  if (rest == n) {
    return with_size(n, [&](auto size) {
      return schur_sized<size, size>(potential, offset, n, b0, ws, h, j, c, integrated_log_det);
    });
  }
  return schur_sized<Eigen::Dynamic, Eigen::Dynamic>(potential, offset, n, b0, ws, h, j, c, integrated_log_det);
}

std::optional<Canonical> marginal(const CanonicalView& potential, Eigen::Index offset, Eigen::Index n) {
  const Eigen::Index total = potential.size();
  const Eigen::Index rest = total - n;
  if (rest == 0) return Canonical::copy_of(potential);
  if (offset == 0 || offset + n == total) {
    Canonical out{Eigen::VectorXd(n), Eigen::MatrixXd(n, n), 0.0};
    Workspace ws;
    if (!marginal_into(potential, offset, n, ws, out.h, out.j, out.c, nullptr)) return std::nullopt;
    return out;
  }
  return gathered_marginal(potential, offset, n, nullptr);
}

Canonical condition(const CanonicalView& potential, const std::vector<bool>& observed, const Eigen::VectorXd& values) {
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
