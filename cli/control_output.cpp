#include "control_output.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <ostream>
#include <span>

#include "copi/graph/error.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "diagnostics.hpp"

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

std::string action_name(const control::Mdp& mdp, std::size_t a) {
  return a < mdp.action_labels.size() ? mdp.action_labels[a] : std::to_string(a);
}

namespace {

// One state x action table (rows s * A + a); -inf (an unavailable action's Q) becomes
// null, which JSON has for it.
nlohmann::json rows_of(const control::Mdp& mdp, std::span<const double> table);

// A t x state x action array of one table per step.
nlohmann::json per_state_rows(const control::Mdp& mdp, const std::vector<std::vector<double>>& steps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& step : steps) out.push_back(rows_of(mdp, step));
  return out;
}

nlohmann::json rows_of(const control::Mdp& mdp, std::span<const double> table) {
  nlohmann::json per_state = nlohmann::json::array();
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const double x = table[s * mdp.num_actions + a];
      row.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr));
    }
    per_state.push_back(std::move(row));
  }
  return per_state;
}

}  // namespace

nlohmann::json step_json(const control::Mdp& mdp, const control::SolveStep& step) {
  nlohmann::json doc;
  doc["t"] = step.t + 1;
  doc["V"] = std::vector<double>(step.value.begin(), step.value.end());
  doc["policy"] = rows_of(mdp, step.policy);
  if (!step.action_value.empty()) doc["Q"] = rows_of(mdp, step.action_value);
  return doc;
}

void print_control_solution(std::ostream& out, const control::Mdp& mdp, const control::ControlSolution& solution) {
  out << "MDP: " << mdp.num_states << " states, " << mdp.num_actions << " actions, method "
      << control::to_string(solution.method) << ", alpha " << mdp.alpha << "\n";
  const std::vector<double>& v = solution.value.front();
  for (std::size_t s = 0; s < mdp.num_states && s < 40; ++s) {
    const std::size_t best = most_likely(mdp, solution.policy.front(), s);
    // Tuple labels "(x=3, y=4)" carry their own parentheses.
    const std::string name = state_name(mdp, s);
    out << "  V" << (name.starts_with("(") ? name : "(" + name + ")") << " = " << v[s] << "   most likely action " << action_name(mdp, best) << " ("
        << solution.policy.front()[s * mdp.num_actions + best] << ")\n";
  }
  if (mdp.num_states > 40) out << "  ... " << mdp.num_states - 40 << " more states (all of them in --json)\n";
  out << "objective " << solution.objective;
  if (solution.method == control::ControlMethod::exact) out << "   log p(O=1) " << solution.log_partition;
  out << "\n" << solution.iterations << " backups";
  if (!mdp.horizon) {
    out << " (solver " << control::to_string(solution.solver) << ")";
    if (solution.evaluations > 0) out << ", " << solution.evaluations << " policy-evaluation products";
    out << ", error bound " << solution.error_bound;
  }
  out << ", " << solution.seconds << " s\n";
}

int report_solve_status(std::ostream& err, const control::ControlSolution& solution,
                        const control::SolveOptions& options, const std::string& what) {
  if (solution.diverged) {
    err << "copi: error: " << what
        << "the exact (optimistic) backup diverges: some state's value grows without bound "
           "(e.g. gamma * exp(max r / alpha) >= 1, or gamma * (number of actions) >= 1 without a prior "
           "at zero reward); use a smaller discount, lower rewards, a horizon or the variational method\n";
    return kNotConverged;
  }
  if (!solution.converged) {
    err << "copi: warning: " << what << "not converged after " << solution.iterations << " backups";
    if (solution.stalled) {
      err << ": rounding in values of this size keeps the certified error at " << solution.error_bound
          << ", above --tol " << options.tolerance << "; a --tol above that can be certified";
    } else if (std::isfinite(solution.error_bound)) {
      err << " (certified error " << solution.error_bound << " > --tol " << options.tolerance << ")";
    }
    err << "\n";
    return kNotConverged;
  }
  return kOk;
}

double control_json_bytes(const control::Mdp& mdp, double steps) {
  const double numbers = static_cast<double>(mdp.num_states + 2 * mdp.rows());  // V, π, Q per step
  const double arrays = 1.0 + 2.0 * static_cast<double>(mdp.num_states + 1);
  return steps * (56.0 * numbers + 96.0 * arrays);
}

nlohmann::json control_json(const control::Mdp& mdp, const control::ControlSolution& solution) {
  nlohmann::json doc;
  doc["method"] = control::to_string(solution.method);
  std::vector<std::string> states;
  for (std::size_t s = 0; s < mdp.num_states; ++s) states.push_back(state_name(mdp, s));
  doc["states"] = states;
  std::vector<std::string> actions;
  for (std::size_t a = 0; a < mdp.num_actions; ++a) actions.push_back(action_name(mdp, a));
  doc["actions"] = actions;
  doc["V"] = solution.value;
  doc["policy"] = per_state_rows(mdp, solution.policy);
  if (!solution.action_value.empty()) doc["Q"] = per_state_rows(mdp, solution.action_value);
  doc["objective"] = solution.objective;
  if (solution.method == control::ControlMethod::exact) doc["log_partition"] = solution.log_partition;
  if (mdp.horizon) {
    doc["keep"] = control::to_string(solution.keep);
  } else {
    doc["solver"] = control::to_string(solution.solver);
    // null when no bound can be given (gamma = 1)
    doc["error_bound"] = std::isfinite(solution.error_bound) ? nlohmann::json(solution.error_bound) : nlohmann::json(nullptr);
  }
  doc["iterations"] = solution.iterations;
  doc["evaluations"] = solution.evaluations;
  doc["converged"] = solution.converged;
  if (!solution.converged && !solution.diverged) doc["stalled"] = solution.stalled;
  doc["diverged"] = solution.diverged;
  doc["solve_seconds"] = solution.seconds;
  doc["threads"] = solution.threads;
  return doc;
}

}  // namespace copi::cli
