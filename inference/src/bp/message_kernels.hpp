// Private. The two message updates of belief propagation, in two numeric domains:
//   factor -> variable: m(x_k) = rule_{x_-k} f(x) * prod_{j != k} n_j(x_j)
//   variable -> factor: n(x)   = prod_{g != f} m_g(x)
// LinearMessages keeps messages as probabilities (sum 1) and factor tables as
// max-shifted linear copies: fast, with specialised unary / pairwise kernels.
// LogMessages keeps messages as log values (max 0) and works on the log tables:
// slower, used when the linear domain cannot be exact (the policy of
// copi/inference/detail/numeric_domain.hpp): a factor spans more than kLinearLogRange,
// or a linear normaliser (or running product) is not above kLinearFloor.
// The rule (sum- or max-product) is a template parameter, so one kernel serves both.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "bp/bp_graph.hpp"
#include "copi/inference/detail/numeric_domain.hpp"
#include "exact/clique_table.hpp"  // Rule

namespace copi::detail {

// Thrown by a kernel when a message's normaliser is zero — the evidence or the hard
// zeros are contradictory — or, in the linear domain, not above kLinearFloor, where
// the entries lost to underflow could matter: the run is then redone in the log domain.
struct ZeroMessage {};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_zero_message() { throw ZeroMessage{}; }

struct LinearMessages {
  static constexpr bool kLog = false;

  static double uniform(std::size_t card) { return 1.0 / static_cast<double>(card); }

  // Scales to sum 1; throws ZeroMessage when the sum is not above the floor (or not finite).
  [[gnu::always_inline]] static void normalize(double* m, std::size_t card) {
    if (card == 2) {
      const double sum = m[0] + m[1];
      if (!(sum > kLinearFloor && sum < INFINITY)) [[unlikely]] throw_zero_message();
      const double inv = 1.0 / sum;
      m[0] *= inv;
      m[1] *= inv;
      return;
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < card; ++i) sum += m[i];
    if (!(sum > kLinearFloor && sum < INFINITY)) [[unlikely]] throw_zero_message();
    const double inv = 1.0 / sum;
    for (std::size_t i = 0; i < card; ++i) m[i] *= inv;
  }

  static double probability(const double* m, std::size_t i, std::size_t) { return m[i]; }
  static double log_probability(const double* m, std::size_t i, std::size_t) { return std::log(m[i]); }
  static double indicator(bool on) { return on ? 1.0 : 0.0; }

  // Geometric damping, update^(1-λ) · old^λ. An entry the update sets to zero is zero
  // at once, so damping never leaves stray mass on hard zeros. A zero of the OLD message
  // where the update is positive is never a zero of the model: messages start uniform
  // and a zero of the model, once in a message, is in every later update of it (zero
  // patterns only grow). It is an entry that underflowed, with a true value below the
  // smallest normal double: it is damped from that value, so it recovers at damping's
  // geometric rate as it would in the log domain, instead of staying 0 for ever.
  static void damp(double* update, const double* old, std::size_t card, double keep) {
    constexpr double kSmallestNormal = std::numeric_limits<double>::min();
    for (std::size_t x = 0; x < card; ++x) {
      if (update[x] == 0.0) continue;
      update[x] = std::pow(update[x], 1.0 - keep) * std::pow(std::max(old[x], kSmallestNormal), keep);
    }
    normalize(update, card);
  }

