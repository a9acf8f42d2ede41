#include "copi/graph/factor_operations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "copi/graph/error.hpp"
#include "copi/graph/table_layout.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// Strides of `scope` variables inside `factor` (0 where absent).
std::vector<std::size_t> strides_in(const DiscreteFactor& factor, std::span<const VarId> scope) {
  const std::vector<std::size_t> own = table_strides(factor.cardinalities());
  std::vector<std::size_t> strides(scope.size(), 0);
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const std::size_t pos = factor.position(scope[i]);
    if (pos < factor.arity()) strides[i] = own[pos];
  }
  return strides;
}

// Fold the table of `factor` onto the scope variables that are not in `vars`.
template <typename Combine>
DiscreteFactor fold_out(const DiscreteFactor& factor, std::span<const VarId> vars, Combine combine) {
  std::vector<VarId> kept;
  std::vector<std::size_t> kept_cards;
  for (std::size_t i = 0; i < factor.arity(); ++i) {
    if (std::find(vars.begin(), vars.end(), factor.scope()[i]) == vars.end()) {
      kept.push_back(factor.scope()[i]);
      kept_cards.push_back(factor.cardinalities()[i]);
    }
  }
  DiscreteFactor result(kept, kept_cards, std::vector<double>(table_size(kept_cards), kNegInf));
  MultiIndexWalker walk(factor.cardinalities(), {strides_in(result, factor.scope())});
  std::vector<double>& out = result.log_values();
  std::size_t i = 0;
  do {
    double& target = out[walk.offsets()[0]];
    target = combine(target, factor.log_values()[i++]);
  } while (walk.next());
  return result;
}

}  // namespace

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

double log_sum_exp(std::span<const double> log_values) {
  double hi = kNegInf;
  for (const double v : log_values) hi = std::max(hi, v);
  if (hi == kNegInf || hi == -kNegInf) return hi;
  double sum = 0.0;
  for (const double v : log_values) sum += std::exp(v - hi);
  return hi + std::log(sum);
}

DiscreteFactor product(const DiscreteFactor& a, const DiscreteFactor& b) {
  std::vector<VarId> scope = a.scope();
  std::vector<std::size_t> cards = a.cardinalities();
  for (std::size_t i = 0; i < b.arity(); ++i) {
    if (!a.contains(b.scope()[i])) {
      scope.push_back(b.scope()[i]);
      cards.push_back(b.cardinalities()[i]);
    } else if (a.cardinalities()[a.position(b.scope()[i])] != b.cardinalities()[i]) {
      throw InputError("product of factors that disagree on a cardinality");
    }
  }
  std::vector<double> values(table_size(cards));
  MultiIndexWalker walk(cards, {strides_in(a, scope), strides_in(b, scope)});
  std::size_t i = 0;
  do {
    // -inf + finite is -inf; -inf + -inf is -inf: hard zeros survive.
    values[i++] = a.log_values()[walk.offsets()[0]] + b.log_values()[walk.offsets()[1]];
  } while (walk.next());
  return DiscreteFactor(std::move(scope), std::move(cards), std::move(values));
}

DiscreteFactor sum_out(const DiscreteFactor& factor, std::span<const VarId> vars) {
  return fold_out(factor, vars, log_add);
}

DiscreteFactor max_out(const DiscreteFactor& factor, std::span<const VarId> vars) {
  return fold_out(factor, vars, [](double a, double b) { return std::max(a, b); });
}

DiscreteFactor reduce(const DiscreteFactor& factor, VarId var, std::size_t state) {
  const std::size_t pos = factor.position(var);
  if (pos == factor.arity()) return factor;
  if (state >= factor.cardinalities()[pos]) throw InputError("evidence state out of range");
  std::vector<VarId> scope;
  std::vector<std::size_t> cards;
  for (std::size_t i = 0; i < factor.arity(); ++i) {
    if (i == pos) continue;
    scope.push_back(factor.scope()[i]);
    cards.push_back(factor.cardinalities()[i]);
  }
  const std::vector<std::size_t> own = table_strides(factor.cardinalities());
  std::vector<std::size_t> source_strides;
  for (std::size_t i = 0; i < factor.arity(); ++i) {
    if (i != pos) source_strides.push_back(own[i]);
  }
  std::vector<double> values(table_size(cards));
  MultiIndexWalker walk(cards, {source_strides});
  const std::size_t base = own[pos] * state;
  std::size_t i = 0;
  do {
    values[i++] = factor.log_values()[base + walk.offsets()[0]];
  } while (walk.next());
  return DiscreteFactor(std::move(scope), std::move(cards), std::move(values));
}

DiscreteFactor reorder(const DiscreteFactor& factor, std::span<const VarId> order) {
  if (order.size() != factor.arity()) throw InputError("reorder: not a permutation of the scope");
  std::vector<std::size_t> cards;
  std::vector<bool> used(factor.arity(), false);
  for (const VarId var : order) {
    const std::size_t pos = factor.position(var);
    // A repeated variable would make the walk below longer than the table.
    if (pos == factor.arity() || used[pos]) throw InputError("reorder: not a permutation of the scope");
    used[pos] = true;
    cards.push_back(factor.cardinalities()[pos]);
  }
  std::vector<double> values(factor.size());
  MultiIndexWalker walk(cards, {strides_in(factor, order)});
  std::size_t i = 0;
  do {
    values[i++] = factor.log_values()[walk.offsets()[0]];
  } while (walk.next());
  return DiscreteFactor(std::vector<VarId>(order.begin(), order.end()), std::move(cards), std::move(values));
}

double normalize(DiscreteFactor& factor) {
  const double log_z = log_sum_exp(factor.log_values());
  if (log_z == kNegInf) throw NumericError("cannot normalise a factor that is zero everywhere");
  for (double& v : factor.log_values()) v -= log_z;
  return log_z;
}

}  // namespace copi
