#include "copi/graph/table_layout.hpp"

#include <limits>

#include "copi/graph/error.hpp"

namespace copi {

std::vector<std::size_t> table_strides(std::span<const std::size_t> cardinalities) {
  std::vector<std::size_t> strides(cardinalities.size());
  std::size_t stride = 1;
  for (std::size_t i = 0; i < cardinalities.size(); ++i) {
    strides[i] = stride;
    stride *= cardinalities[i];
  }
  return strides;
}

std::size_t table_size(std::span<const std::size_t> cardinalities) {
  std::size_t size = 1;
  for (const std::size_t card : cardinalities) {
    if (card != 0 && size > std::numeric_limits<std::size_t>::max() / card) {
      throw ResourceError("table size overflows the address space");
    }
    size *= card;
  }
  return size;
}

std::size_t table_index(std::span<const std::size_t> cardinalities,
                        std::span<const std::size_t> states) {
  std::size_t index = 0;
  for (std::size_t i = cardinalities.size(); i-- > 0;) index = index * cardinalities[i] + states[i];
  return index;
}

std::vector<std::size_t> table_states(std::span<const std::size_t> cardinalities,
                                      std::size_t index) {
  std::vector<std::size_t> states(cardinalities.size());
  for (std::size_t i = 0; i < cardinalities.size(); ++i) {
    states[i] = index % cardinalities[i];
    index /= cardinalities[i];
  }
  return states;
}

MultiIndexWalker::MultiIndexWalker(std::span<const std::size_t> cardinalities,
                                   std::vector<std::vector<std::size_t>> strides_per_table)
    : cards_(cardinalities.begin(), cardinalities.end()),
      strides_(std::move(strides_per_table)),
      states_(cards_.size(), 0),
      offsets_(strides_.size(), 0) {}

bool MultiIndexWalker::next() {
  for (std::size_t i = 0; i < cards_.size(); ++i) {
    if (++states_[i] < cards_[i]) {
      for (std::size_t t = 0; t < strides_.size(); ++t) offsets_[t] += strides_[t][i];
      return true;
    }
    // Carry: reset digit i and undo its contribution to every offset.
    for (std::size_t t = 0; t < strides_.size(); ++t) {
      offsets_[t] -= strides_[t][i] * (cards_[i] - 1);
    }
    states_[i] = 0;
  }
  return false;
}

}  // namespace copi
