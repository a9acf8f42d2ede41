// Reading and writing discrete model files: UAI (MARKOV / BAYES) and libDAI .fg.
// Every reader reports malformed input as an InputError carrying file:line:col;
// every writer writes to a temporary file and renames it, so a failed write leaves
// no half-written output.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "copi/graph/io/model_tables.hpp"

namespace copi {

enum class ModelFormat { uai, fg };

// From the extension (.uai, .fg); throws InputError for anything else.
ModelFormat model_format_of(const std::filesystem::path& path);

// UAI: the LAST scope variable varies fastest in the file; converted on read/write.
// BAYES files must have each CPT row (block of the child's states) sum to one
// within kCptTolerance.
ModelTables read_uai(std::istream& in, const std::string& file_name);
void write_uai(std::ostream& out, const ModelTables& tables);

// What a reader may allocate for the tables a file declares. A .fg table is sparse in
// the file (a few listed entries can declare 2^40 of them) but dense in ModelTables,
// so the .fg reader adds up the dense tables and refuses a file over the limit before
// allocating: ResourceError naming the factor, its file:line:col and the limit. (A UAI
// file lists every entry, so its tables are bounded by the file's own size.)
struct ModelReadOptions {
  std::size_t memory_limit_bytes = std::size_t{2} << 30;  // 2 GiB, as ExactOptions
};

// libDAI .fg: the first variable of a factor varies fastest; `#` comment lines may
// appear anywhere; entries are sparse (index value) lists. Labels are mapped to
// indices in increasing label order (libDAI's order); names keep the labels.
// The writer uses the names as labels when they are distinct non-negative integers
// in increasing order (so they read back to the same indices), else the indices; a
// variable in no factor gets a unary factor of ones (.fg declares variables only
// through factors). Values are written in shortest round-trip form, so they read
// back bit for bit.
ModelTables read_fg(std::istream& in, const std::string& file_name, const ModelReadOptions& options = {});
void write_fg(std::ostream& out, const ModelTables& tables);

ModelTables read_model_file(const std::filesystem::path& path, const ModelReadOptions& options = {});
void write_model_file(const std::filesystem::path& path, const ModelTables& tables);

inline constexpr double kCptTolerance = 1e-6;

}  // namespace copi
