#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>

#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

constexpr double kMinWidth = 640;  // widened to fit a long title
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

constexpr double kTitleSize = 14;

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

double text_width(const std::string& text, double font_size) {
  // Sans-serif glyphs average about 0.55 em; 0.62 em leaves room for wide ones. UTF-8
  // continuation bytes take no width of their own.
  std::size_t glyphs = 0;
  for (const char c : text) glyphs += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
  return static_cast<double>(glyphs) * 0.62 * font_size;
}

namespace {

// The bound on log Z per iteration (mean field's ELBO rises to its fixed point), on a
// linear axis, in the panel starting at `top`.
void bound_panel(std::ostream& out, const InferenceReport& report, double width, double top) {
  const auto& b = report.bounds;
  const std::string title = report.algorithm + ": bound on log Z per iteration";
  out << "<text x=\"" << width / 2 << "\" y=\"" << top + 22 << "\" text-anchor=\"middle\" font-size=\"" << kTitleSize
      << "\">" << svg_escape(title) << "</text>\n";
  const double plot_w = width - kLeft - kRight;
  const double plot_h = kHeight - kTop - kBottom;
  out << "<rect x=\"" << kLeft << "\" y=\"" << top + kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
      << "\" fill=\"none\" stroke=\"black\"/>\n";
  double lo = INFINITY;
  double hi = -INFINITY;
  for (const double v : b) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(lo <= hi)) return;  // nothing finite to draw
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double n = static_cast<double>(b.size());
  auto x_of = [&](double i) { return kLeft + (n <= 1 ? 0.5 : i / (n - 1)) * plot_w; };
  auto y_of = [&](double v) { return top + kTop + (hi - v) / (hi - lo) * plot_h; };
  for (const double v : {lo, (lo + hi) / 2, hi}) {
    out << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << y_of(v) << "\" y2=\"" << y_of(v)
        << "\" stroke=\"#ddd\"/>\n<text x=\"" << kLeft - 6 << "\" y=\"" << y_of(v) + 4 << "\" text-anchor=\"end\">" << v
        << "</text>\n";
  }
  out << "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"";
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (std::isfinite(b[i])) out << x_of(static_cast<double>(i)) << "," << y_of(b[i]) << " ";
  }
  out << "\"/>\n<text x=\"" << kLeft + plot_w / 2 << "\" y=\"" << top + kHeight - 12
      << "\" text-anchor=\"middle\">iteration (1 to " << b.size() << "), last " << b.back() << "</text>\n";
}

}  // namespace

void write_residual_plot(const std::filesystem::path& path, const InferenceReport& report) {
  write_file_atomically(path, [&](std::ostream& out) {
    const auto& r = report.residuals;
    const std::string title = report.algorithm + ": largest change per iteration";
    const double width =
        std::max({kMinWidth, text_width(title, kTitleSize) + 20,
                  text_width(report.algorithm + ": bound on log Z per iteration", kTitleSize) + 20});
    const double height = report.bounds.empty() ? kHeight : 2 * kHeight;  // a second panel for the bound
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"" << kTitleSize << "\">"
        << svg_escape(title) << "</text>\n";
    if (!report.bounds.empty()) bound_panel(out, report, width, kHeight);
    const double plot_w = width - kLeft - kRight;
    const double plot_h = kHeight - kTop - kBottom;
    out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << plot_w << "\" height=\"" << plot_h
        << "\" fill=\"none\" stroke=\"black\"/>\n";
    if (r.empty()) {
      out << "<text x=\"" << width / 2 << "\" y=\"" << kHeight / 2 << "\" text-anchor=\"middle\">no iterations</text>\n</svg>\n";
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

void write_marginals_plot(const std::filesystem::path& path, const std::vector<const Variable*>& variables,
                          const std::vector<std::vector<double>>& marginals, const std::string& algorithm) {
  constexpr double kRow = 18;        // one state
  constexpr double kGap = 26;        // a variable's name above its bars
  constexpr double kBarLength = 300;
  const std::size_t shown = std::min(variables.size(), kMaxPlottedVariables);
  std::string title = "marginals (" + algorithm + ")";
  if (variables.size() > shown) title += ", first " + std::to_string(shown) + " of " + std::to_string(variables.size());
  // Label column as wide as the longest state name.
  double label_width = 60;
  double height = 50;
  for (std::size_t k = 0; k < shown; ++k) {
    const std::size_t states = std::min(marginals[k].size(), kMaxPlottedStates);
    for (std::size_t s = 0; s < states; ++s) label_width = std::max(label_width, text_width(variables[k]->state_name(s), 12) + 10);
    height += kGap + kRow * static_cast<double>(states) + (marginals[k].size() > states ? kRow : 0);
  }
  double width = label_width + kBarLength + 90;
  width = std::max(width, text_width(title, kTitleSize) + 20);
  for (std::size_t k = 0; k < shown; ++k) width = std::max(width, text_width(variables[k]->name, 13) + 20);
  write_file_atomically(path, [&](std::ostream& out) {
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"22\" font-size=\"" << kTitleSize << "\">" << svg_escape(title) << "</text>\n";
    double y = 40;
    for (std::size_t k = 0; k < shown; ++k) {
      y += kGap;
      out << "<text x=\"10\" y=\"" << y - 8 << "\" font-size=\"13\" font-weight=\"bold\">" << svg_escape(variables[k]->name)
          << "</text>\n";
      const std::size_t states = std::min(marginals[k].size(), kMaxPlottedStates);
      for (std::size_t s = 0; s < states; ++s) {
        const double p = std::isfinite(marginals[k][s]) ? std::clamp(marginals[k][s], 0.0, 1.0) : 0.0;
        out << "<text x=\"" << label_width << "\" y=\"" << y + 13 << "\" text-anchor=\"end\">"
            << svg_escape(variables[k]->state_name(s)) << "</text>\n<rect x=\"" << label_width + 6 << "\" y=\"" << y + 3
            << "\" width=\"" << p * kBarLength << "\" height=\"" << kRow - 5 << "\" fill=\"#1f77b4\"/>\n<text x=\""
            << label_width + 12 + p * kBarLength << "\" y=\"" << y + 13 << "\">" << marginals[k][s] << "</text>\n";
        y += kRow;
      }
      if (marginals[k].size() > states) {
        out << "<text x=\"" << label_width + 6 << "\" y=\"" << y + 13 << "\">... " << marginals[k].size() - states
            << " more states</text>\n";
        y += kRow;
      }
    }
    out << "</svg>\n";
  });
}

}  // namespace copi::cli
