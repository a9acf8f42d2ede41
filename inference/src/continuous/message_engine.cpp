#include "continuous/message_engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/inference/tilted_moments.hpp"

namespace copi::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_sum_exp(const std::vector<double>& x) {
  double hi = kNegInf;
  for (const double v : x) hi = std::max(hi, v);
  if (hi == kNegInf) return kNegInf;
  double total = 0.0;
  for (const double v : x) total += std::exp(v - hi);
  return hi + std::log(total);
}

// Log weights shifted so their largest is 0 (all −inf stays as it is).
void normalise(std::vector<double>& log) {
  double hi = kNegInf;
  for (const double v : log) hi = std::max(hi, v);
  if (hi == kNegInf) return;
  for (double& v : log) v -= hi;
}

// Workspace slots of pass_gaussian (0–2 are the canonical operations').
constexpr std::size_t kJointH = 3;
constexpr std::size_t kJointJ = 4;
constexpr std::size_t kMessageH = 5;
constexpr std::size_t kMessageJ = 6;

}  // namespace

MessageEngine::MessageEngine(const ContinuousModel& model, std::size_t quadrature_points)
    : model_(model), quadrature_points_(quadrature_points) {
  std::size_t edges = 0;
  std::size_t numbers = 0;
  first_edge_.reserve(model.factors.size());
  for (const ContinuousFactor& f : model.factors) {
    first_edge_.push_back(edges);
    edges += f.vars.size();
    for (const std::uint32_t v : f.vars) {
      if (model.real[v]) numbers += static_cast<std::size_t>(model.size[v] * (model.size[v] + 1));
    }
  }
  const auto n = static_cast<std::uint32_t>(model.size.size());
  // The discrete messages and beliefs are indexed like the real ones; an all-real model
  // (a Kalman chain) leaves them empty rather than hold an empty vector per edge.
  bool discrete = false;
  for (std::uint32_t v = 0; v < n; ++v) discrete = discrete || (!model.real[v] && !model.observed[v]);
  gaussian_messages_.reserve(edges, numbers);
  if (discrete) log_messages_.reserve(edges);
  // Observed variables are in no reduced factor: their beliefs take no room.
  const auto add = [&](std::uint32_t v, CanonicalPool& gaussian, std::vector<std::vector<double>>& log) {
    const bool real = model.real[v];
    const bool used = !model.observed[v];
    gaussian.add(real && used ? model.size[v] : 0);
    if (discrete) log.emplace_back(real || !used ? 0 : static_cast<std::size_t>(model.size[v]), 0.0);
  };
  for (const ContinuousFactor& f : model.factors) {
    for (const std::uint32_t v : f.vars) add(v, gaussian_messages_, log_messages_);
  }
  numbers = 0;
  for (std::uint32_t v = 0; v < n; ++v) {
    if (model.real[v] && !model.observed[v]) numbers += static_cast<std::size_t>(model.size[v] * (model.size[v] + 1));
  }
  gaussian_beliefs_.reserve(n, numbers);
  if (discrete) log_beliefs_.reserve(n);
  for (std::uint32_t v = 0; v < n; ++v) add(v, gaussian_beliefs_, log_beliefs_);
}

Message MessageEngine::cavity(std::size_t f, std::size_t position) const {
  const std::uint32_t v = model_.factors[f].vars[position];
  const std::size_t e = edge(f, position);
  Message out;
  if (model_.real[v]) {
    out.gaussian = Canonical::copy_of(gaussian_beliefs_.view(v));
    out.gaussian -= gaussian_messages_.view(e);
  } else {
    out.log = log_beliefs_[v];
    const std::vector<double>& m = log_messages_[e];
    for (std::size_t s = 0; s < out.log.size(); ++s) out.log[s] -= m[s];
  }
  return out;
}

