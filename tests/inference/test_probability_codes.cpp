// The one-byte probability codes (copi/inference/detail/probability_codes.hpp): every
// entry read back through the table is the same double bit for bit (-0.0 and 0.0 kept
// apart), 256 distinct values still fit, a 257th leaves the array uncoded.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "copi/inference/detail/probability_codes.hpp"

namespace copi {
namespace {

TEST(ProbabilityCodes, TableReadsBackEveryEntryBitForBit) {
  std::vector<double> p;
  for (int k = 0; k < 256; ++k) p.push_back(k == 0 ? -0.0 : k == 1 ? 0.0 : 1.0 / (k + 0.5));
  for (int k = 0; k < 3000; ++k) p.push_back(p[(k * 37) % 256]);  // repeats, not in runs
  const detail::ProbabilityCodes codes = detail::encode_probabilities(p);
  ASSERT_FALSE(codes.empty());
  ASSERT_EQ(codes.code.size(), p.size());
  for (std::size_t k = 0; k < p.size(); ++k) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(codes.table[codes.code[k]]), std::bit_cast<std::uint64_t>(p[k])) << k;
  }
}

TEST(ProbabilityCodes, MoreThan256DistinctValuesAreLeftUncoded) {
  std::vector<double> p;
  for (int k = 0; k < 257; ++k) p.push_back(1.0 / (k + 2));
  EXPECT_TRUE(detail::encode_probabilities(p).empty());
  p.pop_back();
  EXPECT_FALSE(detail::encode_probabilities(p).empty());
}

}  // namespace
}  // namespace copi
