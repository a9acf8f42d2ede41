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

Message zero_message(const ContinuousModel& model, std::uint32_t var) {
  Message m;
  if (model.real[var]) {
    m.gaussian = Canonical::flat(model.size[var]);
  } else {
    m.log.assign(static_cast<std::size_t>(model.size[var]), 0.0);
  }
  return m;
}

}  // namespace

MessageEngine::MessageEngine(const ContinuousModel& model, std::size_t quadrature_points)
    : model_(model), quadrature_points_(quadrature_points) {
  std::size_t edges = 0;
  first_edge_.reserve(model.factors.size());
  for (const ContinuousFactor& f : model.factors) {
    first_edge_.push_back(edges);
    edges += f.vars.size();
  }
  messages_.reserve(edges);
  for (const ContinuousFactor& f : model.factors) {
    for (const std::uint32_t v : f.vars) messages_.push_back(zero_message(model, v));
  }
  belief_.reserve(model.size.size());
  for (std::uint32_t v = 0; v < model.size.size(); ++v) belief_.push_back(zero_message(model, v));
}

Message MessageEngine::cavity(std::size_t f, std::size_t position) const {
  const std::uint32_t v = model_.factors[f].vars[position];
  const Message& m = messages_[edge(f, position)];
  Message out = belief_[v];
  if (model_.real[v]) {
    out.gaussian -= m.gaussian;
  } else {
    for (std::size_t s = 0; s < out.log.size(); ++s) out.log[s] -= m.log[s];
  }
  return out;
}

void MessageEngine::add_cavity(std::size_t f, std::size_t position, Canonical& joint) const {
  const ContinuousFactor& factor = model_.factors[f];
  const Canonical& q = belief_[factor.vars[position]].gaussian;
  const Canonical& m = messages_[edge(f, position)].gaussian;
  const Eigen::Index at = factor.offsets[position];
  const Eigen::Index d = q.size();
  joint.h.segment(at, d) += q.h - m.h;
  joint.j.block(at, at, d, d) += q.j - m.j;
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
  for (std::size_t target = 0; target < n; ++target) {
    if (only && *only != target) continue;
    Canonical joint = factor.potential;
    for (std::size_t p = 0; p < n; ++p) {
      if (p != target) add_cavity(f, p, joint);
    }
    std::optional<Canonical> message =
        marginal(joint, factor.offsets[target], model_.size[factor.vars[target]]);
    if (!message) continue;
    out.messages[target].gaussian = std::move(*message);
    out.updated[target] = true;
  }
}

void MessageEngine::site_update(std::size_t f, FactorUpdate& out) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  std::vector<Canonical> cavities(n);
  std::vector<Moments> cavity_moments(n);
  double mean_s = factor.offset;
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
    const auto a = factor.projection.segment(factor.offsets[p], d);
    spread[p] = m->covariance * a;
    mean_s += a.dot(m->mean);
    var_s += a.dot(spread[p]);
    cavity_moments[p] = std::move(*m);
  }
  if (!(var_s > 0.0)) {
    out.skipped = true;  // the projection is fixed by the cavity: nothing to match
    return;
  }
  const TiltedMoments tilted = tilted_moments(*factor.likelihood, mean_s, var_s, quadrature_points_);
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
  std::vector<std::size_t> state(n, 0);
  for (std::size_t target = 0; target < n; ++target) {
    std::vector<std::vector<double>> terms(factor.cards[target]);
    std::fill(state.begin(), state.end(), 0);
    for (const double value : factor.log_values) {
      double w = value;
      for (std::size_t p = 0; p < n; ++p) {
        if (p != target) w += cavities[p][state[p]];
      }
      terms[state[target]].push_back(w);
      for (std::size_t p = 0; p < n && ++state[p] == factor.cards[p]; ++p) state[p] = 0;
    }
    std::vector<double>& log = out.messages[target].log;
    log.resize(factor.cards[target]);
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
  const std::size_t k_count = factor.components.size();
  std::vector<double> log_z(k_count);
  std::vector<Moments> joint(k_count);
  for (std::size_t k = 0; k < k_count; ++k) {
    Canonical potential = factor.components[k];
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
    Message& old = messages_[edge(f, p)];
    Message& q = belief_[v];
    if (model_.real[v]) {
      Canonical next = update.messages[p].gaussian;
      if (damping > 0.0) {
        next.h = (1.0 - damping) * next.h + damping * old.gaussian.h;
        next.j = (1.0 - damping) * next.j + damping * old.gaussian.j;
        next.c = (1.0 - damping) * next.c + damping * old.gaussian.c;
      }
      q.gaussian -= old.gaussian;
      q.gaussian += next;
      old.gaussian = std::move(next);
    } else {
      std::vector<double> next = update.messages[p].log;
      if (damping > 0.0) {
        for (std::size_t s = 0; s < next.size(); ++s) {
          // −inf stays −inf (a hard zero); damping mixes the finite ones.
          if (next[s] != kNegInf && old.log[s] != kNegInf) next[s] = (1.0 - damping) * next[s] + damping * old.log[s];
        }
      }
      for (std::size_t s = 0; s < next.size(); ++s) {
        q.log[s] = q.log[s] - old.log[s] + next[s];
        if (std::isnan(q.log[s])) q.log[s] = kNegInf;  // −inf − (−inf): the state stays ruled out
      }
      old.log = std::move(next);
    }
  }
}

