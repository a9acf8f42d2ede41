// Small SVG charts written by the command line: the residual trace of an iterative
// run (log scale), so that convergence — or its absence — can be seen at a glance.
#pragma once

#include <filesystem>
#include <string>

#include "copi/inference/result.hpp"

namespace copi::cli {

// `text` with the characters SVG text must escape (<, >, &) escaped.
std::string svg_escape(const std::string& text);

// Writes atomically; an empty trace gives a chart that says so.
void write_residual_plot(const std::filesystem::path& path, const InferenceReport& report);

}  // namespace copi::cli
