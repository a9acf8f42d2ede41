// The vectorised gather (control/src/simd/sliced_rows.hpp) against the plain CSR sum
// written here: random rows of every length 0..12 (padding in every slice), entries of
// weight 0 skipped even where w there is infinite or NaN, a partial last slice, coded
// weights, and an index past int32 refused (the callers then keep their scalar loop).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "copi/inference/detail/parallel.hpp"
#include "simd/sliced_rows.hpp"

namespace copi::control {
namespace {

struct Csr {
  std::vector<std::uint64_t> begin{0};
  std::vector<std::uint32_t> index;
  std::vector<double> weight;
};

// Lane j of slice q: row 8q + j of `csr` (empty past its `rows` rows).
auto lanes_of(const Csr& csr, std::size_t rows) {
  return [&csr, rows](std::size_t q, std::size_t j) {
    const std::size_t r = q * 8 + j;
    return r < rows ? std::pair{csr.begin[r], csr.begin[r + 1]} : std::pair{std::uint64_t{0}, std::uint64_t{0}};
  };
}

TEST(SlicedRows, SumsEqualThePlainRowSumsWhateverTheRowLengths) {
  std::mt19937_64 rng(5);
  const std::size_t rows = 8 * 37 + 5;  // a partial last slice
  const std::size_t columns = 500;
  std::vector<double> w(columns);
  std::uniform_real_distribution<double> value(-3.0, 3.0);
  for (double& x : w) x = value(rng);
  w[7] = std::numeric_limits<double>::infinity();  // only ever reached with weight 0
  w[9] = std::numeric_limits<double>::quiet_NaN();
  Csr csr;
  std::uniform_int_distribution<int> length(0, 12);
  std::uniform_int_distribution<std::uint32_t> column(0, columns - 1);
  for (std::size_t r = 0; r < rows; ++r) {
    const int n = length(rng);
    for (int k = 0; k < n; ++k) {
      std::uint32_t c = column(rng);
      const bool zero = c == 7 || c == 9 || k % 5 == 4;
      csr.index.push_back(c);
      csr.weight.push_back(zero ? 0.0 : value(rng));
    }
    csr.begin.push_back(csr.index.size());
  }
  const std::size_t slices = (rows + 7) / 8;
  const auto lane = lanes_of(csr, rows);
  const detail::SlicedRows sliced = detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane);
  ASSERT_FALSE(sliced.index.empty());  // small: int32 indices and doubles
  ASSERT_FALSE(sliced.weight.empty());
  ASSERT_EQ(sliced.slices(), slices);
  std::vector<double> out(slices * 8, -1.0);
  detail::sliced_sums(sliced, 0, slices, w.data(), out.data());
  for (std::size_t r = 0; r < slices * 8; ++r) {
    double expected = 0.0;
    for (std::uint64_t k = r < rows ? csr.begin[r] : 0; r < rows && k < csr.begin[r + 1]; ++k) {
      if (csr.weight[k] != 0.0) expected += csr.weight[k] * w[csr.index[k]];
    }
    ASSERT_TRUE(std::isfinite(out[r])) << "row " << r;
    // Entry order kept: the same sum up to the fused multiply-add some targets use.
    EXPECT_NEAR(out[r], expected, 1e-13 * (1.0 + std::abs(expected))) << "row " << r;
  }
  // Compact slices (as large dynamics get them: built compact at any size here) give
  // the same bits: the table holds the same doubles, base + offset the same index. With
  // the weights rounded to a grid of 1/32 they are few enough for codes; the unrounded
  // ones are not, and keep their doubles beside the offsets.
  std::vector<double> rounded = csr.weight;
  for (double& x : rounded) x = std::round(x * 32.0) / 32.0;
  const detail::SlicedRows plain = detail::slice_rows(slices, csr.index.data(), rounded.data(), lane);
  const detail::SlicedRows coded = detail::slice_rows(slices, csr.index.data(), rounded.data(), lane, 0);
  ASSERT_FALSE(coded.code.empty());
  ASSERT_TRUE(coded.weight.empty());
  ASSERT_FALSE(coded.offset.empty());  // 500 columns: every slice spans less than 2^16
  ASSERT_TRUE(coded.index.empty());
  std::vector<double> from_plain(slices * 8);
  std::vector<double> from_codes(slices * 8);
  detail::sliced_sums(plain, 0, slices, w.data(), from_plain.data());
  detail::sliced_sums(coded, 0, slices, w.data(), from_codes.data());
  for (std::size_t r = 0; r < from_plain.size(); ++r) EXPECT_EQ(from_codes[r], from_plain[r]) << "row " << r;
  const detail::SlicedRows offsets_only = detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane, 0);
  ASSERT_FALSE(offsets_only.offset.empty());
  ASSERT_TRUE(offsets_only.code.empty());
  std::vector<double> from_offsets(slices * 8);
  detail::sliced_sums(offsets_only, 0, slices, w.data(), from_offsets.data());
  for (std::size_t r = 0; r < out.size(); ++r) EXPECT_EQ(from_offsets[r], out[r]) << "row " << r;
  // A sub-range of slices lands at the start of out.
  std::vector<double> part(2 * 8);
  detail::sliced_sums(sliced, 3, 2, w.data(), part.data());
  for (std::size_t i = 0; i < part.size(); ++i) EXPECT_EQ(part[i], out[3 * 8 + i]);
}