  // Largest change of a log probability (infinite where an entry appears or vanishes):
  // the residual schedule's priority, which must see changes of tiny entries too.
  static double log_change(const double* a, const double* b, std::size_t card) {
    double change = 0.0;
    for (std::size_t x = 0; x < card; ++x) {
      if (a[x] == b[x]) continue;
      change = std::max(change, a[x] == 0.0 || b[x] == 0.0 ? INFINITY : std::abs(std::log(a[x] / b[x])));
    }
    return change;
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static void factor_message(const BpGraph& g, std::size_t f, std::size_t k, const double* in, double* out) {
    const std::uint32_t first = g.factor_begin[f];
    const std::uint32_t arity = g.arity(f);
    const double* table = g.linear_tables.data() + g.table_offset[f];
    const std::uint32_t target_card = g.card[g.edge_var[first + k]];
    if (arity == 1) {
      std::copy(table, table + target_card, out);
    } else if (arity == 2) {
      const std::uint32_t c0 = g.card[g.edge_var[first]];
      const std::uint32_t c1 = g.card[g.edge_var[first + 1]];
      if (k == 0) {
        pairwise_to_first<rule>(table, c0, c1, in + g.edge_offset[first + 1], out);
      } else {
        pairwise_to_second<rule>(table, c0, c1, in + g.edge_offset[first], out);
      }
    } else {
      general<rule>(g, f, k, in, out);
    }
    normalize(out, target_card);
  }

  // Every outgoing message of variable v, from its incoming factor messages, by
  // prefix and suffix products (no division, so hard zeros are exact).
  static void variable_messages(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t begin = g.var_begin[v];
    const std::uint32_t degree = g.degree(v);
    const std::uint32_t card = g.card[v];
    if (degree == 0) return;
    if (degree == 1) {
      std::fill_n(out + g.edge_offset[g.var_edges[begin]], card, uniform(card));
      return;
    }
    if (card == 2) {
      binary_variable_messages(g, begin, degree, in, out);
      return;
    }
    double running[64];
    std::vector<double> heap;
    double* acc = running;
    if (card > 64) {
      heap.assign(card, 1.0);
      acc = heap.data();
    }
    std::fill_n(acc, card, 1.0);
    for (std::uint32_t i = 0; i < degree; ++i) {  // prefix products
      const std::uint32_t e = g.var_edges[begin + i];
      double* target = out + g.edge_offset[e];
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        target[x] = acc[x];
        acc[x] *= m[x];
      }
      rescale(acc, card);
    }
    std::fill_n(acc, card, 1.0);
    for (std::uint32_t i = degree; i-- > 0;) {  // times suffix products
      const std::uint32_t e = g.var_edges[begin + i];
      double* target = out + g.edge_offset[e];
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        target[x] *= acc[x];
        acc[x] *= m[x];
      }
      rescale(acc, card);
      normalize(target, card);
    }
  }

