#include <fstream>
#include <sstream>

#include "copi/dsl/model.hpp"
#include "elaborator.hpp"
#include "parse.hpp"

namespace copi::dsl {

CompileResult compile_text(const std::string& text, const std::string& file_name,
                           const std::filesystem::path& directory) {
  CompileResult result;
  const std::string path = (directory / file_name).lexically_normal().string();
  auto parsed = parse_text(file_name == path ? file_name : path, text);
  if (!parsed->ok) {
    result.diagnostics = parsed->state->diagnostics();
    return result;
  }
  CompiledModel model;
  Elaborator elaborator(model);
  elaborator.run_main(*parsed);
  result.diagnostics = std::move(elaborator.diagnostics());
  if (result.diagnostics.empty()) result.model = std::move(model);
  return result;
}

CompileResult compile_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CompileResult result;
    result.diagnostics.push_back(Diagnostic{path.string(), 0, 0, "cannot open '" + path.string() + "'", ""});
    return result;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return compile_text(buffer.str(), path.filename().string(), path.parent_path());
}

}  // namespace copi::dsl
