// SparseConditional's message kernel against the three rules written out densely here:
// random CSR conditionals (some rows long enough to use row_begin, some entries of
// probability 0), log messages with a wide spread (so the linear-domain sum underflows
// and rows fall back to log space) and -inf entries; and the same bits for 1 and 2
// threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/inference/sparse_conditional.hpp"

namespace copi {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

struct Csr {
  std::vector<std::uint64_t> row_begin{0};
  std::vector<std::uint32_t> child;
  std::vector<double> probability;
};

// rows x children; row r has 1..max_len distinct children (a few rows 300 long),
// probabilities normalised, some exact zeros.
Csr random_csr(std::mt19937_64& rng, std::size_t rows, std::uint32_t children) {
  Csr csr;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t length = r % 97 == 5 ? std::min<std::uint32_t>(300, children) : 1 + rng() % 6;
    std::vector<std::uint32_t> picked;
    while (picked.size() < length) {
      const auto x = static_cast<std::uint32_t>(rng() % children);
      if (std::find(picked.begin(), picked.end(), x) == picked.end()) picked.push_back(x);
    }
    std::vector<double> p(length);
    double total = 0.0;
    for (double& x : p) total += x = u(rng) < 0.1 ? 0.0 : u(rng) + 0.01;
    if (total == 0.0) total = p[0] = 1.0;
    for (std::size_t k = 0; k < length; ++k) {
      csr.child.push_back(picked[k]);
      csr.probability.push_back(p[k] / total);
    }
    csr.row_begin.push_back(csr.child.size());
  }
  return csr;
}

// The rules by their definitions, one row at a time, in long double.
double dense_message(const Csr& csr, std::size_t row, const std::vector<double>& m, MessageRule rule) {
  long double sum = 0.0L;
  long double expect = 0.0L;
  double best = kNegInf;
  bool ruled_out = false;
  // sum: factor out the largest m with positive probability to stay in range.
  double hi = kNegInf;
  for (std::uint64_t k = csr.row_begin[row]; k < csr.row_begin[row + 1]; ++k) {
    if (csr.probability[k] > 0.0) hi = std::max(hi, m[csr.child[k]]);
  }
  for (std::uint64_t k = csr.row_begin[row]; k < csr.row_begin[row + 1]; ++k) {
    const double p = csr.probability[k];
    if (p == 0.0) continue;
    const double x = m[csr.child[k]];
    best = std::max(best, x);
    if (x == kNegInf) {
      ruled_out = true;
      continue;
    }
    sum += static_cast<long double>(p) * std::exp(static_cast<long double>(x) - hi);
    expect += static_cast<long double>(p) * x;
  }
  switch (rule) {
    case MessageRule::max:
      return best;
    case MessageRule::expect:
      return ruled_out ? kNegInf : static_cast<double>(expect);
    case MessageRule::sum:
      return hi == kNegInf ? kNegInf : hi + static_cast<double>(std::log(sum));
  }
  return 0.0;
}

void expect_messages_match(const Csr& csr, const std::vector<double>& m, double tolerance) {
  const SparseConditional f(csr.row_begin, csr.child, csr.probability);
  for (const MessageRule rule : {MessageRule::sum, MessageRule::expect, MessageRule::max}) {
    std::vector<double> out(f.rows());
    f.messages(m, rule, out, 1);
    for (std::size_t r = 0; r < f.rows(); ++r) {
      const double want = dense_message(csr, r, m, rule);
      if (std::isinf(want)) {
        EXPECT_EQ(out[r], want) << to_string(rule) << " row " << r;
      } else {
        EXPECT_NEAR(out[r], want, tolerance * std::max(1.0, std::abs(want))) << to_string(rule) << " row " << r;
      }
    }
  }
}

TEST(SparseConditional, MessagesMatchTheRulesOnModerateMessages) {
  std::mt19937_64 rng(11);
  const Csr csr = random_csr(rng, 3000, 400);
  std::vector<double> m(400);
  std::normal_distribution<double> n(0.0, 3.0);
  for (double& x : m) x = n(rng);
  expect_messages_match(csr, m, 1e-12);
}

