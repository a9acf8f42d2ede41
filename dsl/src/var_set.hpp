#pragma once

// A set of variables as one bit per variable index: the elaborator marks every drawn or
// queried variable, 10⁵ of them in a long chain, where a std::set spent an allocation
// and a tree walk on each.

#include <vector>

#include "copi/graph/ids.hpp"

namespace copi::dsl {

class VarSet {
 public:
  // True when v was not in the set yet.
  bool insert(VarId v) {
    if (v.index >= member_.size()) member_.resize(v.index + 1, false);
    if (member_[v.index]) return false;
    member_[v.index] = true;
    return true;
  }
  [[nodiscard]] bool contains(VarId v) const { return v.index < member_.size() && member_[v.index]; }

 private:
  std::vector<bool> member_;
};

}  // namespace copi::dsl
