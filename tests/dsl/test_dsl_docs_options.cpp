// docs/language.md documents every algorithm and option of the library's tables: a new
// option in the table without a line in the docs fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "copi/control/methods.hpp"
#include "copi/inference/algorithms.hpp"

namespace copi::test {
namespace {

std::string language_doc() {
  std::ifstream in(std::string(COPI_SOURCE_DIR) + "/docs/language.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DslDocs, EveryAlgorithmOptionIsDocumented) {
  const std::string doc = language_doc();
  ASSERT_FALSE(doc.empty());
  for (const AlgorithmSpec& algorithm : inference_algorithms()) {
    EXPECT_NE(doc.find("| `" + algorithm.name + "` |"), std::string::npos) << algorithm.name;
    for (const OptionSpec& option : algorithm.options) {
      EXPECT_NE(doc.find("`" + option.name + "`"), std::string::npos) << algorithm.name << " " << option.name;
      for (const std::string& choice : option.choices) {
        EXPECT_NE(doc.find("`" + choice + "`"), std::string::npos) << option.name << " = " << choice;
      }
    }
  }
  for (const AlgorithmSpec& method : control::control_methods()) {
    for (const OptionSpec& option : method.options) {
      EXPECT_NE(doc.find("`" + option.name + "`"), std::string::npos) << method.name << " " << option.name;
    }
  }
}

}  // namespace
}  // namespace copi::test
