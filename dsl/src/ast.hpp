// Private. The abstract syntax tree of a .copi file, as Boost.Spirit X3 produces it.
// Plain structs; every node that can be named in a diagnostic is position_tagged.
// Nothing here leaves dsl/: the checker lowers it to copi's own model objects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>

namespace copi::dsl::ast {

namespace x3 = boost::spirit::x3;

struct Identifier : x3::position_tagged {
  std::string name;
};

struct Number : x3::position_tagged {
  double value = 0;
};

struct Reference;
struct Unary;
struct Chain;
struct Call;
struct Conditional;

struct Expression : x3::variant<Number, x3::forward_ast<Reference>, x3::forward_ast<Unary>, x3::forward_ast<Chain>,
                                x3::forward_ast<Call>, x3::forward_ast<Conditional>> {
  using base_type::base_type;
  using base_type::operator=;
};

// `x`, `x[i][j+1]`: a parameter, a loop variable or a random variable (array element).
struct Reference : x3::position_tagged {
  Identifier name;
  std::vector<Expression> indices;
};

struct Unary : x3::position_tagged {
  std::string op;  // "-", "+", "not"
  Expression operand;
};

struct Operation : x3::position_tagged {
  std::string op;
  Expression operand;
};

// first op1 e1 op2 e2 ...: one precedence level, evaluated left to right ("^" right
// to left).
struct Chain : x3::position_tagged {
  Expression first;
  std::vector<Operation> rest;
};

struct Call : x3::position_tagged {
  Identifier function;
  std::vector<Expression> arguments;
};

struct Conditional : x3::position_tagged {
  Expression condition;
  Expression if_true;
  Expression if_false;
};

// ---- data sources -------------------------------------------------------------

// csv("file.csv") or csv("file.csv", "column"): numbers from a CSV file;
// csv("file.csv", "column", value): `value` in every row when the file has no such
// column (an optional column).
struct CsvSource : x3::position_tagged {
  std::string path;
  std::optional<std::string> column;
  std::optional<Expression> missing;
};

// ---- tables --------------------------------------------------------------------------

struct ArrayLiteral;

struct TableItem : x3::variant<Expression, x3::forward_ast<ArrayLiteral>> {
  using base_type::base_type;
  using base_type::operator=;
};

struct ArrayLiteral : x3::position_tagged {
  std::vector<TableItem> items;
};

// ---- declarations ----------------------------------------------------------------

// `param A = [[1, 1], [0, 1]]`, `param m = [0, 1]`: a matrix or vector parameter.
struct ParamValue : x3::variant<Expression, CsvSource, ArrayLiteral> {
  using base_type::base_type;
  using base_type::operator=;
};

struct ParamDefinition : x3::position_tagged {
  Identifier name;
  ParamValue value;
};

struct ParamStatement : x3::position_tagged {
  std::vector<ParamDefinition> definitions;
};

// A domain element: a label (a bare name that is not a parameter) or a number.
using DomainItem = Expression;  // a bare name is resolved by the checker (label or parameter)

struct RangeDomain : x3::position_tagged {
  Expression low;
  Expression high;
};

struct BoolDomain : x3::position_tagged {
  std::string keyword;
};

struct ListDomain : x3::position_tagged {
  std::vector<DomainItem> items;
};

// `real` (a scalar) or `real[d]` (a vector in R^d): a real variable.
struct RealDomain : x3::position_tagged {
  std::string keyword;
  std::optional<Expression> dimension;
};

struct Domain : x3::variant<ListDomain, RangeDomain, BoolDomain, RealDomain> {
  using base_type::base_type;
  using base_type::operator=;
};

struct VariableName : x3::position_tagged {
  Identifier name;
  std::vector<Expression> dimensions;
};

struct VarStatement : x3::position_tagged {
  std::vector<VariableName> names;
  Domain domain;
};

// One row of a conditional keyed by parent states: `yes: [0.1, 0.9]`,
// `(yes, no): [...]`.
using StateKey = Expression;  // a bare name is resolved by the checker (label or parameter)

struct KeyedRow : x3::position_tagged {
  std::vector<StateKey> key;
  ArrayLiteral row;
};

struct KeyedRows : x3::position_tagged {
  std::vector<KeyedRow> rows;
};

struct TableValue : x3::variant<ArrayLiteral, KeyedRows, CsvSource, Expression> {
  using base_type::base_type;
  using base_type::operator=;
};

// p(child | parents) = table
struct ConditionalStatement : x3::position_tagged {
  Reference child;
  std::vector<Reference> parents;
  TableValue table;
};

// table(x, y) = [...]: a potential table (linear, non-negative)
struct TableStatement : x3::position_tagged {
  std::vector<Reference> scope;
  TableValue table;
};

// factor <log-potential expression over the variables' numeric values>
struct FactorStatement : x3::position_tagged {
  Expression potential;
};

// ---- real variables ------------------------------------------------------------

// One argument of a distribution: a value (an expression or a literal `[...]`), or in
// a mixture `weight: normal(mean, variance)` (then `value` is the weight).
struct DrawArgument : x3::position_tagged {
  TableItem value;
  std::optional<TableItem> component;
};

// `x ~ normal(mean, variance)`, `x ~ mvnormal(mean, cov)`, `data ~ mixture(w: normal(...), ...)`.
struct DrawStatement : x3::position_tagged {
  Reference target;
  Identifier distribution;
  std::vector<DrawArgument> arguments;
};

// `constraint EXPR > 0`, `lo <= EXPR <= hi`, `abs(EXPR) <= eps`: a step or interval site.
struct ConstraintStatement : x3::position_tagged {
  Expression condition;
};

// ---- evidence, queries, algorithm ------------------------------------------------

using StateValue = Expression;  // a bare name is resolved by the checker (label or parameter)

struct Observation : x3::position_tagged {
  Reference variable;
  StateValue value;
};

struct EvidenceStatement : x3::position_tagged {
  std::vector<Observation> observations;
};

struct QueryItem : x3::position_tagged {
  Identifier kind;  // marginal, map, logZ
  std::vector<Reference> arguments;
};

struct QueryStatement : x3::position_tagged {
  std::vector<QueryItem> items;
};

// cluster a, b[1], x[i] (a row of a 2-d array): one cluster of structured mean field;
// cluster[key, ...] members: statements with equal keys join one cluster.
struct ClusterStatement : x3::position_tagged {
  std::vector<Expression> key;
  std::vector<Reference> members;
};

using OptionValue = Expression;  // a bare name is resolved by the checker (label or parameter)

struct AlgorithmOption : x3::position_tagged {
  Identifier key;
  OptionValue value;
};

struct InferStatement : x3::position_tagged {
  Identifier algorithm;
  std::vector<AlgorithmOption> options;
};

struct QuotedPath : x3::position_tagged {
  std::string text;
};

struct IncludeStatement : x3::position_tagged {
  QuotedPath path;
};

// ---- MDP blocks ------------------------------------------------------------------

struct Component : x3::position_tagged {
  Identifier name;
  Domain domain;
};

struct Assignment : x3::position_tagged {
  Identifier component;  // written x' in the source
  Expression value;
};

struct Outcome : x3::position_tagged {
  std::vector<Assignment> assignments;  // empty: stay
  Expression probability;
};

struct StateDeclaration : x3::position_tagged {
  std::vector<Component> components;
};
struct ActionDeclaration : x3::position_tagged {
  Component component;
};
struct NextRule : x3::position_tagged {
  Expression condition;
  std::vector<Outcome> outcomes;
};
struct MdpSetting : x3::position_tagged {
  std::string keyword;  // reward, absorbing, wall, forbid, prior, discount, temperature, horizon
  Expression value;
};
struct StartDeclaration : x3::position_tagged {
  std::vector<Observation> assignments;
};
// `latent z : {a, b} per step` (or `per episode`): a latent variable of the block's
// policy. Outside an mdp block it is parsed too, to say where it belongs.
struct LatentDeclaration : x3::position_tagged {
  Component component;
  std::string mode;  // "step" or "episode"
};

// Inside a block, `p(z | y, x) = ...` and `p(move | y, x, z) = ...` are the latent's
// and the action's distributions (ConditionalStatement, as outside a block).
struct MdpItemVariant : x3::variant<StateDeclaration, ActionDeclaration, NextRule, MdpSetting, StartDeclaration,
                                    LatentDeclaration, ConditionalStatement> {
  using base_type::base_type;
  using base_type::operator=;
};

struct MdpStatement : x3::position_tagged {
  Identifier name;
  std::vector<MdpItemVariant> items;
};

struct SolveStatement : x3::position_tagged {
  Identifier mdp;
  Identifier method;
  std::vector<AlgorithmOption> options;
};

// ---- inverse RL: learn reward of NAME from "FILE" { feature ... } with METHOD(...) --

struct FeatureDefinition : x3::position_tagged {
  Identifier name;
  Expression value;
};

struct LearnMethod : x3::position_tagged {
  Identifier name;  // variational or exact
  std::vector<AlgorithmOption> options;
};

struct LearnStatement : x3::position_tagged {
  Identifier mdp;
  QuotedPath demonstrations;
  std::vector<FeatureDefinition> features;
  std::optional<LearnMethod> method;  // without `with ...`: variational, default options
};

// ---- LQR blocks ------------------------------------------------------------------

// `KEY = value` inside `lqr NAME { ... }` (the `=` is optional): a number or a
// parameter expression (a 1 x 1 matrix, a 1-vector, a scalar), a vector `[1, 0]` or a
// matrix `[[1, 0], [0, 1]]`.
struct LqrItem : x3::position_tagged {
  Identifier key;  // A, B, noise, Q, R, N, Qf, x0, x0_cov, horizon, temperature
  TableItem value;
};

// The expression form: `state x, v` / `action u` name the scalar components, one
// `dynamics x' = ...` per state component (linear in the components), `reward EXPR`
// and `final EXPR` (quadratic forms) are generic LqrItems keyed reward / final.
struct LqrDeclaration : x3::position_tagged {
  std::string keyword;  // "state" or "action"
  std::vector<Identifier> names;
};

struct LqrDynamics : x3::position_tagged {
  std::vector<Assignment> assignments;
};

struct LqrEntry : x3::variant<LqrDeclaration, LqrDynamics, LqrItem> {
  using base_type::base_type;
  using base_type::operator=;
};

struct LqrStatement : x3::position_tagged {
  Identifier name;
  std::vector<LqrEntry> items;
};

// ---- control flow ---------------------------------------------------------------

struct ForStatement;
struct IfStatement;

struct Statement
    : x3::variant<ParamStatement, VarStatement, FactorStatement, ConditionalStatement, TableStatement,
                  EvidenceStatement, QueryStatement, ClusterStatement, InferStatement, IncludeStatement, MdpStatement,
                  SolveStatement, LqrStatement, LatentDeclaration, DrawStatement, ConstraintStatement, x3::forward_ast<ForStatement>, x3::forward_ast<IfStatement>,
                  LearnStatement> {
  using base_type::base_type;
  using base_type::operator=;
};

struct LoopRange : x3::position_tagged {
  Identifier variable;
  Expression low;
  Expression high;
};

struct ForStatement : x3::position_tagged {
  std::vector<LoopRange> ranges;
  std::vector<Statement> body;
};

struct IfStatement : x3::position_tagged {
  Expression condition;
  std::vector<Statement> then_body;
  std::vector<Statement> else_body;
};

struct Program : x3::position_tagged {
  std::vector<Statement> statements;
};

}  // namespace copi::dsl::ast
