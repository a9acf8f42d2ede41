#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

constexpr double kWidth = 640;
constexpr double kHeight = 360;
constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 40;
constexpr double kBottom = 50;

// Residuals of exactly 0 cannot sit on a log axis: they are drawn at the floor;
// infinite ones (an entry appeared or vanished) at the ceiling.
constexpr double kFloor = 1e-17;
constexpr double kCeiling = 1e17;

double plotted(double v) { return std::isfinite(v) ? std::max(v, kFloor) : kCeiling; }

}  // namespace

std::string svg_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

void write_residual_plot(const std::filesystem::path& path, const InferenceReport& report) {
  write_file_atomically(path, [&](std::ostream& out) {
    const auto& r = report.residuals;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
        << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << kWidth / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
        << svg_escape(report.algorithm) << ": largest message change per iteration</text>\n";
    const double plot_w = kWidth - kLeft - kRight;
    const double plot_h = kHeight - kTop - kBottom;
    out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
        << "\" fill=\"none\" stroke=\"black\"/>\n";
    if (r.empty()) {
      out << "<text x=\"" << kWidth / 2 << "\" y=\"" << kHeight / 2 << "\" text-anchor=\"middle\">no iterations</text>\n</svg>\n";
      return;
    }
    double lo = std::log10(kFloor);
    double hi = lo + 1;
    bool first = true;
    for (const double v : r) {
      const double l = std::log10(plotted(v));
      if (first) {
        lo = hi = l;
        first = false;
      }
      lo = std::min(lo, l);
      hi = std::max(hi, l);
    }
    lo = std::floor(lo);
    hi = std::max(std::ceil(hi), lo + 1);
    const double n = static_cast<double>(r.size());
    auto x_of = [&](double i) { return kLeft + (n <= 1 ? 0.5 : i / (n - 1)) * plot_w; };
    auto y_of = [&](double v) { return kTop + (hi - std::log10(plotted(v))) / (hi - lo) * plot_h; };
    for (double decade = lo; decade <= hi; decade += 1) {
      const double y = kTop + (hi - decade) / (hi - lo) * plot_h;
      out << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << y << "\" y2=\"" << y
          << "\" stroke=\"#ddd\"/>\n<text x=\"" << kLeft - 6 << "\" y=\"" << y + 4
          << "\" text-anchor=\"end\">1e" << decade << "</text>\n";
    }
    out << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"";
    for (std::size_t i = 0; i < r.size(); ++i) out << x_of(static_cast<double>(i)) << "," << y_of(r[i]) << " ";
    out << "\"/>\n<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << kHeight - 12
        << "\" text-anchor=\"middle\">iteration (1 to " << r.size() << "), " << to_string(report.termination)
        << "</text>\n</svg>\n";
  });
}

}  // namespace copi::cli
