#include "copi/inference/sparse_conditional.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/inference/detail/numeric_domain.hpp"
#include "copi/inference/detail/parallel.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
constexpr std::size_t kRowsPerTask = 4096;  // fixed blocks: the same sums for any thread count

}  // namespace

std::string to_string(MessageRule rule) {
  switch (rule) {
    case MessageRule::sum:
      return "sum";
    case MessageRule::max:
      return "max";
    case MessageRule::expect:
      return "expect";
  }
  return "?";
}

SparseConditional::SparseConditional(std::span<const std::uint64_t> row_begin, std::span<const std::uint32_t> child,
                                     std::span<const double> probability, bool code_probabilities)
    : row_begin_(row_begin.data()), child_(child.data()), probability_(probability.data()) {
  if (row_begin.empty() || child.size() != probability.size() || row_begin.back() > child.size()) {
    throw InputError("sparse conditional: inconsistent CSR arrays");
  }
  row_length_.resize(row_begin.size() - 1);
  for (std::size_t row = 0; row < row_length_.size(); ++row) {
    const std::uint64_t length = row_begin[row + 1] - row_begin[row];
    row_length_[row] = static_cast<std::uint8_t>(std::min<std::uint64_t>(length, kLongRow));
  }
  const auto used = child.first(row_begin.back());
  if (!used.empty()) children_ = std::size_t{*std::max_element(used.begin(), used.end())} + 1;
  if (code_probabilities) codes_ = detail::encode_probabilities(probability.first(row_begin.back()));
}

void SparseConditional::messages(std::span<const double> log_message, MessageRule rule, std::span<double> out,
                                 std::size_t threads) const {
  if (out.size() != rows()) {
    throw InputError("sparse conditional: the output has " + std::to_string(out.size()) + " entries, one per row needs " +
                     std::to_string(rows()));
  }
  // The kernels index the message by child id without a bound check.
  if (log_message.size() < children_) {
    throw InputError("sparse conditional: the child's message has " + std::to_string(log_message.size()) +
                     " entries, but the rows name child id " + std::to_string(children_ - 1) + " (at least " +
                     std::to_string(children_) + " entries needed)");
  }
  const double* m = log_message.data();
  const auto at = [m](std::uint32_t x) { return m[x]; };
  const bool all_finite = std::all_of(log_message.begin(), log_message.end(), [](double x) { return std::isfinite(x); });
  // sum: Σ p exp(m) = e^M Σ p z with z = exp(m - M), M = max m, in the linear domain;
  // expect with finite m: Σ p m directly. Everything else row by row in log space.
  std::vector<double> z;
  double shift = 0.0;
  if (rule == MessageRule::sum && !log_message.empty()) {
    shift = *std::max_element(log_message.begin(), log_message.end());
    if (shift == kNegInf) shift = 0.0;
    z.resize(log_message.size());
    for (std::size_t x = 0; x < z.size(); ++x) z[x] = std::exp(m[x] - shift);
  }
  const bool linear = rule == MessageRule::sum || (rule == MessageRule::expect && all_finite);
  const std::size_t blocks = (rows() + kRowsPerTask - 1) / kRowsPerTask;
  detail::with_threads(threads, [&](std::size_t pool) {
    detail::parallel_for_range(blocks, 1, pool, [&](std::size_t begin, std::size_t end) {
      for (std::size_t b = begin; b < end; ++b) {
        const std::size_t first = b * kRowsPerTask;
        const std::size_t count = std::min(rows(), first + kRowsPerTask) - first;
        if (!linear) {
          for (std::size_t r = first; r < first + count; ++r) out[r] = row_message(r, at, rule);
          continue;
        }
        std::uint64_t cursor = row_begin_[first];
        if (rule == MessageRule::expect) {
          for_each_row_sum(first, count, cursor, m, [&](std::size_t i, double sum) { out[first + i] = sum; });
          continue;
        }
        for_each_row_sum(first, count, cursor, z.data(), [&](std::size_t i, double sum) {
          // The policy of numeric_domain.hpp: a row sum not above the floor is redone in log space.
          out[first + i] = sum > detail::kLinearFloor ? shift + std::log(sum) : row_message(first + i, at, rule);
        });
      }
    });
  });
}

}  // namespace copi
