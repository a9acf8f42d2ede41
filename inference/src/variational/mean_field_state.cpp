#include "variational/mean_field_state.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi::detail {
namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr double kNegInf = -std::numeric_limits<double>::infinity();
// A local ELBO may fall by rounding only; more than this (relative) is a bug.
constexpr double kDecreaseTolerance = 1e-9;

double entropy_of(const std::vector<double>& p) {
  double h = 0.0;
  for (const double x : p) {
    if (x > 0.0) h -= x * std::log(x);
  }
  return h;
}

// Σ b·v over the entries with b > 0 (0 · -inf is 0).
double expectation(const std::vector<double>& b, const std::vector<double>& v) {
  double total = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (b[i] > 0.0) total += b[i] * v[i];
  }
  return total;
}

bool decreased(double before, double after) {
  if (!std::isfinite(before)) return false;  // from -inf anything is an increase
  return after < before - kDecreaseTolerance * std::max(1.0, std::abs(before));
}

std::string describe_cluster(const FactorGraph& graph, const MfCluster& cluster) {
  std::string names;
  for (std::size_t i = 0; i < cluster.vars.size() && i < 6; ++i) {
    names += (i ? ", " : "") + graph.variables()[cluster.vars[i]].name;
  }
  if (cluster.vars.size() > 6) names += ", ... (" + std::to_string(cluster.vars.size()) + " variables)";
  return names;
}

// Walks every entry of a factor's table, the first scope position fastest, keeping
// each part's index into its belief: visit(entry, part indices).
template <typename Visit>
void walk_parts(const MfFactor& f, std::vector<std::size_t>& sub, Visit visit) {
  const std::vector<std::size_t>& cards = f.factor->cardinalities();
  const std::size_t arity = cards.size();
  std::vector<std::size_t> state(arity, 0);
  // Per position: its part and its stride there.
  std::vector<std::size_t> owner(arity);
  std::vector<std::size_t> stride(arity);
  for (std::size_t p = 0; p < f.parts.size(); ++p) {
    for (const std::uint32_t k : f.parts[p].positions) {
      owner[k] = p;
      stride[k] = f.parts[p].strides[k];
    }
  }
  sub.assign(f.parts.size(), 0);
  const std::size_t size = f.factor->size();
  for (std::size_t i = 0; i < size; ++i) {
    visit(i, sub);
    for (std::size_t k = 0; k < arity; ++k) {
      if (++state[k] < cards[k]) {
        sub[owner[k]] += stride[k];
        break;
      }
      state[k] = 0;
      sub[owner[k]] -= (cards[k] - 1) * stride[k];
    }
  }
}

}  // namespace

MeanFieldState::MeanFieldState(const FactorGraph& graph, const Evidence& evidence, const MeanFieldOptions& options)
    : graph_(graph), evidence_(evidence), model_(reduce_model(graph, evidence)) {
  if (model_.impossible()) throw ImpossibleEvidence("the evidence has probability zero under the model");
  build_clusters(options);
  build_parts();
  initialise(options);
  build_plans(options);
  colour();
}

void MeanFieldState::build_clusters(const MeanFieldOptions& options) {
  const std::size_t n = graph_.num_variables();
  cluster_of_.assign(n, kNone);
  for (std::size_t k = 0; k < options.clusters.size(); ++k) {
    MfCluster cluster;
    for (const VarId v : options.clusters[k]) {
      if (v.index >= n) {
        throw InputError("mean field: cluster " + std::to_string(k + 1) + " names variable " + std::to_string(v.index) +
                         ", but the model has " + std::to_string(n));
      }
      if (cluster_of_[v.index] != kNone || std::find(cluster.vars.begin(), cluster.vars.end(), v.index) != cluster.vars.end()) {
        throw InputError("mean field: variable " + std::to_string(v.index) + " ('" + graph_.variable(v).name +
                         "') is in two clusters (cluster " + std::to_string(k + 1) + ")");
      }
      if (model_.observed()[v.index]) continue;  // evidence removes it
      cluster.vars.push_back(v.index);
    }
    for (const std::uint32_t v : cluster.vars) cluster_of_[v] = static_cast<std::uint32_t>(clusters_.size());
    if (!cluster.vars.empty()) clusters_.push_back(std::move(cluster));
  }
  for (std::uint32_t v = 0; v < n; ++v) {
    if (model_.observed()[v] || cluster_of_[v] != kNone) continue;
    cluster_of_[v] = static_cast<std::uint32_t>(clusters_.size());
    MfCluster singleton;
    singleton.vars.push_back(v);
    clusters_.push_back(std::move(singleton));
  }
}

