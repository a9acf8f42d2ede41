// Helpers for the .copi language tests: compile inline text (with side files in a
// fresh temporary folder), read factor entries by variable name whatever the scope
// order, and run exact inference on a compiled model.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/inference/exact.hpp"

namespace copi::test {

// A fresh empty directory under the system temp folder, removed on destruction.
class DslTempDir {
 public:
  DslTempDir() {
    static int counter = 0;
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("copi_dsl_test_" + std::to_string(stamp) + "_" + std::to_string(std::random_device{}()) + "_" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  DslTempDir(const DslTempDir&) = delete;
  DslTempDir& operator=(const DslTempDir&) = delete;
  ~DslTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Writes `text` to `relative` (creating sub-folders) and returns the full path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

inline std::string format_diagnostics(const dsl::Diagnostics& diagnostics) {
  std::string out;
  for (const dsl::Diagnostic& d : diagnostics) out += d.str();
  return out;
}

// Compiles text that must be error-free; fails the test (and returns an empty model)
// otherwise.
inline dsl::CompiledModel compile_ok(const std::string& text, const std::filesystem::path& directory = ".") {
  dsl::CompileResult result = dsl::compile_text(text, "model.copi", directory);
  EXPECT_TRUE(result.diagnostics.empty()) << "input:\n" << text << "\ndiagnostics:\n"
                                          << format_diagnostics(result.diagnostics);
  EXPECT_TRUE(result.model.has_value());
  if (!result.model) return {};
  return std::move(*result.model);
}

inline VarId var_id(const dsl::CompiledModel& model, const std::string& name) {
  const auto id = model.graph.find_variable(name);
  EXPECT_TRUE(id.has_value()) << "no variable '" << name << "'";
  return id.value_or(VarId{0});
}

// The log value of a factor at an assignment given as (variable name, state) pairs,
// in any order: the test never assumes which scope variable comes first.
inline double factor_log_value(const dsl::CompiledModel& model, std::size_t factor_index,
                               const std::vector<std::pair<std::string, std::size_t>>& assignment) {
  const DiscreteFactor& factor = model.graph.table(FactorId{static_cast<std::uint32_t>(factor_index)});
  EXPECT_EQ(factor.arity(), assignment.size()) << "factor " << factor_index;
  std::vector<std::size_t> states(factor.arity(), 0);
  for (const auto& [name, state] : assignment) {
    const std::size_t position = factor.position(var_id(model, name));
    EXPECT_LT(position, factor.arity()) << "'" << name << "' is not in factor " << factor_index;
    if (position < states.size()) states[position] = state;
  }
  return factor.log_value(states);
}

// Exact marginals and log Z of a compiled model (its own evidence applied).
inline InferenceResult exact_answer(const dsl::CompiledModel& model) {
  return solve_exact(model.graph, model.evidence, Task::marginals);
}

inline const std::vector<double>& marginal_of(const InferenceResult& result, const dsl::CompiledModel& model,
                                              const std::string& name) {
  return result.marginals.at(var_id(model, name).index);
}

}  // namespace copi::test