void MessageEngine::add_cavity(std::size_t f, std::size_t position, Eigen::Ref<Eigen::VectorXd> h,
                               Eigen::Ref<Eigen::MatrixXd> j) const {
  const ContinuousFactor& factor = model_.factors[f];
  const CanonicalView q = gaussian_beliefs_.view(factor.vars[position]);
  const CanonicalView m = gaussian_messages_.view(edge(f, position));
  const Eigen::Index at = factor.offsets[position];
  const Eigen::Index d = q.size();
  h.segment(at, d) += q.h - m.h;
  j.block(at, at, d, d) += q.j - m.j;
}

FactorUpdate MessageEngine::compute(std::size_t f, std::optional<std::size_t> only) const {
  const ContinuousFactor& factor = model_.factors[f];
  FactorUpdate out;
  out.messages.resize(factor.vars.size());
  out.updated.assign(factor.vars.size(), false);
  switch (factor.kind) {
    case ContinuousFactor::Kind::gaussian: gaussian_update(f, only, out); break;
    case ContinuousFactor::Kind::site: site_update(f, out); break;
    case ContinuousFactor::Kind::table: table_update(f, out); break;
    case ContinuousFactor::Kind::mixture: mixture_update(f, out); break;
  }
  return out;
}

void MessageEngine::gaussian_update(std::size_t f, std::optional<std::size_t> only, FactorUpdate& out) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  const CanonicalView potential = model_.potential(factor);
  for (std::size_t target = 0; target < n; ++target) {
    if (only && *only != target) continue;
    Canonical joint = Canonical::copy_of(potential);
    for (std::size_t p = 0; p < n; ++p) {
      if (p != target) add_cavity(f, p, joint.h, joint.j);
    }
    std::optional<Canonical> message =
        marginal(joint, factor.offsets[target], model_.size[factor.vars[target]]);
    if (!message) continue;
    out.messages[target].gaussian = std::move(*message);
    out.updated[target] = true;
  }
}

bool MessageEngine::pass_gaussian(std::size_t f, std::size_t target, double* integrated_log_det) {
  const ContinuousFactor& factor = model_.factors[f];
  const CanonicalView potential = model_.potential(factor);
  const Eigen::Index n = potential.size();
  Eigen::Map<Eigen::VectorXd> joint_h = workspace_.vector(kJointH, n);
  Eigen::Map<Eigen::MatrixXd> joint_j = workspace_.matrix(kJointJ, n, n);
  joint_h = potential.h;
  joint_j = potential.j;
  for (std::size_t p = 0; p < factor.vars.size(); ++p) {
    if (p != target) add_cavity(f, p, joint_h, joint_j);
  }
  const std::uint32_t v = factor.vars[target];
  const Eigen::Index d = model_.size[v];
  Eigen::Map<Eigen::VectorXd> h = workspace_.vector(kMessageH, d);
  Eigen::Map<Eigen::MatrixXd> j = workspace_.matrix(kMessageJ, d, d);
  double c = 0.0;
  const CanonicalView joint{{joint_h.data(), n}, {joint_j.data(), n, n}, potential.c};
  if (!marginal_into(joint, factor.offsets[target], d, workspace_, h, j, c, integrated_log_det)) return false;
  install(edge(f, target), v, {{h.data(), d}, {j.data(), d, d}, c});
  return true;
}

void MessageEngine::install(std::size_t e, std::uint32_t v, const CanonicalView& next) {
  Eigen::Map<Eigen::VectorXd> old_h = gaussian_messages_.h(e);
  Eigen::Map<Eigen::MatrixXd> old_j = gaussian_messages_.j(e);
  double& old_c = gaussian_messages_.c(e);
  Eigen::Map<Eigen::VectorXd> q_h = gaussian_beliefs_.h(v);
  Eigen::Map<Eigen::MatrixXd> q_j = gaussian_beliefs_.j(v);
  double& q_c = gaussian_beliefs_.c(v);
  q_h -= old_h;
  q_j -= old_j;
  q_c -= old_c;
  q_h += next.h;
  q_j += next.j;
  q_c += next.c;
  old_h = next.h;
  old_j = next.j;
  old_c = next.c;
}

