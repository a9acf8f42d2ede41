#include "continuous/continuous_model.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::detail {
namespace {

struct Reducer {
  // Checks the real evidence in the same walk (one walk of a 10⁵-entry map, not two).
  Reducer(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence,
          ContinuousModel& model)
      : evidence(evidence), model(model), observed_value(model.observed.size(), nullptr) {
    for (const auto& [var, x] : real_evidence) {
      validate_real_value(graph, var, x);
      observed_value[var.index] = &x;
      model.observed[var.index] = true;
    }
  }

  const Evidence& evidence;
  ContinuousModel& model;
  // Per variable: its observed value, or null (the map is slow to search 10⁵ times).
  std::vector<const Eigen::VectorXd*> observed_value;

  PrecisionCache precisions;
  Workspace ws;
  // The last few linear-Gaussian factors written with nothing observed, and their
  // potentials: a time-invariant chain's transitions all share one.
  struct Shared {
    const LinearGaussianFactor* source;
    std::size_t potential;
  };
  std::vector<Shared> shared;
  std::size_t next_shared = 0;
  // The last observed child's A and Σ, with AᵀPA: a time-invariant chain's observation
  // factors differ only in y, so J is computed once rather than per factor.
  struct LastObserved {
    const LinearGaussianFactor* source = nullptr;
    Eigen::MatrixXd j;
  } last_observed;

  [[nodiscard]] const Eigen::VectorXd* value(VarId v) const { return observed_value[v.index]; }

  // Same A and Σ (b may differ). Shapes first: Eigen's == requires equal sizes.
  static bool same_a_and_covariance(const LinearGaussianFactor& x, const LinearGaussianFactor& y) {
    return x.dimensions() == y.dimensions() && x.a() == y.a() && x.covariance() == y.covariance();
  }
  static bool same_numbers(const LinearGaussianFactor& x, const LinearGaussianFactor& y) {
    return same_a_and_covariance(x, y) && x.b() == y.b();
  }

  // Conditions a canonical potential over the stacked real scope on the observed ones.
  void gaussian(FactorId id, const GaussianFactor& g) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::gaussian;
    f.id = id;
    Canonical potential{g.eta(), g.lambda(), g.log_constant()};
    condition_real(f, g.scope(), g.dimensions(), potential);
    finish(std::move(f), potential);
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
      if (const Eigen::VectorXd* x = value(scope[i])) {
        for (Eigen::Index k = 0; k < d; ++k) fixed[static_cast<std::size_t>(at + k)] = true;
        values.segment(at, d) = *x;
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

  // y | x ~ N(A x + b, Σ) with every parent x unobserved, written straight into the
  // pool from Σ's cached precision P: over (y, x) when y is unobserved,
  //   J = [P, −PA; −AᵀP, AᵀPA], h = [Pb; −AᵀPb], c = −½ bᵀPb − ½ log |2πΣ|;
  // over x alone when y is observed (r = y − b):
  //   J = AᵀPA, h = AᵀPr, c = −½ rᵀPr − ½ log |2πΣ|.
  // Observed parents take the general route (the canonical form, conditioned).
  void linear(FactorId id, const LinearGaussianFactor& l) {
    const std::vector<VarId>& scope = l.scope();
    for (std::size_t i = 1; i < scope.size(); ++i) {
      if (value(scope[i]) != nullptr) {
        gaussian(id, l.canonical());
        return;
      }
    }
    const Eigen::VectorXd* const y = value(scope[0]);
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::gaussian;
    f.id = id;
    if (y == nullptr) {
      f.vars.push_back(scope[0].index);
      f.offsets.push_back(0);
    }
    const Eigen::Index m = l.b().size();
    Eigen::Index at = y != nullptr ? 0 : m;
    for (std::size_t i = 1; i < scope.size(); ++i) {
      f.vars.push_back(scope[i].index);
      f.offsets.push_back(at);
      at += static_cast<Eigen::Index>(l.dimensions()[i]);
    }
    f.real_size = at;
    if (y != nullptr) {
      if (!observed_child(l, *y, f)) return;
    } else {
      f.payload = unobserved_child(l);
    }
    model.factors.push_back(std::move(f));
  }

  // The potential over the parents given y, into the pool as f's; false when there
  // are no parents (the constant went into the model's).
  bool observed_child(const LinearGaussianFactor& l, const Eigen::VectorXd& y, ContinuousFactor& f) {
    const PrecisionCache::Entry& cached = precisions.of(l.covariance());
    const Eigen::Index m = l.b().size();
    const Eigen::Index n = l.a().cols();
    Eigen::Map<Eigen::VectorXd> r = ws.vector(3, m);
    r = y - l.b();
    Eigen::Map<Eigen::VectorXd> pr = ws.vector(4, m);
    pr.noalias() = cached.precision * r;
    const double c = -0.5 * r.dot(pr) - 0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + cached.log_det);
    if (f.vars.empty()) {
      model.log_constant += c;
      return false;
    }
    const LinearGaussianFactor* last = last_observed.source;
    if (last == nullptr || !same_a_and_covariance(*last, l)) {
      Eigen::Map<Eigen::MatrixXd> pa = ws.matrix(5, m, n);
      pa.noalias() = cached.precision * l.a();
      last_observed.j.noalias() = l.a().transpose() * pa;
      last_observed.source = &l;
    }
    const std::size_t i = model.potentials.add(n);
    f.payload = i;
    model.potentials.c(i) = c;
    model.potentials.h(i).noalias() = l.a().transpose() * pr;
    model.potentials.j(i) = last_observed.j;
    return true;
  }

