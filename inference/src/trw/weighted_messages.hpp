// Private. Tree-reweighted BP's variable side: the one place where a message is raised
// to a power. With factor I's appearance probability ρ_I (BpGraph::weight), variable v
// has the belief and the messages
//   B(x)     ∝ Π_J m_J(x)^ρ_J
//   n_I(x)   ∝ B(x) / m_I(x) = Π_{J≠I} m_J(x)^ρ_J · m_I(x)^(ρ_I − 1)
// (Wainwright, Jaakkola & Willsky 2005, eq. 39, in factor-graph form). The factor side,
// m_I(x_i) ∝ Σ f_I^(1/ρ_I) Π_{j≠i} n_j, is BP's kernel (bp/message_kernels.hpp) run on
// tables the TRW model stores as log f / ρ, so bp/bp_engine.hpp runs TRW unchanged with
// these domains. With every ρ = 1 this is BP.
//
// The division needs every incoming entry positive. The TRW model (trw/pairwise_model.hpp)
// keeps only arc-consistent states, so each message entry is positive in exact
// arithmetic; in the linear domain an entry at or below kLinearFloor (where its relative
// precision, which the power ρ − 1 < 0 would amplify, is no longer assured) sends the run
// to the log domain by ZeroMessage, the policy of copi/inference/detail/numeric_domain.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bp/message_kernels.hpp"

namespace copi::detail {

template <typename Domain>
struct TrwMessages;

template <>
struct TrwMessages<LinearMessages> : LinearMessages {
  // Every outgoing message of v: n_I = B / m_I for each of its factors I.
  static void variable_messages(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    if (g.degree(v) == 0) return;
    if (card == 2) {
      double b0;
      double b1;
      binary_belief(g, v, in, b0, b1);
      for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
        const std::uint32_t o = g.edge_offset[g.var_edges[i]];
        const double n0 = b0 / in[o];
        const double n1 = b1 / in[o + 1];
        const double inv = 1.0 / (n0 + n1);
        out[o] = n0 * inv;
        out[o + 1] = n1 * inv;
      }
      return;
    }
    Buffer belief_buffer(card);
    double* b = belief_buffer.data();
    general_belief(g, v, in, b);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t o = g.edge_offset[g.var_edges[i]];
      for (std::uint32_t x = 0; x < card; ++x) out[o + x] = b[x] / in[o + x];
      normalize(out + o, card);
    }
  }

  // The message from v along edge `exclude`.
  static void variable_message(const BpGraph& g, std::size_t v, std::uint32_t exclude, const double* in,
                               double* out) {
    const std::uint32_t card = g.card[v];
    belief(g, v, in, out);
    const double* m = in + g.edge_offset[exclude];
    for (std::uint32_t x = 0; x < card; ++x) out[x] /= m[x];
    normalize(out, card);
  }

  // B, normalised to sum 1.
  static void belief(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    if (card == 2 && g.degree(v) > 0) {
      binary_belief(g, v, in, out[0], out[1]);
    } else {
      general_belief(g, v, in, out);
    }
    normalize(out, card);
  }

 private:
  // Room for one message, on the stack when it is small.
  class Buffer {
   public:
    explicit Buffer(std::size_t size) {
      if (size > 64) heap_.resize(size);
    }
    double* data() { return heap_.empty() ? stack_ : heap_.data(); }

   private:
    double stack_[64];
    std::vector<double> heap_;
  };

  // An entry the division could not trust: log domain.
  static void check(double m) {
    if (!(m > kLinearFloor)) [[unlikely]] throw_zero_message();
  }

  // B for a binary variable, largest entry 1: only log(B1 / B0) = Σ_J ρ_J log(m_J1 / m_J0)
  // matters, one log per message.
  static void binary_belief(const BpGraph& g, std::size_t v, const double* in, double& b0, double& b1) {
    double log_ratio = 0.0;
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t e = g.var_edges[i];
      const double* m = in + g.edge_offset[e];
      check(m[0]);
      check(m[1]);
      log_ratio += g.weight[g.edge_factor[e]] * std::log(m[1] / m[0]);
    }
    b0 = log_ratio > 0.0 ? std::exp(-log_ratio) : 1.0;
    b1 = log_ratio > 0.0 ? 1.0 : std::exp(log_ratio);
  }

  // B for any cardinality, largest entry 1, from Σ_J ρ_J log m_J.
  static void general_belief(const BpGraph& g, std::size_t v, const double* in, double* b) {
    const std::uint32_t card = g.card[v];
    std::fill_n(b, card, 0.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t e = g.var_edges[i];
      const double rho = g.weight[g.edge_factor[e]];
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        check(m[x]);
        b[x] += rho * std::log(m[x]);
      }
    }
    const double hi = *std::max_element(b, b + card);
    for (std::uint32_t x = 0; x < card; ++x) b[x] = std::exp(b[x] - hi);
  }
};

template <>
struct TrwMessages<LogMessages> : LogMessages {
  static void variable_messages(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    if (g.degree(v) == 0) return;
    std::vector<double> s(card);
    log_belief(g, v, in, s.data());
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t o = g.edge_offset[g.var_edges[i]];
      for (std::uint32_t x = 0; x < card; ++x) out[o + x] = s[x] - in[o + x];
      normalize(out + o, card);
    }
  }

  static void variable_message(const BpGraph& g, std::size_t v, std::uint32_t exclude, const double* in,
                               double* out) {
    const std::uint32_t card = g.card[v];
    log_belief(g, v, in, out);
    const double* m = in + g.edge_offset[exclude];
    for (std::uint32_t x = 0; x < card; ++x) out[x] -= m[x];
    normalize(out, card);
  }

  // B as probabilities.
  static void belief(const BpGraph& g, std::size_t v, const double* in, double* out) {
    const std::uint32_t card = g.card[v];
    log_belief(g, v, in, out);
    normalize(out, card);
    double sum = 0.0;
    for (std::uint32_t x = 0; x < card; ++x) sum += std::exp(out[x]);
    for (std::uint32_t x = 0; x < card; ++x) out[x] = std::exp(out[x]) / sum;
  }

 private:
  // log B = Σ_J ρ_J log m_J. Every entry is finite (arc-consistent states); a -inf would
  // make the division -inf - -inf, so it is refused.
  static void log_belief(const BpGraph& g, std::size_t v, const double* in, double* s) {
    const std::uint32_t card = g.card[v];
    std::fill_n(s, card, 0.0);
    for (std::uint32_t i = g.var_begin[v]; i < g.var_begin[v + 1]; ++i) {
      const std::uint32_t e = g.var_edges[i];
      const double rho = g.weight[g.edge_factor[e]];
      const double* m = in + g.edge_offset[e];
      for (std::uint32_t x = 0; x < card; ++x) {
        if (m[x] == -INFINITY) throw_zero_message();
        s[x] += rho * m[x];
      }
    }
  }
};

}  // namespace copi::detail
