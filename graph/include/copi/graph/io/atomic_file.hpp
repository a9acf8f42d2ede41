// Write a whole output file or nothing: content goes to a temporary file in the same
// directory, which is renamed over the target only after it was written completely.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>

namespace copi {

// Throws InputError when the file cannot be created or written; any exception from
// `write` removes the temporary file and propagates.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

}  // namespace copi
