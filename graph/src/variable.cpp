#include "copi/graph/variable.hpp"

namespace copi {

std::string DiscreteVariable::state_name(std::size_t state) const {
  return state < labels.size() ? labels[state] : std::to_string(state);
}

}  // namespace copi
