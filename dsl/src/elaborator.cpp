#include "elaborator.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "copi/graph/error.hpp"
#include "csv_source.hpp"

namespace copi::dsl {
namespace {

constexpr std::size_t kMaxDiagnostics = 100;
// Budgets that turn a runaway model into a clear error instead of a hang or an
// out-of-memory crash. 2^22 variables (a 2048 x 2048 grid) take ~0.6 GB as named,
// labelled variables before any factor; fuzzing found 2^25 reaching 4 GB.
constexpr std::size_t kMaxLoopIterations = std::size_t{1} << 28;
constexpr std::size_t kMaxFactorEntries = std::size_t{1} << 22;

}  // namespace

std::string format_number(double v) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, result.ptr);
}

Elaborator::Elaborator(CompiledModel& model) : model_(model) {}

void Elaborator::fail(const boost::spirit::x3::position_tagged& where, std::string message) const {
  throw SemanticError{&where, std::move(message)};
}

void Elaborator::report(const boost::spirit::x3::position_tagged* where, std::string message) {
  if (diagnostics_.size() >= kMaxDiagnostics) return;
  static const boost::spirit::x3::position_tagged nowhere;
  report(file_->state->at(where ? *where : nowhere, std::move(message)));
}

void Elaborator::report(Diagnostic d) {
  if (diagnostics_.size() >= kMaxDiagnostics) return;
  // A loop repeats its body's errors; each is reported once.
  if (std::find(diagnostics_.begin(), diagnostics_.end(), d) != diagnostics_.end()) return;
  diagnostics_.push_back(std::move(d));
}

void Elaborator::run_main(const ParsedFile& file) {
  std::error_code ec;
  include_stack_.push_back(std::filesystem::weakly_canonical(file.file, ec));
  run(file);
  include_stack_.pop_back();
  check_algorithm_fits_model();
}

void Elaborator::run(const ParsedFile& file) {
  const ParsedFile* outer = file_;
  file_ = &file;
  statements(file.program.statements);
  file_ = outer;
}

void Elaborator::statements(const Statements& list) {
  for (const ast::Statement& s : list) {
    if (diagnostics_.size() >= kMaxDiagnostics) return;
    try {
      statement(s);
    } catch (const SemanticError& error) {
      report(error.where, error.message);
    } catch (const copi::Error& error) {
      report(nullptr, error.what());
    }
  }
}

void Elaborator::statement(const ast::Statement& s) {
  struct Visitor {
    Elaborator& self;
    void operator()(const ast::ParamStatement& x) const { self.param(x); }
    void operator()(const ast::VarStatement& x) const { self.var(x); }
    void operator()(const ast::FactorStatement& x) const { self.factor(x); }
    void operator()(const ast::ConditionalStatement& x) const { self.conditional(x); }
    void operator()(const ast::TableStatement& x) const { self.table(x); }
    void operator()(const ast::EvidenceStatement& x) const { self.evidence(x); }
    void operator()(const ast::QueryStatement& x) const { self.query(x); }
    void operator()(const ast::ClusterStatement& x) const { self.cluster(x); }
    void operator()(const ast::InferStatement& x) const { self.infer(x); }
    void operator()(const ast::IncludeStatement& x) const { self.include(x); }
    void operator()(const ast::MdpStatement& x) const { self.mdp(x); }
    void operator()(const ast::SolveStatement& x) const { self.solve(x); }
    void operator()(const ast::LearnStatement& x) const { self.learn(x); }
    void operator()(const ast::LqrStatement& x) const { self.lqr(x); }
    void operator()(const ast::DrawStatement& x) const { self.draw(x); }
    void operator()(const ast::ConstraintStatement& x) const { self.constraint(x); }
    void operator()(const ast::LatentDeclaration& x) const {
      self.fail(x, "'latent' declares a latent variable of an mdp block's policy: write it inside 'mdp NAME { ... }'");
    }
    void operator()(const ast::ForStatement& x) const { self.for_loop(x, 0); }
    void operator()(const ast::IfStatement& x) const { self.if_statement(x); }
  };
  boost::apply_visitor(Visitor{*this}, s);
}

// ---- parameters, loops, conditions -----------------------------------------------

