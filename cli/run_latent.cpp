#include "run_latent.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "control_output.hpp"
#include "latent_output.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "mdp_plot.hpp"
#include "svg_plot.hpp"

namespace copi::cli {
namespace {

constexpr std::size_t kPrintedStates = 40;  // as print_control_solution

std::string bracketed(const control::Mdp& mdp, std::size_t s) {
  const std::string name = state_name(mdp, s);
  return name.starts_with("(") ? name : "(" + name + ")";
}

// The most likely action of π_lo(·|s,z) in a [s][z][a] table (the first of equals).
std::size_t most_likely_low(const std::vector<double>& low, std::size_t s, std::size_t z, std::size_t num_z,
                            std::size_t num_a) {
  const double* row = low.data() + (s * num_z + z) * num_a;
  return static_cast<std::size_t>(std::max_element(row, row + num_a) - row);
}

std::string posterior_name(control::ControlMethod method, const std::string& z) {
  switch (method) {
    case control::ControlMethod::exact:
      return "posterior p(" + z + " | O)";
    case control::ControlMethod::variational:
      return "variational posterior q(" + z + ")";
    default:
      return "most likely " + z + " (one-hot)";
  }
}

const char* evidence_name(control::ControlMethod method) {
  switch (method) {
    case control::ControlMethod::exact:
      return "log p(O=1)";
    case control::ControlMethod::variational:
      return "ELBO";
    default:
      return "max_z J^z/alpha";
  }
}

void print_per_step(std::ostream& out, const dsl::NamedMdp& named, const control::StepModelSolution& step) {
  const dsl::NamedLatent& latent = *named.latent;
  const control::Mdp& mdp = named.mdp;
  const std::size_t num_z = latent.size();
  const std::vector<double>& high = step.leaf_policy.front()[0];
  const std::vector<double>& low = step.leaf_policy.front()[1];
  out << "latent " << latent.name << " per step" << (mdp.horizon ? ", at t = 1" : "")
      << ": pi_hi(" << latent.name << "|s) and the most likely action of pi_lo(" << named.action_name << "|s,"
      << latent.name << ")\n";
  for (std::size_t s = 0; s < mdp.num_states && s < kPrintedStates; ++s) {
    out << "  " << bracketed(mdp, s) << "   pi_hi:";
    for (std::size_t z = 0; z < num_z; ++z) out << " " << latent.labels[z] << " " << high[s * num_z + z];
    out << "   pi_lo:";
    for (std::size_t z = 0; z < num_z; ++z) {
      const std::size_t a = most_likely_low(low, s, z, num_z, mdp.num_actions);
      out << (z > 0 ? "," : "") << " " << latent.labels[z] << " -> " << action_name(mdp, a) << " ("
          << low[(s * num_z + z) * mdp.num_actions + a] << ")";
    }
    out << "\n";
  }
  if (mdp.num_states > kPrintedStates) {
    out << "  ... " << mdp.num_states - kPrintedStates << " more states (all of them in --json)\n";
  }
}

void print_per_episode(std::ostream& out, const dsl::NamedMdp& named, const control::SolveOptions& options,
                       const control::EpisodeLatentSolution& episode) {
  const dsl::NamedLatent& latent = *named.latent;
  out << "latent " << latent.name << " per episode, method " << control::to_string(options.method) << "\n";
  out << posterior_name(options.method, latent.name) << ":";
  for (std::size_t z = 0; z < latent.size(); ++z) out << "  " << latent.labels[z] << " " << episode.posterior[z];
  const std::streamsize precision = out.precision(12);
  out << "\n" << evidence_name(options.method) << " " << episode.log_partition;
  out.precision(precision);
  out << "   " << episode.seconds << " s, " << episode.threads << " thread(s)\n";
  for (std::size_t z = 0; z < latent.size(); ++z) {
    out << latent.name << " = " << latent.labels[z] << " (prior " << latent.prior[z] << ", posterior "
        << episode.posterior[z] << ")\n";
    print_control_solution(out, named.mdp, episode.per_latent[z]);
  }
}

}  // namespace

void print_latent_solution(std::ostream& out, const dsl::NamedMdp& named, const dsl::SolveAnswer& answer) {
  if (answer.step) print_per_step(out, named, *answer.step);
  if (answer.episode) print_per_episode(out, named, answer.options, *answer.episode);
}

nlohmann::json latent_json(const dsl::NamedMdp& named, const dsl::SolveAnswer& answer) {
  // The same document as `copi mdp --skills` (latent_output.hpp), plus the latent's name.
  const dsl::NamedLatent& latent = *named.latent;
  nlohmann::json doc;
  if (answer.step) {
    doc = latent_step_json(named.mdp, latent.labels, latent.prior, answer.solution, answer.step->leaf_policy);
  } else if (answer.episode) {
    doc = latent_episode_json(named.mdp, latent.labels, latent.prior, *answer.episode);
  }
  doc["latent"] = latent.name;
  return doc;
}

bool latent_converged(const dsl::SolveAnswer& answer) {
  if (answer.episode) {
    return std::all_of(answer.episode->per_latent.begin(), answer.episode->per_latent.end(),
                       [](const control::ControlSolution& s) { return s.converged && !s.diverged; });
  }
  return answer.solution.converged && !answer.solution.diverged;
}

// ---- the plot -------------------------------------------------------------------------

namespace {

// One panel: a shade per state and the most likely action per state.
struct Panel {
  std::string title;
  std::vector<double> shade;
  std::vector<std::size_t> action;
};

// Per step: white (0) to blue (1) for a probability; per episode: blue (low) to red
// (high) for a value, grey when not finite.
std::string fill(bool probability, double v, double lo, double hi) {
  if (!std::isfinite(v)) return "rgb(150,150,150)";
  if (probability) {
    const double u = std::clamp(v, 0.0, 1.0);
    return "rgb(" + std::to_string(static_cast<int>(255 - 200 * u)) + "," +
           std::to_string(static_cast<int>(255 - 140 * u)) + ",255)";
  }
  const double u = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  const int red = static_cast<int>(255 * u);
  return "rgb(" + std::to_string(red) + ",80," + std::to_string(255 - red) + ")";
}

}  // namespace

void write_latent_policy_svg(const std::filesystem::path& path, const dsl::NamedMdp& named,
                             const dsl::SolveAnswer& answer) {
  const dsl::NamedLatent& latent = *named.latent;
  const control::Mdp& mdp = named.mdp;
  const std::size_t num_z = latent.size();
  const std::size_t num_a = mdp.num_actions;
  const bool probability = answer.step.has_value();
  std::vector<Panel> panels(num_z);
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  const auto is_wall = [&](std::size_t s) { return !named.walls.empty() && named.walls[s] != 0; };
  for (std::size_t z = 0; z < num_z; ++z) {
    Panel& panel = panels[z];
    panel.title = latent.name + " = " + latent.labels[z];
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      if (answer.step) {
        const auto& leaves = answer.step->leaf_policy.front();
        panel.shade.push_back(leaves[0][s * num_z + z]);
        panel.action.push_back(most_likely_low(leaves[1], s, z, num_z, num_a));
      } else {
        const control::ControlSolution& solution = answer.episode->per_latent[z];
        panel.shade.push_back(solution.value.front()[s]);
        panel.action.push_back(most_likely(mdp, solution.policy.front(), s));
        if (!is_wall(s) && std::isfinite(panel.shade.back())) {
          lo = std::min(lo, panel.shade.back());
          hi = std::max(hi, panel.shade.back());
        }
      }
    }
    if (answer.episode) {
      std::ostringstream posterior;
      posterior << panel.title << " (posterior " << answer.episode->posterior[z] << ")";
      panel.title = posterior.str();
    }
  }
  std::ostringstream title;
  title << "mdp " << named.name << " (" << control::to_string(answer.options.method) << "): ";
  if (probability) {
    title << "per " << latent.name << ", pi_lo's most likely action on pi_hi(" << latent.name
          << "|s) from white (0) to blue (1)" << (mdp.horizon ? ", t = 1" : "");
  } else {
    title << "per " << latent.name << ", the most likely action on V from " << lo << " (blue) to " << hi << " (red)";
  }
  const bool grid = named.components.size() == 2;
  const std::size_t rows = grid ? named.component_sizes[0] : std::min(mdp.num_states, kMaxPlotRows);
  const std::size_t cols = grid ? named.component_sizes[1] : 1;
  const double cell = grid ? std::max(12.0, std::min(40.0, 480.0 / static_cast<double>(std::max(rows, cols)))) : 18.0;
  const double cell_width = grid ? cell : 90.0;
  std::size_t label_chars = 1;
  if (!grid) {
    for (std::size_t s = 0; s < rows; ++s) label_chars = std::max(label_chars, state_name(mdp, s).size());
  }
  const double left = grid ? 10.0 : 16 + 7.0 * static_cast<double>(std::min<std::size_t>(label_chars, 24));
  double panel_width = cell_width * static_cast<double>(cols);
  for (const Panel& panel : panels) panel_width = std::max(panel_width, text_width(panel.title, 11) - 10);
  const double gap = 20;
  const char* ink = probability ? "black" : "white";
  write_file_atomically(path, [&](std::ostream& out) {
    const double width = std::max(left + (panel_width + gap) * static_cast<double>(num_z) + 10,
                                  text_width(title.str(), 11) + 20);
    const double height = 50 + cell * static_cast<double>(rows) + 10;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"16\">" << svg_escape(title.str()) << "</text>\n";
    if (!grid) {
      for (std::size_t s = 0; s < rows; ++s) {
        out << "<text x=\"" << left - 6 << "\" y=\"" << 50 + cell * static_cast<double>(s) + cell - 5
            << "\" text-anchor=\"end\">" << svg_escape(state_name(mdp, s)) << "</text>\n";
      }
    }
    for (std::size_t z = 0; z < num_z; ++z) {
      const Panel& panel = panels[z];
      const double x0 = left + (panel_width + gap) * static_cast<double>(z);
      out << "<text x=\"" << x0 << "\" y=\"42\">" << svg_escape(panel.title) << "</text>\n";
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
          const std::size_t s = r * cols + c;
          const double x = x0 + cell_width * static_cast<double>(c);
          const double y = 50 + cell * static_cast<double>(r);
          const std::string colour = is_wall(s) ? "rgb(90,90,90)" : fill(probability, panel.shade[s], lo, hi);
          out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell_width << "\" height=\"" << cell
              << "\" fill=\"" << colour << "\" stroke=\"" << (probability ? "rgb(200,200,200)" : "white") << "\"/>\n";
          if (is_wall(s)) continue;
          const std::string action = action_name(mdp, panel.action[s]);
          if (grid) {
            draw_action(out, action, x + cell / 2, y + cell / 2, cell, ink);
          } else {
            out << "<text x=\"" << x + cell_width / 2 << "\" y=\"" << y + cell - 5 << "\" text-anchor=\"middle\" fill=\""
                << ink << "\">" << svg_escape(action) << "</text>\n";
          }
        }
      }
    }
    out << "</svg>\n";
  });
}

}  // namespace copi::cli