  // The message from v along edge `exclude`: the product of v's other incoming messages.
  static void variable_message(const BpGraph& g, std::size_t v, std::uint32_t exclude, const double* in,
                               double* out) {
    const std::uint32_t card = g.card[v];
    std::fill_n(out, card, 1.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t e = g.var_edges[i];
      if (e == exclude) continue;
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) out[x] *= m[x];
      rescale(out, card);
    }
    normalize(out, card);
  }

  // Unnormalised belief of variable v (product of all incoming), normalised to sum 1.
  static void belief(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    std::fill_n(out, card, 1.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const double* m = in + g.edge_offset[g.var_edges[i]];
      for (std::uint32_t x = 0; x < card; ++x) out[x] *= m[x];
      rescale(out, card);
    }
    normalize(out, card);
  }

  // Log of the factor's unnormalised belief entry i given its incoming messages'
  // entries: used for factor beliefs and the Bethe free energy.
  static double log_message_entry(const double* m, std::size_t x) { return std::log(m[x]); }

 private:
  // variable_messages for a binary variable: the same prefix/suffix products with
  // the two states in registers.
  static void binary_variable_messages(const BpGraph& g, std::uint32_t begin, std::uint32_t degree, const double* in,
                                       double* out) {
    const std::uint32_t* edges = g.var_edges.data() + begin;
    const std::uint32_t* offset = g.edge_offset.data();
    double a0 = 1.0;
    double a1 = 1.0;
    for (std::uint32_t i = 0; i < degree; ++i) {
      const std::uint32_t o = offset[edges[i]];
      out[o] = a0;
      out[o + 1] = a1;
      a0 *= in[o];
      a1 *= in[o + 1];
      if (a0 + a1 < kRescaleBelow) [[unlikely]] rescale_pair(a0, a1);
    }
    a0 = 1.0;
    a1 = 1.0;
    for (std::uint32_t i = degree; i-- > 0;) {
      const std::uint32_t o = offset[edges[i]];
      const double t0 = out[o] * a0;
      const double t1 = out[o + 1] * a1;
      const double sum = t0 + t1;
      if (!(sum > kLinearFloor && sum < INFINITY)) [[unlikely]] throw_zero_message();
      const double inv = 1.0 / sum;
      out[o] = t0 * inv;
      out[o + 1] = t1 * inv;
      a0 *= in[o];
      a1 *= in[o + 1];
      if (a0 + a1 < kRescaleBelow) [[unlikely]] rescale_pair(a0, a1);
    }
  }

  static void rescale_pair(double& a0, double& a1) {
    const double hi = std::max(a0, a1);
    if (!(hi > kLinearFloor)) throw_zero_message();
    a0 /= hi;
    a1 /= hi;
  }

  // Keeps a running product away from underflow; the scale is irrelevant because
  // every message is normalised. A product whose largest entry is already at or below
  // the floor has lost what it cannot get back (and 1 / hi could overflow): log domain.
  [[gnu::always_inline]] static void rescale(double* acc, std::size_t card) {
    double hi = 0.0;
    for (std::size_t x = 0; x < card; ++x) hi = std::max(hi, acc[x]);
    if (hi < kRescaleBelow) [[unlikely]] {
      if (!(hi > kLinearFloor)) throw_zero_message();
      const double inv = 1.0 / hi;
      for (std::size_t x = 0; x < card; ++x) acc[x] *= inv;
    }
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static double fold(double acc, double value) {
    if constexpr (rule == Rule::sum) {
      return acc + value;
    } else {
      return value > acc ? value : acc;
    }
  }

  // out[x] = rule_y T[x + c0 y] m1[y]
  template <Rule rule>
    requires(rule != Rule::expect)
  static void pairwise_to_first(const double* table, std::uint32_t c0, std::uint32_t c1, const double* m1,
                                double* out) {
    if (c0 == 2 && c1 == 2) {
      out[0] = fold<rule>(table[0] * m1[0], table[2] * m1[1]);
      out[1] = fold<rule>(table[1] * m1[0], table[3] * m1[1]);
      return;
    }
    for (std::uint32_t x = 0; x < c0; ++x) out[x] = table[x] * m1[0];
    for (std::uint32_t y = 1; y < c1; ++y) {
      const double* column = table + static_cast<std::size_t>(c0) * y;
      for (std::uint32_t x = 0; x < c0; ++x) out[x] = fold<rule>(out[x], column[x] * m1[y]);
    }
  }

  // out[y] = rule_x T[x + c0 y] m0[x]
  template <Rule rule>
    requires(rule != Rule::expect)
  static void pairwise_to_second(const double* table, std::uint32_t c0, std::uint32_t c1, const double* m0,
                                 double* out) {
    if (c0 == 2 && c1 == 2) {
      out[0] = fold<rule>(table[0] * m0[0], table[1] * m0[1]);
      out[1] = fold<rule>(table[2] * m0[0], table[3] * m0[1]);
      return;
    }
    for (std::uint32_t y = 0; y < c1; ++y) {
      const double* column = table + static_cast<std::size_t>(c0) * y;
      double acc = column[0] * m0[0];
      for (std::uint32_t x = 1; x < c0; ++x) acc = fold<rule>(acc, column[x] * m0[x]);
      out[y] = acc;
    }
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static void general(const BpGraph& g, std::size_t f, std::size_t k, const double* in, double* out) {
    const std::uint32_t first = g.factor_begin[f];
    const std::uint32_t arity = g.arity(f);
    const double* table = g.linear_tables.data() + g.table_offset[f];
    const std::size_t size = g.factors[f]->size();
    std::fill_n(out, g.card[g.edge_var[first + k]], 0.0);
    std::uint32_t states[32] = {};
    std::vector<std::uint32_t> heap_states;
    std::uint32_t* x = states;
    if (arity > 32) {
      heap_states.assign(arity, 0);
      x = heap_states.data();
    }
    for (std::size_t i = 0; i < size; ++i) {
      double w = table[i];
      if (w != 0.0) {
        for (std::uint32_t j = 0; j < arity; ++j) {
          if (j != k) w *= in[g.edge_offset[first + j] + x[j]];
        }
        out[x[k]] = fold<rule>(out[x[k]], w);
      }
      for (std::uint32_t j = 0; j < arity; ++j) {  // odometer, first variable fastest
        if (++x[j] < g.card[g.edge_var[first + j]]) break;
        x[j] = 0;
      }
    }
  }
};

struct LogMessages {
  static constexpr bool kLog = true;

  static double uniform(std::size_t) { return 0.0; }

  // Shifts so the largest entry is 0; throws ZeroMessage when every entry is -inf.
  static void normalize(double* m, std::size_t card) {
    double hi = -INFINITY;
    for (std::size_t i = 0; i < card; ++i) hi = std::max(hi, m[i]);
    if (hi == -INFINITY || !std::isfinite(hi)) throw_zero_message();
    for (std::size_t i = 0; i < card; ++i) m[i] -= hi;
  }

  static double probability(const double* m, std::size_t i, std::size_t card) {
    double sum = 0.0;
    for (std::size_t x = 0; x < card; ++x) sum += std::exp(m[x]);
    return std::exp(m[i]) / sum;
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static void factor_message(const BpGraph& g, std::size_t f, std::size_t k, const double* in, double* out) {
    const std::uint32_t first = g.factor_begin[f];
    const std::uint32_t arity = g.arity(f);
    const std::vector<double>& table = g.factors[f]->log_values();
    const std::uint32_t target_card = g.card[g.edge_var[first + k]];
    std::vector<double> weights(table.size());
    std::vector<std::uint32_t> x(arity, 0);
    for (std::size_t i = 0; i < table.size(); ++i) {
      double w = table[i];
      for (std::uint32_t j = 0; j < arity; ++j) {
        if (j != k) w += in[g.edge_offset[first + j] + x[j]];
      }
      weights[i] = w;
      for (std::uint32_t j = 0; j < arity; ++j) {
        if (++x[j] < g.card[g.edge_var[first + j]]) break;
        x[j] = 0;
      }
    }
    // Fold per target state: max first (the result for max, the shift for sum).
    std::size_t stride = 1;
    for (std::uint32_t j = 0; j < k; ++j) stride *= g.card[g.edge_var[first + j]];
    std::fill_n(out, target_card, -INFINITY);
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::size_t t = (i / stride) % target_card;
      out[t] = std::max(out[t], weights[i]);
    }
    if constexpr (rule == Rule::sum) {
      std::vector<double> acc(target_card, 0.0);
      for (std::size_t i = 0; i < weights.size(); ++i) {
        const std::size_t t = (i / stride) % target_card;
        if (out[t] != -INFINITY) acc[t] += std::exp(weights[i] - out[t]);
      }
      for (std::uint32_t t = 0; t < target_card; ++t) {
        if (out[t] != -INFINITY) out[t] += std::log(acc[t]);
      }
    }
    normalize(out, target_card);
  }

  // Prefix and suffix sums (no subtraction, so nothing cancels).
  static void variable_messages(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t begin = g.var_begin[v];
    const std::uint32_t degree = g.degree(v);
    const std::uint32_t card = g.card[v];
    std::vector<double> acc(card, 0.0);
    for (std::uint32_t i = 0; i < degree; ++i) {
      const std::uint32_t e = g.var_edges[begin + i];
      const double* m = in + g.edge_offset[e];
      double* target = out + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        target[x] = acc[x];
        acc[x] += m[x];
      }
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (std::uint32_t i = degree; i-- > 0;) {
      const std::uint32_t e = g.var_edges[begin + i];
      const double* m = in + g.edge_offset[e];
      double* target = out + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        target[x] += acc[x];
        acc[x] += m[x];
      }
      normalize(target, card);
    }
  }

  static void variable_message(const BpGraph& g, std::size_t v, std::uint32_t exclude, const double* in,
                               double* out) {
    const std::uint32_t card = g.card[v];
    std::fill_n(out, card, 0.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t e = g.var_edges[i];
      if (e == exclude) continue;
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) out[x] += m[x];
    }
    normalize(out, card);
  }

  static void belief(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    std::fill_n(out, card, 0.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const double* m = in + g.edge_offset[g.var_edges[i]];
      for (std::uint32_t x = 0; x < card; ++x) out[x] += m[x];
    }
    normalize(out, card);
    double sum = 0.0;
    for (std::uint32_t x = 0; x < card; ++x) sum += std::exp(out[x]);
    for (std::uint32_t x = 0; x < card; ++x) out[x] = std::exp(out[x]) / sum;
  }

  static double log_message_entry(const double* m, std::size_t x) { return m[x]; }
  static double indicator(bool on) { return on ? 0.0 : -INFINITY; }

  static double log_probability(const double* m, std::size_t i, std::size_t card) {
    return m[i] - log_normalizer(m, card);
  }

  // Damping in log space is geometric damping (see LinearMessages::damp). Log messages
  // do not underflow, so an old -inf is a zero of the model and the update has it too.
  static void damp(double* update, const double* old, std::size_t card, double keep) {
    for (std::size_t x = 0; x < card; ++x) {
      if (update[x] == -INFINITY) continue;
      update[x] = (1.0 - keep) * update[x] + keep * old[x];
    }
    normalize(update, card);
  }

  static double log_change(const double* a, const double* b, std::size_t card) {
    const double za = log_normalizer(a, card);
    const double zb = log_normalizer(b, card);
    double change = 0.0;
    for (std::size_t x = 0; x < card; ++x) {
      if (a[x] == -INFINITY && b[x] == -INFINITY) continue;
      if (a[x] == -INFINITY || b[x] == -INFINITY) return INFINITY;
      change = std::max(change, std::abs((a[x] - za) - (b[x] - zb)));
    }
    return change;
  }

 private:
  static double log_normalizer(const double* m, std::size_t card) {
    double hi = -INFINITY;
    for (std::size_t x = 0; x < card; ++x) hi = std::max(hi, m[x]);
    double sum = 0.0;
    for (std::size_t x = 0; x < card; ++x) sum += std::exp(m[x] - hi);
    return hi + std::log(sum);
  }
};

}  // namespace copi::detail
