// How a factor combines what it receives from the variable it sums out (DESIGN.md,
// "Core model"): the rule of a factor-to-variable message.
#pragma once

#include <string>

namespace copi {

enum class MessageRule {
  sum,     // sum-product: log Σ_x f · m(x)
  max,     // max-product: log max_x f · m(x)
  // A factor the variational family keeps fixed to the model, f(x | pa) a conditional
  // distribution of its child x: log message E_{x ~ f(·|pa)}[log m(x)]. On the MDP
  // dynamics this turns exact control-as-inference (optimistic, eq. 7 of Levine 2018)
  // into the structured variational soft Bellman backup (eq. 15).
  expect,
};

[[nodiscard]] std::string to_string(MessageRule rule);

}  // namespace copi
