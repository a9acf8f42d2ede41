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

// The message of a pairwise factor L(x_a, x_b) (at x_a + |a| x_b) to position p from the
// other variable's q: out(x_p) = Σ q(x_other) L, -inf where it meets a hard zero with
// positive probability.
void pair_message(const double* log_values, std::size_t ca, std::size_t cb, std::size_t p, const double* other,
                  double* out) {
  const std::size_t mine = p == 0 ? ca : cb;
  const std::size_t theirs = p == 0 ? cb : ca;
  const std::size_t stride_mine = p == 0 ? 1 : ca;
  const std::size_t stride_theirs = p == 0 ? ca : 1;
  for (std::size_t x = 0; x < mine; ++x) {
    double sum = 0.0;
    bool zero = false;
    for (std::size_t y = 0; y < theirs; ++y) {
      const double w = other[y];
      if (w == 0.0) continue;
      const double l = log_values[x * stride_mine + y * stride_theirs];
      if (l == kNegInf) {
        zero = true;
      } else {
        sum += w * l;
      }
    }
    out[x] = zero ? kNegInf : sum;
  }
}

// Walks every entry of a factor's table, the first scope position fastest, keeping
// each part's index into its belief: visit(entry, part indices).
template <typename Visit>
void walk_parts(const MfFactor& f, std::vector<std::size_t>& sub, Visit visit) {
  const std::vector<std::size_t>& cards = f.factor->cardinalities();
  const std::size_t arity = cards.size();
  thread_local std::vector<std::size_t> state;
  thread_local std::vector<std::size_t> owner;  // per position: its part
  thread_local std::vector<std::size_t> stride; // and its stride there
  state.assign(arity, 0);
  owner.resize(arity);
  stride.resize(arity);
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
  cluster_exact_ = options.cluster_exact;
  build_clusters(options);
  build_parts();
  initialise(options);
  build_trees();
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
        if (f.vars.size() == 1) {
      f.shape = MfFactor::Shape::unary;
    } else if (f.vars.size() == 2 && f.parts.size() == 2) {
      f.shape = MfFactor::Shape::single_pair;
    } else if (f.parts.size() == 1) {
      f.shape = MfFactor::Shape::whole;  // positions 0, 1, ... in order: the table's layout
    }
    f.has_hard_zero = std::any_of(factor->log_values().begin(), factor->log_values().end(),
                                  [](double l) { return l == kNegInf; });
    const auto index = static_cast<std::uint32_t>(factors_.size());
    for (std::uint32_t p = 0; p < f.parts.size(); ++p) clusters_[f.parts[p].cluster].parts.emplace_back(index, p);
    if (f.crossing()) crossing_.push_back(index);
    factors_.push_back(std::move(f));
  }
}

void MeanFieldState::initialise(const MeanFieldOptions& options) {
  q_.assign(graph_.num_variables(), {});
  crossing_energy_.assign(factors_.size(), 0.0);
  energy_cached_.assign(factors_.size(), 0);
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
    cluster.own_energy = 0.0;
    for (const auto& [fi, pi] : cluster.parts) {
      if (!factors_[fi].crossing()) cluster.own_energy += expected_log(factors_[fi]);
    }
  }
}