void MeanFieldState::build_parts() {
  factors_.reserve(model_.factors().size());
  for (const DiscreteFactor* factor : model_.factors()) {
    MfFactor f;
    f.factor = factor;
    for (const VarId v : factor->scope()) f.vars.push_back(v.index);
    for (std::uint32_t k = 0; k < f.vars.size(); ++k) {
      const std::uint32_t c = cluster_of_[f.vars[k]];
      auto part = std::find_if(f.parts.begin(), f.parts.end(), [&](const FactorPart& p) { return p.cluster == c; });
      if (part == f.parts.end()) {
        f.parts.emplace_back();
        part = f.parts.end() - 1;
        part->cluster = c;
      }
      part->positions.push_back(k);
    }
    for (FactorPart& part : f.parts) {
      part.strides.assign(f.vars.size(), 0);
      std::size_t stride = 1;
      for (const std::uint32_t k : part.positions) {
        part.strides[k] = stride;
        stride *= factor->cardinalities()[k];
      }
      part.belief.assign(stride, 0.0);
    }
    const auto index = static_cast<std::uint32_t>(factors_.size());
    for (std::uint32_t p = 0; p < f.parts.size(); ++p) clusters_[f.parts[p].cluster].parts.emplace_back(index, p);
    factors_.push_back(std::move(f));
  }
}

void MeanFieldState::initialise(const MeanFieldOptions& options) {
  q_.assign(graph_.num_variables(), {});
  for (std::uint32_t v = 0; v < graph_.num_variables(); ++v) {
    if (model_.observed()[v]) continue;
    const std::size_t card = graph_.variables()[v].cardinality;
    q_[v].assign(card, 1.0 / static_cast<double>(card));
    if (options.init == MeanFieldInit::random) {
      // One generator per variable, seeded from (seed, v): the same q for any thread count.
      std::mt19937_64 rng(options.seed ^ (0x9E3779B97F4A7C15ULL * (v + 1)));
      std::uniform_real_distribution<double> draw(0.05, 1.0);
      double total = 0.0;
      for (double& x : q_[v]) total += (x = draw(rng));
      for (double& x : q_[v]) x /= total;
    }
  }
  // Until their first update, clusters are the product of their variables' q_i.
  for (MfCluster& cluster : clusters_) {
    cluster.entropy = 0.0;
    for (const std::uint32_t v : cluster.vars) cluster.entropy += entropy_of(q_[v]);
    refresh_part_beliefs(static_cast<std::size_t>(&cluster - clusters_.data()), nullptr);
  }
}

void MeanFieldState::build_plans(const MeanFieldOptions& options) {
  for (MfCluster& cluster : clusters_) {
    if (cluster.vars.size() < 2) continue;
    FactorGraph local;
    std::vector<std::uint32_t> local_of(graph_.num_variables(), kNone);
    for (const std::uint32_t v : cluster.vars) {
      local_of[v] = local.add_variable(DiscreteVariable{graph_.variables()[v].name, graph_.variables()[v].cardinality, {}}).index;
    }
    for (const auto& [fi, pi] : cluster.parts) {
      MfFactor& f = factors_[fi];
      FactorPart& part = f.parts[pi];
      std::vector<VarId> scope;
      std::vector<std::size_t> cards;
      for (const std::uint32_t k : part.positions) {
        scope.push_back(VarId{local_of[f.vars[k]]});
        cards.push_back(f.factor->cardinalities()[k]);
      }
      // A factor wholly inside enters with its own values; a crossing one as a slot
      // whose values each update sets to its expected log-potential.
      std::vector<double> values = f.crossing() ? std::vector<double>(part.belief.size(), 0.0) : f.factor->log_values();
      part.slot = local.add_factor(DiscreteFactor(std::move(scope), std::move(cards), std::move(values))).index;
      if (!f.crossing()) cluster.internal.push_back(part.slot);
    }
    cluster.plan.emplace(std::move(local), Evidence{}, options.cluster_exact);
  }
}

void MeanFieldState::colour() {
  std::vector<std::uint32_t> colour_of(clusters_.size(), kNone);
  std::vector<char> taken;
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    taken.assign(taken.size(), 0);
    for (const auto& [fi, pi] : clusters_[c].parts) {
      for (const FactorPart& other : factors_[fi].parts) {
        const std::uint32_t k = colour_of[other.cluster];
        if (k != kNone) {
          if (k >= taken.size()) taken.resize(k + 1, 0);
          taken[k] = 1;
        }
      }
    }
    std::uint32_t k = 0;
    while (k < taken.size() && taken[k] != 0) ++k;
    colour_of[c] = k;
    if (k >= colours_.size()) colours_.resize(k + 1);
    if (k >= taken.size()) taken.resize(k + 1, 0);
    colours_[k].push_back(static_cast<std::uint32_t>(c));
  }
}