void MessageEngine::site_update(std::size_t f, FactorUpdate& out) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  std::vector<Canonical> cavities(n);
  std::vector<Moments> cavity_moments(n);
  const SiteTerm& site = model_.site(factor);
  double mean_s = site.offset;
  double var_s = 0.0;
  std::vector<Eigen::VectorXd> spread(n);  // Σ_v a_v
  for (std::size_t p = 0; p < n; ++p) {
    cavities[p] = cavity(f, p).gaussian;
    std::optional<Moments> m = moments(cavities[p]);
    if (!m) {
      out.skipped = true;
      return;
    }
    const Eigen::Index d = model_.size[factor.vars[p]];
    const auto a = site.projection.segment(factor.offsets[p], d);
    spread[p] = m->covariance * a;
    mean_s += a.dot(m->mean);
    var_s += a.dot(spread[p]);
    cavity_moments[p] = std::move(*m);
  }
  if (!(var_s > 0.0)) {
    out.skipped = true;  // the projection is fixed by the cavity: nothing to match
    return;
  }
  const TiltedMoments tilted = tilted_moments(*site.likelihood, mean_s, var_s, quadrature_points_);
  const double shift = (tilted.mean - mean_s) / var_s;
  const double shrink = (tilted.variance - var_s) / (var_s * var_s);
  for (std::size_t p = 0; p < n; ++p) {
    const Eigen::VectorXd mean = cavity_moments[p].mean + spread[p] * shift;
    const Eigen::MatrixXd covariance = cavity_moments[p].covariance + spread[p] * spread[p].transpose() * shrink;
    std::optional<Canonical> q = Canonical::from_moments(mean, covariance);
    if (!q) continue;
    *q -= cavities[p];
    q->c = 0.0;
    out.messages[p].gaussian = std::move(*q);
    out.updated[p] = true;
  }
}

void MessageEngine::table_update(std::size_t f, FactorUpdate& out) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  std::vector<std::vector<double>> cavities(n);
  for (std::size_t p = 0; p < n; ++p) cavities[p] = cavity(f, p).log;
  const TableTerm& table = model_.table(factor);
  std::vector<std::size_t> state(n, 0);
  for (std::size_t target = 0; target < n; ++target) {
    std::vector<std::vector<double>> terms(table.cards[target]);
    std::fill(state.begin(), state.end(), 0);
    for (const double value : table.log_values) {
      double w = value;
      for (std::size_t p = 0; p < n; ++p) {
        if (p != target) w += cavities[p][state[p]];
      }
      terms[state[target]].push_back(w);
      for (std::size_t p = 0; p < n && ++state[p] == table.cards[p]; ++p) state[p] = 0;
    }
    std::vector<double>& log = out.messages[target].log;
    log.resize(table.cards[target]);
    for (std::size_t s = 0; s < log.size(); ++s) log[s] = log_sum_exp(terms[s]);
    normalise(log);
    out.updated[target] = true;
  }
}

