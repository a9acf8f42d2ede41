// Runs the copi executable as a user would and captures its exit status and output.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace copi::testing {

struct CliRun {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A fresh temporary directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "copi-cli-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes a file in the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// `arguments` is appended to the executable path as shell text.
inline CliRun run_copi(const std::string& arguments) {
  static int counter = 0;
  const auto base = std::filesystem::temp_directory_path() /
                    ("copi-cli-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  const std::string out_file = base.string() + ".out";
  const std::string err_file = base.string() + ".err";
  const std::string command =
      std::string(COPI_EXECUTABLE) + " " + arguments + " >" + out_file + " 2>" + err_file + " </dev/null";
  const int raw = std::system(command.c_str());
  CliRun run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = slurp(out_file);
  run.err = slurp(err_file);
  std::filesystem::remove(out_file);
  std::filesystem::remove(err_file);
  return run;
}

inline std::string data_path(const std::string& relative) { return std::string(COPI_SHARED_DATA_DIR) + "/" + relative; }
inline std::string source_path(const std::string& relative) { return std::string(COPI_SOURCE_DIR) + "/" + relative; }

}  // namespace copi::testing
