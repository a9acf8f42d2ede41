#include "copi/control/compile_factor_graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_or_zero(double p) { return p > 0.0 ? std::log(p) : kNegInf; }

}  // namespace

CompiledMdp compile_factor_graph(const Mdp& mdp) {
  mdp.validate();
  if (!mdp.horizon) throw InputError("--emit-uai needs a finite horizon");
  const std::size_t T = *mdp.horizon;
  const double gamma = mdp.discount.value_or(1.0);
  const bool ends = gamma < 1.0;
  const std::size_t S = mdp.num_states + (ends ? 1 : 0);  // state S-1 is "end" when discounted
  const std::size_t A = mdp.num_actions;
  if (static_cast<double>(S) * static_cast<double>(A) * static_cast<double>(S) > static_cast<double>(1 << 24)) {
    throw ResourceError("--emit-uai writes dense transition tables: " + std::to_string(S) + " x " + std::to_string(A) +
                        " x " + std::to_string(S) + " entries is too many");
  }
  // The whole graph is dense tables too: T of each; refused before any is built.
  const double entries = static_cast<double>(T) * (static_cast<double>(S) * A * S + 3.0 * A * S) + S;
  if (entries > static_cast<double>(1 << 26)) {
    throw ResourceError("--emit-uai writes dense tables: " + std::to_string(T) + " steps of " + std::to_string(S) +
                        " states x " + std::to_string(A) + " actions make " + std::to_string(static_cast<long long>(entries)) +
                        " entries, more than 2^26; use a shorter horizon");
  }
  CompiledMdp out;
  FactorGraph& g = out.graph;
  std::vector<VarId> s(T);
  std::vector<VarId> a(T);
  std::vector<VarId> o(T);
  for (std::size_t t = 0; t < T; ++t) {
    s[t] = g.add_variable(Variable{"s" + std::to_string(t + 1), S, {}});
    a[t] = g.add_variable(Variable{"a" + std::to_string(t + 1), A, {}});
    o[t] = g.add_variable(Variable{"O" + std::to_string(t + 1), 2, {}});
  }
  std::vector<double> initial(S, kNegInf);
  for (std::size_t x = 0; x < mdp.num_states; ++x) initial[x] = log_or_zero(mdp.initial[x]);
  g.add_factor(DiscreteFactor({s[0]}, {S}, initial));
  for (std::size_t t = 0; t < T; ++t) {
    // p(a|s): the MDP's prior or forbidden moves, uniform in the end state; no factor
    // without them.
    if (mdp.has_action_factor() || ends) {
      std::vector<double> prior(S * A, 0.0);  // scope (a, s): a fastest
      for (std::size_t x = 0; x < S; ++x) {
        for (std::size_t y = 0; y < A; ++y) {
          const bool end_state = ends && x == S - 1;
          const double p = end_state ? 1.0 / static_cast<double>(A) : mdp.action_weight(x * A + y);
          prior[y + A * x] = log_or_zero(p);
        }
      }
      g.add_factor(DiscreteFactor({a[t], s[t]}, {A, S}, prior));
    }
    // exp(r/α) on O = 1; O = 0 is impossible under the evidence and left at zero.
    std::vector<double> optimal(2 * A * S, kNegInf);  // scope (O, a, s)
    for (std::size_t x = 0; x < S; ++x) {
      for (std::size_t y = 0; y < A; ++y) {
        const bool end_state = ends && x == S - 1;
        optimal[1 + 2 * (y + A * x)] = end_state ? 0.0 : mdp.reward[x * A + y] / mdp.alpha;
      }
    }
    g.add_factor(DiscreteFactor({o[t], a[t], s[t]}, {2, A, S}, optimal));
    out.evidence[o[t]] = 1;
    if (t + 1 == T) break;
    // p(s'|s,a) (times γ), the rest of the mass to "end": a sparse conditional whose
    // rows are (a, s), a fastest, each listing its next states in increasing order.
    std::vector<std::uint64_t> row_begin{0};
    std::vector<std::uint32_t> next;
    std::vector<double> probability;
    std::vector<std::pair<std::uint32_t, double>> row;
    for (std::size_t x = 0; x < S; ++x) {
      for (std::size_t y = 0; y < A; ++y) {
        row.clear();
        if (ends && x == S - 1) {
          row.emplace_back(static_cast<std::uint32_t>(S - 1), 1.0);  // end is absorbing
        } else {
          const std::size_t r = x * A + y;
          for (std::uint64_t k = mdp.row_begin[r]; k < mdp.row_begin[r + 1]; ++k) {
            row.emplace_back(mdp.next_state[k], gamma * mdp.probability[k]);
          }
          std::sort(row.begin(), row.end());
          if (ends) row.emplace_back(static_cast<std::uint32_t>(S - 1), 1.0 - gamma);
        }
        for (const auto& [state, p] : row) {
          if (!next.empty() && next.size() > row_begin.back() && next.back() == state) {
            probability.back() += p;  // a next state listed twice
          } else {
            next.push_back(state);
            probability.push_back(p);
          }
        }
        row_begin.push_back(next.size());
      }
    }
    g.add_factor(SparseConditionalFactor(s[t + 1], S, {a[t], s[t]}, {A, S}, std::move(row_begin), std::move(next),
                                         std::move(probability)));
  }
  return out;
}

}  // namespace copi::control
