#include "mdp_plot.hpp"

#include <algorithm>
#include <sstream>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>

#include "control_output.hpp"
#include "svg_plot.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

// Blue (low) to red (high) for v in [lo, hi]; grey for a value that is not finite (a
// diverged solve), which lo and hi leave out.
std::string colour(double v, double lo, double hi) {
  if (!std::isfinite(v)) return "rgb(150,150,150)";
  const double u = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  const int red = static_cast<int>(255 * u);
  return "rgb(" + std::to_string(red) + ",80," + std::to_string(255 - red) + ")";
}

}  // namespace

// An arrow for up / down / left / right (the first state component is the row), else
// the action's name.
void draw_action(std::ostream& out, const std::string& action, double cx, double cy, double cell, const char* ink) {
  const double len = cell * 0.35;
  double dx = 0;
  double dy = 0;
  if (action == "up") dy = -len;
  if (action == "down") dy = len;
  if (action == "left") dx = -len;
  if (action == "right") dx = len;
  if (dx != 0 || dy != 0) {
    out << "<line x1=\"" << cx - dx / 2 << "\" y1=\"" << cy - dy / 2 << "\" x2=\"" << cx + dx / 2 << "\" y2=\""
        << cy + dy / 2 << "\" stroke=\"" << ink << "\" stroke-width=\"2\"/>\n<circle cx=\"" << cx + dx / 2
        << "\" cy=\"" << cy + dy / 2 << "\" r=\"2.5\" fill=\"" << ink << "\"/>\n";
  } else {
    out << "<text x=\"" << cx << "\" y=\"" << cy + 4 << "\" text-anchor=\"middle\" fill=\"" << ink << "\">"
        << svg_escape(action) << "</text>\n";
  }
}

void write_value_map_svg(const std::filesystem::path& path, const dsl::NamedMdp& model,
                         const control::ControlSolution& solution) {
  if (model.components.size() != 2) {
    throw InputError("--plot draws grid MDPs: mdp '" + model.name + "' has " + std::to_string(model.components.size()) +
                     " state components, not 2");
  }
  const std::size_t rows = model.component_sizes[0];
  const std::size_t cols = model.component_sizes[1];
  const control::Mdp& mdp = model.mdp;
  const std::vector<double>& v = solution.value.front();
  const auto is_wall = [&](std::size_t s) { return !model.walls.empty() && model.walls[s] != 0; };
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < v.size(); ++s) {
    if (is_wall(s) || !std::isfinite(v[s])) continue;  // drawn grey, outside the colour scale
    lo = std::min(lo, v[s]);
    hi = std::max(hi, v[s]);
  }
  const double cell = std::max(12.0, std::min(48.0, 640.0 / static_cast<double>(std::max(rows, cols))));
  std::ostringstream title;
  title << "mdp " << model.name << ": V (" << control::to_string(solution.method) << "), from " << lo << " (blue) to "
        << hi << " (red); arrows: most likely action" << (model.walls.empty() ? "" : "; grey: walls");
  write_file_atomically(path, [&](std::ostream& out) {
    // The canvas fits the grid and the title.
    const double width = std::max(cell * static_cast<double>(cols) + 20, text_width(title.str(), 11) + 20);
    const double height = cell * static_cast<double>(rows) + 50;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"16\">" << svg_escape(title.str()) << "</text>\n";
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cols; ++c) {
        const std::size_t s = r * cols + c;
        const double x = 10 + cell * static_cast<double>(c);
        const double y = 30 + cell * static_cast<double>(r);
        if (is_wall(s)) {
          out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell
              << "\" fill=\"rgb(90,90,90)\" stroke=\"white\"/>\n";
          continue;
        }
        out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell
            << "\" fill=\"" << colour(v[s], lo, hi) << "\" stroke=\"white\"/>\n";
        const std::string action = action_name(mdp, most_likely(mdp, solution.policy.front(), s));
        const double cx = x + cell / 2;
        const double cy = y + cell / 2;
        draw_action(out, action, cx, cy, cell, "white");
      }
    }
    out << "</svg>\n";
  });
}

