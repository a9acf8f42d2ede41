// A variable: a name and a domain — discrete (a finite set of states, optionally
// labelled) or real (a vector in ℝ^d). Evidence is a state index for the first and a
// value for the second; the algorithms that handle only one domain say so.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace copi {

enum class Domain { discrete, real };

struct Variable {
  std::string name;
  // The number of states of a discrete variable; 0 for a real one.
  std::size_t cardinality = 0;
  // Either empty or one label per state ("yes", "no", "-1", ...). Discrete only.
  std::vector<std::string> labels;
  Domain domain = Domain::discrete;
  // The dimension d of a real variable (≥ 1); 0 for a discrete one.
  std::size_t dimension = 0;

  // A real variable in ℝ^dimension.
  [[nodiscard]] static Variable real(std::string name, std::size_t dimension);

  [[nodiscard]] bool is_real() const { return domain == Domain::real; }
  [[nodiscard]] bool is_discrete() const { return domain == Domain::discrete; }

  // The label of a state, or its index as text when there are no labels.
  [[nodiscard]] std::string state_name(std::size_t state) const;

  friend bool operator==(const Variable&, const Variable&) = default;
};

}  // namespace copi
