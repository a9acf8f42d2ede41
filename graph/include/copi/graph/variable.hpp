// A discrete variable: a name and a finite domain, optionally with state labels.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace copi {

struct DiscreteVariable {
  std::string name;
  std::size_t cardinality = 0;
  // Either empty or one label per state ("yes", "no", "-1", ...).
  std::vector<std::string> labels;

  // The label of a state, or its index as text when there are no labels.
  [[nodiscard]] std::string state_name(std::size_t state) const;

  friend bool operator==(const DiscreteVariable&, const DiscreteVariable&) = default;
};

}  // namespace copi
