// Private. Dense tables of the junction tree and the few kernels it needs, written
// once for two numeric domains:
//   LinearDomain — values in [0, 1] after normalisation, with a log scale kept aside.
//                  Plain multiplies and adds: fast. Each table tracks a lower bound on
//                  its smallest positive entry; a product whose bound could fall to
//                  kLinearFloor (copi/inference/detail/numeric_domain.hpp, the policy
//                  shared by every kernel) throws UnderflowRisk and the whole solve is
//                  redone in
//   LogDomain    — natural-log values; products are sums, sums are log-sum-exp. Slow
//                  but never underflows.
// The rule (sum or max marginalisation) is a template parameter of the kernels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "copi/graph/ids.hpp"
#include "copi/inference/detail/numeric_domain.hpp"
#include "copi/inference/message_rule.hpp"
#include "exact/blocked_index_map.hpp"

namespace copi::detail {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct UnderflowRisk {};

// The rule of a message (copi/inference/message_rule.hpp). Dense tables carry no
// designated child distribution, so their kernels take sum and max only (`requires`
// below); the expect rule is SparseConditional's.
using Rule = MessageRule;

struct Table {
  std::vector<VarId> vars;
  std::vector<std::size_t> cards;
  std::vector<double> values;
  double log_scale = 0.0;     // true value = value * exp(log_scale) (Linear) or value + log_scale (Log)
  double min_positive = 1.0;  // Linear only: lower bound on the smallest positive entry
};

// For each variable of `big`, its stride in `sub` (0 when absent).
inline std::vector<std::size_t> strides_within(const std::vector<VarId>& big, const Table& sub) {
  std::vector<std::size_t> strides(big.size(), 0);
  std::size_t stride = 1;
  for (std::size_t i = 0; i < sub.vars.size(); ++i) {
    const auto it = std::find(big.begin(), big.end(), sub.vars[i]);
    if (it != big.end()) strides[static_cast<std::size_t>(it - big.begin())] = stride;
    stride *= sub.cards[i];
  }
  return strides;
}

// Fills `out` (over vars/cards) with the entry-wise combination of the sub-tables:
// out = subs[0] (x) subs[1] (x) ..., where (x) is `combine` (multiply or add); `unit`
// when there are none. One pass over `out`, each block cache-resident. Sub-tables
// that depend only on the block's dimensions are combined once into a pattern
// reused by every block; those that depend only on outer dimensions contribute one
// scalar per block; only the rest are gathered entry by entry.
template <typename Combine>
void combine_tables(Table& out, const std::vector<const Table*>& subs, double unit, Combine combine) {
  std::vector<std::vector<std::size_t>> strides;
  for (const Table* sub : subs) strides.push_back(strides_within(out.vars, *sub));
  const BlockedIndexMap map(out.cards, std::move(strides));
  const std::size_t block = map.block();
  std::vector<double> pattern(block, unit);
  std::vector<std::size_t> per_block;  // outer-only sub-tables
  std::vector<std::size_t> gathered;   // sub-tables over inner and outer dimensions
  for (std::size_t t = 0; t < subs.size(); ++t) {
    const bool inner = map.uses_inner(t);
    const bool outer = map.uses_outer(t);
    if (inner && !outer) {
      const double* src = subs[t]->values.data();
      const std::uint32_t* offsets = map.inner(t);
      for (std::size_t j = 0; j < block; ++j) pattern[j] = combine(pattern[j], src[offsets[j]]);
    } else if (!inner) {
      per_block.push_back(t);
    } else {
      gathered.push_back(t);
    }
  }
  double* values = out.values.data();
  map.for_each_block([&](std::size_t start, const std::size_t* bases) {
    double scalar = unit;
    for (const std::size_t t : per_block) scalar = combine(scalar, subs[t]->values[bases[t]]);
    double* row = values + start;
    for (std::size_t j = 0; j < block; ++j) row[j] = combine(pattern[j], scalar);
    for (const std::size_t t : gathered) {
      const double* src = subs[t]->values.data() + bases[t];
      const std::uint32_t* inner = map.inner(t);
      for (std::size_t j = 0; j < block; ++j) row[j] = combine(row[j], src[inner[j]]);
    }
  });
}

// Folds every entry of `big` into the matching entry of `sub` with `fold` (a sum or
// a max; `sub` starts at the fold's unit). When the sub-table ignores the block's
// dimensions a whole block reduces to one entry (four independent accumulators, so
// the reduction pipelines); when it ignores the outer dimensions every block folds
// onto one accumulator row; otherwise entries are scattered.
template <typename Fold>
void fold_into(const Table& big, Table& sub, double unit, Fold fold) {
  const BlockedIndexMap map(big.cards, {strides_within(big.vars, sub)});
  const std::size_t block = map.block();
  const std::uint32_t* inner = map.inner(0);
  const double* in = big.values.data();
  double* out = sub.values.data();
  if (!map.uses_inner(0)) {
    map.for_each_block([&](std::size_t start, const std::size_t* bases) {
      const double* row = in + start;
      double acc[4] = {unit, unit, unit, unit};
      std::size_t j = 0;
      for (; j + 4 <= block; j += 4) {
        for (std::size_t k = 0; k < 4; ++k) acc[k] = fold(acc[k], row[j + k]);
      }
      for (; j < block; ++j) acc[0] = fold(acc[0], row[j]);
      out[bases[0]] = fold(out[bases[0]], fold(fold(acc[0], acc[1]), fold(acc[2], acc[3])));
    });
  } else if (!map.uses_outer(0)) {
    std::vector<double> acc(block, unit);
    map.for_each_block([&](std::size_t start, const std::size_t*) {
      const double* row = in + start;
      for (std::size_t j = 0; j < block; ++j) acc[j] = fold(acc[j], row[j]);
    });
    for (std::size_t j = 0; j < block; ++j) out[inner[j]] = fold(out[inner[j]], acc[j]);
  } else {
    map.for_each_block([&](std::size_t start, const std::size_t* bases) {
      const double* row = in + start;
      double* dst = out + bases[0];
      for (std::size_t j = 0; j < block; ++j) dst[inner[j]] = fold(dst[inner[j]], row[j]);
    });
  }
}

// Function objects (not function pointers), so the folds inline into the loops.
struct Add {
  double operator()(double a, double b) const { return a + b; }
};
struct Larger {
  double operator()(double a, double b) const { return a > b ? a : b; }
};
inline constexpr Add add{};
inline constexpr Larger larger{};

inline std::size_t product_of(const std::vector<std::size_t>& cards) {
  std::size_t size = 1;
  for (const std::size_t c : cards) size *= c;
  return size;
}

struct LinearDomain {
  static constexpr double kOne = 1.0;
  static constexpr double kZero = 0.0;

