#include "conditional_graph.hpp"

#include <algorithm>

namespace copi::dsl {

void ConditionalGraph::grow(std::uint32_t node) {
  if (node < first_child_.size()) return;
  const std::size_t size = std::max<std::size_t>(node + std::size_t{1}, first_child_.size() * 2);
  first_child_.resize(size, kNone);
  first_parent_.resize(size, kNone);
  forward_mark_.resize(size, 0);
  backward_mark_.resize(size, 0);
  forward_from_.resize(size, kNone);
  backward_from_.resize(size, kNone);
}

void ConditionalGraph::add(std::uint32_t child, std::span<const std::uint32_t> parents) {
  grow(child);
  for (const std::uint32_t parent : parents) {
    grow(parent);
    child_target_.push_back(child);
    next_child_.push_back(first_child_[parent]);
    first_child_[parent] = static_cast<std::uint32_t>(child_target_.size() - 1);
    parent_target_.push_back(parent);
    next_parent_.push_back(first_parent_[child]);
    first_parent_[child] = static_cast<std::uint32_t>(parent_target_.size() - 1);
  }
}

std::vector<std::uint32_t> ConditionalGraph::cycle_through(std::uint32_t child,
                                                           std::span<const std::uint32_t> parents) {
  if (parents.empty()) return {};
  grow(child);
  for (const std::uint32_t parent : parents) grow(parent);
  if (++stamp_ == 0) {  // wrapped: old marks could equal the new stamp
    std::fill(forward_mark_.begin(), forward_mark_.end(), 0);
    std::fill(backward_mark_.begin(), backward_mark_.end(), 0);
    stamp_ = 1;
  }
  // Forward: the child and its descendants; backward: the parents and their ancestors.
  // A node on both sides closes a cycle child -> ... -> node -> ... -> parent -> child.
  std::vector<std::uint32_t> forward{child};
  std::vector<std::uint32_t> backward;
  forward_mark_[child] = stamp_;
  forward_from_[child] = kNone;
  for (const std::uint32_t parent : parents) {
    if (backward_mark_[parent] == stamp_) continue;
    backward_mark_[parent] = stamp_;
    backward_from_[parent] = kNone;
    if (parent == child) return {child};
    backward.push_back(parent);
  }
  std::size_t forward_next = 0;
  std::size_t backward_next = 0;
  while (forward_next < forward.size() && backward_next < backward.size()) {
    const std::uint32_t node = forward[forward_next++];
    ++expanded_;
    for (std::uint32_t edge = first_child_[node]; edge != kNone; edge = next_child_[edge]) {
      const std::uint32_t next = child_target_[edge];
      if (forward_mark_[next] == stamp_) continue;
      forward_mark_[next] = stamp_;
      forward_from_[next] = node;
      if (backward_mark_[next] == stamp_) return path(next);
      forward.push_back(next);
    }
    const std::uint32_t back = backward[backward_next++];
    ++expanded_;
    for (std::uint32_t edge = first_parent_[back]; edge != kNone; edge = next_parent_[edge]) {
      const std::uint32_t previous = parent_target_[edge];
      if (backward_mark_[previous] == stamp_) continue;
      backward_mark_[previous] = stamp_;
      backward_from_[previous] = back;
      if (forward_mark_[previous] == stamp_) return path(previous);
      backward.push_back(previous);
    }
  }
  return {};
}

// child -> ... -> meet (forward links, walked back from meet) then meet -> ... ->
// parent (backward links lead towards the parent the search started from).
std::vector<std::uint32_t> ConditionalGraph::path(std::uint32_t meet) const {
  std::vector<std::uint32_t> nodes;
  for (std::uint32_t node = meet; node != kNone; node = forward_from_[node]) nodes.push_back(node);
  std::reverse(nodes.begin(), nodes.end());
  for (std::uint32_t node = backward_from_[meet]; node != kNone; node = backward_from_[node]) nodes.push_back(node);
  return nodes;
}

}  // namespace copi::dsl
