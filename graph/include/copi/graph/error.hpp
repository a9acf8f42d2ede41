// The one error hierarchy of copi. Library code throws these; only the CLI prints
// them and maps them to exit codes (InputError 2, ResourceError 3, NumericError 1).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace copi {

// Where in a text input something went wrong. line/col are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  std::size_t line = 0;
  std::size_t col = 0;

  // "file:line:col", or the parts that are known.
  [[nodiscard]] std::string str() const;
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad files, bad models, bad options: the user can fix it. Exit status 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message, SourceLocation where = {});
  [[nodiscard]] const SourceLocation& where() const { return where_; }
  // The message without the location prefix.
  [[nodiscard]] const std::string& detail() const { return detail_; }

 private:
  SourceLocation where_;
  std::string detail_;
};

// Evidence of probability zero under the model: the user's observations contradict
// its hard zeros. An InputError (exit 2); callers that know where each observation was
// written (the language) catch it to point at the one that makes it impossible.
class ImpossibleEvidence : public InputError {
 public:
  using InputError::InputError;
};

// A request refused because it would exceed a resource limit (memory, states). Exit 3.
class ResourceError : public Error {
 public:
  using Error::Error;
};

// A computation that cannot produce a meaningful number (e.g. evidence of probability
// zero, divergence). Exit 1 at the CLI unless the input is to blame.
class NumericError : public Error {
 public:
  using Error::Error;
};

}  // namespace copi
