// UAI solution files: .MAR (marginals), .PR (log10 of Z), .MPE (an assignment).
// Writers produce the UAI 2014 layout; readers accept it and the older layout with
// a sample-count line after the task word.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace copi {

void write_mar(std::ostream& out, const std::vector<std::vector<double>>& marginals);
void write_pr(std::ostream& out, double log10_z);
void write_mpe(std::ostream& out, const std::vector<std::size_t>& assignment);

std::vector<std::vector<double>> read_mar_file(const std::filesystem::path& path);
double read_pr_file(const std::filesystem::path& path);
// Accepts the task word MPE or MAP.
std::vector<std::size_t> read_mpe_file(const std::filesystem::path& path);

// The same readers on a stream; `file_name` only labels error locations.
std::vector<std::vector<double>> read_mar(std::istream& in, const std::string& file_name);
double read_pr(std::istream& in, const std::string& file_name);
std::vector<std::size_t> read_mpe(std::istream& in, const std::string& file_name);

}  // namespace copi
