#include "copi/control/methods.hpp"

#include "copi/graph/error.hpp"
#include "copi/graph/spelling.hpp"

namespace copi::control {
namespace {

std::vector<OptionSpec> solve_specs() {
  const SolveOptions defaults;
  return {
      number_option("tol", OptionType::real, "1e-10",
                    "infinite horizon: stop when V is certified within this sup-norm distance of the fixed point "
                    "(gamma = 1: when the last change is below it)",
                    0, true),
      number_option("max_iter", OptionType::integer, std::to_string(defaults.max_iterations),
                    "infinite horizon: backup cap", 1),
      number_option("memory_limit", OptionType::size, "2G",
                    "refuse a solve whose V, policy and Q for every kept step exceed this size (e.g. 512M, 2G)", 1024),
      choice_option("solver", {"auto", "vi", "pi", "anderson"}, "auto",
                    "infinite horizon: value iteration, policy iteration (variational, map) or Anderson-accelerated "
                    "value iteration; auto: pi for variational and map, anderson for exact"),
      choice_option("keep", {"all", "first", "stream"}, "all",
                    "finite horizon: keep V_t and the policy for every t, only t = 1, or stream every step to the "
                    "output as it is computed (keeping t = 1)"),
      threads_option(),
  };
}

std::vector<AlgorithmSpec> make_table() {
  return {
      {"exact", "exact inference: the optimistic backup Q = r + α log E[exp(V'/α)] (eq. 7)", solve_specs(), {}},
      {"variational", "structured variational: the soft Bellman backup Q = r + E[V'] (eq. 15)", solve_specs(), {}},
      {"map", "most probable plan (α → 0): the hard Bellman backup", solve_specs(), {}},
  };
}

}  // namespace

std::span<const AlgorithmSpec> control_methods() {
  static const std::vector<AlgorithmSpec> table = make_table();
  return table;
}

MethodCheck check_control_method(std::string_view name, std::span<const OptionSetting> settings) {
  MethodCheck check;
  const AlgorithmSpec* spec = nullptr;
  std::vector<std::string> names;
  for (const AlgorithmSpec& s : control_methods()) {
    names.push_back(s.name);
    if (s.name == name) spec = &s;
  }
  if (spec == nullptr) {
    check.unknown_method = "unknown method '" + std::string(name) + "'" + did_you_mean(name, names) +
                           ": expected exact, variational or map";
    return check;
  }
  OptionValues values;
  check.problems = check_options(spec->name, spec->options, settings, values);
  if (!check.problems.empty()) return check;
  SolveOptions options;
  options.method = parse_control_method(spec->name);
  options.tolerance = values.number("tol", options.tolerance);
  options.max_iterations = values.count("max_iter", options.max_iterations);
  options.threads = values.count("threads", 0);
  options.memory_limit_bytes = values.count("memory_limit", options.memory_limit_bytes);
  options.solver = parse_control_solver(values.word("solver", "auto"));
  options.keep = parse_keep_steps(values.word("keep", "all"));
  if (options.solver == ControlSolver::policy_iteration && options.method == ControlMethod::exact) {
    for (std::size_t i = 0; i < settings.size(); ++i) {
      if (canonical_option_name(settings[i].key) == "solver") {
        check.problems.push_back({i, OptionProblem::Part::value,
                                  "must be auto, vi or anderson for exact (policy iteration needs a backup linear "
                                  "in V for a fixed policy: variational or map)"});
      }
    }
    return check;
  }
  check.options = options;
  return check;
}

SolveOptions configure_control_method(std::string_view name, std::span<const OptionSetting> settings) {
  MethodCheck check = check_control_method(name, settings);
  if (!check.unknown_method.empty()) throw InputError(check.unknown_method);
  if (!check.problems.empty()) throw InputError(describe_problems(name, settings, check.problems));
  return *check.options;
}

}  // namespace copi::control
