#include "continuous/continuous_model.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::detail {
namespace {

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

  void linear(FactorId id, const LinearGaussianFactor& l) { gaussian(id, l.canonical()); }

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
    const std::optional<DiscreteFactor> reduced = reduce_by(t, evidence);
    const DiscreteFactor& kept = reduced ? *reduced : t;
    if (kept.arity() == 0) {
      model.log_constant += kept.log_values()[0];
      return;
    }
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::table;
    f.id = id;
    for (const VarId v : kept.scope()) f.vars.push_back(v.index);
    f.offsets.assign(f.vars.size(), 0);
    f.cards = kept.cardinalities();
    f.log_values = kept.log_values();
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
