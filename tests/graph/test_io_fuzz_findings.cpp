// What fuzzing the file readers found (fuzz/, README "Benchmarks and fuzzing"), each
// pinned with its message and file:line:col. The inputs are minimised; the fuzz
// corpora hold them too.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/io/model_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

// The whole message of the ResourceError `read` must throw on `text` (read as "test.in").
template <typename Reader>
std::string resource_error_of(Reader read, const std::string& text) {
  std::istringstream in(text);
  try {
    read(in, std::string("test.in"));
  } catch (const ResourceError& error) {
    return error.what();
  }
  return "no ResourceError";
}

// Found by fuzz_uai after 379249 executions (corpus: finding_table_size_overflow): a
// scope whose cardinalities multiply past 2^64. Before: table_size() threw a
// ResourceError "table size overflows the address space" with no place, when the
// table was reached. A UAI file lists every entry, so this is malformed input.
TEST(UaiFuzzFindings, TableSizeOverflowIsAnInputErrorAtTheScope) {
  test::expect_input_error([](std::istream& in, const std::string& name) { return read_uai(in, name); },
                           "BAYES\n2\n4294967296 4294967296\n2\n2 1 0\n0\n",
                           "the table of factor 0 would have more than 2^64 entries (4294967296 x 4294967296), "
                           "more than a file can list",
                           5, 1);
}

// .fg tables are sparse in the file but dense in memory: a factor over two variables
// of 2^32 states lists no entries yet declares 2^64 of them. Before: a ResourceError
// "table size overflows the address space" with no place.
TEST(FgFuzzFindings, TableSizeOverflowIsRefusedAtTheFactor) {
  const std::string text = "1\n\n2\n0 1\n4294967296 4294967296\n0\n";
  EXPECT_EQ(resource_error_of([](std::istream& in, const std::string& name) { return read_fg(in, name); }, text),
            "test.in:3:1: the table of factor 0 would have more than 2^64 entries (4294967296 x 4294967296)");
}

// 2^30 entries (8 GiB as doubles) declared by a 20-byte file. Before: the reader
// allocated first (under ASan a fatal allocation-size error, without it 8 GiB of
// zeros or std::bad_alloc turned into a ResourceError with no place).
TEST(FgFuzzFindings, DenseTableOverTheDefaultLimitIsRefusedBeforeAllocating) {
  const std::string text = "1\n1\n0\n1073741824\n0\n";
  EXPECT_EQ(resource_error_of([](std::istream& in, const std::string& name) { return read_fg(in, name); }, text),
            "test.in:2:1: the tables up to factor 0 would take 8 GiB (factor 0 alone has 1073741824 entries: "
            "1073741824), over the memory limit of 2 GiB");
}

// The limit is on the tables together: each factor alone fits, the second does not
// fit beside the first.
TEST(FgFuzzFindings, TheLimitCountsEveryTableOfTheFile) {
  const ModelReadOptions options{.memory_limit_bytes = std::size_t{1} << 20};  // 1 MiB = 131072 doubles
  const auto read = [&](std::istream& in, const std::string& name) { return read_fg(in, name, options); };
  EXPECT_EQ(resource_error_of(read, "2\n1\n0\n100000\n0\n\n1\n1\n100000\n1\n99999 2.5\n"),
            "test.in:7:1: the tables up to factor 1 would take 1.53 MiB (factor 1 alone has 100000 entries: "
            "100000), over the memory limit of 1 MiB");
  std::istringstream fits("2\n1\n0\n65536\n0\n\n1\n1\n65536\n1\n65535 2.5\n");
  const ModelTables tables = read_fg(fits, "test.in", options);
  ASSERT_EQ(tables.factors.size(), 2u);
  EXPECT_EQ(tables.factors[1].values.size(), 65536u);
  EXPECT_EQ(tables.factors[1].values[65535], 2.5);
}

}  // namespace
}  // namespace copi
