#include "copi/graph/io/cluster_file.hpp"

#include <string>
#include <unordered_map>

#include "io/text_scanner.hpp"

namespace copi {

std::vector<std::vector<VarId>> read_clusters(std::istream& in, const std::string& file_name, std::size_t num_variables) {
  io_detail::TextScanner scanner(in, file_name, true);
  std::vector<std::vector<VarId>> clusters;
  std::unordered_map<std::size_t, std::size_t> line_of;  // variable -> the line listing it
  std::size_t current_line = 0;
  while (const std::optional<io_detail::Token> token = scanner.next()) {
    const std::size_t v = scanner.to_size(*token, "a variable index");
    if (v >= num_variables) {
      scanner.fail(*token, "variable " + std::to_string(v) + " out of range: the model has " +
                               std::to_string(num_variables) + " variables (0 to " + std::to_string(num_variables - 1) +
                               ")");
    }
    if (const auto [it, inserted] = line_of.emplace(v, token->line); !inserted) {
      scanner.fail(*token, "variable " + std::to_string(v) + " is already in the cluster of line " +
                               std::to_string(it->second) + "; clusters partition the variables");
    }
    if (token->line != current_line) {
      clusters.emplace_back();
      current_line = token->line;
    }
    clusters.back().push_back(VarId{static_cast<std::uint32_t>(v)});
  }
  return clusters;
}

std::vector<std::vector<VarId>> read_cluster_file(const std::filesystem::path& path, std::size_t num_variables) {
  std::ifstream in = io_detail::open_for_reading(path);
  return read_clusters(in, path.string(), num_variables);
}

}  // namespace copi
