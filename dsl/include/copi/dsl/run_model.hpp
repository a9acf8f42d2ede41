// Running a compiled model as `copi run` does: every query of its factor graph (the
// marginals, log Z and MAP it asks for, or every marginal when it asks for nothing)
// with its `infer` algorithm, and every `solve` statement (of mdp and lqr blocks) and every `learn reward`
// statement. A
// file may hold a graph, MDPs and LQRs; all of it runs. The CLI only prints what comes
// back.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "copi/control/irl.hpp"
#include "copi/control/latent.hpp"
#include "copi/control/lqr.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/dsl/model.hpp"
#include "copi/inference/result.hpp"

namespace copi::dsl {

struct RunSettings {
  std::size_t threads = 0;  // 0: the model's own choice (or COPI_THREADS / all cores)
};

struct GraphAnswers {
  std::vector<VarId> shown;                  // the marginals to report, in query order
  std::optional<InferenceResult> marginals;  // sum-product: marginals and log Z (when asked)
  std::optional<InferenceResult> map;        // max-product (when `query map`)
};

struct SolveAnswer {
  std::size_t mdp = 0;  // index into CompiledModel::mdps
  control::SolveOptions options;
  // The flat solve; with a latent per step, the flat policy Σ_z π_hi π_lo and its V.
  // Empty (no steps) with a latent per episode: see `episode`.
  control::ControlSolution solution;
  // A latent per step: the leaf policies, leaf_policy[t][0] = π_hi(z|s) ([s][z]) and
  // leaf_policy[t][1] = π_lo(a|s,z) ([s][z][a]); its `flat` is moved to `solution`.
  std::optional<control::StepModelSolution> step;
  // A latent per episode: per z (V, π), the posterior over z and log p(O).
  std::optional<control::EpisodeLatentSolution> episode;
};

struct LqrAnswer {
  std::size_t lqr = 0;  // index into CompiledModel::lqrs
  control::LqrSolution solution;
};

// What `learn reward` learned (copi/control/irl.hpp): θ by CompiledModel::learns[learn]
// .problem.features.names, the reward per (state, action) row, L(θ), counts, ...
struct IrlAnswer {
  std::size_t learn = 0;  // index into CompiledModel::learns
  control::IrlResult result;
};

struct ModelAnswers {
  std::optional<GraphAnswers> graph;  // when the model has variables or graph queries
  std::vector<SolveAnswer> solves;    // one per solve statement of an mdp block, in order
  std::vector<LqrAnswer> lqr_solves;  // one per solve statement of an lqr block, in order
  std::vector<IrlAnswer> learns;      // one per learn reward statement, in order
};

// Throws what the algorithms throw; evidence of probability zero becomes an
// InputError at the observation that makes it impossible (the first one, in source
// order, after which the evidence so far has probability zero).
ModelAnswers run_model(const CompiledModel& model, const RunSettings& settings = {});

}  // namespace copi::dsl