void MessageEngine::mixture_update(std::size_t f, FactorUpdate& out) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();  // the selector, then the real variables
  const std::vector<double> selector = cavity(f, 0).log;
  std::vector<Canonical> cavities(n);
  for (std::size_t p = 1; p < n; ++p) cavities[p] = cavity(f, p).gaussian;
  const std::vector<Canonical>& components = model_.mixture(factor);
  const std::size_t k_count = components.size();
  std::vector<double> log_z(k_count);
  std::vector<Moments> joint(k_count);
  for (std::size_t k = 0; k < k_count; ++k) {
    Canonical potential = components[k];
    for (std::size_t p = 1; p < n; ++p) potential.add_block(cavities[p], factor.offsets[p]);
    std::optional<double> z = log_integral(potential);
    std::optional<Moments> m = moments(potential);
    if (!z || !m) {
      out.skipped = true;
      return;
    }
    log_z[k] = *z;
    joint[k] = std::move(*m);
  }
  // The selector's message: ∫ component_k × the real cavities, for each k.
  out.messages[0].log = log_z;
  normalise(out.messages[0].log);
  out.updated[0] = true;
  std::vector<double> weight(k_count);
  for (std::size_t k = 0; k < k_count; ++k) weight[k] = selector[k] + log_z[k];
  const double total = log_sum_exp(weight);
  if (total == kNegInf) {
    out.skipped = true;
    return;
  }
  for (double& w : weight) w = std::exp(w - total);
  for (std::size_t p = 1; p < n; ++p) {
    const Eigen::Index d = model_.size[factor.vars[p]];
    const Eigen::Index at = factor.offsets[p];
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
    Eigen::MatrixXd second = Eigen::MatrixXd::Zero(d, d);
    for (std::size_t k = 0; k < k_count; ++k) {
      const Eigen::VectorXd mk = joint[k].mean.segment(at, d);
      mean += weight[k] * mk;
      second += weight[k] * (joint[k].covariance.block(at, at, d, d) + mk * mk.transpose());
    }
    std::optional<Canonical> q = Canonical::from_moments(mean, second - mean * mean.transpose());
    if (!q) continue;
    *q -= cavities[p];
    q->c = 0.0;
    out.messages[p].gaussian = std::move(*q);
    out.updated[p] = true;
  }
}

void MessageEngine::apply(std::size_t f, const FactorUpdate& update, double damping) {
  const ContinuousFactor& factor = model_.factors[f];
  for (std::size_t p = 0; p < factor.vars.size(); ++p) {
    if (!update.updated[p]) continue;
    const std::uint32_t v = factor.vars[p];
    const std::size_t e = edge(f, p);
    if (model_.real[v]) {
      Canonical next = update.messages[p].gaussian;
      if (damping > 0.0) {
        const CanonicalView old = gaussian_messages_.view(e);
        next.h = (1.0 - damping) * next.h + damping * old.h;
        next.j = (1.0 - damping) * next.j + damping * old.j;
        next.c = (1.0 - damping) * next.c + damping * old.c;
      }
      install(e, v, next);
    } else {
      std::vector<double>& old = log_messages_[e];
      std::vector<double>& q = log_beliefs_[v];
      std::vector<double> next = update.messages[p].log;
      if (damping > 0.0) {
        for (std::size_t s = 0; s < next.size(); ++s) {
          // −inf stays −inf (a hard zero); damping mixes the finite ones.
          if (next[s] != kNegInf && old[s] != kNegInf) next[s] = (1.0 - damping) * next[s] + damping * old[s];
        }
      }
      for (std::size_t s = 0; s < next.size(); ++s) {
        q[s] = q[s] - old[s] + next[s];
        if (std::isnan(q[s])) q[s] = kNegInf;  // −inf − (−inf): the state stays ruled out
      }
      old = std::move(next);
    }
  }
}

void MessageEngine::recompute_beliefs() {
  for (std::uint32_t v = 0; v < model_.size.size(); ++v) {
    if (model_.real[v]) {
      Eigen::Map<Eigen::VectorXd> h = gaussian_beliefs_.h(v);
      Eigen::Map<Eigen::MatrixXd> j = gaussian_beliefs_.j(v);
      double& c = gaussian_beliefs_.c(v);
      h.setZero();
      j.setZero();
      c = 0.0;
      for (const auto& [f, p] : model_.edges[v]) {
        const CanonicalView m = gaussian_messages_.view(edge(f, p));
        h += m.h;
        j += m.j;
        c += m.c;
      }
    } else {
      std::vector<double>& q = log_beliefs_[v];
      std::fill(q.begin(), q.end(), 0.0);
      for (const auto& [f, p] : model_.edges[v]) {
        const std::vector<double>& m = log_messages_[edge(f, p)];
        for (std::size_t s = 0; s < q.size(); ++s) q[s] += m[s];
      }
    }
  }
}

