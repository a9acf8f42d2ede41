#include "copi/dsl/run_model.hpp"

#include <string>
#include <utility>

#include "copi/graph/error.hpp"

namespace copi::dsl {
namespace {

bool has_graph_part(const CompiledModel& model) {
  return model.graph.num_variables() > 0 || !model.marginal_queries.empty() || model.query_map || model.query_log_z;
}

// The evidence of the first `count` observations.
Evidence evidence_prefix(const CompiledModel& model, std::size_t count) {
  Evidence evidence;
  for (std::size_t i = 0; i < count; ++i) evidence.emplace(model.evidence_items[i].variable, model.evidence_items[i].state);
  return evidence;
}

bool impossible(const CompiledModel& model, const InferenceAlgorithm& algorithm, std::size_t count) {
  try {
    (void)algorithm.run(model.graph, evidence_prefix(model, count), model.real_evidence, Task::partition);
    return false;
  } catch (const ImpossibleEvidence&) {
    return true;
  }
}

// The evidence has probability zero: find the first observation after which it does
// (adding evidence never raises a probability, so a binary search over prefixes
// finds it) and report the error there.
[[noreturn]] void locate_impossible_evidence(const CompiledModel& model, const InferenceAlgorithm& algorithm,
                                             const ImpossibleEvidence& error) {
  if (model.evidence_items.empty()) throw error;
  std::size_t low = 0;  // P(first `low` observations) > 0
  std::size_t high = model.evidence_items.size();  // P(first `high`) = 0
  if (!impossible(model, algorithm, high)) throw error;
  while (high - low > 1) {
    const std::size_t mid = low + (high - low) / 2;
    (impossible(model, algorithm, mid) ? high : low) = mid;
  }
  const EvidenceItem& item = model.evidence_items[high - 1];
  const Variable& var = model.graph.variable(item.variable);
  throw InputError("the evidence has probability zero under the model: " + var.name + " = " +
                       var.state_name(item.state) +
                       (high == 1 ? " is impossible" : " is impossible given the evidence before it"),
                   item.where);
}

InferenceResult run_query(const CompiledModel& model, const InferenceAlgorithm& algorithm, Task task) {
  try {
    return algorithm.run(model.graph, model.evidence, model.real_evidence, task);
  } catch (const ImpossibleEvidence& error) {
    locate_impossible_evidence(model, algorithm, error);
  }
}

GraphAnswers run_graph(const CompiledModel& model, const InferenceAlgorithm& algorithm) {
  GraphAnswers answers;
  answers.shown = model.marginal_queries;
  if (answers.shown.empty() && !model.query_map && !model.query_log_z) {
    for (std::size_t v = 0; v < model.graph.num_variables(); ++v) answers.shown.push_back(VarId{static_cast<std::uint32_t>(v)});
  }
  if (!answers.shown.empty() || model.query_log_z) answers.marginals = run_query(model, algorithm, Task::marginals);
  if (model.query_map) answers.map = run_query(model, algorithm, Task::mpe);
  return answers;
}

// The fit speaks of its options as `copi irl` spells them; a learn statement spells
// them `tol`, `max_iter`, `horizon` (in the block) and `with variational`.
std::string in_statement_words(std::string text) {
  for (const auto& [flag, option] : {std::pair<std::string, std::string>{"--max-iter", "max_iter"},
                                     {"--tol", "tol"},
                                     {"--horizon", "a horizon"},
                                     {"--method variational", "with variational"}}) {
    for (std::size_t at = text.find(flag); at != std::string::npos; at = text.find(flag, at + option.size())) {
      text.replace(at, flag.size(), option);
    }
  }
  return text;
}

}  // namespace

ModelAnswers run_model(const CompiledModel& model, const RunSettings& settings) {
  ModelAnswers answers;
  if (has_graph_part(model)) {
    InferenceAlgorithm algorithm = model.algorithm;
    if (settings.threads != 0) algorithm.set_threads(settings.threads);
    answers.graph = run_graph(model, algorithm);
  }
  for (const MdpSolve& request : model.solves) {
    SolveAnswer answer;
    for (std::size_t i = 0; i < model.mdps.size(); ++i) {
      if (model.mdps[i].name == request.mdp) answer.mdp = i;
    }
    answer.options = request.options;
    answer.options.action_values = true;  // Q goes into copi run's JSON, as copi mdp's
    if (settings.threads != 0) answer.options.threads = settings.threads;
    const NamedMdp& named = model.mdps[answer.mdp];
    if (!named.latent) {
      answer.solution = control::solve(named.mdp, answer.options);
    } else if (named.latent->mode == LatentMode::per_step) {
      const control::StepModel step = control::latent_per_step(named.mdp, named.latent->size(), named.latent->prior,
                                                               named.latent->skill, named.latent->labels);
      answer.step = control::solve(named.mdp, step, answer.options);
      answer.solution = std::move(answer.step->flat);  // one copy of V and π
    } else {
      const control::EpisodeLatent latent{named.latent->prior, named.latent->skill, named.latent->labels};
      answer.episode = control::solve(named.mdp, latent, answer.options);
      answer.solution.method = answer.options.method;
    }
    answers.solves.push_back(std::move(answer));
  }
  for (const LqrSolve& request : model.lqr_solves) {
    LqrAnswer answer;
    for (std::size_t i = 0; i < model.lqrs.size(); ++i) {
      if (model.lqrs[i].name == request.lqr) answer.lqr = i;
    }
    answer.solution = control::solve_lqr(model.lqrs[answer.lqr].problem, request.method);
    answers.lqr_solves.push_back(std::move(answer));
  }
  for (std::size_t i = 0; i < model.learns.size(); ++i) {
    const IrlLearn& learn = model.learns[i];
    control::IrlOptions options = learn.options;
    if (settings.threads != 0) options.threads = settings.threads;
    IrlAnswer answer{i, {}};
    try {
      answer.result = control::fit_irl(learn.problem, options, learn.episodes);
    } catch (const NumericError& error) {
      throw NumericError("learn reward of " + learn.mdp + ": " + in_statement_words(error.what()));
    }
    answer.result.termination = in_statement_words(answer.result.termination);
    for (std::string& note : answer.result.notes) note = in_statement_words(note);
    answers.learns.push_back(std::move(answer));
  }
  return answers;
}

}  // namespace copi::dsl
