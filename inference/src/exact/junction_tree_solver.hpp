// Private. Message passing on a junction tree in one numeric domain: collect (sum or
// max) towards the roots, distribute back (Hugin updates) for all marginals, and
// max-product decoding from the roots down.
#pragma once

#include <cstddef>
#include <vector>

#include "copi/graph/discrete_factor.hpp"
#include "copi/graph/table_layout.hpp"
#include "exact/clique_table.hpp"
#include "exact/junction_tree.hpp"

namespace copi::detail {

template <typename Domain>
class JunctionTreeSolver {
 public:
  // Throws UnderflowRisk (Linear domain) when a factor's range is too wide.
  JunctionTreeSolver(const JunctionTree& tree, const std::vector<const DiscreteFactor*>& factors) : tree_(tree) {
    factor_tables_.reserve(factors.size());
    for (const DiscreteFactor* f : factors) {
      Table t{f->scope(), f->cardinalities(), {}, 0.0, 1.0};
      if (!Domain::from_log(f->log_values(), t)) throw UnderflowRisk{};
      factor_tables_.push_back(std::move(t));
    }
  }

  // Returns the log of the sum (or max) of the product of all factors. Keeps the
  // collected node tables when `keep_tables` (needed by distribute and decode).
  template <Rule rule>
    requires(rule != Rule::expect)
  double collect(bool keep_tables) {
    const auto& nodes = tree_.nodes;
    tables_.assign(nodes.size(), Table{});
    messages_.assign(nodes.size(), Table{});
    double log_total = 0.0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const JunctionTreeNode& node = nodes[i];
      std::vector<const Table*> inputs;
      for (const std::size_t f : node.factors) inputs.push_back(&factor_tables_[f]);
      for (const std::size_t c : node.children) inputs.push_back(&messages_[c]);
      Table table = Domain::product(node.vars, node.cards, inputs);
      if (!keep_tables) {
        for (const std::size_t c : node.children) messages_[c] = Table{};
      }
      if (node.parent != kNoNode) {
        messages_[i] = Domain::template marginalize<rule>(table, node.separator, node.separator_cards);
      } else {
        log_total += rule == Rule::sum ? Domain::log_total(table) : Domain::log_max(table);
      }
      if (keep_tables) tables_[i] = std::move(table);
    }
    return log_total;
  }

  // After collect<sum>(true): turns every node table into its belief.
  void distribute() {
    const auto& nodes = tree_.nodes;
    separator_beliefs_.assign(nodes.size(), Table{});
    for (std::size_t i = nodes.size(); i-- > 0;) {
      const JunctionTreeNode& node = nodes[i];
      if (node.parent == kNoNode) continue;
      separator_beliefs_[i] =
          Domain::template marginalize<Rule::sum>(tables_[node.parent], node.separator, node.separator_cards);
      Domain::multiply_into(tables_[i], Domain::ratio(separator_beliefs_[i], messages_[i]));
    }
  }

  // After distribute(): the marginal of an unobserved variable.
  std::vector<double> marginal(VarId var, std::size_t cardinality) const {
    const std::size_t separator = tree_.home_separator[var.index];
    const Table& source = separator != kNoNode ? separator_beliefs_[separator] : tables_[tree_.home[var.index]];
    const Table m = Domain::template marginalize<Rule::sum>(source, {var}, {cardinality});
    return Domain::probabilities(m);
  }

  // After distribute(): the joint belief of variables that node `node` holds, as
  // probabilities over `vars` in their order (first fastest).
  std::vector<double> belief(std::size_t node, const std::vector<VarId>& vars, const std::vector<std::size_t>& cards) const {
    return Domain::probabilities(Domain::template marginalize<Rule::sum>(tables_[node], vars, cards));
  }

  // After collect<max>(true): fills `assignment` for every variable in the tree.
  void decode(std::vector<std::size_t>& assignment) const {
    const auto& nodes = tree_.nodes;
    for (std::size_t i = nodes.size(); i-- > 0;) {
      const JunctionTreeNode& node = nodes[i];
      const Table& table = tables_[i];
      const std::vector<std::size_t> strides = table_strides(node.cards);
      std::size_t base = 0;
      std::vector<std::size_t> free_dims;
      for (std::size_t d = 0; d < node.vars.size(); ++d) {
        const bool known = std::find(node.separator.begin(), node.separator.end(), node.vars[d]) != node.separator.end();
        if (known) {
          base += strides[d] * assignment[node.vars[d].index];
        } else {
          free_dims.push_back(d);
        }
      }
      std::vector<std::size_t> free_cards;
      std::vector<std::size_t> free_strides;
      for (const std::size_t d : free_dims) {
        free_cards.push_back(node.cards[d]);
        free_strides.push_back(strides[d]);
      }
      MultiIndexWalker walk(free_cards, {free_strides});
      double best = Domain::kZero;
      std::vector<std::size_t> best_states(free_dims.size(), 0);
      bool first = true;
      do {
        const double v = table.values[base + walk.offsets()[0]];
        if (first || v > best) {
          best = v;
          best_states = walk.states();
          first = false;
        }
      } while (walk.next());
      for (std::size_t j = 0; j < free_dims.size(); ++j) {
        assignment[node.vars[free_dims[j]].index] = best_states[j];
      }
    }
  }

 private:
  const JunctionTree& tree_;
  std::vector<Table> factor_tables_;
  std::vector<Table> tables_;
  std::vector<Table> messages_;
  std::vector<Table> separator_beliefs_;  // after distribute: each node's separator belief
};

}  // namespace copi::detail
