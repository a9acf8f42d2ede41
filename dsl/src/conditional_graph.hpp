// Private. The directed graph of a model's p(child | parents) statements (an edge
// parent -> child per parent), grown one statement at a time, and the check that a
// new statement does not close a directed cycle: the model would then not be the
// Bayesian network it reads as.
//
// The check is a bidirectional search: forward from the child over children, backward
// from the parents over parents, one node from each side in turn, until the two meet
// (a cycle) or one side runs out (none). It stops after about twice the smaller of the
// two sides, so the usual ways of writing a network stay linear in all: a chain or a
// grid written in order (the child has no children yet), or in reverse order (the
// parents have no parents yet), cost a few steps per statement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace copi::dsl {

class ConditionalGraph {
 public:
  // A directed cycle that edges parents -> child would close: the nodes from the child
  // along existing edges to one of the parents (child first, that parent last); empty
  // when there is none.
  [[nodiscard]] std::vector<std::uint32_t> cycle_through(std::uint32_t child, std::span<const std::uint32_t> parents);
  // Adds the edges parents -> child.
  void add(std::uint32_t child, std::span<const std::uint32_t> parents);

  // Nodes taken off either search queue so far, in all checks: the work done.
  [[nodiscard]] std::size_t nodes_expanded() const { return expanded_; }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  void grow(std::uint32_t node);
  std::vector<std::uint32_t> path(std::uint32_t meet) const;

  // Adjacency as linked lists in flat arrays (first edge per node, next edge per edge):
  // a few bytes per node, so a model with millions of variables pays little.
  std::vector<std::uint32_t> first_child_, first_parent_;  // per node: an edge, or kNone
  std::vector<std::uint32_t> child_target_, next_child_;     // per edge, in the children lists
  std::vector<std::uint32_t> parent_target_, next_parent_;   // per edge, in the parents lists

  // Search state, valid where the mark equals the current stamp (no clearing).
  std::vector<std::uint32_t> forward_mark_, backward_mark_;
  std::vector<std::uint32_t> forward_from_, backward_from_;  // the neighbour a node was reached from
  std::uint32_t stamp_ = 0;
  std::size_t expanded_ = 0;
};

}  // namespace copi::dsl