  // From natural-log values; fails (returns false) when the finite entries span more
  // than half the linear range, so that the product of two tables stays above the floor.
  static bool from_log(const std::vector<double>& log_values, Table& out) {
    const double hi = *std::max_element(log_values.begin(), log_values.end());
    out.values.resize(log_values.size());
    if (hi == kNegInf) {
      std::fill(out.values.begin(), out.values.end(), 0.0);
      out.log_scale = 0.0;
      out.min_positive = 1.0;
      return true;
    }
    double lo = hi;
    for (std::size_t i = 0; i < log_values.size(); ++i) {
      out.values[i] = std::exp(log_values[i] - hi);
      if (log_values[i] != kNegInf) lo = std::min(lo, log_values[i]);
    }
    out.log_scale = hi;
    out.min_positive = std::exp(lo - hi);
    return hi - lo <= kLinearLogRange / 2;
  }

  // Rescale so the largest entry is 1; recomputes min_positive exactly.
  static void normalize(Table& t) {
    double hi = 0.0;
    for (const double v : t.values) hi = std::max(hi, v);
    if (hi == 0.0) return;  // all zero: the caller detects impossible evidence
    double lo = 1.0;
    const double inv = 1.0 / hi;
    for (double& v : t.values) {
      v *= inv;
      if (v > 0.0 && v < lo) lo = v;
    }
    t.log_scale += std::log(hi);
    t.min_positive = lo;
  }

  static void multiply_into(Table& big, const Table& sub) {
    if (big.min_positive * sub.min_positive <= kLinearFloor) {
      normalize(big);
      if (big.min_positive * sub.min_positive <= kLinearFloor) throw UnderflowRisk{};
    }
    const BlockedIndexMap map(big.cards, {strides_within(big.vars, sub)});
    const std::uint32_t* inner = map.inner(0);
    const std::size_t block = map.block();
    double* out = big.values.data();
    const double* in = sub.values.data();
    map.for_each_block([&](std::size_t start, const std::size_t* bases) {
      double* row = out + start;
      const double* src = in + bases[0];
      for (std::size_t j = 0; j < block; ++j) row[j] *= src[inner[j]];
    });
    big.log_scale += sub.log_scale;
    big.min_positive *= sub.min_positive;
  }

  // The product of the sub-tables over (vars, cards), normalised.
  static Table product(const std::vector<VarId>& vars, const std::vector<std::size_t>& cards,
                       const std::vector<const Table*>& subs) {
    Table out{vars, cards, std::vector<double>(product_of(cards)), 0.0, 1.0};
    double bound = 1.0;
    for (const Table* sub : subs) bound *= sub->min_positive;
    if (bound <= kLinearFloor) {
      // Could underflow in one pass: multiply one at a time, renormalising between.
      std::fill(out.values.begin(), out.values.end(), 1.0);
      for (const Table* sub : subs) multiply_into(out, *sub);
      normalize(out);
    } else {
      // Inputs have entries <= 1, so the product cannot overflow, and `bound` keeps
      // underflow in check: no normalisation pass is needed.
      combine_tables(out, subs, 1.0, [](double a, double b) { return a * b; });
      for (const Table* sub : subs) out.log_scale += sub->log_scale;
      out.min_positive = bound;
    }
    return out;
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static Table marginalize(const Table& big, const std::vector<VarId>& keep_vars,
                           const std::vector<std::size_t>& keep_cards) {
    Table sub{keep_vars, keep_cards, std::vector<double>(product_of(keep_cards), 0.0), big.log_scale, 1.0};
    if constexpr (rule == Rule::sum) {
      fold_into(big, sub, 0.0, add);
    } else {
      fold_into(big, sub, 0.0, larger);
    }
    normalize(sub);
    return sub;
  }

  // new / old entry-wise (0 where old is 0), normalised: the Hugin update factor.
  static Table ratio(const Table& updated, const Table& old) {
    Table r = updated;
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      r.values[i] = old.values[i] > 0.0 ? updated.values[i] / old.values[i] : 0.0;
    }
    r.log_scale = updated.log_scale - old.log_scale;
    normalize(r);
    return r;
  }

