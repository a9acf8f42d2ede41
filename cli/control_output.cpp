#include "control_output.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <ostream>

#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {
namespace {

std::size_t most_likely(const control::Mdp& mdp, const std::vector<double>& policy, std::size_t s) {
  std::size_t best = 0;
  for (std::size_t a = 1; a < mdp.num_actions; ++a) {
    if (policy[s * mdp.num_actions + a] > policy[s * mdp.num_actions + best]) best = a;
  }
  return best;
}

std::string state_name(const control::Mdp& mdp, std::size_t s) {
  return s < mdp.state_labels.size() ? mdp.state_labels[s] : std::to_string(s);
}

}  // namespace

void print_control_solution(std::ostream& out, const control::Mdp& mdp, const control::ControlSolution& solution) {
  out << "MDP: " << mdp.num_states << " states, " << mdp.num_actions << " actions, method "
      << control::to_string(solution.method) << ", alpha " << mdp.alpha << "\n";
  const std::vector<double>& v = solution.value.front();
  for (std::size_t s = 0; s < mdp.num_states && s < 40; ++s) {
    const std::size_t best = most_likely(mdp, solution.policy.front(), s);
    out << "  V(" << state_name(mdp, s) << ") = " << v[s] << "   most likely action " << mdp.action_labels[best] << " ("
        << solution.policy.front()[s * mdp.num_actions + best] << ")\n";
  }
  if (mdp.num_states > 40) out << "  ... " << mdp.num_states - 40 << " more states (all of them in --json)\n";
  out << "objective " << solution.objective;
  if (solution.method == control::ControlMethod::exact) out << "   log p(O=1) " << solution.log_partition;
  out << "\n" << solution.iterations << " backups, " << solution.seconds << " s\n";
}

nlohmann::json control_json(const control::Mdp& mdp, const control::ControlSolution& solution) {
  nlohmann::json doc;
  doc["method"] = control::to_string(solution.method);
  std::vector<std::string> states;
  for (std::size_t s = 0; s < mdp.num_states; ++s) states.push_back(state_name(mdp, s));
  doc["states"] = states;
  doc["actions"] = mdp.action_labels;
  doc["V"] = solution.value;
  nlohmann::json policy = nlohmann::json::array();
  for (const auto& step : solution.policy) {
    nlohmann::json per_state = nlohmann::json::array();
    for (std::size_t s = 0; s < mdp.num_states; ++s) {
      per_state.push_back(std::vector<double>(step.begin() + static_cast<std::ptrdiff_t>(s * mdp.num_actions),
                                              step.begin() + static_cast<std::ptrdiff_t>((s + 1) * mdp.num_actions)));
    }
    policy.push_back(per_state);
  }
  doc["policy"] = policy;
  doc["objective"] = solution.objective;
  if (solution.method == control::ControlMethod::exact) doc["log_partition"] = solution.log_partition;
  doc["iterations"] = solution.iterations;
  doc["converged"] = solution.converged;
  doc["diverged"] = solution.diverged;
  doc["solve_seconds"] = solution.seconds;
  doc["threads"] = solution.threads;
  return doc;
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
    if (is_wall(s)) continue;  // obstacles are drawn grey, outside the colour scale
    lo = std::min(lo, v[s]);
    hi = std::max(hi, v[s]);
  }
  const double cell = std::max(12.0, std::min(48.0, 640.0 / static_cast<double>(std::max(rows, cols))));
  write_file_atomically(path, [&](std::ostream& out) {
    const double width = cell * static_cast<double>(cols) + 20;
    const double height = cell * static_cast<double>(rows) + 50;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"10\" y=\"16\">mdp " << model.name << ": V (" << control::to_string(solution.method)
        << "), from " << lo << " (blue) to " << hi << " (red); arrows: most likely action"
        << (model.walls.empty() ? "" : "; grey: walls") << "</text>\n";
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
        const double u = hi > lo ? (v[s] - lo) / (hi - lo) : 0.5;
        const int red = static_cast<int>(255 * u);
        const int blue = 255 - red;
        out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cell << "\" height=\"" << cell
            << "\" fill=\"rgb(" << red << ",80," << blue << ")\" stroke=\"white\"/>\n";
        const std::string& action = mdp.action_labels[most_likely(mdp, solution.policy.front(), s)];
        const double cx = x + cell / 2;
        const double cy = y + cell / 2;
        const double len = cell * 0.35;
        double dx = 0;
        double dy = 0;
        // The first state component is the row (down the page), the second the column.
        if (action == "up") dy = -len;
        if (action == "down") dy = len;
        if (action == "left") dx = -len;
        if (action == "right") dx = len;
        if (dx != 0 || dy != 0) {
          out << "<line x1=\"" << cx - dx / 2 << "\" y1=\"" << cy - dy / 2 << "\" x2=\"" << cx + dx / 2 << "\" y2=\""
              << cy + dy / 2 << "\" stroke=\"white\" stroke-width=\"2\"/>\n<circle cx=\"" << cx + dx / 2 << "\" cy=\""
              << cy + dy / 2 << "\" r=\"2.5\" fill=\"white\"/>\n";
        } else {
          out << "<text x=\"" << cx << "\" y=\"" << cy + 4 << "\" text-anchor=\"middle\" fill=\"white\">" << action
              << "</text>\n";
        }
      }
    }
    out << "</svg>\n";
  });
}

}  // namespace copi::cli