void MeanFieldState::refresh_part_beliefs(std::size_t c, const InferenceResult* run) {
  for (const auto& [fi, pi] : clusters_[c].parts) {
    MfFactor& f = factors_[fi];
    FactorPart& part = f.parts[pi];
    if (run != nullptr) {
      part.belief = run->factor_beliefs[part.slot];
      continue;
    }
    // Product of the q_i of the part's variables, first position fastest.
    part.belief.assign(part.belief.size(), 1.0);
    std::size_t block = 1;
    for (const std::uint32_t k : part.positions) {
      const std::vector<double>& q = q_[f.vars[k]];
      const std::size_t card = q.size();
      for (std::size_t i = 0; i < part.belief.size(); ++i) part.belief[i] *= q[(i / block) % card];
      block *= card;
    }
  }
}

void MeanFieldState::message(const MfFactor& f, std::size_t p, std::vector<double>& out,
                             std::vector<double>* zero_mass) const {
  out.assign(f.parts[p].belief.size(), 0.0);
  if (zero_mass != nullptr) zero_mass->assign(out.size(), 0.0);
  const std::vector<double>& log_values = f.factor->log_values();
  std::vector<std::size_t> sub;
  walk_parts(f, sub, [&](std::size_t i, const std::vector<std::size_t>& at) {
    double w = 1.0;
    for (std::size_t o = 0; o < f.parts.size(); ++o) {
      if (o != p) w *= f.parts[o].belief[at[o]];
    }
    if (w == 0.0) return;
    const double l = log_values[i];
    if (l == kNegInf) {
      if (zero_mass != nullptr) {
        (*zero_mass)[at[p]] += w;
      } else {
        out[at[p]] = kNegInf;
      }
      return;
    }
    out[at[p]] += w * l;
  });
}

double MeanFieldState::expected_log(const MfFactor& f) const {
  const std::vector<double>& log_values = f.factor->log_values();
  double total = 0.0;
  std::vector<std::size_t> sub;
  walk_parts(f, sub, [&](std::size_t i, const std::vector<std::size_t>& at) {
    double w = 1.0;
    for (std::size_t o = 0; o < f.parts.size(); ++o) w *= f.parts[o].belief[at[o]];
    if (w > 0.0) total += w * log_values[i];
  });
  return total;
}

double MeanFieldState::update(std::size_t c, double damping) {
  return clusters_[c].vars.size() == 1 ? update_singleton(c, damping) : update_cluster(c);
}

// q_i ∝ exp(Σ_f E_{q_-i}[log f]). A state that meets a hard zero with positive
// probability under the others gets weight 0; when every state does, the states that
// meet the least such probability are kept — the limit of log 0 = -M as M → ∞, which
// moves q towards a support where the ELBO is finite.
double MeanFieldState::update_singleton(std::size_t c, double damping) {
  MfCluster& cluster = clusters_[c];
  const std::uint32_t v = cluster.vars[0];
  const std::size_t card = q_[v].size();
  std::vector<double> acc(card, 0.0);
  std::vector<double> zero(card, 0.0);
  std::vector<double> msg;
  std::vector<double> msg_zero;
  for (const auto& [fi, pi] : cluster.parts) {
    message(factors_[fi], pi, msg, &msg_zero);
    for (std::size_t x = 0; x < card; ++x) {
      acc[x] += msg[x];
      zero[x] += msg_zero[x];
    }
  }
  const double least_zero = *std::min_element(zero.begin(), zero.end());
  std::vector<char> allowed(card);
  for (std::size_t x = 0; x < card; ++x) allowed[x] = zero[x] <= least_zero ? 1 : 0;
  double hi = kNegInf;
  for (std::size_t x = 0; x < card; ++x) {
    if (allowed[x]) hi = std::max(hi, acc[x]);
  }
  std::vector<double> q(card, 0.0);
  double total = 0.0;
  for (std::size_t x = 0; x < card; ++x) {
    if (allowed[x]) total += (q[x] = std::exp(acc[x] - hi));
  }
  const std::vector<double>& old = q_[v];
  if (damping > 0.0) {
    double mixed = 0.0;
    for (std::size_t x = 0; x < card; ++x) {
      if (allowed[x]) mixed += (q[x] = (1.0 - damping) * q[x] / total + damping * old[x]);
    }
    total = mixed > 0.0 ? mixed : 1.0;
  }
  for (double& x : q) x /= total;
  // The local ELBO Σ_x q(x) acc(x) + H(q) (with -inf for mass on a hard zero) may not fall.
  const auto local = [&](const std::vector<double>& p) {
    double value = entropy_of(p);
    for (std::size_t x = 0; x < card; ++x) {
      if (p[x] > 0.0) value += zero[x] > 0.0 ? kNegInf : p[x] * acc[x];
    }
    return value;
  };
  if (least_zero == 0.0 && decreased(local(old), local(q))) {
    throw NumericError("mean field: the ELBO decreased in the update of variable '" + graph_.variables()[v].name +
                       "' (a bug: please report it with the model)");
  }
  double change = 0.0;
  for (std::size_t x = 0; x < card; ++x) change = std::max(change, std::abs(q[x] - old[x]));
  q_[v] = std::move(q);
  cluster.entropy = entropy_of(q_[v]);
  refresh_part_beliefs(c, nullptr);
  return change;
}

