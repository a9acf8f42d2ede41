// Cluster files for structured mean field (`copi infer --algo structured --clusters
// FILE`): one cluster per line, the variable indices of the model file separated by
// spaces; `#` starts a comment; blank lines are skipped. The line order is the update
// order; variables on no line are singleton clusters.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "copi/graph/ids.hpp"

namespace copi {

// Throws InputError at file:line:col for a token that is not an index, an index out of
// range, or a variable listed twice (naming the line of the first).
std::vector<std::vector<VarId>> read_clusters(std::istream& in, const std::string& file_name, std::size_t num_variables);
std::vector<std::vector<VarId>> read_cluster_file(const std::filesystem::path& path, std::size_t num_variables);

}  // namespace copi