void Elaborator::param(const ast::ParamStatement& s) {
  for (const ast::ParamDefinition& d : s.definitions) {
    const std::string& name = d.name.name;
    if (params_.contains(name) || array_params_.contains(name) || arrays_.contains(name) ||
        matrix_params_.contains(name)) {
      fail(d.name, "'" + name + "' is already defined");
    }
    if (const auto* array = boost::get<ast::ArrayLiteral>(&d.value)) {
      matrix_params_[name] = literal_matrix(*array);
    } else if (const auto* csv = boost::get<ast::CsvSource>(&d.value)) {
      std::size_t columns = 0;
      std::vector<double> values = read_csv_numbers(*csv, &columns);
      if (columns > 1) {
        // The whole table: a matrix, one row per line (Y[t] is row t, a vector).
        matrix_params_[name] = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            values.data(), static_cast<Eigen::Index>(values.size() / columns), static_cast<Eigen::Index>(columns));
      } else {
        array_params_[name] = std::move(values);
      }
    } else {
      const ast::Expression& e = boost::get<ast::Expression>(d.value);
      if (mentions_whole_array(e)) {
        // `param Q = 0.1 * Q0`, `param m = A * m0`: a vector or matrix expression.
        if (mentions_real(e)) fail(position_of(e), "a parameter cannot depend on a real variable");
        Affine value = linear(e);
        if (value.is_scalar()) {
          params_[name] = value.constant(0, 0);
        } else {
          matrix_params_[name] = std::move(value.constant);
        }
      } else {
        params_[name] = evaluate(e);
      }
    }
  }
}

void Elaborator::for_loop(const ast::ForStatement& s, std::size_t range_index) {
  if (range_index == s.ranges.size()) {
    statements(s.body);
    return;
  }
  const ast::LoopRange& range = s.ranges[range_index];
  const long long low = evaluate_integer(range.low, "a loop bound");
  const long long high = evaluate_integer(range.high, "a loop bound");
  if (high >= low && static_cast<std::size_t>(high - low) >= kMaxLoopIterations - loop_iterations_) {
    fail(range, "the loops of this model would run more than 2^28 times in all");
  }
  loop_.emplace_back(range.variable.name, 0.0);
  for (long long i = low; i <= high; ++i) {
    if (++loop_iterations_ > kMaxLoopIterations) {
      loop_.pop_back();
      fail(range, "the loops of this model would run more than 2^28 times in all");
    }
    loop_.back().second = static_cast<double>(i);
    for_loop(s, range_index + 1);
    if (diagnostics_.size() >= kMaxDiagnostics) break;
  }
  loop_.pop_back();
}

void Elaborator::if_statement(const ast::IfStatement& s) {
  statements(evaluate(s.condition) != 0.0 ? s.then_body : s.else_body);
}

