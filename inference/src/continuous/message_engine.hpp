// Internal. Message passing over a ContinuousModel with one message per (factor,
// variable) edge — Gaussian in canonical form for a real variable, log weights for a
// discrete one — and each variable's approximation q_v = the sum of its messages.
// A factor's update computes its new messages from the cavities q_v − m_{f→v}:
//   gaussian  the exact message ∫ f Π_{u≠v} cavity_u (Gaussian BP; a target whose
//             integral diverges keeps its old message)
//   site      EP: the tilted distribution cavity × f(aᵀx + c) matched by its moments
//             (copi/inference/tilted_moments.hpp), carried back to each variable
//   table     sum-product
//   mixture   EP: a conditional linear Gaussian with an unobserved selector, the
//             tilted mixture matched by its moments
// so Gaussian BP and EP are the same engine with different schedules. log Z is the
// Bethe form Σ_f log ∫ f Π cavities − Σ_v (deg_v − 1) log ∫ q_v, exact on trees of
// Gaussian factors and EP's estimate otherwise; message constants cancel in it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "continuous/canonical.hpp"
#include "continuous/continuous_model.hpp"

namespace copi::detail {

struct Message {
  Canonical gaussian;       // real variable
  std::vector<double> log;  // discrete variable
};

// A factor's new messages, one per position; `updated[p]` false where the update
// kept the old one.
struct FactorUpdate {
  std::vector<Message> messages;
  std::vector<bool> updated;
  bool skipped = false;  // an improper cavity: the whole site kept its messages
};

class MessageEngine {
 public:
  MessageEngine(const ContinuousModel& model, std::size_t quadrature_points);

  // The new messages of factor f, to every position or to `only` (two-pass BP).
  [[nodiscard]] FactorUpdate compute(std::size_t f, std::optional<std::size_t> only = std::nullopt) const;
  // Gaussian factor f's exact message to position `target`, computed and installed
  // (undamped) in place: the two-pass schedule's step, which allocates nothing.
  // False, with nothing changed, when the integral over the others diverges. Not
  // thread-safe (one workspace per engine).
  // `integrated_log_det`, when given, receives log det of the block of J integrated
  // out (see marginal_into): on a forest's upward pass these are the pivots of the
  // block Cholesky factorisation of the posterior precision.
  [[nodiscard]] bool pass_gaussian(std::size_t f, std::size_t target, double* integrated_log_det = nullptr);
  // Installs an update (damped in natural parameters) and keeps q_v in step.
  void apply(std::size_t f, const FactorUpdate& update, double damping);
  // Recomputes every q_v from its messages, in edge order (the parallel schedule).
  void recompute_beliefs();

  [[nodiscard]] const ContinuousModel& model() const { return model_; }
  // q_v of a real variable, and of a discrete one (log weights).
  [[nodiscard]] CanonicalView gaussian_belief(std::size_t v) const { return gaussian_beliefs_.view(v); }
  [[nodiscard]] const std::vector<double>& log_belief(std::size_t v) const { return log_beliefs_[v]; }

  // A Gaussian factor's belief, its potential plus every cavity, written into (h, j)
  // (real_size long; constants left out).
  void factor_belief(std::size_t f, Eigen::Ref<Eigen::VectorXd> h, Eigen::Ref<Eigen::MatrixXd> j) const;

  // log Z in the Bethe form; nothing when a factor's or a variable's integral diverges.
  [[nodiscard]] std::optional<double> log_z() const;

 private:
  [[nodiscard]] Message cavity(std::size_t f, std::size_t position) const;
  // The joint's block of `position` += the real cavity there (constants left out: they
  // cancel in log Z).
  void add_cavity(std::size_t f, std::size_t position, Eigen::Ref<Eigen::VectorXd> h,
                  Eigen::Ref<Eigen::MatrixXd> j) const;
  // Replaces edge e's real message (to v) by (h, j, c), keeping q_v in step.
  void install(std::size_t e, std::uint32_t v, const CanonicalView& next);
  [[nodiscard]] std::size_t edge(std::size_t f, std::size_t position) const { return first_edge_[f] + position; }
  void gaussian_update(std::size_t f, std::optional<std::size_t> only, FactorUpdate& out) const;
  void site_update(std::size_t f, FactorUpdate& out) const;
  void table_update(std::size_t f, FactorUpdate& out) const;
  void mixture_update(std::size_t f, FactorUpdate& out) const;
  [[nodiscard]] std::optional<double> factor_log_z(std::size_t f) const;

  const ContinuousModel& model_;
  std::size_t quadrature_points_;
  std::vector<std::size_t> first_edge_;  // per factor: its first edge
  // Per edge, factor → variable: a real message (dimension 0 for a discrete
  // variable) and a discrete one (empty for a real variable).
  CanonicalPool gaussian_messages_;
  std::vector<std::vector<double>> log_messages_;
  // Per variable, the sum of its messages, the same way.
  CanonicalPool gaussian_beliefs_;
  std::vector<std::vector<double>> log_beliefs_;  // both empty when every unobserved variable is real
  Workspace workspace_;  // pass_gaussian's scratch
};

}  // namespace copi::detail
