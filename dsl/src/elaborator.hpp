// Private. Walks a checked-as-it-goes AST and lowers it into a CompiledModel: runs
// `for` and `if`, evaluates parameters, declares variables (arrays become blocks of
// variables named "x[i][j]"), builds factors from tables, conditionals and
// log-potential expressions, and records evidence, queries and the algorithm.
// Semantic errors become diagnostics; the statement at fault is skipped and the walk
// goes on, so every error of a file is reported, in source order.
#pragma once

#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <Eigen/Dense>

#include "ast.hpp"
#include "conditional_graph.hpp"
#include "copi/dsl/model.hpp"
#include "parse.hpp"
#include "suggest.hpp"
#include "var_set.hpp"

namespace copi::dsl {

// The expression inside trivial precedence levels (a chain without operators).
const ast::Expression& unwrap(const ast::Expression& e);
// The annotated node an expression starts with, for diagnostics.
const boost::spirit::x3::position_tagged& position_of(const ast::Expression& e);

// At most 2^22 variables (a 2048 x 2048 grid takes ~0.6 GB as named, labelled
// variables before any factor): a runaway model is a clear error.
inline constexpr std::size_t kMaxVariables = std::size_t{1} << 22;

// A semantic error at a node; thrown inside the elaborator, caught per statement.
struct SemanticError {
  const boost::spirit::x3::position_tagged* where;
  std::string message;
};

// Shortest text that reads back as the same double ("0.1", "1e+09", "1234567").
std::string format_number(double v);

struct VariableDomain {
  std::size_t cardinality = 0;
  std::vector<std::string> labels;  // empty for numeric domains
  std::vector<double> values;       // numeric value of each state (labels: 0, 1, ...)
};

struct VariableArray {
  std::vector<std::size_t> dims;  // empty for a scalar
  std::uint32_t first = 0;        // VarId of element 0 (row-major)
  VariableDomain domain;          // discrete variables
  std::size_t real_dimension = 0;  // > 0: real variables in R^real_dimension
};

// The value of a linear expression of real variables: constant + Σ_v coefficient_v x_v,
// of shape rows x cols. Only constants may be matrices (cols > 1); a number is 1 x 1
// and a vector n x 1.
struct Affine {
  Eigen::MatrixXd constant;
  std::vector<std::pair<VarId, Eigen::MatrixXd>> terms;  // rows x dim(v), in order of first use

  [[nodiscard]] bool is_constant() const { return terms.empty(); }
  [[nodiscard]] bool is_scalar() const { return constant.rows() == 1 && constant.cols() == 1; }
};

// "a number", "a 2-vector", "a 2 x 3 matrix".
std::string describe_shape(Eigen::Index rows, Eigen::Index cols);
// a + sign * b, the shapes already equal.
Affine affine_sum(Affine a, const Affine& b, double sign);
// Without the variables whose coefficients are all zero (`0 * x`, `x - x`).
Affine without_zero_terms(Affine value);

class MdpLowering;
class LqrLowering;
class IrlLowering;

class Elaborator {
 public:
  explicit Elaborator(CompiledModel& model);

  // Lowers the main file (its canonical path joins the include stack, so a file that
  // includes it back is a cycle); includes are parsed and lowered in place.
  void run_main(const ParsedFile& file);
  void run(const ParsedFile& file);

  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  using Statements = std::vector<ast::Statement>;