void MeanFieldState::build_trees() {
  for (MfCluster& cluster : clusters_) {
    cluster.last_slot.assign(cluster.parts.size(), {});
    if (cluster.vars.size() < 2) continue;
    // Local indices of the cluster's variables, for parts of one position.
    for (const auto& [fi, pi] : cluster.parts) {
      FactorPart& part = factors_[fi].parts[pi];
      if (part.positions.size() != 1) continue;
      const std::uint32_t v = factors_[fi].vars[part.positions[0]];
      part.local = static_cast<std::uint32_t>(std::find(cluster.vars.begin(), cluster.vars.end(), v) - cluster.vars.begin());
    }
    std::vector<TreeKernel::PairFactor> edges;
    bool eligible = true;
    for (const auto& [fi, pi] : cluster.parts) {
      const MfFactor& f = factors_[fi];
      const FactorPart& part = f.parts[pi];
      if (f.crossing()) {
        eligible = eligible && part.positions.size() == 1;
      } else if (f.vars.size() == 2) {
        const auto local = [&](std::uint32_t v) {
          return static_cast<std::uint32_t>(std::find(cluster.vars.begin(), cluster.vars.end(), v) - cluster.vars.begin());
        };
        edges.push_back({local(f.vars[0]), local(f.vars[1]), f.factor});
      } else {
        eligible = eligible && f.vars.size() == 1;
      }
    }
    if (!eligible) continue;
    std::vector<std::size_t> cards;
    for (const std::uint32_t v : cluster.vars) cards.push_back(graph_.variables()[v].cardinality);
    cluster.tree = TreeKernel::build(cards, edges);
    if (!cluster.tree) continue;
    std::uint32_t slot_size = 0;
    for (std::uint32_t k = 0; k < cluster.parts.size(); ++k) {
      const auto [fi, pi] = cluster.parts[k];
      const MfFactor& f = factors_[fi];
      if (!f.crossing()) continue;
      const FactorPart& part = f.parts[pi];
      MfCluster::Crossing x;
      x.k = k;
      x.factor = fi;
      x.part = pi;
      x.position = part.positions[0];
      x.var = f.vars[x.position];
      x.single_pair = f.shape == MfFactor::Shape::single_pair;
      x.other = x.single_pair ? f.vars[1 - x.position] : x.var;
      x.theta_at = static_cast<std::uint32_t>(cluster.tree->offset(part.local));
      x.slot_at = slot_size;
      if (x.single_pair) {
        x.ca = static_cast<std::uint32_t>(f.factor->cardinalities()[0]);
        x.cb = static_cast<std::uint32_t>(f.factor->cardinalities()[1]);
        x.log_at = static_cast<std::uint32_t>(cluster.pair_logs.size());
        cluster.pair_logs.insert(cluster.pair_logs.end(), f.factor->log_values().begin(), f.factor->log_values().end());
      }
      slot_size += static_cast<std::uint32_t>(part.belief.size());
      cluster.crossings.push_back(x);
    }
    cluster.tree_slots.assign(slot_size, 0.0);
    cluster.tree_last_slots.assign(slot_size, 0.0);
    cluster.base_theta.assign(cluster.tree->total_states(), 0.0);
    for (const auto& [fi, pi] : cluster.parts) {
      const MfFactor& f = factors_[fi];
      if (f.crossing() || f.vars.size() != 1) continue;
      double* t = cluster.base_theta.data() + cluster.tree->offset(f.parts[pi].local);
      for (std::size_t x = 0; x < f.factor->size(); ++x) t[x] += f.factor->log_values()[x];
    }
  }
}

