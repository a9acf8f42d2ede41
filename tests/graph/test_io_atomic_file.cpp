// write_file_atomically: all or nothing, and no temporary left behind.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "copi/graph/io/atomic_file.hpp"
#include "test_io_support.hpp"

namespace copi {
namespace {

std::string contents(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AtomicFile, WritesTheContent) {
  const test::TempDir dir;
  const std::filesystem::path target = dir.path() / "out.txt";
  write_file_atomically(target, [](std::ostream& out) { out << "hello\n"; });
  EXPECT_EQ(contents(target), "hello\n");
  EXPECT_EQ(dir.entry_count(), 1U);
}

TEST(AtomicFile, ThrowingWriterLeavesNoTargetAndNoTemporary) {
  const test::TempDir dir;
  const std::filesystem::path target = dir.path() / "out.txt";
  EXPECT_THROW(write_file_atomically(target,
                                     [](std::ostream& out) {
                                       out << "half of it";
                                       throw std::runtime_error("writer failed");
                                     }),
               std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_EQ(dir.entry_count(), 0U);
}

TEST(AtomicFile, ThrowingWriterKeepsTheOldTarget) {
  const test::TempDir dir;
  const std::filesystem::path target = dir.path() / "out.txt";
  write_file_atomically(target, [](std::ostream& out) { out << "old\n"; });
  EXPECT_THROW(write_file_atomically(target,
                                     [](std::ostream& out) {
                                       out << "new";
                                       throw std::runtime_error("writer failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(contents(target), "old\n");
  EXPECT_EQ(dir.entry_count(), 1U);
}

TEST(AtomicFile, ReplacesAnExistingTarget) {
  const test::TempDir dir;
  const std::filesystem::path target = dir.path() / "out.txt";
  write_file_atomically(target, [](std::ostream& out) { out << "old\n"; });
  write_file_atomically(target, [](std::ostream& out) { out << "new\n"; });
  EXPECT_EQ(contents(target), "new\n");
  EXPECT_EQ(dir.entry_count(), 1U);
}

TEST(AtomicFile, MissingDirectoryIsAnInputError) {
  const test::TempDir dir;
  const std::filesystem::path target = dir.path() / "no" / "such" / "dir" / "out.txt";
  try {
    write_file_atomically(target, [](std::ostream& out) { out << "x"; });
    FAIL() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(error.detail().find("does not exist"), std::string::npos) << error.detail();
    EXPECT_EQ(error.where().file, target.string());
  }
  EXPECT_EQ(dir.entry_count(), 0U);
}

TEST(AtomicFile, DirectoryAsTargetIsAnInputError) {
  const test::TempDir dir;
  EXPECT_THROW(write_file_atomically(dir.path(), [](std::ostream& out) { out << "x"; }), InputError);
}

}  // namespace
}  // namespace copi
