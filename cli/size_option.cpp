#include "size_option.hpp"

#include "copi/graph/error.hpp"
#include "copi/inference/options.hpp"

namespace copi::cli {

std::size_t parse_size(const std::string& text, const std::string& option_name) {
  const std::optional<double> bytes = parse_byte_size(text);
  if (!bytes || *bytes <= 0 || *bytes >= 9.0e18) {
    throw InputError(option_name + " '" + text + "': expected a size such as 512M, 2G or 1048576 (bytes)");
  }
  return static_cast<std::size_t>(*bytes);
}

}  // namespace copi::cli