void MessageEngine::recompute_beliefs() {
  for (std::uint32_t v = 0; v < belief_.size(); ++v) {
    Message q = zero_message(model_, v);
    for (const auto& [f, p] : model_.edges[v]) {
      const Message& m = messages_[edge(f, p)];
      if (model_.real[v]) {
        q.gaussian += m.gaussian;
      } else {
        for (std::size_t s = 0; s < q.log.size(); ++s) q.log[s] += m.log[s];
      }
    }
    belief_[v] = std::move(q);
  }
}

Eigen::MatrixXd MessageEngine::factor_belief_precision(std::size_t f) const {
  Canonical joint = model_.factors[f].potential;
  for (std::size_t p = 0; p < model_.factors[f].vars.size(); ++p) add_cavity(f, p, joint);
  return joint.j;
}

std::optional<double> MessageEngine::factor_log_z(std::size_t f) const {
  const ContinuousFactor& factor = model_.factors[f];
  const std::size_t n = factor.vars.size();
  switch (factor.kind) {
    case ContinuousFactor::Kind::gaussian: {
      Canonical joint = factor.potential;
      for (std::size_t p = 0; p < n; ++p) add_cavity(f, p, joint);
      return log_integral(joint);
    }
    case ContinuousFactor::Kind::site: {
      double total = 0.0;
      double mean_s = factor.offset;
      double var_s = 0.0;
      for (std::size_t p = 0; p < n; ++p) {
        Canonical c = cavity(f, p).gaussian;
        c.c = 0.0;
        const std::optional<double> z = log_integral(c);
        const std::optional<Moments> m = moments(c);
        if (!z || !m) return std::nullopt;
        total += *z;
        const auto a = factor.projection.segment(factor.offsets[p], model_.size[factor.vars[p]]);
        mean_s += a.dot(m->mean);
        var_s += a.dot(m->covariance * a);
      }
      if (!(var_s > 0.0)) return total + log_likelihood(*factor.likelihood, mean_s);
      return total + tilted_moments(*factor.likelihood, mean_s, var_s, quadrature_points_).log_z;
    }
    case ContinuousFactor::Kind::table: {
      std::vector<std::vector<double>> cavities(n);
      for (std::size_t p = 0; p < n; ++p) cavities[p] = cavity(f, p).log;
      std::vector<std::size_t> state(n, 0);
      std::vector<double> terms;
      terms.reserve(factor.log_values.size());
      for (const double value : factor.log_values) {
        double w = value;
        for (std::size_t p = 0; p < n; ++p) w += cavities[p][state[p]];
        terms.push_back(w);
        for (std::size_t p = 0; p < n && ++state[p] == factor.cards[p]; ++p) state[p] = 0;
      }
      return log_sum_exp(terms);
    }
    case ContinuousFactor::Kind::mixture: {
      const std::vector<double> selector = cavity(f, 0).log;
      std::vector<double> terms;
      for (std::size_t k = 0; k < factor.components.size(); ++k) {
        Canonical potential = factor.components[k];
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
  for (std::uint32_t v = 0; v < belief_.size(); ++v) {
    if (model_.observed[v]) continue;
    const std::size_t degree = model_.edges[v].size();
    if (model_.real[v]) {
      if (degree == 0) return std::nullopt;  // a flat real variable: ∫ 1 dx diverges
      Canonical q = belief_[v].gaussian;
      q.c = 0.0;
      const std::optional<double> z = log_integral(q);
      if (!z) return std::nullopt;
      total -= static_cast<double>(degree - 1) * *z;
    } else {
      // A discrete variable in no factor sums to its number of states.
      total -= (static_cast<double>(degree) - 1.0) * log_sum_exp(belief_[v].log);
    }
  }
  return total;
}

}  // namespace copi::detail
