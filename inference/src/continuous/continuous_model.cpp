#include "continuous/continuous_model.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct Reducer {
  const FactorGraph& graph;
  const Evidence& evidence;
  const RealEvidence& real_evidence;
  ContinuousModel& model;

  // Conditions a canonical potential over the stacked real scope on the observed ones.
  void gaussian(FactorId id, const GaussianFactor& g) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::gaussian;
    f.id = id;
    f.potential = {g.eta(), g.lambda(), g.log_constant()};
    condition_real(f, g.scope(), g.dimensions(), f.potential);
    finish(std::move(f));
  }

  void condition_real(ContinuousFactor& f, const std::vector<VarId>& scope, const std::vector<std::size_t>& dims,
                      Canonical& potential) {
    const Eigen::Index total = potential.size();
    std::vector<bool> fixed(static_cast<std::size_t>(total), false);
    Eigen::VectorXd values = Eigen::VectorXd::Zero(total);
    Eigen::Index at = 0;
    Eigen::Index kept = 0;
    for (std::size_t i = 0; i < scope.size(); ++i) {
      const auto d = static_cast<Eigen::Index>(dims[i]);
      const auto it = real_evidence.find(scope[i]);
      if (it != real_evidence.end()) {
        for (Eigen::Index k = 0; k < d; ++k) fixed[static_cast<std::size_t>(at + k)] = true;
        values.segment(at, d) = it->second;
      } else {
        f.vars.push_back(scope[i].index);
        f.offsets.push_back(kept);
        kept += d;
      }
      at += d;
    }
    f.real_size = kept;
    if (kept < total) potential = condition(potential, fixed, values);
  }

  // y | x ~ N(Ax + b, Σ) in canonical form over (y, x), built directly (the factor's
  // parameters were checked when it was made; canonical() would check them again).
  void linear(FactorId id, const LinearGaussianFactor& l) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::gaussian;
    f.id = id;
    const Eigen::Index m = l.a().rows();
    const Eigen::Index n = l.a().cols();
    const Eigen::LLT<Eigen::MatrixXd> llt(l.covariance());
    // No parents: A is m × 0, and a solve on an empty matrix reads through a null pointer.
    const Eigen::MatrixXd pa = n == 0 ? Eigen::MatrixXd(m, 0) : Eigen::MatrixXd(llt.solve(l.a()));
    const Eigen::VectorXd pb = llt.solve(l.b());
    Canonical& c = f.potential;
    c.j.resize(m + n, m + n);
    c.j.topLeftCorner(m, m) = llt.solve(Eigen::MatrixXd::Identity(m, m));
    c.j.topRightCorner(m, n) = -pa;
    c.j.bottomLeftCorner(n, m) = -pa.transpose();
    c.j.bottomRightCorner(n, n).noalias() = l.a().transpose() * pa;
    c.h.resize(m + n);
    c.h.head(m) = pb;
    c.h.tail(n).noalias() = -l.a().transpose() * pb;
    double log_det = 0.0;
    for (Eigen::Index i = 0; i < m; ++i) log_det += 2.0 * std::log(llt.matrixLLT()(i, i));
    c.c = -0.5 * l.b().dot(pb) - 0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + log_det);
    condition_real(f, l.scope(), l.dimensions(), c);
    finish(std::move(f));
  }

  void clg(FactorId id, const ConditionalLinearGaussianFactor& c) {
    const auto it = evidence.find(c.selector());
    if (it != evidence.end()) {
      linear(id, c.components()[it->second]);
      return;
    }
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::mixture;
    f.id = id;
    f.vars.push_back(c.selector().index);
    f.offsets.push_back(0);
    for (const LinearGaussianFactor& component : c.components()) {
      const GaussianFactor g = component.canonical();
      Canonical potential{g.eta(), g.lambda(), g.log_constant()};
      ContinuousFactor scratch;
      condition_real(scratch, g.scope(), g.dimensions(), potential);
      if (f.components.empty()) {
        f.vars.insert(f.vars.end(), scratch.vars.begin(), scratch.vars.end());
        f.offsets.insert(f.offsets.end(), scratch.offsets.begin(), scratch.offsets.end());
        f.real_size = scratch.real_size;
      }
      f.components.push_back(std::move(potential));
    }
    model.factors.push_back(std::move(f));
  }

  void site(FactorId id, const SiteFactor& s) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::site;
    f.id = id;
    f.likelihood = &s.likelihood();
    f.offset = s.offset();
    std::vector<double> kept;
    Eigen::Index at = 0;
    for (std::size_t i = 0; i < s.scope().size(); ++i) {
      const auto d = static_cast<Eigen::Index>(s.dimensions()[i]);
      const auto it = real_evidence.find(s.scope()[i]);
      if (it != real_evidence.end()) {
        f.offset += s.projection().segment(at, d).dot(it->second);
      } else {
        f.vars.push_back(s.scope()[i].index);
        f.offsets.push_back(static_cast<Eigen::Index>(kept.size()));
        for (Eigen::Index k = 0; k < d; ++k) kept.push_back(s.projection()[at + k]);
      }
      at += d;
    }
    f.real_size = static_cast<Eigen::Index>(kept.size());
    f.projection = Eigen::Map<const Eigen::VectorXd>(kept.data(), f.real_size);
    if (f.vars.empty()) {
      model.log_constant += log_likelihood(s.likelihood(), f.offset);
      return;
    }
    model.factors.push_back(std::move(f));
  }

  void table(FactorId id, const DiscreteFactor& t) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::table;
    f.id = id;
    std::vector<int> state(t.arity(), -1);
    for (std::size_t i = 0; i < t.arity(); ++i) {
      const auto it = evidence.find(t.scope()[i]);
      if (it != evidence.end()) {
        state[i] = static_cast<int>(it->second);
      } else {
        f.vars.push_back(t.scope()[i].index);
        f.offsets.push_back(0);
        f.cards.push_back(t.cardinalities()[i]);
      }
    }
    std::size_t reduced_size = 1;
    for (const std::size_t c : f.cards) reduced_size *= c;
    f.log_values.reserve(reduced_size);
    const std::vector<double>& values = t.log_values();
    for (std::size_t index = 0; index < values.size(); ++index) {
      std::size_t rest = index;
      bool consistent = true;
      for (std::size_t i = 0; i < t.arity(); ++i) {
        const std::size_t s = rest % t.cardinalities()[i];
        rest /= t.cardinalities()[i];
        if (state[i] >= 0 && static_cast<int>(s) != state[i]) consistent = false;
      }
      if (consistent) f.log_values.push_back(values[index]);
    }
    if (f.vars.empty()) {
      model.log_constant += f.log_values.empty() ? kNegInf : f.log_values[0];
      return;
    }
    model.factors.push_back(std::move(f));
  }

  void finish(ContinuousFactor f) {
    if (f.vars.empty()) {
      model.log_constant += f.potential.c;
      return;
    }
    model.factors.push_back(std::move(f));
  }
};

}  // namespace

