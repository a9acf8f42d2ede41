#include "trw/pairwise_model.hpp"

#include <cmath>
#include <deque>
#include <stdexcept>
#include <unordered_map>

#include "copi/graph/error.hpp"

namespace copi::detail {
namespace {

// The pairwise model over full domains, before arc consistency.
struct FullModel {
  std::vector<std::uint32_t> card;
  std::vector<std::uint32_t> input_variable;
  std::vector<std::uint32_t> input_factor;
  std::vector<std::vector<std::uint32_t>> states;  // auxiliaries: table index per state; inputs: identity
  std::vector<std::vector<double>> unary;
  std::vector<TrwEdge> edges;

  std::uint32_t add_variable(std::uint32_t states_count, std::uint32_t variable, std::uint32_t factor) {
    card.push_back(states_count);
    input_variable.push_back(variable);
    input_factor.push_back(factor);
    states.emplace_back();
    unary.emplace_back(states_count, 0.0);
    return static_cast<std::uint32_t>(card.size() - 1);
  }
};

// The input factor of each reduced factor: reduce_model keeps, in graph order, the
// factors with at least one unobserved variable.
std::vector<std::uint32_t> reduced_sources(const FactorGraph& graph, const ReducedModel& reduced) {
  std::vector<std::uint32_t> source;
  for (std::uint32_t f = 0; f < graph.num_factors(); ++f) {
    for (const VarId v : scope_of(graph.factors()[f])) {
      if (!reduced.observed()[v.index]) {
        source.push_back(f);
        break;
      }
    }
  }
  if (source.size() != reduced.factors().size()) throw std::logic_error("trw: reduced factors do not match the graph");
  return source;
}

void add_pairwise(FullModel& model, std::unordered_map<std::uint64_t, std::uint32_t>& pair_edge,
                  const DiscreteFactor& factor, std::uint32_t source, const std::vector<std::uint32_t>& work_of) {
  std::uint32_t a = work_of[factor.scope()[0].index];
  std::uint32_t b = work_of[factor.scope()[1].index];
  const bool transposed = a > b;
  if (transposed) std::swap(a, b);
  const std::uint64_t key = (std::uint64_t{a} << 32) | b;
  auto [it, fresh] = pair_edge.try_emplace(key, static_cast<std::uint32_t>(model.edges.size()));
  if (fresh) {
    TrwEdge edge;
    edge.a = a;
    edge.b = b;
    edge.log_table.assign(std::size_t{model.card[a]} * model.card[b], 0.0);
    model.edges.push_back(std::move(edge));
  }
  TrwEdge& edge = model.edges[it->second];
  edge.factors.push_back(source);
  const std::vector<double>& logs = factor.log_values();
  const std::uint32_t ca = model.card[a];
  const std::uint32_t cb = model.card[b];
  for (std::uint32_t y = 0; y < cb; ++y) {
    for (std::uint32_t x = 0; x < ca; ++x) {
      edge.log_table[x + std::size_t{ca} * y] += transposed ? logs[y + std::size_t{cb} * x] : logs[x + std::size_t{ca} * y];
    }
  }
}

// An auxiliary variable over the factor's joint states of positive value, tied to each
// scope variable by an indicator edge.
void add_auxiliary(FullModel& model, const DiscreteFactor& factor, std::uint32_t source,
                   const std::vector<std::uint32_t>& work_of) {
  const std::vector<double>& logs = factor.log_values();
  std::vector<std::uint32_t> kept;
  for (std::uint32_t i = 0; i < logs.size(); ++i) {
    if (logs[i] != -INFINITY) kept.push_back(i);
  }
  const std::uint32_t aux = model.add_variable(static_cast<std::uint32_t>(kept.size()), kNotTrw, source);
  for (std::size_t s = 0; s < kept.size(); ++s) model.unary[aux][s] = logs[kept[s]];
  model.states[aux] = kept;
  std::size_t stride = 1;
  for (std::size_t j = 0; j < factor.arity(); ++j) {
    const std::uint32_t var = work_of[factor.scope()[j].index];
    const std::size_t card = factor.cardinalities()[j];
    TrwEdge edge;
    edge.a = aux;
    edge.b = var;
    edge.factors.push_back(source);
    edge.log_table.assign(kept.size() * card, -INFINITY);
    for (std::size_t s = 0; s < kept.size(); ++s) edge.log_table[s + kept.size() * ((kept[s] / stride) % card)] = 0.0;
    model.edges.push_back(std::move(edge));
    stride *= card;
  }
}

FullModel full_model(const FactorGraph& graph, const ReducedModel& reduced, std::vector<std::uint32_t>& work_of) {
  FullModel model;
  work_of.assign(graph.num_variables(), kNotTrw);
  for (std::uint32_t v = 0; v < graph.num_variables(); ++v) {
    if (!reduced.observed()[v]) {
      work_of[v] = model.add_variable(static_cast<std::uint32_t>(graph.variables()[v].cardinality), v, kNotTrw);
      for (std::uint32_t x = 0; x < model.card[work_of[v]]; ++x) model.states[work_of[v]].push_back(x);
    }
  }
  const std::vector<std::uint32_t> source = reduced_sources(graph, reduced);
  std::unordered_map<std::uint64_t, std::uint32_t> pair_edge;
  for (std::size_t k = 0; k < source.size(); ++k) {
    const DiscreteFactor& factor = *reduced.factors()[k];
    if (factor.arity() == 1) {
      std::vector<double>& unary = model.unary[work_of[factor.scope()[0].index]];
      for (std::size_t x = 0; x < unary.size(); ++x) unary[x] += factor.log_values()[x];
    } else if (factor.arity() == 2) {
      add_pairwise(model, pair_edge, factor, source[k], work_of);
    } else {
      add_auxiliary(model, factor, source[k], work_of);
    }
  }
  return model;
}

[[noreturn]] void throw_no_state(const FactorGraph& graph, const FullModel& model, std::uint32_t v) {
  const std::string what = model.input_variable[v] != kNotTrw
                               ? graph.variables()[model.input_variable[v]].name
                               : "the variables of factor " + std::to_string(model.input_factor[v]);
  throw ImpossibleEvidence("tree-reweighted BP: the evidence and the hard zeros of the model leave " + what +
                           " no possible state (Z = 0)");
}

// Arc consistency (AC-3): allowed[v][x] ends true exactly for the states with a finite
// unary that have, along every edge, a compatible allowed state at the other end.
std::vector<std::vector<char>> arc_consistent_states(const FactorGraph& graph, const FullModel& model) {
  const std::size_t n = model.card.size();
  std::vector<std::vector<char>> allowed(n);
  std::vector<std::vector<std::uint32_t>> incident(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    allowed[v].resize(model.card[v]);
    bool any = false;
    for (std::uint32_t x = 0; x < model.card[v]; ++x) any |= (allowed[v][x] = model.unary[v][x] != -INFINITY) != 0;
    if (!any) throw_no_state(graph, model, v);
  }
  for (std::uint32_t e = 0; e < model.edges.size(); ++e) {
    incident[model.edges[e].a].push_back(e);
    incident[model.edges[e].b].push_back(e);
  }
  // Removes the states of `side`'s end of edge e without support; true when any went.
  auto revise = [&](const TrwEdge& edge, bool side_is_a) {
    const std::uint32_t u = side_is_a ? edge.a : edge.b;
    const std::uint32_t w = side_is_a ? edge.b : edge.a;
    const std::size_t ca = model.card[edge.a];
    bool changed = false;
    for (std::uint32_t x = 0; x < model.card[u]; ++x) {
      if (!allowed[u][x]) continue;
      bool supported = false;
      for (std::uint32_t y = 0; y < model.card[w] && !supported; ++y) {
        const std::size_t index = side_is_a ? x + ca * y : y + ca * x;
        supported = allowed[w][y] && edge.log_table[index] != -INFINITY;
      }
      if (!supported) {
        allowed[u][x] = 0;
        changed = true;
      }
    }
    return changed;
  };
  std::deque<std::uint32_t> queue;
  std::vector<char> queued(n, 1);
  for (std::uint32_t v = 0; v < n; ++v) queue.push_back(v);
  while (!queue.empty()) {
    const std::uint32_t v = queue.front();
    queue.pop_front();
    queued[v] = 0;
    for (const std::uint32_t e : incident[v]) {
      const TrwEdge& edge = model.edges[e];
      const bool other_is_a = edge.b == v;
      const std::uint32_t other = other_is_a ? edge.a : edge.b;
      if (!revise(edge, other_is_a)) continue;
      bool any = false;
      for (const char a : allowed[other]) any |= a != 0;
      if (!any) throw_no_state(graph, model, other);
      if (!queued[other]) {
        queued[other] = 1;
        queue.push_back(other);
      }
    }
  }
  return allowed;
}

}  // namespace

PairwiseModel build_pairwise_model(const FactorGraph& graph, const Evidence& evidence) {
  const ReducedModel reduced = reduce_model(graph, evidence);
  if (reduced.impossible()) throw ImpossibleEvidence("the evidence has probability zero under the model");
  std::vector<std::uint32_t> work_of;
  const FullModel full = full_model(graph, reduced, work_of);
  const std::vector<std::vector<char>> allowed = arc_consistent_states(graph, full);

  // Kept states and their unary values.
  const std::size_t n = full.card.size();
  std::vector<std::vector<std::uint32_t>> kept(n);
  std::vector<std::vector<double>> unary(n);
  for (std::uint32_t v = 0; v < n; ++v) {
    for (std::uint32_t x = 0; x < full.card[v]; ++x) {
      if (!allowed[v][x]) continue;
      kept[v].push_back(x);
      unary[v].push_back(full.unary[v][x]);
    }
  }

  PairwiseModel model;
  model.log_constant = reduced.log_constant();
  // Edges touching a fixed variable fold into the other end (their values there are
  // finite: arc consistency); the others are restricted to the kept states.
  std::vector<TrwEdge> edges;
  for (const TrwEdge& edge : full.edges) {
    const std::size_t ca = full.card[edge.a];
    const auto value = [&](std::uint32_t x, std::uint32_t y) { return edge.log_table[kept[edge.a][x] + ca * kept[edge.b][y]]; };
    const std::size_t ka = kept[edge.a].size();
    const std::size_t kb = kept[edge.b].size();
    if (ka == 1 && kb == 1) {
      model.log_constant += value(0, 0);
    } else if (ka == 1) {
      for (std::uint32_t y = 0; y < kb; ++y) unary[edge.b][y] += value(0, y);
    } else if (kb == 1) {
      for (std::uint32_t x = 0; x < ka; ++x) unary[edge.a][x] += value(x, 0);
    } else {
      TrwEdge restricted;
      restricted.a = edge.a;
      restricted.b = edge.b;
      restricted.factors = edge.factors;
      restricted.log_table.resize(ka * kb);
      for (std::uint32_t y = 0; y < kb; ++y) {
        for (std::uint32_t x = 0; x < ka; ++x) restricted.log_table[x + ka * y] = value(x, y);
      }
      edges.push_back(std::move(restricted));
    }
  }

  // TRW variables: those with two or more states left.
  model.trw_variable.assign(graph.num_variables(), kNotTrw);
  model.fixed_state.assign(graph.num_variables(), kNotTrw);
  for (const auto& [var, state] : evidence) model.fixed_state[var.index] = static_cast<std::uint32_t>(state);
  std::vector<std::uint32_t> renumber(n, kNotTrw);
  for (std::uint32_t v = 0; v < n; ++v) {
    const std::uint32_t input = full.input_variable[v];
    if (kept[v].size() == 1) {
      model.log_constant += unary[v][0];
      if (input != kNotTrw) model.fixed_state[input] = kept[v][0];
      continue;
    }
    renumber[v] = static_cast<std::uint32_t>(model.card.size());
    if (input != kNotTrw) model.trw_variable[input] = renumber[v];
    model.card.push_back(static_cast<std::uint32_t>(kept[v].size()));
    model.input_variable.push_back(input);
    model.input_factor.push_back(full.input_factor[v]);
    std::vector<std::uint32_t> states;
    for (const std::uint32_t x : kept[v]) states.push_back(full.states[v][x]);
    model.states.push_back(std::move(states));
    model.unary.push_back(std::move(unary[v]));
  }
  for (TrwEdge& edge : edges) {
    edge.a = renumber[edge.a];
    edge.b = renumber[edge.b];
    model.edges.push_back(std::move(edge));
  }
  return model;
}

}  // namespace copi::detail