  void statements(const Statements& list);
  void statement(const ast::Statement& s);
  void param(const ast::ParamStatement& s);
  void var(const ast::VarStatement& s);
  void factor(const ast::FactorStatement& s);
  void conditional(const ast::ConditionalStatement& s);
  void table(const ast::TableStatement& s);
  void evidence(const ast::EvidenceStatement& s);
  void query(const ast::QueryStatement& s);
  void cluster(const ast::ClusterStatement& s);
  void infer(const ast::InferStatement& s);
  void include(const ast::IncludeStatement& s);
  void mdp(const ast::MdpStatement& s);
  void solve(const ast::SolveStatement& s);
  // `learn reward of NAME from "FILE" { feature ... } with METHOD(...)` (irl_lowering.cpp).
  void learn(const ast::LearnStatement& s);
  // `lqr NAME { ... }` and its `solve` (lqr_lowering.cpp).
  void lqr(const ast::LqrStatement& s);
  void solve_lqr(const ast::SolveStatement& s);
  // Real variables: `x ~ normal(...)` (real_draws.cpp), `~ mixture(...)`
  // (real_mixtures.cpp), `constraint ...` and `factor probit(...)` (real_sites.cpp),
  // evidence on a real variable (real_evidence.cpp), and the check that the chosen
  // algorithm can run a model with real variables, after the last statement
  // (continuous_algorithm_check.cpp).
  void draw(const ast::DrawStatement& s);
  struct GaussianParts {
    Affine mean;
    Eigen::MatrixXd covariance;
  };
  void data_likelihood(const ast::DrawStatement& s, const GaussianParts& parts, const Affine& observed);
  void selected_draw(const ast::DrawStatement& s, VarId selector, std::optional<VarId> target, std::size_t d);
  void mixture_draw(const ast::DrawStatement& s, std::optional<VarId> target, const Affine& observed);
  // The weights of `mixture(w: ..., ...)`, each checked (a number >= 0) and their sum 1.
  std::vector<double> mixture_weights(const ast::DrawStatement& s);
  GaussianParts gaussian_parts(const ast::DrawStatement& s, std::size_t d, std::optional<VarId> target);
  Affine checked_mean(const Affine& value, const boost::spirit::x3::position_tagged& at, std::size_t d,
                      const std::string& left);
  Eigen::MatrixXd checked_covariance(const std::string& dist, const Affine& cov,
                                     const boost::spirit::x3::position_tagged& at, std::size_t d);
  void conditional_linear_gaussian(const ast::DrawStatement& s, VarId selector, VarId target,
                                   std::vector<GaussianParts> components);
  // `x ~ mixture(w: mvnormal(...), ...)` of a vector: a hidden selector "x.component".
  void vector_mixture_draw(const ast::DrawStatement& s, std::optional<VarId> target, std::size_t d);
  std::vector<VarId> parents_of(const ast::DrawStatement& s, const Affine& mean, VarId target,
                                std::optional<VarId> selector = std::nullopt);
  LinearGaussianFactor linear_gaussian(VarId target, const std::vector<VarId>& parents,
                                       const GaussianParts& parts) const;
  void discrete_variables_in(const ast::Expression& e, std::vector<VarId>& out);
  void constraint(const ast::ConstraintStatement& s);
  void likelihood(const ast::FactorStatement& s, const ast::Call& call);
  void real_evidence(const ast::Observation& o, VarId var);
  void check_algorithm_fits_model();
  // The scope, dimensions and stacked row of a scalar linear value (its projection).
  struct Projection {
    std::vector<VarId> scope;
    std::vector<std::size_t> dims;
    Eigen::VectorXd row;
    double offset = 0.0;
  };
  Projection projection_of(const Affine& value) const;
  // `key = value` options as text (a bare word stays a word), and their problems
  // reported at the key or the value.
  std::vector<OptionSetting> option_settings(const std::vector<ast::AlgorithmOption>& options);
  void report_option_problems(const std::vector<ast::AlgorithmOption>& options,
                              const std::vector<OptionSetting>& settings, const std::vector<OptionProblem>& problems);
  void for_loop(const ast::ForStatement& s, std::size_t range_index);
  void if_statement(const ast::IfStatement& s);

  // Expressions
  double evaluate(const ast::Expression& e);
  double evaluate_reference(const ast::Reference& r);
  double evaluate_chain(const ast::Chain& c);
  double evaluate_call(const ast::Call& c);
  long long evaluate_integer(const ast::Expression& e, const char* what);
  // Linear expressions of real variables, vectors and matrices (linear_expression.cpp).
  Affine linear(const ast::Expression& e);
  Affine linear_item(const ast::TableItem& item);
  Affine linear_reference(const ast::Reference& r);
  Affine linear_chain(const ast::Chain& c);
  Affine linear_call(const ast::Call& c);
  Eigen::MatrixXd argsort(const ast::Call& c);
  // A literal `[1, 2]` (a vector) or `[[1, 0], [0, 1]]` (a matrix, one bracket per row).
  Eigen::MatrixXd literal_matrix(const ast::ArrayLiteral& array);
  // Whether the expression mentions a real variable.
  bool mentions_real(const ast::Expression& e) const;
  // Whether it mentions a whole vector or matrix (a parameter or data column without
  // an index, or eye(n)): then it is evaluated as a linear expression.
  bool mentions_whole_array(const ast::Expression& e) const;
  bool is_real(VarId v) const { return model_.graph.variable(v).is_real(); }
  // A bare name that is neither a parameter, a loop variable nor a variable.
  const std::string* bare_label(const ast::Expression& e) const;
  // "unknown name 'x'" with a suggestion, or a hint when x is a label.
  std::string unknown_name(const std::string& name) const;

