// Whole-or-nothing output: write a temporary sibling of the target, then rename it over
// the target (atomic on POSIX within one file system, hence the same directory).
#include "copi/graph/io/atomic_file.hpp"

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

// A name no other writer picks: the target's name, hidden, with a random suffix.
std::filesystem::path temporary_sibling(const std::filesystem::path& target) {
  static thread_local std::mt19937_64 generator{
      std::random_device{}() ^
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  std::ostringstream name;
  name << '.' << target.filename().string() << ".tmp-" << std::hex << generator();
  return target.parent_path() / name.str();
}

SourceLocation location_of(const std::filesystem::path& path) { return SourceLocation{path.string(), 0, 0}; }

void remove_quietly(const std::filesystem::path& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write) {
  const std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    throw InputError("cannot write '" + path.string() + "': directory '" + directory.string() + "' does not exist",
                     location_of(path));
  }
  if (path.filename().empty() || std::filesystem::is_directory(path, error)) {
    throw InputError("cannot write '" + path.string() + "': it is a directory", location_of(path));
  }
  std::filesystem::path temporary = temporary_sibling(path);
  for (int attempt = 0; attempt < 16 && std::filesystem::exists(temporary, error); ++attempt) {
    temporary = temporary_sibling(path);
  }
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw InputError("cannot write '" + path.string() + "': cannot create a file in '" + directory.string() + "'",
                     location_of(path));
  }
  try {
    write(out);
    out.flush();
    if (!out) throw InputError("cannot write '" + path.string() + "': write error", location_of(path));
    out.close();
    if (out.fail()) throw InputError("cannot write '" + path.string() + "': error on close", location_of(path));
    std::filesystem::rename(temporary, path, error);
    if (error) {
      throw InputError("cannot write '" + path.string() + "': " + error.message(), location_of(path));
    }
  } catch (...) {
    out.close();
    remove_quietly(temporary);
    throw;
  }
}

}  // namespace copi
