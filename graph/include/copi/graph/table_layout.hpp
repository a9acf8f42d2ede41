// THE table-index convention of copi, in one place.
//
// A discrete table over a scope (v_0, v_1, ..., v_{k-1}) with cardinalities
// (c_0, ..., c_{k-1}) stores entry (x_0, ..., x_{k-1}) at
//
//     index = x_0 + c_0 * (x_1 + c_1 * (x_2 + ...))
//
// i.e. the FIRST variable of the scope varies fastest (column-major, as Eigen and
// libDAI). UAI files use the opposite rule (last fastest); the UAI reader and writer
// convert at the boundary, nowhere else.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace copi {

// stride[i] = c_0 * ... * c_{i-1}: how far the linear index moves when x_i grows by 1.
std::vector<std::size_t> table_strides(std::span<const std::size_t> cardinalities);

// Product of cardinalities; throws ResourceError when it overflows size_t.
std::size_t table_size(std::span<const std::size_t> cardinalities);

// Linear index of an assignment (one state per scope variable).
std::size_t table_index(std::span<const std::size_t> cardinalities,
                        std::span<const std::size_t> states);

// Inverse of table_index.
std::vector<std::size_t> table_states(std::span<const std::size_t> cardinalities,
                                      std::size_t index);

// Walks all assignments of a scope in storage order while tracking linear indices
// into several other tables whose strides (per scope variable) are given. Used by
// every product / marginalisation kernel so that none of them re-derives the index
// arithmetic. `offsets()[t]` is the current linear index into table t.
class MultiIndexWalker {
 public:
  // strides_per_table[t][i]: stride of scope variable i in table t (0 if absent).
  MultiIndexWalker(std::span<const std::size_t> cardinalities,
                   std::vector<std::vector<std::size_t>> strides_per_table);

  [[nodiscard]] const std::vector<std::size_t>& offsets() const { return offsets_; }
  [[nodiscard]] const std::vector<std::size_t>& states() const { return states_; }
  // Advance to the next assignment; false after the last one.
  bool next();

 private:
  std::vector<std::size_t> cards_;
  std::vector<std::vector<std::size_t>> strides_;
  std::vector<std::size_t> states_;
  std::vector<std::size_t> offsets_;
};

}  // namespace copi
