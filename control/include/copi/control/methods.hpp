// The control solve methods by name, with their options: the table the language
// (`solve grid with variational(tol = 1e-8)`), `copi mdp --method variational --tol 1e-8`
// and other programs use (the same machinery as the inference algorithms,
// copi/inference/options.hpp). Checked when configured, so a configured solve only
// fails on its MDP, never on its options.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/inference/algorithms.hpp"
#include "copi/inference/options.hpp"

namespace copi::control {

// exact, variational, map: in that order. `tasks` is empty (a solve computes V and π).
[[nodiscard]] std::span<const AlgorithmSpec> control_methods();

struct MethodCheck {
  std::optional<SolveOptions> options;  // set when nothing is wrong
  std::string unknown_method;           // the message when the name is wrong
  std::vector<OptionProblem> problems;  // per setting
};

MethodCheck check_control_method(std::string_view name, std::span<const OptionSetting> settings);

// The same, throwing InputError with every problem, for callers without positions.
SolveOptions configure_control_method(std::string_view name, std::span<const OptionSetting> settings = {});

}  // namespace copi::control