void MessageEngine::factor_belief(std::size_t f, Eigen::Ref<Eigen::VectorXd> h, Eigen::Ref<Eigen::MatrixXd> j) const {
  const CanonicalView potential = model_.potential(model_.factors[f]);
  h = potential.h;
  j = potential.j;
  for (std::size_t p = 0; p < model_.factors[f].vars.size(); ++p) add_cavity(f, p, h, j);
}

std::optional<double> MessageEngine::factor_log_z(std::size_t f) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  switch (factor.kind) {
    case ContinuousFactor::Kind::gaussian: {
      Canonical joint = Canonical::copy_of(model_.potential(factor));
      for (std::size_t p = 0; p < n; ++p) add_cavity(f, p, joint.h, joint.j);
      return log_integral(joint);
    }
    case ContinuousFactor::Kind::site: {
      const SiteTerm& site = model_.site(factor);
      double total = 0.0;
      double mean_s = site.offset;
      double var_s = 0.0;
      for (std::size_t p = 0; p < n; ++p) {
        Canonical c = cavity(f, p).gaussian;
        c.c = 0.0;
        const std::optional<double> z = log_integral(c);
        const std::optional<Moments> m = moments(c);
        if (!z || !m) return std::nullopt;
        total += *z;
        const auto a = site.projection.segment(factor.offsets[p], model_.size[factor.vars[p]]);
        mean_s += a.dot(m->mean);
        var_s += a.dot(m->covariance * a);
      }
      if (!(var_s > 0.0)) return total + log_likelihood(*site.likelihood, mean_s);
      return total + tilted_moments(*site.likelihood, mean_s, var_s, quadrature_points_).log_z;
    }
    case ContinuousFactor::Kind::table: {
      std::vector<std::vector<double>> cavities(n);
      for (std::size_t p = 0; p < n; ++p) cavities[p] = cavity(f, p).log;
      std::vector<std::size_t> state(n, 0);
      const TableTerm& table = model_.table(factor);
      std::vector<double> terms;
      terms.reserve(table.log_values.size());
      for (const double value : table.log_values) {
        double w = value;
        for (std::size_t p = 0; p < n; ++p) w += cavities[p][state[p]];
        terms.push_back(w);
        for (std::size_t p = 0; p < n && ++state[p] == table.cards[p]; ++p) state[p] = 0;
      }
      return log_sum_exp(terms);
    }
    case ContinuousFactor::Kind::mixture: {
      const std::vector<double> selector = cavity(f, 0).log;
      std::vector<double> terms;
      const std::vector<Canonical>& components = model_.mixture(factor);
      for (std::size_t k = 0; k < components.size(); ++k) {
        Canonical potential = components[k];
        for (std::size_t p = 1; p < n; ++p) {
          Canonical c = cavity(f, p).gaussian;
          c.c = 0.0;
          potential.add_block(c, factor.offsets[p]);
        }
        const std::optional<double> z = log_integral(potential);
        if (!z) return std::nullopt;
        terms.push_back(selector[k] + *z);
      }
      return log_sum_exp(terms);
    }
  }
  return std::nullopt;
}

std::optional<double> MessageEngine::log_z() const {
  double total = model_.log_constant;
  for (std::size_t f = 0; f < model_.factors.size(); ++f) {
    const std::optional<double> z = factor_log_z(f);
    if (!z) return std::nullopt;
    total += *z;
  }
  for (std::uint32_t v = 0; v < model_.size.size(); ++v) {
    if (model_.observed[v]) continue;
    const std::size_t degree = model_.edges[v].size();
    if (model_.real[v]) {
      if (degree == 0) return std::nullopt;  // a flat real variable: ∫ 1 dx diverges
      CanonicalView q = gaussian_beliefs_.view(v);
      q.c = 0.0;
      const std::optional<double> z = log_integral(q);
      if (!z) return std::nullopt;
      total -= static_cast<double>(degree - 1) * *z;
    } else {
      // A discrete variable in no factor sums to its number of states.
      total -= (static_cast<double>(degree) - 1.0) * log_sum_exp(log_beliefs_[v]);
    }
  }
  return total;
}

}  // namespace copi::detail