TEST(SparseConditional, WideMessagesFallBackToLogSpaceWithoutLoss) {
  // Spread ~1e4: most rows' linear sums underflow against the global maximum.
  std::mt19937_64 rng(12);
  const Csr csr = random_csr(rng, 3000, 400);
  std::vector<double> m(400);
  std::uniform_real_distribution<double> u(-1e4, 0.0);
  for (double& x : m) x = u(rng);
  m[7] = 50.0;
  expect_messages_match(csr, m, 1e-12);
}

TEST(SparseConditional, RuledOutChildrenGiveMinusInfinityWhereTheyHaveMass) {
  std::mt19937_64 rng(13);
  const Csr csr = random_csr(rng, 2000, 50);
  std::vector<double> m(50);
  std::normal_distribution<double> n(0.0, 1.0);
  for (double& x : m) x = n(rng);
  for (std::size_t x = 0; x < m.size(); x += 5) m[x] = kNegInf;
  expect_messages_match(csr, m, 1e-12);
}

TEST(SparseConditional, SameBitsForOneAndTwoThreads) {
  std::mt19937_64 rng(14);
  const Csr csr = random_csr(rng, 50000, 1000);
  std::vector<double> m(1000);
  std::normal_distribution<double> n(0.0, 30.0);
  for (double& x : m) x = n(rng);
  const SparseConditional f(csr.row_begin, csr.child, csr.probability);
  for (const MessageRule rule : {MessageRule::sum, MessageRule::expect, MessageRule::max}) {
    std::vector<double> one(f.rows());
    std::vector<double> two(f.rows());
    f.messages(m, rule, one, 1);
    f.messages(m, rule, two, 2);
    EXPECT_EQ(one, two) << to_string(rule);
  }
}

TEST(SparseConditional, MismatchedArraysAreRejected) {
  const std::vector<std::uint64_t> row_begin{0, 2};
  const std::vector<std::uint32_t> child{0, 1};
  const std::vector<double> probability{1.0};
  EXPECT_ANY_THROW(SparseConditional(row_begin, child, probability));
  const std::vector<double> half{0.5, 0.5};
  const SparseConditional ok(row_begin, child, half);  // views: the arrays outlive it
  std::vector<double> out(2);
  EXPECT_ANY_THROW(ok.messages(std::vector<double>{0.0, 0.0}, MessageRule::sum, out, 1));
}

// A message must have an entry for every child id the rows name: the kernels index it
// without a bound check, so a short one would read past its end.
TEST(SparseConditional, MessageNotCoveringEveryChildIsRejected) {
  const std::vector<std::uint64_t> row_begin{0, 2, 3};
  const std::vector<std::uint32_t> child{0, 4, 2};
  const std::vector<double> probability{0.5, 0.5, 1.0};
  const SparseConditional f(row_begin, child, probability);
  EXPECT_EQ(f.children(), 5u);
  std::vector<double> out(2);
  for (const MessageRule rule : {MessageRule::sum, MessageRule::expect, MessageRule::max}) {
    try {
      f.messages(std::vector<double>(4, 0.0), rule, out, 1);
      ADD_FAILURE() << "a 4-entry message for child ids up to 4 was accepted (" << to_string(rule) << ")";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()),
                "sparse conditional: the child's message has 4 entries, but the rows name child id 4 (at least 5 "
                "entries needed)");
    }
  }
  // Five entries cover every id: log(0.5 e^0 + 0.5 e^4) and 2 (row 1 is child 2 alone).
  f.messages(std::vector<double>{0.0, 1.0, 2.0, 3.0, 4.0}, MessageRule::sum, out, 1);
  EXPECT_NEAR(out[0], std::log(0.5 + 0.5 * std::exp(4.0)), 1e-15);
  EXPECT_EQ(out[1], 2.0);
}

TEST(SparseConditional, OutputOfTheWrongSizeIsRejected) {
  const std::vector<std::uint64_t> row_begin{0, 1, 2};
  const std::vector<std::uint32_t> child{0, 1};
  const std::vector<double> probability{1.0, 1.0};
  const SparseConditional f(row_begin, child, probability);
  std::vector<double> out(3);
  EXPECT_THROW(f.messages(std::vector<double>{0.0, 0.0}, MessageRule::sum, out, 1), InputError);
}

}  // namespace
}  // namespace copi
