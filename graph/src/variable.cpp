#include "copi/graph/variable.hpp"

#include <utility>

namespace copi {

Variable Variable::real(std::string name, std::size_t dimension) {
  Variable v;
  v.name = std::move(name);
  v.domain = Domain::real;
  v.dimension = dimension;
  return v;
}

std::string Variable::state_name(std::size_t state) const {
  return state < labels.size() ? labels[state] : std::to_string(state);
}

}  // namespace copi