void Elaborator::include(const ast::IncludeStatement& s) {
  const std::filesystem::path base = std::filesystem::path(file_->file).parent_path();
  const std::filesystem::path path = base / s.path.text;
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  if (std::find(include_stack_.begin(), include_stack_.end(), canonical) != include_stack_.end()) {
    fail(s.path, "include cycle: '" + s.path.text + "' is already being included");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(s.path, "cannot open included file '" + path.string() + "'");
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto parsed = parse_text(path.string(), buffer.str());
  if (!parsed->ok) {
    for (const Diagnostic& d : parsed->state->diagnostics()) diagnostics_.push_back(d);
    return;
  }
  include_stack_.push_back(canonical);
  included_.push_back(std::move(parsed));
  run(*included_.back());
  include_stack_.pop_back();
}

// ---- variables ---------------------------------------------------------------------

VariableDomain Elaborator::domain_of(const ast::Domain& d) {
  VariableDomain domain;
  if (boost::get<ast::BoolDomain>(&d)) {
    domain.labels = {"false", "true"};
    domain.values = {0.0, 1.0};
  } else if (const auto* range = boost::get<ast::RangeDomain>(&d)) {
    const long long low = evaluate_integer(range->low, "a range bound");
    const long long high = evaluate_integer(range->high, "a range bound");
    if (high < low) fail(*range, "empty range " + std::to_string(low) + ".." + std::to_string(high));
    if (high - low >= (1LL << 24)) fail(*range, "range with more than 2^24 states");
    for (long long v = low; v <= high; ++v) domain.values.push_back(static_cast<double>(v));
  } else {
    const auto& list = boost::get<ast::ListDomain>(d);
    for (const ast::Expression& item : list.items) {
      if (const std::string* label = bare_label(item)) {
        if (!domain.values.empty() && domain.labels.empty()) {
          fail(position_of(item), "mixed labels and numbers in a domain: '" + *label + "' is not a parameter");
        }
        if (std::find(domain.labels.begin(), domain.labels.end(), *label) != domain.labels.end()) {
          fail(position_of(item), "state '" + *label + "' listed twice");
        }
        domain.labels.push_back(*label);
        domain.values.push_back(static_cast<double>(domain.values.size()));
      } else {
        if (!domain.labels.empty()) fail(position_of(item), "mixed labels and numbers in a domain");
        const double v = evaluate(item);
        if (std::find(domain.values.begin(), domain.values.end(), v) != domain.values.end()) {
          fail(position_of(item), "state " + format_number(v) + " listed twice");
        }
        domain.values.push_back(v);
      }
    }
  }
  domain.cardinality = domain.values.size();
  return domain;
}

void Elaborator::var(const ast::VarStatement& s) {
  std::size_t real_dimension = 0;
  if (const auto* real = boost::get<ast::RealDomain>(&s.domain)) {
    real_dimension = 1;
    if (real->dimension) {
      const long long d = evaluate_integer(*real->dimension, "a dimension");
      if (d < 1 || d > 4096) {
        fail(position_of(*real->dimension), "the dimension of a real variable must be in [1, 4096], got " +
                                                std::to_string(d));
      }
      real_dimension = static_cast<std::size_t>(d);
    }
  }
  const VariableDomain domain = real_dimension > 0 ? VariableDomain{} : domain_of(s.domain);
  for (const ast::VariableName& name : s.names) {
    const std::string& id = name.name.name;
    if (arrays_.contains(id) || params_.contains(id) || array_params_.contains(id) || matrix_params_.contains(id)) {
      fail(name.name, "'" + id + "' is already defined");
    }
    VariableArray array;
    array.domain = domain;
    array.real_dimension = real_dimension;
    std::size_t count = 1;
    for (const ast::Expression& dim : name.dimensions) {
      const long long n = evaluate_integer(dim, "an array size");
      if (n <= 0) fail(position_of(dim), "array size must be positive, got " + std::to_string(n));
      array.dims.push_back(static_cast<std::size_t>(n));
      count *= static_cast<std::size_t>(n);
      if (count + model_.graph.num_variables() > kMaxVariables) {
        fail(name, "the model would have more than 2^22 variables");
      }
    }
    array.first = static_cast<std::uint32_t>(model_.graph.num_variables());
    auto& stored = arrays_[id] = std::move(array);
    std::vector<std::size_t> index(stored.dims.size(), 0);
    std::vector<std::string> labels = stored.domain.labels;
    if (labels.empty()) {
      for (const double v : stored.domain.values) labels.push_back(format_number(v));
    }
    model_.graph.reserve(count, 0);
    std::string full;
    for (std::size_t k = 0; k < count; ++k) {
      full = id;
      for (const std::size_t i : index) {
        full += '[';
        full += std::to_string(i);
        full += ']';
      }
      model_.graph.add_variable(real_dimension > 0 ? Variable::real(full, real_dimension)
                                                   : Variable{full, stored.domain.cardinality, labels});
      domain_of_var_.push_back(&stored.domain);
      for (std::size_t d = index.size(); d-- > 0;) {  // row-major: last index fastest
        if (++index[d] < stored.dims[d]) break;
        index[d] = 0;
      }
    }
  }
}

VarId Elaborator::resolve_variable(const ast::Reference& r) {
  const auto it = arrays_.find(r.name.name);
  if (it == arrays_.end()) {
    if (const char* kind = kind_of_name(r.name.name)) {
      fail(r.name, "'" + r.name.name + "' is a " + kind + ", not a variable");
    }
    std::vector<std::string> known;
    for (const auto& [name, array] : arrays_) known.push_back(name);
    fail(r.name, "unknown variable '" + r.name.name + "'" + suggest(r.name.name, known));
  }
  const VariableArray& array = it->second;
  if (r.indices.size() != array.dims.size()) {
    fail(r, "'" + r.name.name + "' has " + std::to_string(array.dims.size()) + " dimension(s), " +
                std::to_string(r.indices.size()) + " index(es) given");
  }
  std::size_t offset = 0;
  for (std::size_t d = 0; d < array.dims.size(); ++d) {
    const long long i = evaluate_integer(r.indices[d], "an index");
    if (i < 0 || static_cast<std::size_t>(i) >= array.dims[d]) {
      fail(r, "index " + std::to_string(i) + " out of range for '" + r.name.name + "' (dimension " +
                  std::to_string(d + 1) + " has size " + std::to_string(array.dims[d]) + ")");
    }
    offset = offset * array.dims[d] + static_cast<std::size_t>(i);
  }
  return VarId{static_cast<std::uint32_t>(array.first + offset)};
}

VarId Elaborator::discrete_variable(const ast::Reference& r, const char* what) {
  const VarId v = resolve_variable(r);
  if (is_real(v)) {
    fail(r, "'" + model_.graph.variable(v).name + "' is a real variable; " + what +
                " takes discrete ones (a real variable gets its distribution with '~')");
  }
  return v;
}

// A whole array by its name, a sub-array by its leading indices (`x[i]`: row i of a
// 2-d array), or one variable.
std::vector<VarId> Elaborator::resolve_variables(const ast::Reference& r) {
  const auto it = arrays_.find(r.name.name);
  if (it == arrays_.end() || r.indices.size() >= it->second.dims.size()) return {resolve_variable(r)};
  const VariableArray& array = it->second;
  std::size_t offset = 0;
  for (std::size_t d = 0; d < r.indices.size(); ++d) {
    const long long i = evaluate_integer(r.indices[d], "an index");
    if (i < 0 || static_cast<std::size_t>(i) >= array.dims[d]) {
      fail(r, "index " + std::to_string(i) + " out of range for '" + r.name.name + "' (dimension " +
                  std::to_string(d + 1) + " has size " + std::to_string(array.dims[d]) + ")");
    }
    offset = offset * array.dims[d] + static_cast<std::size_t>(i);
  }
  std::size_t count = 1;
  for (std::size_t d = r.indices.size(); d < array.dims.size(); ++d) count *= array.dims[d];
  std::vector<VarId> all;
  for (std::size_t k = 0; k < count; ++k) all.push_back(VarId{static_cast<std::uint32_t>(array.first + offset * count + k)});
  return all;
}

std::size_t Elaborator::state_of(VarId var, const ast::Expression& value, const char* context) {
  const VariableDomain& domain = *domain_of_var_[var.index];
  const std::string& name = model_.graph.variable(var).name;
  if (const std::optional<std::size_t> index = label_of(domain, name, value)) return *index;
  if (const std::string* label = bare_label(value)) {
    throw SemanticError{&boost::get<boost::spirit::x3::forward_ast<ast::Reference>>(unwrap(value)).get(),
                        std::string(context) + ": '" + name + "' has no state '" + *label + "'" +
                            suggest(*label, domain.labels)};
  }
  const double v = evaluate(value);
  if (!domain.labels.empty()) {
    // Labelled states are numbered 0, 1, ...: a number is a state index.
    if (v >= 0 && v < static_cast<double>(domain.cardinality) && v == std::floor(v)) return static_cast<std::size_t>(v);
  } else {
    const auto it = std::find(domain.values.begin(), domain.values.end(), v);
    if (it != domain.values.end()) return static_cast<std::size_t>(it - domain.values.begin());
  }
  throw SemanticError{nullptr, std::string(context) + ": '" + name + "' has no state " + format_number(v)};
}

// ---- factors -------------------------------------------------------------------------

void Elaborator::add_factor(std::vector<VarId> scope, std::vector<double> log_values, const ast::Reference& where) {
  for (std::size_t i = 0; i < scope.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (scope[i] == scope[j]) {
        fail(where, "variable '" + model_.graph.variable(scope[i]).name + "' appears twice in one factor");
      }
    }
  }
  std::vector<std::size_t> cards;
  for (const VarId v : scope) cards.push_back(model_.graph.cardinality(v));
  model_.graph.add_factor(DiscreteFactor(std::move(scope), std::move(cards), std::move(log_values)));
}

