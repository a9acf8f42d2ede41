// Private. The model tree-reweighted BP runs on: the factor graph under evidence,
// rewritten as a pairwise model with the same Z.
//   - Evidence is reduced away (copi::reduce_model); constants fold into log_constant.
//   - Unary factors of a variable are summed into one unary table.
//   - Factors over the same two variables are summed into one edge table.
//   - A factor over k >= 3 variables becomes an auxiliary variable whose states are the
//     factor's joint states of positive value (its unary holds their log values), tied
//     to each of its k variables by an indicator edge (0 where the joint state agrees
//     with the variable's state, -inf elsewhere). Summing the auxiliary variable out
//     gives the factor back, so Z is unchanged.
//   - Arc consistency removes every state that the hard zeros rule out (a state with
//     no compatible state of some neighbour; for auxiliary variables this is
//     generalised arc consistency of the factor): such states have probability 0 in
//     every joint assignment and in every point of the local polytope, so removing them
//     changes neither Z nor the TRW bound, and every message entry left is positive.
//   - Variables left with one state are fixed: their edges fold into the unary of the
//     other end, their unary into log_constant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::detail {

inline constexpr std::uint32_t kNotTrw = 0xFFFFFFFFu;

struct TrwEdge {
  std::uint32_t a = 0;                // TRW variables
  std::uint32_t b = 0;
  std::vector<double> log_table;      // card(a) x card(b), a fastest
  std::vector<std::uint32_t> factors;  // the input factors it comes from, in graph order
};

struct PairwiseModel {
  // Per TRW variable (inputs first, in graph order, then auxiliaries).
  std::vector<std::uint32_t> card;                 // states kept
  std::vector<std::uint32_t> input_variable;       // kNotTrw for an auxiliary
  std::vector<std::uint32_t> input_factor;         // an auxiliary's factor; kNotTrw for inputs
  std::vector<std::vector<std::uint32_t>> states;  // per kept state, the input state (auxiliary: table index)
  std::vector<std::vector<double>> unary;          // log values over the kept states
  std::vector<TrwEdge> edges;                      // in the order of their first factor
  double log_constant = 0.0;
  // Per input variable: its TRW variable, or kNotTrw when it is observed or fixed.
  std::vector<std::uint32_t> trw_variable;
  // Per input variable: the state it is fixed at (observed, or one state left), else kNotTrw.
  std::vector<std::uint32_t> fixed_state;

  [[nodiscard]] std::size_t num_vars() const { return card.size(); }
};

// Throws ImpossibleEvidence when the evidence and the hard zeros leave some variable no
// state (Z = 0).
PairwiseModel build_pairwise_model(const FactorGraph& graph, const Evidence& evidence);

}  // namespace copi::detail
