#include "size_option.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "copi/graph/error.hpp"

namespace copi::cli {

std::size_t parse_size(const std::string& text, const std::string& option_name) {
  const auto fail = [&]() -> std::size_t {
    throw InputError(option_name + " '" + text + "': expected a size such as 512M, 2G or 1048576 (bytes)");
  };
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(number) || number <= 0) return fail();
  std::string unit(end);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    scale = 1024.0;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    scale = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TB" || unit == "TIB") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return fail();
  }
  const double bytes = number * scale;
  if (bytes >= 9.0e18) return fail();
  return static_cast<std::size_t>(bytes);
}

}  // namespace copi::cli
