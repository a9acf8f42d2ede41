// Format dispatch by file extension, and the path-based entry points of model_file.hpp.
#include "copi/graph/io/model_file.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "text_scanner.hpp"

namespace copi {

ModelFormat model_format_of(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".uai") return ModelFormat::uai;
  if (extension == ".fg") return ModelFormat::fg;
  const std::string shown = extension.empty() ? "no extension" : "extension '" + path.extension().string() + "'";
  throw InputError("cannot tell the model format of '" + path.string() + "' from its " + shown +
                       " (expected .uai or .fg)",
                   SourceLocation{path.string(), 0, 0});
}

ModelTables read_model_file(const std::filesystem::path& path, const ModelReadOptions& options) {
  const ModelFormat format = model_format_of(path);
  std::ifstream in = io_detail::open_for_reading(path);
  return format == ModelFormat::uai ? read_uai(in, path.string()) : read_fg(in, path.string(), options);
}

void write_model_file(const std::filesystem::path& path, const ModelTables& tables) {
  const ModelFormat format = model_format_of(path);
  validate_model_tables(tables);  // fail before any file is created
  write_file_atomically(path, [&](std::ostream& out) {
    if (format == ModelFormat::uai) {
      write_uai(out, tables);
    } else {
      write_fg(out, tables);
    }
  });
}

}  // namespace copi