void MeanFieldState::build_plan(std::size_t c) {
  MfCluster& cluster = clusters_[c];
  FactorGraph local;
  std::vector<std::uint32_t> local_of(graph_.num_variables(), kNone);
  for (const std::uint32_t v : cluster.vars) {
    local_of[v] = local.add_variable(Variable{graph_.variables()[v].name, graph_.variables()[v].cardinality, {}}).index;
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
    // A factor wholly inside enters with its own values; a crossing one as a slot whose
    // values each update sets to its expected log-potential.
    std::vector<double> values = f.crossing() ? std::vector<double>(part.belief.size(), 0.0) : f.factor->log_values();
    part.slot = local.add_factor(DiscreteFactor(std::move(scope), std::move(cards), std::move(values))).index;
  }
  cluster.plan.emplace(std::move(local), Evidence{}, cluster_exact_);
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
    if (f.shape == MfFactor::Shape::unary || f.shape == MfFactor::Shape::single_pair) continue;  // kernels read q_i
    if (part.positions.size() == 1) {
      const std::vector<double>& q = q_[f.vars[part.positions[0]]];
      part.belief.assign(q.begin(), q.end());
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

void MeanFieldState::accumulate(const MfFactor& f, std::size_t p, double* acc, double* zero) const {
  const double* log_values = f.factor->log_values().data();
  if (f.shape == MfFactor::Shape::unary) {
    const std::size_t card = f.factor->size();
    for (std::size_t x = 0; x < card; ++x) {
      if (log_values[x] == kNegInf) {
        zero[x] += 1.0;
      } else {
        acc[x] += log_values[x];
      }
    }
    return;
  }
  if (f.shape == MfFactor::Shape::single_pair) {
    // L(x_a, x_b) at x_a + |a| x_b: the message to a is L q_b, to b it is L^T q_a.
    const std::size_t ca = f.factor->cardinalities()[0];
    const std::size_t cb = f.factor->cardinalities()[1];
    const std::vector<double>& other = q_[f.vars[1 - p]];
    if (!f.has_hard_zero) {
      if (p == 0) {
        for (std::size_t y = 0; y < cb; ++y) {
          const double w = other[y];
          for (std::size_t x = 0; x < ca; ++x) acc[x] += w * log_values[x + ca * y];
        }
      } else {
        for (std::size_t y = 0; y < cb; ++y) {
          double sum = 0.0;
          for (std::size_t x = 0; x < ca; ++x) sum += other[x] * log_values[x + ca * y];
          acc[y] += sum;
        }
      }
      return;
    }
    for (std::size_t y = 0; y < cb; ++y) {
      for (std::size_t x = 0; x < ca; ++x) {
        const double w = p == 0 ? other[y] : other[x];
        if (w == 0.0) continue;
        const double l = log_values[x + ca * y];
        const std::size_t at = p == 0 ? x : y;
        if (l == kNegInf) {
          zero[at] += w;
        } else {
          acc[at] += w * l;
        }
      }
    }
    return;
  }
  thread_local std::vector<double> msg;
  thread_local std::vector<double> msg_zero;
  message(f, p, msg, &msg_zero);
  for (std::size_t x = 0; x < msg.size(); ++x) {
    acc[x] += msg[x];
    zero[x] += msg_zero[x];
  }
}

double MeanFieldState::expected_log(const MfFactor& f) const {
  const std::vector<double>& log_values = f.factor->log_values();
  if (f.shape == MfFactor::Shape::whole) return expectation(f.parts[0].belief, log_values);
  if (f.shape == MfFactor::Shape::single_pair || f.shape == MfFactor::Shape::unary) {
    const std::vector<double>& qa = q_[f.vars[0]];
    const std::size_t ca = qa.size();
    const std::size_t cb = f.shape == MfFactor::Shape::unary ? 1 : q_[f.vars[1]].size();
    double total = 0.0;
    for (std::size_t y = 0; y < cb; ++y) {
      const double wb = f.shape == MfFactor::Shape::unary ? 1.0 : q_[f.vars[1]][y];
      if (wb == 0.0) continue;
      for (std::size_t x = 0; x < ca; ++x) {
        const double w = wb * qa[x];
        if (w > 0.0) total += w * log_values[x + ca * y];
      }
    }
    return total;
  }
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
  thread_local std::vector<double> acc;
  thread_local std::vector<double> zero;
  acc.assign(card, 0.0);
  zero.assign(card, 0.0);
  for (const auto& [fi, pi] : cluster.parts) accumulate(factors_[fi], pi, acc.data(), zero.data());
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
  cluster.own_energy = 0.0;
  for (const auto& [fi, pi] : cluster.parts) {
    if (!factors_[fi].crossing()) {
      cluster.own_energy += expectation(q_[v], factors_[fi].factor->log_values());
    } else {
      energy_cached_[fi] = 0;  // the ELBO takes it afresh
    }
  }
  refresh_part_beliefs(c, nullptr);
  return change;
}

// The belief of part `pi` of factor `f` as the kernels keep it: a part of one position
// of a factor with its own kernel reads that variable's q_i.
const std::vector<double>& MeanFieldState::belief_of(const MfFactor& f, std::size_t pi) const {
  const FactorPart& part = f.parts[pi];
  if (f.shape == MfFactor::Shape::unary || f.shape == MfFactor::Shape::single_pair) return q_[f.vars[part.positions[0]]];
  return part.belief;
}

// q_c ∝ Π_{f inside c} f · Π_{f crossing} exp(E_{q_other}[log f]), computed exactly.
double MeanFieldState::update_cluster(std::size_t c) {
  MfCluster& cluster = clusters_[c];
  double change = 0.0;
  if (cluster.tree) {
    if (update_tree_cluster(c, change)) return change;
    if (cluster.updated && cluster.last_by_tree) {  // the junction tree reads the last messages from last_slot
      for (const MfCluster::Crossing& x : cluster.crossings) {
        const auto from = cluster.tree_last_slots.begin() + x.slot_at;
        cluster.last_slot[x.k].assign(from, from + static_cast<std::ptrdiff_t>(q_[x.var].size()));
      }
    }
  }
  // The crossing factors' messages (a part of one position: by its factor's kernel).
  std::vector<std::vector<double>>& slots = cluster.next_slot;
  slots.resize(cluster.parts.size());
  for (std::size_t k = 0; k < cluster.parts.size(); ++k) {
    const auto [fi, pi] = cluster.parts[k];
    const MfFactor& f = factors_[fi];
    if (!f.crossing()) continue;
    if (f.shape == MfFactor::Shape::single_pair) {
      slots[k].resize(f.parts[pi].belief.size());
      pair_message(f.factor->log_values().data(), f.factor->cardinalities()[0], f.factor->cardinalities()[1], pi,
                   q_[f.vars[1 - pi]].data(), slots[k].data());
    } else {
      message(f, pi, slots[k], nullptr);
    }
  }
  // The local ELBO before: log Z_c of the last update plus what the new messages change
  // under the old beliefs; for the product init, E[log of its terms] + H directly.
  double before = cluster.updated ? cluster.log_z : cluster.entropy;
  for (std::size_t k = 0; k < cluster.parts.size(); ++k) {
    const auto [fi, pi] = cluster.parts[k];
    const MfFactor& f = factors_[fi];
    const std::vector<double>& belief = belief_of(f, pi);
    if (!f.crossing()) {
      if (!cluster.updated) before += expectation(belief, f.factor->log_values());
      continue;
    }
    for (std::size_t i = 0; i < slots[k].size(); ++i) {
      if (belief[i] <= 0.0) continue;
      const double old = cluster.updated ? cluster.last_slot[k][i] : 0.0;
      before += slots[k][i] == kNegInf ? kNegInf : belief[i] * (slots[k][i] - old);
    }
  }
  const auto [after, slot_energy] = solve_cluster(c, slots, change);
  if (decreased(before, after)) {
    throw NumericError("structured mean field: the ELBO decreased in the update of cluster " + std::to_string(c + 1) +
                       " (" + describe_cluster(graph_, cluster) + ") (a bug: please report it with the model)");
  }
  cluster.log_z = after;
  // H[q_c] = log Z_c - E_{q_c}[log of everything q_c multiplies].
  cluster.entropy = after - cluster.own_energy - slot_energy;
  cluster.updated = true;
  cluster.last_by_tree = false;
  std::swap(cluster.last_slot, cluster.next_slot);
  return change;
}

// Rows, chains, automatic clusters: every crossing factor touches one of the cluster's
// variables, so its message is a unary term of that variable, and the cluster's own
// factors are a forest. One pass over the flattened crossings builds θ = base + messages
// and the local ELBO before; the kernel solves (and gives its edges' energy); one pass
// over the marginals gives the rest of the energy.
bool MeanFieldState::update_tree_cluster(std::size_t c, double& change) {
  MfCluster& cluster = clusters_[c];
  const TreeKernel& tree = *cluster.tree;
  std::vector<double>& theta = cluster.theta;
  theta = cluster.base_theta;
  if (cluster.updated && !cluster.last_by_tree) {  // the junction tree made the last update
    for (const MfCluster::Crossing& x : cluster.crossings) {
      std::copy(cluster.last_slot[x.k].begin(), cluster.last_slot[x.k].end(), cluster.tree_last_slots.begin() + x.slot_at);
    }
  }
  const double* last = cluster.updated ? cluster.tree_last_slots.data() : nullptr;
  double before = cluster.updated ? cluster.log_z : cluster.entropy + cluster.own_energy;
  for (const MfCluster::Crossing& x : cluster.crossings) {
    const std::vector<double>& q = q_[x.var];  // the variable's old q
    const std::size_t card = q.size();
    double* slot = cluster.tree_slots.data() + x.slot_at;
    if (x.single_pair) {
      pair_message(cluster.pair_logs.data() + x.log_at, x.ca, x.cb, x.position, q_[x.other].data(), slot);
    } else {
      message(factors_[x.factor], x.part, cluster.message, nullptr);
      std::copy(cluster.message.begin(), cluster.message.end(), slot);
    }
    double* t = theta.data() + x.theta_at;
    for (std::size_t i = 0; i < card; ++i) {
      t[i] += slot[i];
      if (q[i] > 0.0) before += slot[i] == kNegInf ? kNegInf : q[i] * (slot[i] - (last ? last[x.slot_at + i] : 0.0));
    }
  }
  std::vector<double>& marginals = cluster.marginals;
  marginals.resize(tree.total_states());
  double after = 0.0;
  double own = 0.0;  // E[log f] of the cluster's pairwise factors
  if (!tree.run(theta, marginals, after, own, cluster.scratch)) return false;
  if (decreased(before, after)) {
    throw NumericError("structured mean field: the ELBO decreased in the update of cluster " + std::to_string(c + 1) +
                       " (" + describe_cluster(graph_, cluster) + ") (a bug: please report it with the model)");
  }
  // E_{q_c}[θ] (base and messages) and E_{q_c}[base θ] from the marginals (θ = -inf
  // only where the marginal is exactly 0).
  double energy = 0.0;
  double base = 0.0;
  for (std::size_t i = 0; i < marginals.size(); ++i) {
    if (marginals[i] > 0.0) {
      energy += marginals[i] * theta[i];
      base += marginals[i] * cluster.base_theta[i];
    }
  }
  for (std::size_t local = 0; local < cluster.vars.size(); ++local) {
    std::vector<double>& q = q_[cluster.vars[local]];
    const double* fresh = marginals.data() + tree.offset(local);
    for (std::size_t x = 0; x < q.size(); ++x) {
      change = std::max(change, std::abs(fresh[x] - q[x]));
      q[x] = fresh[x];
    }
  }
  // Each crossing factor's E_q[log f] with the others fixed: its message under the new q.
  for (const MfCluster::Crossing& x : cluster.crossings) {
    const double* slot = cluster.tree_slots.data() + x.slot_at;
    const std::vector<double>& q = q_[x.var];
    double e = 0.0;
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (q[i] > 0.0) e += q[i] * slot[i];
    }
    crossing_energy_[x.factor] = e;
    energy_cached_[x.factor] = 1;
    if (!x.single_pair) {  // general factors read their parts' beliefs
      factors_[x.factor].parts[x.part].belief.assign(q.begin(), q.end());
    }
  }
  cluster.own_energy = own + base;
  cluster.entropy = after - own - energy;
  cluster.log_z = after;
  cluster.updated = true;
  cluster.last_by_tree = true;
  std::swap(cluster.tree_slots, cluster.tree_last_slots);
  return true;
}

std::pair<double, double> MeanFieldState::solve_cluster(std::size_t c, const std::vector<std::vector<double>>& slots,
                                                        double& change) {
  MfCluster& cluster = clusters_[c];
  if (!cluster.plan) build_plan(c);
  ExactPlan& plan = *cluster.plan;
  for (std::size_t k = 0; k < cluster.parts.size(); ++k) {
    const auto [fi, pi] = cluster.parts[k];
    if (factors_[fi].crossing()) plan.set_factor(FactorId{factors_[fi].parts[pi].slot}, slots[k]);
  }
  InferenceResult run;
  try {
    run = plan.run(Task::marginals, true);
  } catch (const ImpossibleEvidence&) {
    throw NumericError("structured mean field: cluster " + std::to_string(c + 1) + " (" +
                       describe_cluster(graph_, cluster) +
                       ") keeps no configuration of positive weight under the other clusters' beliefs (the model's "
                       "hard zeros); try another init or larger clusters");
  }
  for (std::size_t local = 0; local < cluster.vars.size(); ++local) {
    std::vector<double>& q = q_[cluster.vars[local]];
    for (std::size_t x = 0; x < q.size(); ++x) change = std::max(change, std::abs(run.marginals[local][x] - q[x]));
    q = run.marginals[local];
  }
  refresh_part_beliefs(c, &run);
  double slot_energy = 0.0;
  cluster.own_energy = 0.0;
  for (const auto& [fi, pi] : cluster.parts) {
    const FactorPart& part = factors_[fi].parts[pi];
    const double e = expectation(part.belief, plan.graph().table(FactorId{part.slot}).log_values());
    (factors_[fi].crossing() ? slot_energy : cluster.own_energy) += e;
    if (factors_[fi].crossing()) {  // E_q[log f] with the other clusters fixed
      crossing_energy_[fi] = e;
      energy_cached_[fi] = 1;
    }
  }
  return {*run.log_z, slot_energy};
}

double MeanFieldState::elbo(std::size_t threads) const {
  // Fixed blocks summed in order: the same bits for any thread count.
  // The factors inside a cluster are in its own_energy (kept by its updates); the
  // crossing ones depend on several clusters and are taken afresh.
  constexpr std::size_t kBlock = 1024;
  const std::size_t blocks = (crossing_.size() + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks, 0.0);
  parallel_for_range(blocks, 1, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t b = begin; b < end; ++b) {
      double sum = 0.0;
      for (std::size_t k = b * kBlock; k < std::min(crossing_.size(), (b + 1) * kBlock); ++k) {
        const std::uint32_t f = crossing_[k];
        sum += energy_cached_[f] ? crossing_energy_[f] : expected_log(factors_[f]);
      }
      partial[b] = sum;
    }
  });
  double total = model_.log_constant();
  for (const double p : partial) total += p;
  for (const MfCluster& cluster : clusters_) total += cluster.own_energy + cluster.entropy;
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