ContinuousModel reduce_continuous(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence) {
  validate_evidence(graph, evidence);
  validate_real_evidence(graph, real_evidence);
  ContinuousModel model;
  const std::size_t n = graph.num_variables();
  model.edges.resize(n);
  model.observed.assign(n, false);
  model.real.assign(n, false);
  model.size.assign(n, 0);
  for (std::size_t v = 0; v < n; ++v) {
    const Variable& var = graph.variables()[v];
    model.real[v] = var.is_real();
    model.size[v] = static_cast<Eigen::Index>(var.is_real() ? var.dimension : var.cardinality);
  }
  for (const auto& [var, state] : evidence) model.observed[var.index] = true;
  for (const auto& [var, value] : real_evidence) model.observed[var.index] = true;
  model.factors.reserve(graph.num_factors());
  Reducer reducer{graph, evidence, real_evidence, model};
  for (std::uint32_t i = 0; i < graph.num_factors(); ++i) {
    const FactorId id{i};
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, DiscreteFactor>) {
            reducer.table(id, f);
          } else if constexpr (std::is_same_v<F, GaussianFactor>) {
            reducer.gaussian(id, f);
          } else if constexpr (std::is_same_v<F, LinearGaussianFactor>) {
            reducer.linear(id, f);
          } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
            reducer.clg(id, f);
          } else {
            reducer.site(id, f);
          }
        },
        graph.factor(id));
  }
  for (std::uint32_t f = 0; f < model.factors.size(); ++f) {
    const std::vector<std::uint32_t>& vars = model.factors[f].vars;
    for (std::uint32_t p = 0; p < vars.size(); ++p) model.edges[vars[p]].emplace_back(f, p);
  }
  return model;
}

}  // namespace copi::detail
