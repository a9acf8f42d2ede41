// Small SVG charts written by the command line: the residual trace of an iterative
// run (log scale), so that convergence — or its absence — can be seen at a glance, and
// the marginals of an exact run as bar charts. Canvases widen to fit their titles.
#pragma once

#include <filesystem>
#include <string>

#include <vector>

#include "copi/graph/variable.hpp"
#include "copi/inference/result.hpp"

namespace copi::cli {

// `text` with the characters SVG text must escape (<, >, &) escaped.
std::string svg_escape(const std::string& text);

// Writes atomically; an empty trace gives a chart that says so.
void write_residual_plot(const std::filesystem::path& path, const InferenceReport& report);

// One horizontal bar chart per variable (its states and their probabilities), stacked;
// at most kMaxPlottedStates states per variable and kMaxPlottedVariables variables.
inline constexpr std::size_t kMaxPlottedStates = 32;
inline constexpr std::size_t kMaxPlottedVariables = 100;
void write_marginals_plot(const std::filesystem::path& path, const std::vector<const Variable*>& variables,
                          const std::vector<std::vector<double>>& marginals, const std::string& algorithm);

// Width in pixels that `text` needs at `font_size` in a sans-serif font (an upper
// estimate: canvases use it to fit their titles).
double text_width(const std::string& text, double font_size);

}  // namespace copi::cli
