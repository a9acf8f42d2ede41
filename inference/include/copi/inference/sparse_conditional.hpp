// The message kernel of a sparse conditional p(child | row): one CSR row per
// configuration of the parents (for MDP dynamics, row = (s, a) and child = s'), never
// densified; a view of arrays owned elsewhere (the graph's SparseConditionalFactor,
// an Mdp). It sends the child's log message m(x) back to the rows under a rule:
//
//   sum     log Σ_x p(x|row) exp(m(x))
//   expect  Σ_x p(x|row) m(x)
//   max     max_{x : p(x|row) > 0} m(x)
//
// messages() is the whole kernel (parallel over rows, identical for any thread count);
// for_each_row_sum() is its inner loop, Σ_x p(x|row) w(x) over consecutive rows, for
// callers that fuse more work per row (copi's control backups do).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "copi/graph/sparse_conditional_factor.hpp"
#include "copi/inference/detail/probability_codes.hpp"
#include "copi/inference/message_rule.hpp"

namespace copi {

class SparseConditional {
 public:
  // Views (not copies) of the CSR arrays: row r's children are
  // child[row_begin[r] .. row_begin[r + 1]) with probabilities probability[...]. The
  // arrays must outlive this object; they are not validated here (the owner of the
  // distribution does that: rows sum to one, child ids in range).
  // `code_probabilities`: also keep one-byte codes of the probabilities for the row
  // sums (an O(entries) pass and one byte per entry); a caller that sums the rows
  // through a layout of its own passes false.
  SparseConditional(std::span<const std::uint64_t> row_begin, std::span<const std::uint32_t> child,
                    std::span<const double> probability, bool code_probabilities = true);
  // A view of a graph factor's arrays (validated by the factor); the factor must
  // outlive this object.
  explicit SparseConditional(const SparseConditionalFactor& factor)
      : SparseConditional(factor.row_begin(), factor.child_states(), factor.probabilities()) {}

  [[nodiscard]] std::size_t rows() const { return row_length_.size(); }
  // One more than the largest child id in the rows (0 without children): the least
  // number of entries a child's message must have.
  [[nodiscard]] std::size_t children() const { return children_; }

  // out[r] = the rule's message for every row r, from the child's log message m
  // (-inf allowed: a child state the message rules out). `threads` 0: the default.
  // Throws InputError when `out` does not have one entry per row or `log_message`
  // does not cover every child id.
  void messages(std::span<const double> log_message, MessageRule rule, std::span<double> out,
                std::size_t threads = 0) const;

  // One row's message in log space with the largest term factored out: exact for any
  // spread of m (messages() uses it where the linear-domain sum underflows).
  // `log_message(x)` gives m(x) for a child id x.
  template <typename LogMessage>
  [[nodiscard]] double row_message(std::size_t row, LogMessage&& log_message, MessageRule rule) const {
    const std::uint64_t begin = row_begin_[row];
    const std::uint64_t end = row_begin_[row + 1];
    double hi = -std::numeric_limits<double>::infinity();
    for (std::uint64_t k = begin; k < end; ++k) {
      if (probability_[k] > 0.0) hi = std::max(hi, log_message(child_[k]));
    }
    if (rule == MessageRule::max || hi == -std::numeric_limits<double>::infinity()) return hi;
    double total = 0.0;
    for (std::uint64_t k = begin; k < end; ++k) {
      const double p = probability_[k];
      if (p == 0.0) continue;
      const double m = log_message(child_[k]);
      if (rule == MessageRule::sum) {
        total += p * std::exp(m - hi);
      } else if (m == -std::numeric_limits<double>::infinity()) {
        return m;  // expect: a child the message rules out, with positive probability
      } else {
        total += p * m;
      }
    }
    return rule == MessageRule::sum ? hi + std::log(total) : total;
  }

  // each(i, Σ_x p(x|row) w(x)) for rows first .. first + count - 1 (i = row - first).
  // `cursor` is the first CSR entry of row `first` on entry (row_begin[first]) and the
  // first entry past the last row on return, so consecutive calls continue without
  // reading row_begin. The hot loop streams one byte of row length per row instead of
  // row_begin's eight, and one byte of probability code per entry where the
  // probabilities have at most 256 distinct values (the same doubles, the same sums).
  template <typename Each>
  void for_each_row_sum(std::size_t first, std::size_t count, std::uint64_t& cursor, const double* w,
                        Each&& each) const {
    if (!codes_.empty()) {
      sum_rows(first, count, cursor, w, codes_.code.data(), codes_.table.data(), each);
    } else {
      sum_rows(first, count, cursor, w, probability_, nullptr, each);
    }
  }

  [[nodiscard]] std::uint64_t row_begin(std::size_t row) const { return row_begin_[row]; }

 private:
  static constexpr std::uint8_t kLongRow = 255;  // 255 or more children: row_begin says

  [[nodiscard]] std::uint64_t row_end(std::size_t row, std::uint64_t k) const {
    const std::uint8_t length = row_length_[row];
    return length != kLongRow ? k + length : row_begin_[row + 1];
  }

  // Probability k is p[k] (doubles) or table[p[k]] (p the codes).
  template <typename Entry, typename Each>
  void sum_rows(std::size_t first, std::size_t count, std::uint64_t& cursor, const double* w, const Entry* p,
                const double* table, Each& each) const {
    const std::uint32_t* child = child_;
    std::uint64_t k = cursor;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint64_t end = row_end(first + i, k);
      double acc = 0.0;
      for (; k < end; ++k) {
        if constexpr (std::is_same_v<Entry, double>) {
          acc += p[k] * w[child[k]];
        } else {
          acc += table[p[k]] * w[child[k]];
        }
      }
      each(i, acc);
    }
    cursor = k;
  }

  const std::uint64_t* row_begin_;
  const std::uint32_t* child_;
  const double* probability_;
  std::vector<std::uint8_t> row_length_;
  detail::ProbabilityCodes codes_;  // of the used entries; empty with more than 256 distinct probabilities
  std::size_t children_ = 0;
};

}  // namespace copi
