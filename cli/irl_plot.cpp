#include "irl_plot.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "control_output.hpp"
#include "svg_plot.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

struct Cell {
  std::size_t row;
  std::size_t column;
};

// Two runs of digits with only non-digits around and between them.
std::optional<Cell> grid_cell(const std::string& label) {
  std::vector<std::size_t> numbers;
  std::size_t i = 0;
  while (i < label.size()) {
    if (std::isdigit(static_cast<unsigned char>(label[i])) == 0) {
      ++i;
      continue;
    }
    std::size_t value = 0;
    for (; i < label.size() && std::isdigit(static_cast<unsigned char>(label[i])) != 0; ++i) {
      if (value > 100000) return std::nullopt;
      value = value * 10 + static_cast<std::size_t>(label[i] - '0');
    }
    numbers.push_back(value);
  }
  if (numbers.size() != 2) return std::nullopt;
  return Cell{numbers[0], numbers[1]};
}

// White (lo) to red (hi) for counts; blue (low) to red (high) for rewards.
std::string heat(double v, double lo, double hi, bool diverging) {
  const double u = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  if (diverging) {
    const int red = static_cast<int>(255 * u);
    return "rgb(" + std::to_string(red) + ",80," + std::to_string(255 - red) + ")";
  }
  const int fade = static_cast<int>(255 * (1.0 - u));
  return "rgb(255," + std::to_string(fade) + "," + std::to_string(fade) + ")";
}

}  // namespace

void write_irl_svg(const std::filesystem::path& path, const control::Mdp& mdp, const std::vector<double>& reward,
                   const std::vector<control::Episode>& episodes) {
  std::vector<std::uint8_t> absorbing(mdp.num_states, 0);
  for (const std::uint32_t s : control::absorbing_states(mdp)) absorbing[s] = 1;
  std::vector<std::optional<Cell>> cells(mdp.num_states);
  std::size_t rows = 0;
  std::size_t columns = 0;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    cells[s] = grid_cell(state_name(mdp, s));
    if (!cells[s]) {
      if (absorbing[s] != 0) continue;
      throw InputError("--plot draws grid-shaped states (labels with a row and a column, such as 3_4): state '" +
                       state_name(mdp, s) + "' is not one");
    }
    rows = std::max(rows, cells[s]->row + 1);
    columns = std::max(columns, cells[s]->column + 1);
  }
  if (rows * columns > 1000000) throw InputError("--plot: the grid has more than 10^6 cells");
  // Per cell: the largest available reward, and the demonstration steps there.
  const double none = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> best(rows * columns, none);
  std::vector<double> visits(rows * columns, 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (!cells[s]) continue;
    const std::size_t at = cells[s]->row * columns + cells[s]->column;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const std::size_t row = s * mdp.num_actions + a;
      if (mdp.action_weight(row) == 0.0 || (absorbing[s] == 0 && mdp.row_begin[row] == mdp.row_begin[row + 1])) continue;
      best[at] = std::isnan(best[at]) ? reward[row] : std::max(best[at], reward[row]);
    }
  }
  for (const control::Episode& episode : episodes) {
    for (const std::uint32_t s : episode.states) {
      if (cells[s]) visits[cells[s]->row * columns + cells[s]->column] += 1.0;
    }
  }
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (const double v : best) {
    if (std::isnan(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double most = visits.empty() ? 0.0 : *std::max_element(visits.begin(), visits.end());
  const double cell = std::max(6.0, std::min(40.0, 360.0 / static_cast<double>(std::max(rows, columns))));
  const double panel = cell * static_cast<double>(columns);
  std::ostringstream left;
  left << "learned reward max_a r(s,a): " << lo << " (blue) to " << hi << " (red)";
  std::ostringstream right;
  right << "demonstration visits: 0 (white) to " << most << " (red)";
  write_file_atomically(path, [&](std::ostream& out) {
    const double gap = std::max(30.0, text_width(left.str(), 11) - panel + 20);
    const double width = std::max(2 * panel + gap + 20, panel + gap + text_width(right.str(), 11) + 20);
    const double height = cell * static_cast<double>(rows) + 50;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"16\">" << svg_escape(left.str()) << "</text>\n"
        << "<text x=\"" << 10 + panel + gap << "\" y=\"16\">" << svg_escape(right.str()) << "</text>\n";
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        const std::size_t at = r * columns + c;
        const double y = 30 + cell * static_cast<double>(r);
        const double x = 10 + cell * static_cast<double>(c);
        const std::string fill = std::isnan(best[at]) ? "rgb(90,90,90)" : heat(best[at], lo, hi, true);
        out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell << "\" fill=\""
            << fill << "\" stroke=\"white\"/>\n";
        out << "<rect x=\"" << x + panel + gap << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell
            << "\" fill=\"" << heat(visits[at], 0.0, most, false) << "\" stroke=\"rgb(220,220,220)\"/>\n";
      }
    }
    out << "</svg>\n";
  });
}

}  // namespace copi::cli