TEST(SlicedRows, ASliceSpanningMoreThanUint16KeepsItsIndicesAndStillCodesItsWeights) {
  // Lane 0: w[0] and w[70000]; lane 1: w[3].
  const std::vector<std::uint32_t> index{0, 70000, 3};
  const std::vector<double> weight{0.25, 0.75, 0.5};
  const detail::SlicedRows compact = detail::slice_rows(
      1, index.data(), weight.data(),
      [](std::size_t, std::size_t j) {
        return j == 0   ? std::pair{std::uint64_t{0}, std::uint64_t{2}}
               : j == 1 ? std::pair{std::uint64_t{2}, std::uint64_t{3}}
                        : std::pair{std::uint64_t{0}, std::uint64_t{0}};
      },
      0);
  EXPECT_TRUE(compact.offset.empty());
  EXPECT_FALSE(compact.code.empty());
  std::vector<double> w(70001, 0.0);
  w[0] = 2.0;
  w[70000] = 4.0;
  w[3] = 8.0;
  std::vector<double> out(8, -1.0);
  detail::sliced_sums(compact, 0, 1, w.data(), out.data());
  EXPECT_EQ(out[0], 0.25 * 2.0 + 0.75 * 4.0);
  EXPECT_EQ(out[1], 0.5 * 8.0);
  for (std::size_t j = 2; j < 8; ++j) EXPECT_EQ(out[j], 0.0);
}

TEST(SlicedRows, AnIndexPastInt32LeavesTheRowsUnsliced) {
  const std::vector<std::uint64_t> index{1, std::uint64_t{1} << 31};
  const std::vector<double> weight{0.5, 0.5};
  const detail::SlicedRows sliced = detail::slice_rows(1, index.data(), weight.data(), [](std::size_t, std::size_t j) {
    return j == 0 ? std::pair{std::uint64_t{0}, std::uint64_t{2}} : std::pair{std::uint64_t{0}, std::uint64_t{0}};
  });
  EXPECT_TRUE(sliced.empty());
}

TEST(SlicedRows, BuiltInParallelTheyAreTheSameArraysForAnyThreadCount) {
  // Enough slices for many tasks; the codes' table (first-seen order) included.
  std::mt19937_64 rng(9);
  const std::size_t rows = 8 * 20000 + 3;
  Csr csr;
  std::uniform_int_distribution<int> length(0, 6);
  std::uniform_int_distribution<std::uint32_t> near(0, 2000);
  std::uniform_int_distribution<int> grid(1, 40);
  for (std::size_t r = 0; r < rows; ++r) {
    const int n = length(rng);
    for (int k = 0; k < n; ++k) {
      csr.index.push_back(static_cast<std::uint32_t>(r) + near(rng));
      csr.weight.push_back(k == 2 ? 0.0 : grid(rng) / 40.0);
    }
    csr.begin.push_back(csr.index.size());
  }
  const std::size_t slices = (rows + 7) / 8;
  const auto lane = lanes_of(csr, rows);
  for (const std::size_t compact_bytes : {std::size_t{0}, detail::kCompactSlicesBytes}) {
    const auto build = [&](std::size_t threads) {
      return copi::detail::with_threads(threads, [&](std::size_t pool) {
        return detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane, compact_bytes, pool);
      });
    };
    const detail::SlicedRows one = build(1);
    for (const std::size_t threads : {2u, 4u}) {
      const detail::SlicedRows many = build(threads);
      EXPECT_EQ(many.start, one.start);
      EXPECT_EQ(many.index, one.index);
      EXPECT_EQ(many.base, one.base);
      EXPECT_EQ(many.offset, one.offset);
      EXPECT_EQ(many.weight, one.weight);
      EXPECT_EQ(many.code, one.code);
      EXPECT_EQ(many.table, one.table);
    }
    EXPECT_EQ(one.code.empty(), compact_bytes != 0);  // 41 distinct weights: coded when compact
  }
  // An index past int32 in a late slice still leaves the rows unsliced.
  std::vector<std::uint64_t> wide(csr.index.begin(), csr.index.end());
  std::size_t late = wide.size() - 1;
  while (csr.weight[late] == 0.0) --late;  // an entry the slices keep
  wide[late] = std::uint64_t{1} << 33;
  const detail::SlicedRows refused = copi::detail::with_threads(2, [&](std::size_t pool) {
    return detail::slice_rows(slices, wide.data(), csr.weight.data(), lane, detail::kCompactSlicesBytes, pool);
  });
  EXPECT_TRUE(refused.empty());
}

