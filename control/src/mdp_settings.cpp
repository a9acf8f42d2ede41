#include "copi/control/mdp_settings.hpp"

#include <cmath>

namespace copi::control {

std::span<const OptionSpec> mdp_settings() {
  static const std::vector<OptionSpec> table = {
      number_option("horizon", OptionType::integer, "", "finite horizon T: the number of steps", 1),
      number_option("discount", OptionType::real, "",
                    "discount γ: the episode ends with probability 1 - γ per step; 1 without a horizon only on a "
                    "stochastic shortest path",
                    0, true, 1),
      number_option("alpha", OptionType::real, "1", "temperature α: p(O = 1 | s, a) = exp(r(s, a)/α)", 1e-100, false,
                    1e100),
  };
  return table;
}

std::vector<OptionProblem> apply_mdp_settings(Mdp& mdp, std::span<const OptionSetting> settings) {
  OptionValues values;
  std::vector<OptionProblem> problems = check_options("the MDP", mdp_settings(), settings, values);
  if (!problems.empty()) return problems;
  if (values.has("horizon")) mdp.horizon = values.count("horizon", 1);
  if (values.has("discount")) mdp.discount = values.number("discount", 1.0);
  if (values.has("alpha")) mdp.alpha = values.number("alpha", 1.0);
  return problems;
}

}  // namespace copi::control