  static double log_total(const Table& t) {
    double sum = 0.0;
    for (const double v : t.values) sum += v;
    return sum > 0.0 ? std::log(sum) + t.log_scale : kNegInf;
  }

  static double log_max(const Table& t) {
    const double hi = *std::max_element(t.values.begin(), t.values.end());
    return hi > 0.0 ? std::log(hi) + t.log_scale : kNegInf;
  }

  // Normalised probabilities.
  static std::vector<double> probabilities(const Table& t) {
    double sum = 0.0;
    for (const double v : t.values) sum += v;
    std::vector<double> p(t.values.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = t.values[i] / sum;
    return p;
  }
};

struct LogDomain {
  static constexpr double kOne = 0.0;
  static constexpr double kZero = kNegInf;

  static bool from_log(const std::vector<double>& log_values, Table& out) {
    out.values = log_values;
    out.log_scale = 0.0;
    normalize(out);
    return true;
  }

  static void normalize(Table& t) {
    const double hi = *std::max_element(t.values.begin(), t.values.end());
    if (hi == kNegInf) return;
    for (double& v : t.values) v -= hi;
    t.log_scale += hi;
  }

  static void multiply_into(Table& big, const Table& sub) {
    const std::vector<const Table*> both{&big, &sub};
    Table out{big.vars, big.cards, std::vector<double>(big.values.size()), big.log_scale + sub.log_scale, 1.0};
    combine_tables(out, both, 0.0, [](double a, double b) { return a + b; });
    big = std::move(out);
  }

  static Table product(const std::vector<VarId>& vars, const std::vector<std::size_t>& cards,
                       const std::vector<const Table*>& subs) {
    Table out{vars, cards, std::vector<double>(product_of(cards)), 0.0, 1.0};
    combine_tables(out, subs, 0.0, [](double a, double b) { return a + b; });
    for (const Table* sub : subs) out.log_scale += sub->log_scale;
    normalize(out);
    return out;
  }

  template <Rule rule>
    requires(rule != Rule::expect)
  static Table marginalize(const Table& big, const std::vector<VarId>& keep_vars,
                           const std::vector<std::size_t>& keep_cards) {
    Table sub{keep_vars, keep_cards, std::vector<double>(product_of(keep_cards), kNegInf), big.log_scale, 1.0};
    const BlockedIndexMap map(big.cards, {strides_within(big.vars, sub)});
    const std::uint32_t* inner = map.inner(0);
    const std::size_t block = map.block();
    double* out = sub.values.data();
    const double* in = big.values.data();
    // Pass 1: the max of each group (the result for max, the shift for sum).
    fold_into(big, sub, kNegInf, larger);
    if constexpr (rule == Rule::sum) {
      std::vector<double> acc(sub.values.size(), 0.0);
      map.for_each_block([&](std::size_t start, const std::size_t* bases) {
        const std::size_t base = bases[0];
        for (std::size_t j = 0; j < block; ++j) {
          const double shift = out[base + inner[j]];
          if (shift != kNegInf) acc[base + inner[j]] += std::exp(in[start + j] - shift);
        }
      });
      for (std::size_t k = 0; k < acc.size(); ++k) {
        if (out[k] != kNegInf) out[k] += std::log(acc[k]);
      }
    }
    normalize(sub);
    return sub;
  }

  static Table ratio(const Table& updated, const Table& old) {
    Table r = updated;
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      r.values[i] = old.values[i] != kNegInf ? updated.values[i] - old.values[i] : kNegInf;
    }
    r.log_scale = updated.log_scale - old.log_scale;
    normalize(r);
    return r;
  }

  static double log_total(const Table& t) {
    double hi = kNegInf;
    for (const double v : t.values) hi = std::max(hi, v);
    if (hi == kNegInf) return kNegInf;
    double sum = 0.0;
    for (const double v : t.values) sum += std::exp(v - hi);
    return hi + std::log(sum) + t.log_scale;
  }

  static double log_max(const Table& t) {
    const double hi = *std::max_element(t.values.begin(), t.values.end());
    return hi == kNegInf ? kNegInf : hi + t.log_scale;
  }

  static std::vector<double> probabilities(const Table& t) {
    const double total = log_total(t) - t.log_scale;
    std::vector<double> p(t.values.size());
    for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::exp(t.values[i] - total);
    return p;
  }
};

}  // namespace copi::detail
