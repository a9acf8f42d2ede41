// Evidence: observed states of some variables. Checked against a graph, applied by
// clamping (entries of other states become hard zeros) or by reduction (observed
// variables leave the scopes; the algorithms that can, use this — it shrinks tables).
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <map>
#include <optional>
#include <vector>

#include "copi/graph/factor_graph.hpp"

namespace copi {

using Evidence = std::map<VarId, std::size_t>;
// Observed values of real variables (one entry per dimension).
using RealEvidence = std::map<VarId, Eigen::VectorXd>;

// Throws InputError naming the variable when an id or a state is out of range.
void validate_evidence(const FactorGraph& graph, const Evidence& evidence);

// Throws InputError naming the variable when an id is out of range, the variable is
// not real, or the value has the wrong dimension or a non-finite entry.
void validate_real_evidence(const FactorGraph& graph, const RealEvidence& evidence);
// The same check of one entry (for a caller walking the evidence anyway).
void validate_real_value(const FactorGraph& graph, VarId var, const Eigen::VectorXd& value);

// The table with every observed variable of its scope fixed at its state (those leave
// the scope), in one pass over the entries that remain; nullopt when the evidence
// touches none of its scope.
std::optional<DiscreteFactor> reduce_by(const DiscreteFactor& factor, const Evidence& evidence);

// Same variables and factors; every entry inconsistent with the evidence is -inf.
// A variable observed but in no factor gets a unary indicator factor.
FactorGraph clamp_evidence(const FactorGraph& graph, const Evidence& evidence);

// Each factor reduced by the evidence on its scope (a fully observed factor becomes
// a constant). Variables keep their ids; observed ones simply appear in no factor.
FactorGraph reduce_evidence(const FactorGraph& graph, const Evidence& evidence);

// The model under evidence as the algorithms that work on reduced tables see it (exact
// inference, belief propagation): every factor reduced by the evidence on its scope,
// and the factors left with no variable (fully observed, or constant to begin with)
// folded into one log constant. A factor the evidence does not touch is not copied:
// `factors` points into the graph, so keep the graph alive and unchanged while using
// this. Move-only, because the reduced factors live in its own storage.
class ReducedModel {
 public:
  ReducedModel() = default;
  ReducedModel(ReducedModel&&) noexcept = default;
  ReducedModel& operator=(ReducedModel&&) noexcept = default;
  ReducedModel(const ReducedModel&) = delete;
  ReducedModel& operator=(const ReducedModel&) = delete;
  ~ReducedModel() = default;

  // The factors with at least one unobserved variable, in graph order.
  [[nodiscard]] const std::vector<const DiscreteFactor*>& factors() const { return factors_; }
  // Per variable (by VarId::index): whether the evidence sets it.
  [[nodiscard]] const std::vector<bool>& observed() const { return observed_; }
  // Sum of the log values of the factors reduced to constants (-inf when one is 0).
  [[nodiscard]] double log_constant() const { return log_constant_; }
  // The evidence has probability zero, whatever the unobserved variables do: the
  // constant is -inf or a factor is -inf everywhere (the model alone may be the cause).
  [[nodiscard]] bool impossible() const { return impossible_; }

 private:
  friend ReducedModel reduce_model(const FactorGraph& graph, const Evidence& evidence);

  std::vector<const DiscreteFactor*> factors_;
  std::vector<DiscreteFactor> reduced_;  // the factors the evidence touched
  std::vector<bool> observed_;
  double log_constant_ = 0.0;
  bool impossible_ = false;
};

// Validates the evidence (as validate_evidence) and reduces the model by it.
ReducedModel reduce_model(const FactorGraph& graph, const Evidence& evidence);

}  // namespace copi
