// Suggestions for misspelled names: the edit distance against hand-counted cases and
// the nearest-candidate rule (within 2 edits, ties to the first, never the word itself).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "copi/graph/spelling.hpp"

namespace copi {
namespace {

TEST(Spelling, EditDistanceCountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "ab"), 2u);
  EXPECT_EQ(edit_distance("damping", "damping"), 0u);
  EXPECT_EQ(edit_distance("dampng", "damping"), 1u);     // one insertion
  EXPECT_EQ(edit_distance("dampinng", "damping"), 1u);   // one deletion
  EXPECT_EQ(edit_distance("damqing", "damping"), 1u);    // one substitution
  EXPECT_EQ(edit_distance("dampnig", "damping"), 1u);    // one swap of neighbours
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);     // the textbook case
  EXPECT_EQ(edit_distance("evidense", "evidence"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);             // OSA: no edit of a swapped pair
}

TEST(Spelling, ClosestWithinTwoEditsTiesToTheFirst) {
  const std::vector<std::string> options{"schedule", "damping", "tol", "max_iter", "time_limit"};
  EXPECT_EQ(closest_spelling("dampin", options), "damping");
  EXPECT_EQ(closest_spelling("max_itr", options), "max_iter");
  EXPECT_EQ(closest_spelling("tl", options), "tol");
  EXPECT_FALSE(closest_spelling("frobnicate", options).has_value());
  EXPECT_FALSE(closest_spelling("damping", options).has_value());  // the word itself is no suggestion
  const std::vector<std::string> tied{"ab", "ba"};
  EXPECT_EQ(closest_spelling("aa", tied), "ab");
  EXPECT_EQ(did_you_mean("shedule", options), " (did you mean 'schedule'?)");
  EXPECT_EQ(did_you_mean("zzz", options), "");
  EXPECT_EQ(closest_spelling("abcd", std::vector<std::string>{"abxy"}, 1), std::nullopt);
}

}  // namespace
}  // namespace copi
