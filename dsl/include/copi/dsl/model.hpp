// Compiling a .copi model: parse (Boost.Spirit X3), check, and lower to the same
// FactorGraph the C++ API builds, with the model's evidence, queries and choice of
// algorithm. Errors never throw: they come back as diagnostics, in source order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "copi/control/irl.hpp"
#include "copi/control/lqr.hpp"
#include "copi/control/mdp.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/dsl/diagnostic.hpp"
#include "copi/graph/error.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/algorithms.hpp"

namespace copi::dsl {

// `latent z : ... per step` / `per episode` in an mdp block, with its distributions as
// written (rows that sum to one within kRowSumTolerance are rescaled to sum to one).
enum class LatentMode { per_step, per_episode };

struct NamedLatent {
  std::string name;
  LatentMode mode = LatentMode::per_step;
  std::vector<std::string> labels;  // one per value (numbers written out for numeric domains)
  std::vector<double> values;       // numeric value of each state (labels: 0, 1, ...)
  // per step: p(z | s), num_states x Z laid out [s][z]; per episode: p(z), Z entries.
  std::vector<double> prior;
  // p(a | s, z), num_states x Z x A laid out [s][z][a]. In absorbing and wall states
  // all mass is on the first action, the only one available there.
  std::vector<double> skill;

  [[nodiscard]] std::size_t size() const { return labels.size(); }
};

// An `mdp NAME { ... }` block, lowered: the MDP plus how its states are factored
// (state index = mixed radix over the components, the last component fastest).
struct NamedMdp {
  std::string name;
  control::Mdp mdp;
  std::vector<std::string> components;
  std::vector<std::size_t> component_sizes;
  std::vector<std::vector<double>> component_values;  // numeric value of each component state
  std::vector<std::vector<std::string>> component_labels;  // per component: its labels (empty: numeric)
  std::string action_name;
  std::vector<double> action_values;  // numeric value of each action (labels: 0, 1, ...)
  std::vector<std::uint8_t> walls;  // empty (no `wall` item) or one flag per state: an obstacle
  std::optional<NamedLatent> latent;  // `latent ...`: the policy is p(z ...) and p(action | ..., z)
};

// `solve NAME with METHOD(key = value, ...)`: the method and its checked options.
struct MdpSolve {
  std::string mdp;
  control::SolveOptions options;
};

// `learn reward of NAME from "FILE" { feature ... } with METHOD(...)`: maximum causal
// entropy inverse RL of an mdp block's reward from demonstrations (copi/control/irl.hpp),
// lowered: the features tabulated, the demonstrations read and checked.
struct IrlLearn {
  std::string mdp;              // the block's name
  std::size_t mdp_index = 0;    // into CompiledModel::mdps
  std::string method;           // "variational" or "exact"
  control::IrlProblem problem;  // the block's MDP (its reward is ignored), features, counts, p_0
  std::vector<control::Episode> episodes;
  control::IrlOptions options;
  std::string demonstrations;   // the CSV's path
  std::vector<std::string> notes;  // for the user (about the demonstrations)
};

// An `lqr NAME { A = ..., B = ..., ... }` block, lowered and validated.
struct NamedLqr {
  std::string name;
  control::LqrProblem problem;
};

// `solve NAME with METHOD` of an lqr block (it takes no options).
struct LqrSolve {
  std::string lqr;
  control::ControlMethod method = control::ControlMethod::variational;
};

// One observation of an `evidence` statement, where it was written.
struct EvidenceItem {
  VarId variable;
  std::size_t state = 0;
  SourceLocation where;
};

struct CompiledModel {
  FactorGraph graph;
  Evidence evidence;
  std::vector<EvidenceItem> evidence_items;  // in source order (repeats of one observation once)
  RealEvidence real_evidence;                // `evidence x = value` on real variables
  std::vector<VarId> marginal_queries;  // in query order; empty and no map/logZ = all
  std::vector<VarId> covariance_queries;  // `cov(x)`: real variables whose covariance matrix is printed
  std::vector<VarId> variance_queries;    // `var(x)`: real variables whose variances are printed
  bool query_map = false;
  bool query_log_z = false;
  InferenceAlgorithm algorithm;  // `infer NAME(...)`, checked; default auto; carries the clusters
  std::vector<std::vector<VarId>> clusters;  // `cluster` statements, for structured mean field
  std::vector<NamedMdp> mdps;
  std::vector<MdpSolve> solves;
  std::vector<NamedLqr> lqrs;
  std::vector<LqrSolve> lqr_solves;  // in source order
  std::vector<IrlLearn> learns;      // `learn reward` statements, in source order
};

struct CompileResult {
  std::optional<CompiledModel> model;  // set when there are no diagnostics
  Diagnostics diagnostics;
};

// Tolerance on |sum of a conditional's row - 1|.
inline constexpr double kRowSumTolerance = 1e-6;

CompileResult compile_file(const std::filesystem::path& path);
// `file_name` names the text in diagnostics; includes and CSV files are found
// relative to `directory`.
CompileResult compile_text(const std::string& text, const std::string& file_name,
                           const std::filesystem::path& directory = ".");

}  // namespace copi::dsl
