// Parsing of human-readable byte sizes for options such as --memory-limit:
// "2G", "512MiB", "1.5GB", "1048576" (bytes). K/M/G/T are powers of 1024.
#pragma once

#include <cstddef>
#include <string>

namespace copi::cli {

// Throws InputError naming the option when the text is not a positive size.
std::size_t parse_size(const std::string& text, const std::string& option_name);

}  // namespace copi::cli