// MDP-like rows: state s's `actions` rows (row s A + a) reach the same successors with
// their own weights (entries of weight 0, left out, where w is infinite). Slice
// g A + a holds action a's rows of states 8g..8g+7, as the backups slice them.
TEST(SlicedRows, SlicesOverTheSameSuccessorsShareTheirIndicesAndGiveTheSameBits) {
  std::mt19937_64 rng(11);
  const std::size_t states = 8 * 23 + 3;  // a partial last group
  const std::size_t actions = 5;
  const std::size_t columns = 3000;
  std::vector<double> w(columns);
  std::uniform_real_distribution<double> value(-3.0, 3.0);
  for (double& x : w) x = value(rng);
  w[13] = std::numeric_limits<double>::infinity();  // reached with weight 0 only
  Csr csr;
  std::uniform_int_distribution<int> length(0, 40);  // past one chunk of the group kernel
  std::uniform_int_distribution<std::uint32_t> column(0, columns - 1);
  std::uniform_int_distribution<int> grid(1, 40);
  for (std::size_t s = 0; s < states; ++s) {
    std::vector<std::uint32_t> successors(static_cast<std::size_t>(length(rng)));
    for (auto& c : successors) c = column(rng);
    for (std::size_t a = 0; a < actions; ++a) {
      for (std::size_t k = 0; k < successors.size(); ++k) {
        const bool zero = successors[k] == 13;
        csr.index.push_back(successors[k]);
        csr.weight.push_back(zero ? 0.0 : grid(rng) / 40.0);
      }
      csr.begin.push_back(csr.index.size());
    }
  }
  const std::size_t groups = (states + 7) / 8;
  const auto lane = [&](std::size_t q, std::size_t j) {
    const std::size_t s = q / actions * 8 + j;
    const std::size_t row = s * actions + q % actions;
    return s < states ? std::pair{csr.begin[row], csr.begin[row + 1]} : std::pair{std::uint64_t{0}, std::uint64_t{0}};
  };
  const std::size_t slices = groups * actions;
  // The plain row sums, written here, in slice order.
  std::vector<double> expected(slices * 8, 0.0);
  for (std::size_t q = 0; q < slices; ++q) {
    for (std::size_t j = 0; j < 8; ++j) {
      const auto [begin, end] = lane(q, j);
      for (auto k = begin; k < end; ++k) {
        if (csr.weight[k] != 0.0) expected[q * 8 + j] += csr.weight[k] * w[csr.index[k]];
      }
    }
  }
  for (const std::size_t compact_bytes : {std::size_t{0}, detail::kCompactSlicesBytes}) {
    const detail::SlicedRows own = detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane, compact_bytes);
    const detail::SlicedRows shared = copi::detail::with_threads(2, [&](std::size_t pool) {
      return detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane, compact_bytes, pool, actions);
    });
    ASSERT_EQ(own.share, 1u);
    ASSERT_EQ(shared.share, actions);
    EXPECT_EQ(shared.index.size() + shared.offset.size(), (own.index.size() + own.offset.size()) / actions);
    std::vector<double> from_own(slices * 8);
    std::vector<double> from_shared(slices * 8);
    detail::sliced_sums(own, 0, slices, w.data(), from_own.data());
    detail::sliced_sums(shared, 0, slices, w.data(), from_shared.data());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(from_shared[i], expected[i], 1e-12 * (1.0 + std::abs(expected[i]))) << i;
      ASSERT_EQ(from_shared[i], from_own[i]) << i;  // the same operations in the same order
    }
    // Calls that start or end inside a group (single slices through the shared copy).
    std::vector<double> part(9 * 8);
    detail::sliced_sums(shared, 3, 9, w.data(), part.data());
    for (std::size_t i = 0; i < part.size(); ++i) ASSERT_EQ(part[i], from_own[3 * 8 + i]) << i;
  }
  // One state whose actions reach different successors: no sharing anywhere.
  std::uint64_t changed = csr.index.size();
  for (std::size_t s = 0; s < states && changed == csr.index.size(); ++s) {
    const std::size_t row = s * actions + 2;
    for (auto k = csr.begin[row]; k < csr.begin[row + 1] && changed == csr.index.size(); ++k) {
      if (csr.weight[k] != 0.0 && csr.index[k] != 2999) changed = k;  // an entry the slices keep
    }
  }
  ASSERT_LT(changed, csr.index.size());
  csr.index[changed] = 2999;
  const detail::SlicedRows unshared = detail::slice_rows(slices, csr.index.data(), csr.weight.data(), lane,
                                                         detail::kCompactSlicesBytes, 1, actions);
  EXPECT_EQ(unshared.share, 1u);
}

}  // namespace
}  // namespace copi::control