  // The potential over (y, x), shared with an earlier factor of the same numbers.
  std::size_t unobserved_child(const LinearGaussianFactor& l) {
    for (const Shared& s : shared) {
      if (same_numbers(*s.source, l)) return s.potential;
    }
    const PrecisionCache::Entry& cached = precisions.of(l.covariance());
    const Eigen::MatrixXd& p = cached.precision;
    const Eigen::Index m = l.b().size();
    const Eigen::Index n = l.a().cols();
    Eigen::Map<Eigen::MatrixXd> pa = ws.matrix(3, m, n);
    pa.noalias() = p * l.a();
    Eigen::Map<Eigen::VectorXd> pb = ws.vector(4, m);
    pb.noalias() = p * l.b();
    const std::size_t i = model.potentials.add(m + n);
    Eigen::Map<Eigen::MatrixXd> j = model.potentials.j(i);
    j.topLeftCorner(m, m) = p;
    j.topRightCorner(m, n) = -pa;
    j.bottomLeftCorner(n, m) = -pa.transpose();
    j.bottomRightCorner(n, n).noalias() = l.a().transpose() * pa;
    Eigen::Map<Eigen::VectorXd> h = model.potentials.h(i);
    h.head(m) = pb;
    h.tail(n).noalias() = -l.a().transpose() * pb;
    model.potentials.c(i) =
        -0.5 * l.b().dot(pb) - 0.5 * (static_cast<double>(m) * std::log(2.0 * std::numbers::pi) + cached.log_det);
    constexpr std::size_t kShared = 8;
    if (shared.size() < kShared) {
      shared.push_back({&l, i});
    } else {
      shared[next_shared] = {&l, i};
      next_shared = (next_shared + 1) % kShared;
    }
    return i;
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
    f.payload = model.mixtures.size();
    std::vector<Canonical>& components = model.mixtures.emplace_back();
    for (const LinearGaussianFactor& component : c.components()) {
      const GaussianFactor g = component.canonical();
      Canonical potential{g.eta(), g.lambda(), g.log_constant()};
      ContinuousFactor scratch;
      condition_real(scratch, g.scope(), g.dimensions(), potential);
      if (components.empty()) {
        f.vars.insert(f.vars.end(), scratch.vars.begin(), scratch.vars.end());
        f.offsets.insert(f.offsets.end(), scratch.offsets.begin(), scratch.offsets.end());
        f.real_size = scratch.real_size;
      }
      components.push_back(std::move(potential));
    }
    model.factors.push_back(std::move(f));
  }

  void site(FactorId id, const SiteFactor& s) {
    ContinuousFactor f;
    f.kind = ContinuousFactor::Kind::site;
    f.id = id;
    SiteTerm term;
    term.likelihood = &s.likelihood();
    term.offset = s.offset();
    std::vector<double> kept;
    Eigen::Index at = 0;
    for (std::size_t i = 0; i < s.scope().size(); ++i) {
      const auto d = static_cast<Eigen::Index>(s.dimensions()[i]);
      if (const Eigen::VectorXd* x = value(s.scope()[i])) {
        term.offset += s.projection().segment(at, d).dot(*x);
      } else {
        f.vars.push_back(s.scope()[i].index);
        f.offsets.push_back(static_cast<Eigen::Index>(kept.size()));
        for (Eigen::Index k = 0; k < d; ++k) kept.push_back(s.projection()[at + k]);
      }
      at += d;
    }
    f.real_size = static_cast<Eigen::Index>(kept.size());
    term.projection = Eigen::Map<const Eigen::VectorXd>(kept.data(), f.real_size);
    if (f.vars.empty()) {
      model.log_constant += log_likelihood(s.likelihood(), term.offset);
      return;
    }
    f.payload = model.sites.size();
    model.sites.push_back(std::move(term));
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
    f.payload = model.tables.size();
    model.tables.push_back({kept.log_values(), kept.cardinalities()});
    model.factors.push_back(std::move(f));
  }

  void finish(ContinuousFactor f, const Canonical& potential) {
    if (f.vars.empty()) {
      model.log_constant += potential.c;
      return;
    }
    f.payload = model.potentials.add(potential);
    model.factors.push_back(std::move(f));
  }
};

}  // namespace

ContinuousModel reduce_continuous(const FactorGraph& graph, const Evidence& evidence, const RealEvidence& real_evidence) {
  validate_evidence(graph, evidence);
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
  model.factors.reserve(graph.num_factors());
  std::size_t numbers = 0;  // an upper bound on the pool's size: every factor's whole real scope
  for (const Factor& factor : graph.factors()) {
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, GaussianFactor> || std::is_same_v<F, LinearGaussianFactor>) {
            std::size_t d = 0;
            for (const std::size_t k : f.dimensions()) d += k;
            numbers += d + d * d;
          }
        },
        factor);
  }
  model.potentials.reserve(graph.num_factors(), numbers);
  Reducer reducer(graph, evidence, real_evidence, model);
  for (std::uint32_t i = 0; i < graph.num_factors(); ++i) {
    const FactorId id{i};
    std::visit(
        [&](const auto& f) {
          using F = std::decay_t<decltype(f)>;
          if constexpr (std::is_same_v<F, DiscreteFactor>) {
            reducer.table(id, f);
          } else if constexpr (std::is_same_v<F, SparseConditionalFactor>) {
            if (f.dense_size() > FactorGraph::kDenseTableLimit) {
              throw ResourceError("factor " + std::to_string(i) + " (" + graph.describe(id) +
                                  ") is too large to use as a dense table");
            }
            reducer.table(id, f.densify());
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
    const auto& vars = model.factors[f].vars;
    for (std::uint32_t p = 0; p < vars.size(); ++p) model.edges[vars[p]].emplace_back(f, p);
  }
  return model;
}

}  // namespace copi::detail
