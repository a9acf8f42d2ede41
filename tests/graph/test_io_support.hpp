// Helpers for the file-format tests: run a reader on inline text and pin the
// InputError it throws (message fragment and line:col).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iterator>
#include <random>
#include <system_error>
#include <functional>
#include <sstream>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::test {

inline std::filesystem::path shared_data(const std::string& relative) {
  return std::filesystem::path(COPI_SHARED_DATA_DIR) / relative;
}

// Calls `read(stream, "test.in")` on `text` and checks the InputError it must throw.
template <typename Reader>
void expect_input_error(Reader read, const std::string& text, const std::string& fragment, std::size_t line,
                        std::size_t col) {
  SCOPED_TRACE("input:\n" + text);
  std::istringstream in(text);
  try {
    read(in, std::string("test.in"));
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find(fragment), std::string::npos)
        << "message: " << error.detail() << "\nexpected to contain: " << fragment;
    EXPECT_EQ(error.where().file, "test.in");
    EXPECT_EQ(error.where().line, line) << error.what();
    EXPECT_EQ(error.where().col, col) << error.what();
  }
}

// A fresh empty directory under the system temp folder, removed on destruction.
class TempDir {
 public:
  TempDir() {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("copi_io_test_" + std::to_string(stamp) + "_" + std::to_string(std::random_device{}()) + "_" +
             std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::size_t entry_count() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path_),
                                                  std::filesystem::directory_iterator()));
  }

 private:
  static std::size_t& counter() {
    static std::size_t value = 0;
    return value;
  }
  std::filesystem::path path_;
};

}  // namespace copi::test
