// UAI evidence files, both layouts, told apart by token count:
//   2008 / 2014: one line `N v_1 x_1 ... v_N x_N` (odd number of tokens);
//   2010: `S` samples, each `N v x ...` (only the first sample is used; S = 0 or
//         an empty file means no evidence).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "copi/graph/evidence.hpp"
#include "copi/graph/io/model_tables.hpp"

namespace copi {

// Checks variable ids and states against the model's cardinalities.
Evidence read_evidence(std::istream& in, const std::string& file_name,
                       const std::vector<std::size_t>& cardinalities);
Evidence read_evidence_file(const std::filesystem::path& path,
                            const std::vector<std::size_t>& cardinalities);
void write_evidence(std::ostream& out, const Evidence& evidence);

}  // namespace copi