// q_c ∝ Π_{f inside c} f · Π_{f crossing} exp(E_{q_other}[log f]), computed exactly by
// the cluster's planned junction tree.
double MeanFieldState::update_cluster(std::size_t c) {
  MfCluster& cluster = clusters_[c];
  ExactPlan& plan = *cluster.plan;
  // The local ELBO before: log Z_c of the last update plus what the new slot values
  // change under the old beliefs (for the product init: computed directly below).
  double before = cluster.log_z;
  double energy_before = 0.0;
  std::vector<double> msg;
  for (const auto& [fi, pi] : cluster.parts) {
    const MfFactor& f = factors_[fi];
    const FactorPart& part = f.parts[pi];
    if (!f.crossing()) {
      if (!cluster.updated) energy_before += expectation(part.belief, f.factor->log_values());
      continue;
    }
    message(f, pi, msg, nullptr);
    const std::vector<double>& old_values = plan.graph().factor(FactorId{part.slot}).log_values();
    for (std::size_t i = 0; i < msg.size(); ++i) {
      if (part.belief[i] <= 0.0) continue;
      if (cluster.updated) {
        before += msg[i] == kNegInf ? kNegInf : part.belief[i] * (msg[i] - old_values[i]);
      } else {
        energy_before += part.belief[i] * msg[i];
      }
    }
    plan.set_factor(FactorId{part.slot}, msg);
  }
  if (!cluster.updated) before = energy_before + cluster.entropy;

  InferenceResult run;
  try {
    run = plan.run(Task::marginals, true);
  } catch (const ImpossibleEvidence&) {
    throw NumericError("structured mean field: cluster " + std::to_string(c + 1) + " (" +
                       describe_cluster(graph_, cluster) +
                       ") keeps no configuration of positive weight under the other clusters' beliefs (the model's "
                       "hard zeros); try another init or larger clusters");
  }
  const double after = *run.log_z;
  if (decreased(before, after)) {
    throw NumericError("structured mean field: the ELBO decreased in the update of cluster " + std::to_string(c + 1) +
                       " (" + describe_cluster(graph_, cluster) + ") (a bug: please report it with the model)");
  }
  double change = 0.0;
  for (std::size_t local = 0; local < cluster.vars.size(); ++local) {
    std::vector<double>& q = q_[cluster.vars[local]];
    for (std::size_t x = 0; x < q.size(); ++x) change = std::max(change, std::abs(run.marginals[local][x] - q[x]));
    q = run.marginals[local];
  }
  refresh_part_beliefs(c, &run);
  // H[q_c] = log Z_c - E_{q_c}[log of everything the cluster's distribution multiplies].
  double energy = 0.0;
  for (const auto& [fi, pi] : cluster.parts) {
    const FactorPart& part = factors_[fi].parts[pi];
    energy += expectation(part.belief, plan.graph().factor(FactorId{part.slot}).log_values());
  }
  cluster.log_z = after;
  cluster.entropy = after - energy;
  cluster.updated = true;
  return change;
}

double MeanFieldState::elbo(std::size_t threads) const {
  // Fixed blocks summed in order: the same bits for any thread count.
  constexpr std::size_t kBlock = 1024;
  const std::size_t blocks = (factors_.size() + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks, 0.0);
  parallel_for_range(blocks, 1, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t b = begin; b < end; ++b) {
      double sum = 0.0;
      for (std::size_t f = b * kBlock; f < std::min(factors_.size(), (b + 1) * kBlock); ++f) sum += expected_log(factors_[f]);
      partial[b] = sum;
    }
  });
  double total = model_.log_constant();
  for (const double p : partial) total += p;
  for (const MfCluster& cluster : clusters_) total += cluster.entropy;
  return total;
}

std::vector<std::vector<double>> MeanFieldState::marginals() const {
  std::vector<std::vector<double>> out(graph_.num_variables());
  for (std::size_t v = 0; v < out.size(); ++v) {
    if (const auto it = evidence_.find(VarId{static_cast<std::uint32_t>(v)}); it != evidence_.end()) {
      out[v].assign(graph_.variables()[v].cardinality, 0.0);
      out[v][it->second] = 1.0;
    } else {
      out[v] = q_[v];
    }
  }
  return out;
}

}  // namespace copi::detail
