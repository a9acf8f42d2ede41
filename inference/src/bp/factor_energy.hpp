// Private. A factor's share of the Bethe (and TRW) free energy at BP's messages:
//   T_f = log Σ_x f(x) Π_j n_j(x_j) − E_{b_f}[Σ_j log n_j(x_j)],   b_f ∝ f Π_j n_j,
// which is E_{b_f}[log f] + H(b_f). `f` is the table BpGraph holds (for TRW, log f / ρ_f).
// Entries of belief 0 contribute nothing, so hard zeros are harmless.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bp/bp_graph.hpp"
#include "copi/inference/detail/numeric_domain.hpp"

namespace copi::detail {

// Buffers of one caller (one per thread), so that the terms allocate nothing.
struct FactorEnergyScratch {
  std::vector<double> weights, incoming, log_message;
  std::vector<std::uint32_t> x;
};

// From the linear table and linear messages: a log per message entry and one per factor
// instead of an exp and a log per table entry. False when the sum would leave the
// linear domain's range (the caller then takes logs throughout).
inline bool linear_factor_energy(const BpGraph& g, std::size_t f, const std::vector<double>& to_factor,
                                 FactorEnergyScratch& s, double& term) {
  const std::vector<double>& logs = g.factors[f]->log_values();
  const double* table = g.linear_tables.data() + g.table_offset[f];
  const std::uint32_t first = g.factor_begin[f];
  const std::uint32_t arity = g.arity(f);
  // log n_j per message entry, message j at log_message[start_j ..], start_j = Σ_{k<j} |x_k|.
  s.log_message.clear();
  for (std::uint32_t j = 0; j < arity; ++j) {
    const double* n = to_factor.data() + g.edge_offset[first + j];
    for (std::uint32_t k = 0; k < g.card[g.edge_var[first + j]]; ++k) {
      s.log_message.push_back(n[k] > 0.0 ? std::log(n[k]) : -INFINITY);
    }
  }
  s.weights.resize(logs.size());
  s.incoming.resize(logs.size());
  s.x.assign(arity, 0);
  double sum = 0.0;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    double w = table[i];
    double in = 0.0;
    std::uint32_t start = 0;
    for (std::uint32_t j = 0; j < arity; ++j) {
      w *= to_factor[g.edge_offset[first + j] + s.x[j]];
      in += s.log_message[start + s.x[j]];
      start += g.card[g.edge_var[first + j]];
    }
    s.weights[i] = w;
    s.incoming[i] = in;
    sum += w;
    for (std::uint32_t j = 0; j < arity; ++j) {
      if (++s.x[j] < g.card[g.edge_var[first + j]]) break;
      s.x[j] = 0;
    }
  }
  if (!(sum > kLinearFloor && sum < INFINITY)) return false;
  const double shift = *std::max_element(logs.begin(), logs.end());  // the table is exp(l - max l)
  double expected_incoming = 0.0;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    if (s.weights[i] > 0.0) expected_incoming += s.weights[i] * s.incoming[i];
  }
  term = shift + std::log(sum) - expected_incoming / sum;
  return true;
}

template <typename M>
double factor_energy(const BpGraph& g, std::size_t f, const std::vector<double>& to_factor, FactorEnergyScratch& s) {
  if constexpr (!M::kLog) {
    double term = 0.0;
    if (linear_factor_energy(g, f, to_factor, s, term)) return term;
  }
  const std::vector<double>& logs = g.factors[f]->log_values();
  const std::uint32_t first = g.factor_begin[f];
  const std::uint32_t arity = g.arity(f);
  s.weights.resize(logs.size());
  s.incoming.assign(logs.size(), 0.0);
  s.x.assign(arity, 0);
  double hi = -INFINITY;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    for (std::uint32_t j = 0; j < arity; ++j) {
      s.incoming[i] += M::log_message_entry(to_factor.data() + g.edge_offset[first + j], s.x[j]);
    }
    s.weights[i] = logs[i] + s.incoming[i];
    hi = std::max(hi, s.weights[i]);
    for (std::uint32_t j = 0; j < arity; ++j) {
      if (++s.x[j] < g.card[g.edge_var[first + j]]) break;
      s.x[j] = 0;
    }
  }
  double sum = 0.0;
  for (const double w : s.weights) sum += std::exp(w - hi);
  const double lse = hi + std::log(sum);
  double expected_incoming = 0.0;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const double b = std::exp(s.weights[i] - lse);
    if (b > 0.0) expected_incoming += b * s.incoming[i];
  }
  return lse - expected_incoming;
}

}  // namespace copi::detail
