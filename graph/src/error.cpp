#include "copi/graph/error.hpp"

namespace copi {

std::string SourceLocation::str() const {
  std::string out = file;
  if (line > 0) {
    if (!out.empty()) out.push_back(':');
    out.append(std::to_string(line));
    if (col > 0) {
      out.push_back(':');
      out.append(std::to_string(col));
    }
  }
  return out;
}

namespace {
std::string with_location(const std::string& message, const SourceLocation& where) {
  const std::string prefix = where.str();
  return prefix.empty() ? message : prefix + ": " + message;
}
}  // namespace

InputError::InputError(const std::string& message, SourceLocation where)
    : Error(with_location(message, where)), where_(std::move(where)), detail_(message) {}

}  // namespace copi
