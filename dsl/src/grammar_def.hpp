// Private. The .copi grammar (Boost.Spirit X3). Statements start with a keyword, so
// they need no separators; `>` marks expectation points, where a mismatch becomes a
// diagnostic "expected <rule name>" at the failing position.
#pragma once

#include <boost/spirit/home/x3.hpp>
#include <boost/spirit/home/x3/support/utility/annotate_on_success.hpp>

#include "ast.hpp"
#include "ast_adapted.hpp"
#include "config.hpp"
#include "grammar.hpp"
#include "suggest.hpp"

namespace copi::dsl::parser {

namespace x3 = boost::spirit::x3;
using x3::alnum;
using x3::alpha;
using x3::char_;
using x3::eoi;
using x3::eol;
using x3::lexeme;
using x3::lit;
using x3::space;
using x3::string;

// Rule IDs: annotate the node's position on success; the program rule also turns an
// expectation failure into a diagnostic.
struct annotate_position {
  template <typename T, typename Iterator, typename Context>
  void on_success(const Iterator& first, const Iterator& last, T& ast, const Context& context) {
    ParseState& state = x3::get<parse_state_tag>(context).get();
    state.positions().annotate(ast, first, last);
  }
};

struct report_errors {
  template <typename Iterator, typename Exception, typename Context>
  x3::error_handler_result on_error(Iterator&, const Iterator&, const Exception& failure, const Context& context) {
    ParseState& state = x3::get<parse_state_tag>(context).get();
    std::string which = failure.which();
    // Inside a quoted string the failure is at the very spot (no skipping there).
    const auto where = which == "'\"'" ? failure.where() : state.skip_blank(failure.where());
    state.diagnostics().push_back(state.at(where, "expected " + which + keyword_hint(which, state.word_at(where))));
    return x3::error_handler_result::fail;
  }
};

// ---- lexical ------------------------------------------------------------------------

struct skipper_class;
const skipper_type skipper_rule = "whitespace";
const auto skipper_rule_def = space | (lit("//") >> *(char_ - eol) >> (eol | eoi)) |
                              (lit("/*") >> *(char_ - lit("*/")) >> lit("*/"));
BOOST_SPIRIT_DEFINE(skipper_rule)

// Numbers: digits, an optional fraction with digits after the dot (so "0..9" reads
// as 0 .. 9) and an optional exponent.
const auto to_number = [](auto& ctx) {
  const auto& range = x3::_attr(ctx);
  x3::_val(ctx).value = std::strtod(std::string(range.begin(), range.end()).c_str(), nullptr);
};
const auto unsigned_number = x3::raw[+x3::digit >> -('.' >> +x3::digit) >>
                                     -(char_("eE") >> -char_("+-") >> +x3::digit)];


inline auto keyword(const char* word) { return lexeme[lit(word) >> !(alnum | '_')]; }
// A keyword after an expectation point: named, so that a failure reads "expected 'then'".
struct then_keyword_class;
struct else_keyword_class;
struct in_keyword_class;
struct with_keyword_class;
const auto then_keyword = x3::rule<then_keyword_class>{"'then'"} = keyword("then");
const auto else_keyword = x3::rule<else_keyword_class>{"'else'"} = keyword("else");
const auto in_keyword = x3::rule<in_keyword_class>{"'in'"} = keyword("in");
const auto with_keyword = x3::rule<with_keyword_class>{"'with'"} = keyword("with");

const auto reserved = lexeme[(lit("param") | "var" | "factor" | "table" | "evidence" | "query" | "infer" |
                              "include" | "for" | "in" | "if" | "then" | "else" | "and" | "or" | "not" |
                              "bool" | "csv" | "p") >>
                             !(alnum | '_')];

struct identifier_class : annotate_position {};
struct name_class;
struct number_class : annotate_position {};
struct string_class;
const x3::rule<identifier_class, ast::Identifier> identifier = "name";
const x3::rule<name_class, std::string> name = "name";
const x3::rule<number_class, ast::Number> number = "number";
const x3::rule<string_class, std::string> quoted = "a quoted string";

const auto name_def = lexeme[!reserved >> (alpha | char_('_')) >> *(alnum | char_('_'))];
const auto identifier_def = name;
const auto number_def = lexeme[unsigned_number[to_number]];
const auto quoted_def = lexeme['"' > *(char_ - '"' - eol) > '"'];

// ---- expressions -------------------------------------------------------------------

struct expression_class;
struct reference_class : annotate_position {};
struct primary_class;
struct unary_class : annotate_position {};
struct power_class : annotate_position {};
struct product_class : annotate_position {};
struct sum_class : annotate_position {};
struct comparison_class : annotate_position {};
struct conjunction_class : annotate_position {};
struct disjunction_class : annotate_position {};
struct call_class : annotate_position {};
struct conditional_class : annotate_position {};
struct unary_expr_class;

const x3::rule<expression_class, ast::Expression> expression = "an expression";
const x3::rule<reference_class, ast::Reference> reference = "a name";
const x3::rule<primary_class, ast::Expression> primary = "an expression";
const x3::rule<unary_class, ast::Unary> unary = "an expression";
const x3::rule<unary_expr_class, ast::Expression> unary_expr = "an expression";
const x3::rule<power_class, ast::Chain> power = "an expression";
const x3::rule<product_class, ast::Chain> product = "an expression";
const x3::rule<sum_class, ast::Chain> sum = "an expression";
const x3::rule<comparison_class, ast::Chain> comparison = "an expression";
const x3::rule<conjunction_class, ast::Chain> conjunction = "an expression";
const x3::rule<disjunction_class, ast::Chain> disjunction = "an expression";
const x3::rule<call_class, ast::Call> call = "a function call";
const x3::rule<conditional_class, ast::Conditional> conditional = "an if-then-else expression";

struct operation_class : annotate_position {};
const auto op_rule = [](auto ops, auto operand) {
  return x3::rule<operation_class, ast::Operation>{"an operator"} = ops > operand;
};

const auto reference_def = identifier >> *('[' > expression > ']');
const auto call_def = identifier >> '(' >> -(expression % ',') > ')';
const auto conditional_def = keyword("if") > expression > then_keyword > expression > else_keyword > expression;
const auto primary_def = number | ('(' > expression > ')') | conditional | call | reference;
const auto unary_def = (string("-") | string("+") | (keyword("not") >> x3::attr(std::string("not")))) > unary_expr;
const auto unary_expr_def = unary | power;
const auto power_def = primary >> *op_rule(string("^"), unary_expr);
const auto product_def = unary_expr >> *op_rule(string("*") | string("/"), unary_expr);
const auto sum_def = product >> *op_rule(string("+") | string("-"), product);
const auto comparison_def = sum >> *op_rule(string("<=") | string(">=") | string("==") | string("!=") |
                                                 string("<") | string(">"),
                                             sum);
const auto conjunction_def = comparison >> *op_rule(keyword("and") >> x3::attr(std::string("and")), comparison);
const auto disjunction_def = conjunction >> *op_rule(keyword("or") >> x3::attr(std::string("or")), conjunction);
const auto expression_def = disjunction;

BOOST_SPIRIT_DEFINE(identifier, name, number, quoted, expression, reference, primary, unary, unary_expr, power,
                    product, sum, comparison, conjunction, disjunction, call, conditional)

// ---- statements --------------------------------------------------------------------

struct csv_class : annotate_position {};
struct param_definition_class : annotate_position {};
struct param_statement_class : annotate_position {};
struct range_domain_class : annotate_position {};
struct bool_domain_class : annotate_position {};
struct list_domain_class : annotate_position {};
struct real_domain_class : annotate_position {};
struct domain_class;
struct draw_argument_class : annotate_position {};
struct draw_statement_class : annotate_position {};
struct draw_arguments_class;
struct constraint_statement_class : annotate_position {};
struct variable_name_class : annotate_position {};
struct var_statement_class : annotate_position {};
struct array_literal_class : annotate_position {};
struct table_item_class;
struct keyed_row_class : annotate_position {};
struct keyed_rows_class : annotate_position {};
struct table_value_class;
struct conditional_statement_class : annotate_position {};
struct table_statement_class : annotate_position {};
struct factor_statement_class : annotate_position {};
struct observation_class : annotate_position {};
struct evidence_statement_class : annotate_position {};
struct query_item_class : annotate_position {};
struct query_statement_class : annotate_position {};
struct cluster_statement_class : annotate_position {};
struct algorithm_option_class : annotate_position {};
struct infer_statement_class : annotate_position {};
struct include_statement_class : annotate_position {};
struct loop_range_class : annotate_position {};
struct for_statement_class : annotate_position {};
struct if_statement_class : annotate_position {};
struct statement_class;
struct block_class;
struct program_class : annotate_position, report_errors {};
struct end_class;

const x3::rule<csv_class, ast::CsvSource> csv = "csv(\"file\")";
const x3::rule<param_definition_class, ast::ParamDefinition> param_definition = "a parameter definition";
const x3::rule<param_statement_class, ast::ParamStatement> param_statement = "param";
const x3::rule<range_domain_class, ast::RangeDomain> range_domain = "a range like 0..9";
const x3::rule<bool_domain_class, ast::BoolDomain> bool_domain = "bool";
const x3::rule<list_domain_class, ast::ListDomain> list_domain = "a list of states";
const x3::rule<real_domain_class, ast::RealDomain> real_domain = "real";
const x3::rule<domain_class, ast::Domain> domain = "a domain ({a, b}, {-1, +1}, 0..9, bool, real or real[d])";
const x3::rule<draw_argument_class, ast::DrawArgument> draw_argument = "an argument";
const x3::rule<draw_arguments_class, std::vector<ast::DrawArgument>> draw_arguments = "an argument";
const x3::rule<draw_statement_class, ast::DrawStatement> draw_statement = "x ~ distribution(...)";
const x3::rule<constraint_statement_class, ast::ConstraintStatement> constraint_statement = "constraint";
const x3::rule<variable_name_class, ast::VariableName> variable_name = "a variable name";
const x3::rule<var_statement_class, ast::VarStatement> var_statement = "var";
const x3::rule<array_literal_class, ast::ArrayLiteral> array_literal = "a table [ ... ]";
const x3::rule<table_item_class, ast::TableItem> table_item = "a table entry";
const x3::rule<keyed_row_class, ast::KeyedRow> keyed_row = "a row 'state: [ ... ]'";
const x3::rule<keyed_rows_class, ast::KeyedRows> keyed_rows = "rows { state: [ ... ], ... }";
const x3::rule<table_value_class, ast::TableValue> table_value = "a table, rows, csv(...) or an expression";
const x3::rule<conditional_statement_class, ast::ConditionalStatement> conditional_statement = "p(...)";
const x3::rule<table_statement_class, ast::TableStatement> table_statement = "table(...)";
const x3::rule<factor_statement_class, ast::FactorStatement> factor_statement = "factor";
const x3::rule<observation_class, ast::Observation> observation = "an observation 'x = state'";
const x3::rule<evidence_statement_class, ast::EvidenceStatement> evidence_statement = "evidence";
const x3::rule<query_item_class, ast::QueryItem> query_item = "a query (marginal(...), map or logZ)";
const x3::rule<query_statement_class, ast::QueryStatement> query_statement = "query";
const x3::rule<cluster_statement_class, ast::ClusterStatement> cluster_statement = "cluster";
const x3::rule<algorithm_option_class, ast::AlgorithmOption> algorithm_option = "an option 'name = value'";
const x3::rule<infer_statement_class, ast::InferStatement> infer_statement = "infer";
const x3::rule<include_statement_class, ast::IncludeStatement> include_statement = "include";
const x3::rule<loop_range_class, ast::LoopRange> loop_range = "a loop range 'i in 0..N-1'";
const x3::rule<for_statement_class, ast::ForStatement> for_statement = "for";
const x3::rule<if_statement_class, ast::IfStatement> if_statement = "if";
const x3::rule<statement_class, ast::Statement> statement = "a statement";
const x3::rule<block_class, std::vector<ast::Statement>> block = "'{' or ':'";
const program_type program_rule = "program";
const x3::rule<end_class> end_of_input = kExpectedStatement;

struct list_rule_1_class;
const x3::rule<list_rule_1_class, std::optional<std::string>> list_rule_1 = "',' or ')'";
struct list_rule_2_class;
const x3::rule<list_rule_2_class, ast::ParamValue> list_rule_2 = "an expression or csv(...)";
struct list_rule_3_class;
const x3::rule<list_rule_3_class, std::vector<ast::ParamDefinition>> list_rule_3 = "a parameter 'name = value'";
struct list_rule_4_class;
const x3::rule<list_rule_4_class, std::vector<ast::Expression>> list_rule_4 = "a state";
struct list_rule_5_class;
const x3::rule<list_rule_5_class, std::vector<ast::VariableName>> list_rule_5 = "a variable name";
struct list_rule_6_class;
const x3::rule<list_rule_6_class, std::vector<ast::TableItem>> list_rule_6 = "a table entry";
struct list_rule_7_class;
const x3::rule<list_rule_7_class, std::vector<ast::KeyedRow>> list_rule_7 = "a row 'state: [ ... ]'";
struct list_rule_8_class;
const x3::rule<list_rule_8_class, std::vector<ast::Reference>> list_rule_8 = "a variable";
struct list_rule_9_class;
const x3::rule<list_rule_9_class, std::vector<ast::Reference>> list_rule_9 = "'|' or ')'";
struct list_rule_10_class;
const x3::rule<list_rule_10_class, std::vector<ast::Observation>> list_rule_10 = "an observation 'x = state'";
struct list_rule_11_class;
const x3::rule<list_rule_11_class, std::vector<ast::Reference>> list_rule_11 = "'('";
struct list_rule_12_class;
const x3::rule<list_rule_12_class, std::vector<ast::QueryItem>> list_rule_12 = "a query (marginal(...), map or logZ)";
struct list_rule_13_class;
const x3::rule<list_rule_13_class, std::vector<ast::AlgorithmOption>> list_rule_13 = "an option 'name = value' or ')'";
struct list_rule_14_class;
const x3::rule<list_rule_14_class, std::vector<ast::AlgorithmOption>> list_rule_14 = "'(' or a statement";
struct list_rule_15_class;
const x3::rule<list_rule_15_class, std::vector<ast::Statement>> list_rule_15 = "a statement or '}'";
struct list_rule_16_class;
const x3::rule<list_rule_16_class, std::vector<ast::LoopRange>> list_rule_16 = "a loop range 'i in 0..N-1'";
struct list_rule_17_class;
const x3::rule<list_rule_17_class, std::vector<ast::Statement>> list_rule_17 = "else or a statement";
const auto csv_def = keyword("csv") > '(' > quoted > list_rule_1 > -(',' > expression) > ')';
const auto param_definition_def = identifier > '=' > list_rule_2;
const auto param_statement_def = keyword("param") > list_rule_3;
const auto range_domain_def = sum >> ".." > sum;
const auto bool_domain_def = lexeme[string("bool") >> !(alnum | '_')];
const auto list_domain_def = '{' > list_rule_4 > '}';
const auto real_domain_def = lexeme[string("real") >> !(alnum | '_')] >> -('[' > expression > ']');
const auto domain_def = bool_domain | real_domain | list_domain | range_domain;
const auto variable_name_def = identifier >> *('[' > expression > ']');
const auto var_statement_def = keyword("var") > list_rule_5 > ':' > domain;
const auto array_literal_def = '[' > list_rule_6 > ']';
const auto table_item_def = array_literal | expression;
const auto state_key = ('(' >> (expression % ',') >> ')') | x3::repeat(1)[expression];
const auto keyed_row_def = state_key >> ':' > array_literal;
const auto keyed_rows_def = '{' > list_rule_7 > '}';
const auto table_value_def = array_literal | keyed_rows | csv | expression;
const auto reference_list = list_rule_8;
const auto conditional_statement_def = keyword("p") > '(' > reference >
                                       list_rule_9 >
                                       ')' > '=' > table_value;
const auto table_statement_def = keyword("table") > '(' > reference_list > ')' > '=' > table_value;
const auto factor_statement_def = keyword("factor") > expression;
// `x ~ normal(...)`: no keyword, so the reference and '~' may backtrack (then the
// statement is reported as unknown, like any other).
const auto draw_argument_def = table_item >> -(':' > table_item);
const auto draw_arguments_def = draw_argument % ',';
const auto draw_statement_def = reference >> '~' > identifier > '(' > draw_arguments > ')';
const auto constraint_statement_def = keyword("constraint") > expression;
const auto observation_def = reference > '=' > expression;
const auto evidence_statement_def = keyword("evidence") > list_rule_10;
// `var` is a keyword, but `var(x)` is also the variance query.
struct query_word_class;
struct query_kind_class : annotate_position {};
const x3::rule<query_word_class, std::string> query_word = "a query (marginal(...), map or logZ)";
const x3::rule<query_kind_class, ast::Identifier> query_kind = "a query (marginal(...), map or logZ)";
const auto query_word_def = (lexeme[string("var") >> !(alnum | '_')] >> &lit('(')) | name;
const auto query_kind_def = query_word;
BOOST_SPIRIT_DEFINE(query_word, query_kind)
const auto query_item_def = query_kind >> list_rule_11;
const auto query_statement_def = keyword("query") > list_rule_12;
const auto cluster_key = -('[' > (expression % ',') > ']');
const auto cluster_statement_def = keyword("cluster") > cluster_key > reference_list;
const auto algorithm_option_def = identifier > '=' > expression;
const auto option_list = list_rule_13;
const auto infer_statement_def = keyword("infer") > identifier >
                                 list_rule_14;
struct quoted_path_class : annotate_position {};
const x3::rule<quoted_path_class, ast::QuotedPath> quoted_path = "a quoted string";
const auto quoted_path_def = quoted;
BOOST_SPIRIT_DEFINE(quoted_path)
const auto include_statement_def = keyword("include") > quoted_path;
const auto loop_range_def = identifier > in_keyword > sum > ".." > sum;
const auto statements = list_rule_15;
struct block_end_class;
struct one_statement_class;
const auto block_end = x3::rule<block_end_class>{kExpectedStatementInBlock} = lit('}');
const auto one_statement =
    x3::rule<one_statement_class, std::vector<ast::Statement>>{kExpectedOneStatement} = x3::repeat(1)[statement];
const auto block_def = ('{' > statements > block_end) | (':' > one_statement);
const auto for_statement_def = keyword("for") > list_rule_16 > block;
const auto if_statement_def = keyword("if") > expression > block >
                            list_rule_17;
// ---- MDP blocks
struct component_class : annotate_position {};
struct assignment_class : annotate_position {};
struct outcome_class : annotate_position {};
struct state_declaration_class : annotate_position {};
struct action_declaration_class : annotate_position {};
struct next_rule_class : annotate_position {};
struct mdp_setting_class : annotate_position {};
struct start_declaration_class : annotate_position {};
struct latent_declaration_class : annotate_position {};
struct latent_mode_class;
struct per_keyword_class;
struct mdp_item_class;
struct mdp_statement_class : annotate_position {};
struct solve_statement_class : annotate_position {};
struct components_class;
struct assignments_class;
struct outcomes_class;
struct mdp_items_class;
struct start_list_class;
const x3::rule<component_class, ast::Component> component = "a component 'name : domain'";
const x3::rule<assignment_class, ast::Assignment> assignment = "an assignment x' = value";
const x3::rule<outcome_class, ast::Outcome> outcome = "an outcome 'x' = value : probability'";
const x3::rule<state_declaration_class, ast::StateDeclaration> state_declaration = "state";
const x3::rule<action_declaration_class, ast::ActionDeclaration> action_declaration = "action";
const x3::rule<next_rule_class, ast::NextRule> next_rule = "next";
const x3::rule<mdp_setting_class, ast::MdpSetting> mdp_setting = "an MDP setting";
const x3::rule<start_declaration_class, ast::StartDeclaration> start_declaration = "start";
const x3::rule<latent_declaration_class, ast::LatentDeclaration> latent_declaration = "latent";
const x3::rule<latent_mode_class, std::string> latent_mode = "'step' or 'episode'";
const auto per_keyword = x3::rule<per_keyword_class>{"'per'"} = keyword("per");
const x3::rule<mdp_item_class, ast::MdpItemVariant> mdp_item = "an MDP item";
const x3::rule<mdp_statement_class, ast::MdpStatement> mdp_statement = "mdp";
const x3::rule<solve_statement_class, ast::SolveStatement> solve_statement = "solve";
const x3::rule<components_class, std::vector<ast::Component>> components = "a component 'name : domain'";
const x3::rule<assignments_class, std::vector<ast::Assignment>> assignments = "an assignment x' = value";
const x3::rule<outcomes_class, std::vector<ast::Outcome>> outcomes = "an outcome 'x' = value : probability'";
const x3::rule<mdp_items_class, std::vector<ast::MdpItemVariant>> mdp_items = "MDP items";
const x3::rule<start_list_class, std::vector<ast::Observation>> start_list = "a start assignment 'x = value'";

const auto component_def = identifier > ':' > domain;
const auto assignment_def = identifier >> lit('\'') > '=' > expression;
const auto outcome_def = (('(' > assignments > ')') | x3::repeat(1)[assignment] |
                          (keyword("stay") >> x3::attr(std::vector<ast::Assignment>{}))) > ':' > expression;
const auto components_def = component % ',';
const auto assignments_def = assignment % ',';
const auto outcomes_def = outcome % ',';
const auto start_list_def = observation % ',';
const auto state_declaration_def = keyword("state") > components;
const auto action_declaration_def = keyword("action") > component;
const auto next_rule_def = keyword("next") > expression > ':' > '{' > outcomes > '}';
const auto setting_word = (lexeme[(string("reward") | string("absorbing") | string("discount") | string("temperature") |
                                   string("horizon") | string("forbid") | string("prior") | string("wall")) >>
                                  !(alnum | '_')]);
const auto mdp_setting_def = setting_word > -lit('=') > expression;
const auto start_declaration_def = keyword("start") > start_list;
const auto latent_mode_def = lexeme[(string("step") | string("episode")) >> !(alnum | '_')];
const auto latent_declaration_def = keyword("latent") > component > per_keyword > latent_mode;
const auto mdp_item_def = state_declaration | action_declaration | next_rule | start_declaration | latent_declaration |
                          conditional_statement | mdp_setting;
const auto mdp_items_def = *mdp_item;
struct mdp_end_class;
const auto mdp_end = x3::rule<mdp_end_class>{kExpectedMdpItem} = lit('}');
const auto mdp_statement_def = keyword("mdp") > identifier > '{' > mdp_items > mdp_end;
const auto solve_statement_def = keyword("solve") > identifier > with_keyword > identifier > list_rule_14;
// ---- LQR blocks: `lqr NAME { KEY = value ... }`
struct lqr_item_class : annotate_position {};
struct lqr_items_class;
struct lqr_statement_class : annotate_position {};
struct lqr_end_class;
struct lqr_declaration_class : annotate_position {};
struct lqr_dynamics_class : annotate_position {};
struct lqr_names_class;
struct lqr_entry_class;
const x3::rule<lqr_item_class, ast::LqrItem> lqr_item = "an LQR item 'A = ...'";
const x3::rule<lqr_declaration_class, ast::LqrDeclaration> lqr_declaration = "state or action";
const x3::rule<lqr_dynamics_class, ast::LqrDynamics> lqr_dynamics = "dynamics";
const x3::rule<lqr_names_class, std::vector<ast::Identifier>> lqr_names = "a name";
const x3::rule<lqr_entry_class, ast::LqrEntry> lqr_entry = "an LQR item";
const x3::rule<lqr_items_class, std::vector<ast::LqrEntry>> lqr_items = "LQR items";
const x3::rule<lqr_statement_class, ast::LqrStatement> lqr_statement = "lqr";
const auto lqr_item_def = identifier > -lit('=') > table_item;
const auto lqr_names_def = identifier % ',';
const auto lqr_declaration_def =
    lexeme[(string("state") | string("action")) >> !(alnum | '_')] > lqr_names;
const auto lqr_dynamics_def = keyword("dynamics") > assignments;
const auto lqr_entry_def = lqr_declaration | lqr_dynamics | lqr_item;
const auto lqr_items_def = *lqr_entry;
const auto lqr_end = x3::rule<lqr_end_class>{kExpectedLqrItem} = lit('}');
const auto lqr_statement_def = keyword("lqr") > identifier > '{' > lqr_items > lqr_end;
// ---- inverse RL: `learn reward of NAME from "FILE" { feature NAME = EXPR ... } with METHOD(...)`
struct feature_definition_class : annotate_position {};
struct learn_features_class;
struct learn_method_class : annotate_position {};
struct learn_statement_class : annotate_position {};
struct learn_end_class;
struct of_keyword_class;
struct from_keyword_class;
const x3::rule<feature_definition_class, ast::FeatureDefinition> feature_definition = "a feature 'feature NAME = EXPR'";
const x3::rule<learn_features_class, std::vector<ast::FeatureDefinition>> learn_features = "features";
const x3::rule<learn_method_class, ast::LearnMethod> learn_method = "'with'";
const x3::rule<learn_statement_class, ast::LearnStatement> learn_statement = "learn reward";
const auto of_keyword = x3::rule<of_keyword_class>{"'of'"} = keyword("of");
const auto from_keyword = x3::rule<from_keyword_class>{"'from'"} = keyword("from");
const auto learn_end = x3::rule<learn_end_class>{"a feature 'feature NAME = EXPR' or '}'"} = lit('}');
const auto feature_definition_def = keyword("feature") > identifier > '=' > expression;
const auto learn_features_def = *feature_definition;
const auto learn_method_def = with_keyword > identifier > list_rule_14;
// `learn` alone does not commit: `learn ~ normal(...)` stays a draw statement.
const auto learn_statement_def = keyword("learn") >> keyword("reward") > of_keyword > identifier > from_keyword >
                                 quoted_path > '{' > learn_features > learn_end > -learn_method;
BOOST_SPIRIT_DEFINE(feature_definition, learn_features, learn_method, learn_statement)
BOOST_SPIRIT_DEFINE(component, assignment, outcome, state_declaration, action_declaration, next_rule, mdp_setting,
                    start_declaration, latent_declaration, latent_mode, mdp_item, mdp_statement, solve_statement,
                    components, assignments, outcomes, mdp_items, start_list, lqr_item, lqr_items, lqr_statement,
                    lqr_declaration, lqr_dynamics, lqr_names, lqr_entry)

const auto statement_def = param_statement | var_statement | factor_statement | conditional_statement |
                           table_statement | evidence_statement | query_statement | cluster_statement | infer_statement |
                           include_statement | mdp_statement | lqr_statement | solve_statement | latent_declaration |
                           constraint_statement | for_statement | if_statement | learn_statement | draw_statement;
const auto end_of_input_def = eoi;
const auto program_rule_def = *statement > end_of_input;
const auto list_rule_1_def = -(',' > quoted);
const auto list_rule_2_def = csv | array_literal | expression;
const auto list_rule_3_def = param_definition % ',';
const auto list_rule_4_def = expression % ',';
const auto list_rule_5_def = variable_name % ',';
const auto list_rule_6_def = table_item % ',';
const auto list_rule_7_def = keyed_row % ',';
const auto list_rule_8_def = reference % ',';
const auto list_rule_9_def = -('|' > reference_list);
const auto list_rule_10_def = observation % ',';
const auto list_rule_11_def = -('(' > reference_list > ')');
const auto list_rule_12_def = query_item % ',';
const auto list_rule_13_def = -(algorithm_option % ',');
const auto list_rule_14_def = -('(' > option_list > ')');
const auto list_rule_15_def = *statement;
const auto list_rule_16_def = loop_range % ',';
const auto list_rule_17_def = -(else_keyword > block);

BOOST_SPIRIT_DEFINE(real_domain, draw_argument, draw_arguments, draw_statement, constraint_statement)
BOOST_SPIRIT_DEFINE(csv, param_definition, param_statement, range_domain, bool_domain, list_domain, domain,
                    variable_name, var_statement, array_literal, table_item, keyed_row, keyed_rows, table_value,
                    conditional_statement, table_statement, factor_statement, observation, evidence_statement,
                    query_item, query_statement, cluster_statement, algorithm_option, infer_statement, include_statement, loop_range,
                    for_statement, if_statement, statement, block, program_rule, end_of_input)
BOOST_SPIRIT_DEFINE(list_rule_1, list_rule_2, list_rule_3, list_rule_4, list_rule_5, list_rule_6, list_rule_7, list_rule_8, list_rule_9, list_rule_10, list_rule_11, list_rule_12, list_rule_13, list_rule_14, list_rule_15, list_rule_16, list_rule_17)

}  // namespace copi::dsl::parser