  // Labels (labels.cpp)
  // "param", "loop variable", "variable", "data array", or null for an undefined name.
  const char* kind_of_name(const std::string& name) const;
  // The index of `e` as a label of `domain` when `e` is a bare name among its labels
  // (an error when that name is also defined otherwise).
  std::optional<std::size_t> label_of(const VariableDomain& domain, const std::string& variable,
                                      const ast::Expression& e) const;
  // Records in labels_ every bare name compared with a labelled variable in `e`.
  void resolve_labels(const ast::Expression& e);
  void compare_with_label(const ast::Expression& variable, const ast::Expression& name);

  // Variables
  VarId resolve_variable(const ast::Reference& r);
  // resolve_variable, refusing a real variable where `what` (p(...), table(...)) needs
  // a discrete one.
  VarId discrete_variable(const ast::Reference& r, const char* what);
  std::vector<VarId> resolve_variables(const ast::Reference& r);  // whole arrays too
  std::size_t state_of(VarId var, const ast::Expression& value, const char* context);
  void collect_variables(const ast::Expression& e, std::vector<VarId>& out);
  VariableDomain domain_of(const ast::Domain& d);

  // Tables
  // Entries of a nested array in order; nested arrays must be rectangular.
  std::vector<double> flatten(const ast::ArrayLiteral& array);
  std::vector<double> read_csv_numbers(const ast::CsvSource& source, std::size_t* columns);
  void add_factor(std::vector<VarId> scope, std::vector<double> log_values, const ast::Reference& where);
  std::string describe_cycle(VarId child, const std::vector<VarId>& parents,
                             const std::vector<std::uint32_t>& cycle) const;

  [[noreturn]] void fail(const boost::spirit::x3::position_tagged& where, std::string message) const;
  void report(const boost::spirit::x3::position_tagged* where, std::string message);
  void report(Diagnostic d);

  friend class MdpLowering;
  friend class LqrLowering;
  friend class IrlLowering;

  CompiledModel& model_;
  Diagnostics diagnostics_;
  const ParsedFile* file_ = nullptr;  // the file whose AST is being walked
  std::vector<std::filesystem::path> include_stack_;
  std::vector<std::unique_ptr<ParsedFile>> included_;
  std::map<std::string, double> params_;
  std::map<std::string, std::vector<double>> array_params_;
  std::map<std::string, Eigen::MatrixXd> matrix_params_;  // `param A = [[...]]`; vectors are n x 1
  std::vector<std::pair<std::string, double>> loop_;  // innermost last
  std::map<std::string, VariableArray> arrays_;
  std::vector<const VariableDomain*> domain_of_var_;  // per VarId
  std::deque<VariableDomain> hidden_domains_;         // of the selectors of vector mixtures
  // While a factor's potential is evaluated: the state of each variable in scope.
  const std::vector<VarId>* bound_vars_ = nullptr;
  const std::vector<std::size_t>* bound_states_ = nullptr;
  // The references of the factor being tabulated, resolved once (its loop indices
  // do not change while its table is filled).
  std::vector<std::pair<const ast::Reference*, VarId>> resolved_;
  // The labels compared with a variable in that factor, as their state indices.
  std::vector<std::pair<const ast::Reference*, double>> labels_;
  VarSet has_conditional_;           // children of the p(child | ...) statements so far
  ConditionalGraph conditionals_;    // their parent -> child edges, kept free of directed cycles
  std::set<std::string> failed_mdps_;  // mdp and lqr blocks with errors: `solve` skips them silently
  bool infer_seen_ = false;
  std::optional<Diagnostic> infer_at_;  // where `infer NAME` names its algorithm
  std::optional<Diagnostic> map_at_;    // the first `map` query
  VarSet drawn_;                        // real variables with a `~` so far
  VarSet real_queried_, covariance_queried_, variance_queried_;  // by mean/var/cov(...) so far
  std::map<std::vector<double>, std::size_t> cluster_keys_;  // cluster[key] statements: key -> cluster
  std::map<VarId, std::size_t> cluster_of_;                   // variables in clusters so far
  std::size_t loop_iterations_ = 0;  // all loops together, against kMaxLoopIterations
};

}  // namespace copi::dsl
