#include "control_output.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <ostream>

#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"

namespace copi::cli {

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

}  // namespace copi::cli