void Elaborator::collect_variables(const ast::Expression& e, std::vector<VarId>& out) {
  struct Visitor {
    Elaborator& self;
    std::vector<VarId>& out;
    void operator()(const ast::Number&) const {}
    void operator()(const ast::Reference& r) const {
      for (const ast::Expression& i : r.indices) self.collect_variables(i, out);
      if (!self.arrays_.contains(r.name.name)) return;
      const VarId v = self.discrete_variable(r, "a factor expression");
      self.resolved_.emplace_back(&r, v);
      if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    void operator()(const ast::Unary& u) const { self.collect_variables(u.operand, out); }
    void operator()(const ast::Chain& c) const {
      self.collect_variables(c.first, out);
      for (const ast::Operation& op : c.rest) self.collect_variables(op.operand, out);
    }
    void operator()(const ast::Call& c) const {
      for (const ast::Expression& a : c.arguments) self.collect_variables(a, out);
    }
    void operator()(const ast::Conditional& c) const {
      self.collect_variables(c.condition, out);
      self.collect_variables(c.if_true, out);
      self.collect_variables(c.if_false, out);
    }
  };
  boost::apply_visitor(Visitor{*this, out}, e);
}

void Elaborator::factor(const ast::FactorStatement& s) {
  if (mentions_real(s.potential)) {
    const auto* call = boost::get<boost::spirit::x3::forward_ast<ast::Call>>(&unwrap(s.potential));
    if (call == nullptr) {
      fail(position_of(s.potential), "a factor on real variables is a likelihood of a linear expression s: probit(s) or logistic(s)");
    }
    likelihood(s, call->get());
    return;
  }
  std::vector<VarId> scope;
  resolved_.clear();
  labels_.clear();
  collect_variables(s.potential, scope);
  resolve_labels(s.potential);
  std::vector<std::size_t> cards;
  std::size_t size = 1;
  for (const VarId v : scope) {
    cards.push_back(model_.graph.cardinality(v));
    size *= cards.back();
    if (size > kMaxFactorEntries) fail(s, "factor table would have more than 2^22 entries");
  }
  std::vector<double> log_values(size);
  std::vector<std::size_t> states(scope.size(), 0);
  bound_vars_ = &scope;
  bound_states_ = &states;
  try {
    for (std::size_t i = 0; i < size; ++i) {
      const double value = evaluate(s.potential);
      if (std::isnan(value) || value == INFINITY) {
        fail(s, "the log-potential is " + format_number(value) + " (it must be finite or -inf)");
      }
      log_values[i] = value;
      for (std::size_t d = 0; d < states.size(); ++d) {  // first variable fastest
        if (++states[d] < cards[d]) break;
        states[d] = 0;
      }
    }
  } catch (...) {
    bound_vars_ = nullptr;
    bound_states_ = nullptr;
    resolved_.clear();
    labels_.clear();
    throw;
  }
  bound_vars_ = nullptr;
  bound_states_ = nullptr;
  resolved_.clear();
  labels_.clear();
  if (scope.empty()) {
    model_.graph.add_factor(DiscreteFactor::constant(log_values[0]));
    return;
  }
  model_.graph.add_factor(DiscreteFactor(scope, cards, std::move(log_values)));
}

// ---- evidence, queries, algorithm ----------------------------------------------------

void Elaborator::evidence(const ast::EvidenceStatement& s) {
  for (const ast::Observation& o : s.observations) {
    const VarId var = resolve_variable(o.variable);
    if (is_real(var)) {
      real_evidence(o, var);
      continue;
    }
    std::size_t state = 0;
    try {
      state = state_of(var, o.value, "evidence");
    } catch (SemanticError& error) {
      if (error.where == nullptr) error.where = &position_of(o.value);
      throw;
    }
    const auto [it, inserted] = model_.evidence.emplace(var, state);
    if (!inserted && it->second != state) {
      fail(o, "conflicting evidence on '" + model_.graph.variable(var).name + "'");
    }
    if (inserted) {
      const Diagnostic at = file_->state->at(o, "");
      model_.evidence_items.push_back({var, state, SourceLocation{at.file, at.line, at.col}});
    }
  }
}

void Elaborator::query(const ast::QueryStatement& s) {
  for (const ast::QueryItem& item : s.items) {
    const std::string& kind = item.kind.name;
    if (kind == "marginal" || kind == "marginals") {
      if (item.arguments.empty()) fail(item, "marginal(...) needs at least one variable");
      for (const ast::Reference& r : item.arguments) {
        for (const VarId v : resolve_variables(r)) model_.marginal_queries.push_back(v);
      }
    } else if (kind == "mean" || kind == "var" || kind == "cov") {
      // The Gaussian marginal of real variables: mean (and sd) on stdout, with the
      // variance of each component for var(...) and the covariance matrix for
      // cov(...); the JSON has all of them for every one.
      if (item.arguments.empty()) fail(item, kind + "(...) needs at least one real variable");
      for (const ast::Reference& r : item.arguments) {
        for (const VarId v : resolve_variables(r)) {
          if (!is_real(v)) {
            fail(r, "'" + model_.graph.variable(v).name + "' is a discrete variable: " + kind +
                        "(...) is for real ones (use marginal(...))");
          }
          // mean(x), var(x) and cov(x) of one variable show it once.
          if (real_queried_.insert(v)) model_.marginal_queries.push_back(v);
          if (kind == "cov" && covariance_queried_.insert(v)) model_.covariance_queries.push_back(v);
          if (kind == "var" && variance_queried_.insert(v)) model_.variance_queries.push_back(v);
        }
      }
    } else if (kind == "map" || kind == "mpe") {
      model_.query_map = true;
      if (!map_at_) map_at_ = file_->state->at(item.kind, "");
    } else if (kind == "logZ" || kind == "logz") {
      model_.query_log_z = true;
    } else {
      static const std::vector<std::string> kKinds = {"marginal", "map", "logZ", "mean", "var", "cov"};
      fail(item.kind, "unknown query '" + kind + "': expected marginal(...), mean(...), var(...), cov(...), map or logZ" +
                          suggest(kind, kKinds));
    }
  }
}

std::vector<OptionSetting> Elaborator::option_settings(const std::vector<ast::AlgorithmOption>& options) {
  std::vector<OptionSetting> settings;
  for (const ast::AlgorithmOption& option : options) {
    // A bare word is a choice (`schedule = residual`), anything else a number.
    const std::string* word = bare_label(option.value);
    settings.push_back({option.key.name, word != nullptr ? *word : format_number(evaluate(option.value))});
  }
  return settings;
}

void Elaborator::report_option_problems(const std::vector<ast::AlgorithmOption>& options,
                                        const std::vector<OptionSetting>& settings,
                                        const std::vector<OptionProblem>& problems) {
  for (const OptionProblem& problem : problems) {
    const ast::AlgorithmOption& option = options[problem.index];
    if (problem.part == OptionProblem::Part::key) {
      report(&option.key, problem.message);
    } else {
      report(&position_of(option.value),
             settings[problem.index].key + " = " + settings[problem.index].value + ": " + problem.message);
    }
  }
}

// Clusters of structured mean field: each statement (or each key) one cluster, in the
// order first seen; a variable may belong to one cluster only.
void Elaborator::cluster(const ast::ClusterStatement& s) {
  std::vector<double> key;
  for (const ast::Expression& e : s.key) key.push_back(evaluate(e));
  std::size_t index = model_.clusters.size();
  if (!s.key.empty()) {
    const auto [it, inserted] = cluster_keys_.emplace(key, index);
    index = it->second;
  }
  std::vector<VarId> members;
  for (const ast::Reference& r : s.members) {
    for (const VarId v : resolve_variables(r)) {
      const auto [it, inserted] = cluster_of_.emplace(v, index);
      if (!inserted && it->second != index) {
        fail(r, "'" + model_.graph.variable(v).name + "' is already in cluster " + std::to_string(it->second + 1) +
                    "; clusters partition the variables");
      }
      if (inserted) members.push_back(v);
    }
  }
  if (index == model_.clusters.size()) model_.clusters.emplace_back();
  std::vector<VarId>& cluster = model_.clusters[index];
  cluster.insert(cluster.end(), members.begin(), members.end());
  model_.algorithm.set_clusters(model_.clusters);
}

// The algorithm and its options are checked here, against the library's table, so
// that a model that compiles never fails on its options.
void Elaborator::infer(const ast::InferStatement& s) {
  if (infer_seen_) fail(s, "the algorithm is chosen twice");
  infer_seen_ = true;
  infer_at_ = file_->state->at(s.algorithm, "");
  const std::vector<OptionSetting> settings = option_settings(s.options);
  const AlgorithmCheck check = check_inference_algorithm(s.algorithm.name, settings);
  if (!check.unknown_algorithm.empty()) fail(s.algorithm, check.unknown_algorithm);
  report_option_problems(s.options, settings, check.problems);
  if (check.algorithm) {
    model_.algorithm = *check.algorithm;
    model_.algorithm.set_clusters(model_.clusters);
  }
}

}  // namespace copi::dsl
