#include "variational/tree_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>

#include "copi/inference/detail/numeric_domain.hpp"

namespace copi::detail {
namespace {

constexpr std::uint32_t kRoot = std::numeric_limits<std::uint32_t>::max();
constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Normalises v in place; false when its sum is not above the floor (the linear domain
// would no longer be exact).
bool normalise(double* v, std::size_t n, double& sum) {
  sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += v[i];
  if (!(sum > kLinearFloor)) return false;
  const double inverse = 1.0 / sum;
  for (std::size_t i = 0; i < n; ++i) v[i] *= inverse;
  return true;
}

// A product of normalisers, its log taken only when it leaves [1e-150, 1e150] (one log
// per cluster instead of one per variable and edge).
struct LogProduct {
  double log_total = 0.0;
  double scale = 1.0;
  void multiply(double x) {
    scale *= x;
    if (scale < 1e-150 || scale > 1e150) {
      log_total += std::log(scale);
      scale = 1.0;
    }
  }
  [[nodiscard]] double log() const { return log_total + std::log(scale); }
};

}  // namespace

std::optional<TreeKernel> TreeKernel::build(const std::vector<std::size_t>& cards, const std::vector<PairFactor>& edges) {
  TreeKernel kernel;
  const std::size_t n = cards.size();
  kernel.cards_ = cards;
  kernel.offsets_.assign(n + 1, 0);
  for (std::size_t l = 0; l < n; ++l) kernel.offsets_[l + 1] = kernel.offsets_[l] + cards[l];
  // Adjacency, then a breadth-first forest from each component's smallest variable; an
  // edge reaching an already placed variable closes a cycle.
  std::vector<std::vector<std::uint32_t>> incident(n);
  for (std::uint32_t e = 0; e < edges.size(); ++e) {
    incident[edges[e].a].push_back(e);
    incident[edges[e].b].push_back(e);
  }
  kernel.up_edge_.assign(n, kRoot);
  std::vector<std::vector<std::uint32_t>> children(n);
  kernel.edges_.resize(edges.size());
  std::vector<char> placed(n, 0);
  std::vector<char> used(edges.size(), 0);
  for (std::uint32_t root = 0; root < n; ++root) {
    if (placed[root]) continue;
    placed[root] = 1;
    std::deque<std::uint32_t> queue{root};
    while (!queue.empty()) {
      const std::uint32_t v = queue.front();
      queue.pop_front();
      kernel.order_.push_back(v);
      for (const std::uint32_t e : incident[v]) {
        if (used[e]) continue;
        used[e] = 1;
        const std::uint32_t u = edges[e].a == v ? edges[e].b : edges[e].a;
        if (placed[u]) return std::nullopt;  // a cycle
        placed[u] = 1;
        kernel.up_edge_[u] = e;
        children[v].push_back(e);
        kernel.edges_[e].parent = v;
        kernel.edges_[e].child = u;
        kernel.edges_[e].parent_first = edges[e].a == v;
        queue.push_back(u);
      }
    }
  }
  kernel.child_begin_.assign(n + 1, 0);
  for (std::size_t l = 0; l < n; ++l) {
    kernel.child_begin_[l + 1] = kernel.child_begin_[l] + static_cast<std::uint32_t>(children[l].size());
    kernel.child_list_.insert(kernel.child_list_.end(), children[l].begin(), children[l].end());
  }
  kernel.message_at_.assign(n, 0);
  for (std::size_t l = 0; l < n; ++l) {
    kernel.message_at_[l] = kernel.message_size_;
    if (kernel.up_edge_[l] != kRoot) kernel.message_size_ += cards[kernel.edges_[kernel.up_edge_[l]].parent];
  }
  // ψ(x_p, x_c) row by parent state, linear and max-shifted.
  for (std::uint32_t e = 0; e < edges.size(); ++e) {
    Edge& edge = kernel.edges_[e];
    const std::vector<double>& l = edges[e].factor->log_values();
    double hi = kNegInf;
    double lo = std::numeric_limits<double>::infinity();
    for (const double x : l) {
      if (x == kNegInf) continue;
      hi = std::max(hi, x);
      lo = std::min(lo, x);
    }
    if (hi == kNegInf || hi - lo > kLinearLogRange) return std::nullopt;
    edge.shift = hi;
    edge.table = kernel.tables_.size();
    const std::size_t cp = cards[edge.parent];
    const std::size_t cc = cards[edge.child];
    const std::size_t ca = cards[edges[e].a];
    kernel.tables_.resize(edge.table + cp * cc);
    kernel.logs_.resize(edge.table + cp * cc);
    for (std::size_t xp = 0; xp < cp; ++xp) {
      for (std::size_t xc = 0; xc < cc; ++xc) {
        const std::size_t index = edge.parent_first ? xp + ca * xc : xc + ca * xp;
        kernel.tables_[edge.table + xp * cc + xc] = std::exp(l[index] - hi);
        kernel.logs_[edge.table + xp * cc + xc] = l[index];
      }
    }
  }
  kernel.binary_ = std::all_of(cards.begin(), cards.end(), [](std::size_t c) { return c == 2; });
  return kernel;
}

bool TreeKernel::run(std::span<const double> theta, std::span<double> marginals, double& log_z, double& edge_energy,
                     Scratch& scratch) const {
  return binary_ ? run_with<2>(theta, marginals, log_z, edge_energy, scratch)
                 : run_with<0>(theta, marginals, log_z, edge_energy, scratch);
}

template <std::size_t K>
bool TreeKernel::run_with(std::span<const double> theta, std::span<double> marginals, double& log_z,
                          double& edge_energy, Scratch& scratch) const {
  const auto card = [&](std::size_t l) { return K != 0 ? K : cards_[l]; };
  const std::size_t n = cards_.size();
  const std::size_t states = offsets_.back();
  // φ = exp(θ - max θ) per variable (0 for -inf).
  std::vector<double>& phi = scratch.phi;
  phi.resize(states);
  double total = 0.0;
  for (std::size_t l = 0; l < n; ++l) {
    const double* t = theta.data() + offsets_[l];
    double hi = kNegInf;
    double lo = std::numeric_limits<double>::infinity();
    for (std::size_t x = 0; x < card(l); ++x) {
      if (t[x] == kNegInf) continue;
      hi = std::max(hi, t[x]);
      lo = std::min(lo, t[x]);
    }
    if (hi == kNegInf || hi - lo > kLinearLogRange) return false;
    for (std::size_t x = 0; x < card(l); ++x) phi[offsets_[l] + x] = t[x] == kNegInf ? 0.0 : std::exp(t[x] - hi);
    total += hi;
  }
  // Upward: u_c = φ_c Π m_{k→c}, normalised; m_{c→p}(x_p) = Σ ψ u_c, normalised.
  std::vector<double>& up = scratch.up;
  up.resize(states);
  LogProduct normalisers;
  // Each child's message to its parent has the parent's cardinality: one flat buffer,
  // a slot per child.
  std::vector<double>& message = scratch.message;
  message.resize(message_size_);
  const std::vector<std::size_t>& message_at = message_at_;
  for (std::size_t k = n; k-- > 0;) {
    const std::uint32_t c = order_[k];
    double* u = up.data() + offsets_[c];
    std::copy_n(phi.data() + offsets_[c], card(c), u);
    for (std::uint32_t i = child_begin_[c]; i < child_begin_[c + 1]; ++i) {
      const double* m = message.data() + message_at[edges_[child_list_[i]].child];
      for (std::size_t x = 0; x < card(c); ++x) u[x] *= m[x];
    }
    double s_sum = 0.0;
    if (!normalise(u, card(c), s_sum)) return false;
    normalisers.multiply(s_sum);
    if (up_edge_[c] == kRoot) continue;
    const Edge& edge = edges_[up_edge_[c]];
    const std::size_t cp = card(edge.parent);
    const std::size_t cc = card(c);
    double* m = message.data() + message_at[c];
    const double* psi = tables_.data() + edge.table;
    for (std::size_t xp = 0; xp < cp; ++xp) {
      double sum = 0.0;
      for (std::size_t xc = 0; xc < cc; ++xc) sum += psi[xp * cc + xc] * u[xc];
      m[xp] = sum;
    }
    double t_sum = 0.0;
    if (!normalise(m, cp, t_sum)) return false;
    normalisers.multiply(t_sum);
    total += edge.shift;
  }
  // Downward: d_c(x_c) = Σ_{x_p} ψ(x_p, x_c) π_{p\c}(x_p) with π_{p\c} = φ_p d_p Π_{k≠c} m_{k→p}.
  std::vector<double>& down = scratch.down;  // roots: 1; every other entry is computed
  down.resize(states);
  for (const std::uint32_t r : order_) {
    if (up_edge_[r] == kRoot) std::fill_n(down.data() + offsets_[r], card(r), 1.0);
  }
  std::vector<double>& exclusive = scratch.exclusive;
  double energy = 0.0;
  for (const std::uint32_t p : order_) {
    const std::size_t cp = card(p);
    const double* phi_p = phi.data() + offsets_[p];
    const double* d_p = down.data() + offsets_[p];
    // The marginal of p: φ_p d_p Π_k m_{k→p}.
    double* marginal = marginals.data() + offsets_[p];
    for (std::size_t x = 0; x < cp; ++x) marginal[x] = phi_p[x] * d_p[x];
    const std::uint32_t first = child_begin_[p];
    const std::uint32_t last = child_begin_[p + 1];
    for (std::uint32_t i = first; i < last; ++i) {
      const double* m = message.data() + message_at[edges_[child_list_[i]].child];
      for (std::size_t x = 0; x < cp; ++x) marginal[x] *= m[x];
    }
    double ignored = 0.0;
    if (!normalise(marginal, cp, ignored)) return false;
    for (std::uint32_t i = first; i < last; ++i) {
      const std::uint32_t e = child_list_[i];
      const Edge& edge = edges_[e];
      const std::uint32_t c = edge.child;
      const std::size_t cc = card(c);
      // π_{p\c}: unnormalised (the sums below are normalised and checked against the floor).
      exclusive.resize(cp);
      for (std::size_t x = 0; x < cp; ++x) exclusive[x] = phi_p[x] * d_p[x];
      for (std::uint32_t j = first; j < last; ++j) {
        if (j == i) continue;
        const double* m = message.data() + message_at[edges_[child_list_[j]].child];
        for (std::size_t x = 0; x < cp; ++x) exclusive[x] *= m[x];
      }
      const double* psi = tables_.data() + edge.table;
      double* d_c = down.data() + offsets_[c];
      std::fill_n(d_c, cc, 0.0);
      for (std::size_t xp = 0; xp < cp; ++xp) {
        const double w = exclusive[xp];
        for (std::size_t xc = 0; xc < cc; ++xc) d_c[xc] += psi[xp * cc + xc] * w;
      }
      if (!normalise(d_c, cc, ignored)) return false;
      // The edge's belief ∝ ψ(x_p, x_c) π_{p\c}(x_p) u_c(x_c); its E[log f] (an entry of
      // weight 0 contributes nothing: ψ = 0 is where log f = -inf).
      const double* u_c = up.data() + offsets_[c];
      const double* log_f = logs_.data() + edge.table;
      double sum = 0.0;
      double weighted = 0.0;
      for (std::size_t xp = 0; xp < cp; ++xp) {
        for (std::size_t xc = 0; xc < cc; ++xc) {
          const double b = psi[xp * cc + xc] * exclusive[xp] * u_c[xc];
          if (b > 0.0) weighted += b * log_f[xp * cc + xc];
          sum += b;
        }
      }
      if (!(sum > kLinearFloor)) return false;
      energy += weighted / sum;
    }
  }
  log_z = total + normalisers.log();
  edge_energy = energy;
  return true;
}

}  // namespace copi::detail