void write_value_table_svg(const std::filesystem::path& path, const control::Mdp& mdp,
                           const control::ControlSolution& solution) {
  const std::size_t rows = std::min(mdp.num_states, kMaxPlotRows);
  const std::size_t columns = std::min(solution.value.size(), kMaxPlotColumns);
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  for (std::size_t t = 0; t < columns; ++t) {
    for (std::size_t s = 0; s < rows; ++s) {
      if (!std::isfinite(solution.value[t][s])) continue;
      lo = std::min(lo, solution.value[t][s]);
      hi = std::max(hi, solution.value[t][s]);
    }
  }
  std::size_t label_chars = 1;
  for (std::size_t s = 0; s < rows; ++s) label_chars = std::max(label_chars, state_name(mdp, s).size());
  const double left = 16 + 7.0 * static_cast<double>(std::min<std::size_t>(label_chars, 24));
  const double width_cell = std::max(8.0, std::min(64.0, 900.0 / static_cast<double>(columns)));
  const double height_cell = std::max(6.0, std::min(22.0, 900.0 / static_cast<double>(rows)));
  const bool show_actions = width_cell >= 40 && height_cell >= 14;
  const bool show_state_labels = height_cell >= 10;
  std::ostringstream title;
  title << "V_t(s) (" << control::to_string(solution.method) << "), from " << lo << " (blue) to " << hi << " (red)"
        << (show_actions ? "; text: most likely action" : "");
  std::ostringstream subtitle;
  if (rows < mdp.num_states || columns < solution.value.size()) {
    subtitle << "showing the first " << rows << " of " << mdp.num_states << " states and " << columns << " of "
             << solution.value.size() << " steps";
  }
  write_file_atomically(path, [&](std::ostream& out) {
    // The canvas fits the table and both titles.
    const double width = std::max({left + width_cell * static_cast<double>(columns) + 20,
                                   text_width(title.str(), 11) + 20, text_width(subtitle.str(), 11) + 20});
    const double height = 60 + height_cell * static_cast<double>(rows) + 10;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"16\">" << svg_escape(title.str()) << "</text>\n";
    if (!subtitle.str().empty()) out << "<text x=\"10\" y=\"32\">" << svg_escape(subtitle.str()) << "</text>\n";
    for (std::size_t t = 0; t < columns; ++t) {
      const double x = left + width_cell * static_cast<double>(t);
      const std::size_t every = std::max<std::size_t>(1, static_cast<std::size_t>(30.0 / width_cell));
      if (t % every == 0) {
        out << "<text x=\"" << x + width_cell / 2 << "\" y=\"52\" text-anchor=\"middle\">"
            << (mdp.horizon ? "t=" + std::to_string(t + 1) : std::string("t = all")) << "</text>\n";
      }
      for (std::size_t s = 0; s < rows; ++s) {
        const double y = 60 + height_cell * static_cast<double>(s);
        out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << width_cell << "\" height=\"" << height_cell
            << "\" fill=\"" << colour(solution.value[t][s], lo, hi) << "\" stroke=\"white\"/>\n";
        if (show_actions) {
          const std::size_t a = most_likely(mdp, solution.policy[std::min(t, solution.policy.size() - 1)], s);
          out << "<text x=\"" << x + width_cell / 2 << "\" y=\"" << y + height_cell - 4
              << "\" text-anchor=\"middle\" fill=\"white\">" << svg_escape(action_name(mdp, a)) << "</text>\n";
        }
      }
    }
    if (show_state_labels) {
      for (std::size_t s = 0; s < rows; ++s) {
        out << "<text x=\"" << left - 6 << "\" y=\"" << 60 + height_cell * static_cast<double>(s) + height_cell - 4
            << "\" text-anchor=\"end\">" << svg_escape(state_name(mdp, s)) << "</text>\n";
      }
    }
    out << "</svg>\n";
  });
}

}  // namespace copi::cli
