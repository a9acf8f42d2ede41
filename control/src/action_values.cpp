// Q(s, a) of a solved MDP, computed from the next step's values after the backups (the
// backups themselves never form Q: the exact one works with action weights).
#include <cmath>
#include <limits>

#include "copi/inference/detail/parallel.hpp"
#include "copi/inference/sparse_conditional.hpp"
#include "solve_detail.hpp"

namespace copi::control::detail {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// log(γ e^L + 1 - γ) without cancellation: log1p(γ expm1(L)) near L = 0 (so an
// absorbing state's L = 0 gives exactly 0), a log-sum of the two terms elsewhere.
double log_continue(double gamma, double log_end, double L) {
  if (gamma == 1.0) return L;
  if (std::abs(L) < 0.5) return std::log1p(gamma * std::expm1(L));
  const double a = std::log(gamma) + L;
  const double hi = std::max(a, log_end);
  return hi + std::log1p(std::exp(std::min(a, log_end) - hi));
}

}  // namespace

std::vector<double> action_values(const Mdp& mdp, const StepTerms& terms, ControlMethod method,
                                  const std::vector<double>& next, std::size_t threads) {
  // One pass over the rows: no probability codes (their table is a serial pass of its own).
  const SparseConditional dynamics(mdp.row_begin, mdp.next_state, mdp.probability, false);
  const double gamma = mdp.discount.value_or(1.0);
  const double log_end = gamma < 1.0 ? std::log1p(-gamma) : kNegInf;
  const double inverse_alpha = 1.0 / mdp.alpha;
  const std::size_t actions = mdp.num_actions;
  std::vector<double> q(mdp.rows());
  copi::detail::parallel_for_range(mdp.num_states, 1024, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t row = begin * actions; row < end * actions; ++row) {
      if (!(terms.action_weight(row) > 0.0)) {
        q[row] = kNegInf;
      } else if (method == ControlMethod::exact) {
        // eq. 7: r + α log(γ E[exp(V'/α)] + 1 - γ), E in log space with its largest term out.
        const double L = dynamics.row_message(row, [&](std::uint32_t x) { return next[x] * inverse_alpha; },
                                              MessageRule::sum);
        q[row] = terms.reward[row] + mdp.alpha * log_continue(gamma, log_end, L);
      } else {
        // eq. 15 / hard Bellman: r + γ E[V'].
        q[row] = terms.reward[row] +
                 gamma * dynamics.row_message(row, [&](std::uint32_t x) { return next[x]; }, MessageRule::expect);
      }
    }
  });
  return q;
}

}  // namespace copi::control::detail
