#include "exact/junction_tree.hpp"

#include <algorithm>
#include <numeric>

namespace copi::detail {
namespace {

std::vector<std::size_t> cards_of(const std::vector<VarId>& vars, const std::vector<std::size_t>& cardinalities) {
  std::vector<std::size_t> cards;
  for (const VarId v : vars) cards.push_back(cardinalities[v.index]);
  return cards;
}

double entries_of(const std::vector<std::size_t>& cards) {
  double entries = 1;
  for (const std::size_t c : cards) entries *= static_cast<double>(c);
  return entries;
}

}  // namespace

JunctionTree build_junction_tree(const EliminationPlan& plan, const std::vector<const DiscreteFactor*>& factors,
                                 const std::vector<std::size_t>& cardinalities) {
  const std::size_t n = plan.order.size();
  std::vector<std::size_t> position(cardinalities.size(), kNoNode);
  for (std::size_t k = 0; k < n; ++k) position[plan.order[k].index] = k;

  // Elimination tree: clique k hangs below the clique of its first-eliminated neighbour.
  std::vector<std::size_t> parent(n, kNoNode);
  std::vector<std::vector<std::size_t>> children(n);
  for (std::size_t k = 0; k < n; ++k) {
    for (std::size_t i = 1; i < plan.cliques[k].size(); ++i) {
      parent[k] = std::min(parent[k], position[plan.cliques[k][i].index]);
    }
    if (parent[k] != kNoNode) children[parent[k]].push_back(k);
  }
  // Clique k is contained in a child c exactly when |C_c| = |C_k| + 1 (the child's
  // separator C_c \ {v_c} is always inside C_k); then k joins c's group.
  std::vector<std::size_t> owner(n);
  std::vector<std::size_t> top(n);
  for (std::size_t k = 0; k < n; ++k) {
    owner[k] = k;
    for (const std::size_t c : children[k]) {
      if (plan.cliques[c].size() == plan.cliques[k].size() + 1) {
        owner[k] = owner[c];
        break;
      }
    }
    top[owner[k]] = k;
  }
  // Nodes in increasing order of their top clique: parents come after children.
  std::vector<std::size_t> groups;
  for (std::size_t k = 0; k < n; ++k) {
    if (owner[k] == k) groups.push_back(k);
  }
  std::sort(groups.begin(), groups.end(), [&](std::size_t a, std::size_t b) { return top[a] < top[b]; });
  std::vector<std::size_t> node_of_group(n, kNoNode);
  for (std::size_t i = 0; i < groups.size(); ++i) node_of_group[groups[i]] = i;

  JunctionTree tree;
  tree.nodes.resize(groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    JunctionTreeNode& node = tree.nodes[i];
    const std::size_t g = groups[i];
    node.vars = plan.cliques[g];
    node.cards = cards_of(node.vars, cardinalities);
    const std::size_t t = top[g];
    if (parent[t] != kNoNode) {
      node.parent = node_of_group[owner[parent[t]]];
      node.separator.assign(plan.cliques[t].begin() + 1, plan.cliques[t].end());
      node.separator_cards = cards_of(node.separator, cardinalities);
      tree.nodes[node.parent].children.push_back(i);
    }
    const double entries = entries_of(node.cards);
    tree.table_entries += entries + entries_of(node.separator_cards);
    tree.largest_table = std::max(tree.largest_table, entries);
  }
  for (std::size_t f = 0; f < factors.size(); ++f) {
    std::size_t first = kNoNode;
    for (const VarId v : factors[f]->scope()) first = std::min(first, position[v.index]);
    tree.nodes[node_of_group[owner[first]]].factors.push_back(f);
  }
  tree.home.assign(cardinalities.size(), kNoNode);
  std::vector<double> home_size(cardinalities.size(), 0);
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
    const double entries = entries_of(tree.nodes[i].cards);
    for (const VarId v : tree.nodes[i].vars) {
      if (tree.home[v.index] == kNoNode || entries < home_size[v.index]) {
        tree.home[v.index] = i;
        home_size[v.index] = entries;
      }
    }
  }
  tree.home_separator.assign(cardinalities.size(), kNoNode);
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
    if (tree.nodes[i].parent == kNoNode) continue;
    const double entries = entries_of(tree.nodes[i].separator_cards);
    for (const VarId v : tree.nodes[i].separator) {
      if (entries < home_size[v.index]) {
        tree.home_separator[v.index] = i;
        home_size[v.index] = entries;
      }
    }
  }
  return tree;
}

}  // namespace copi::detail
