// Lowering of .copi statements to factor graphs, evidence, queries and algorithm
// choices. Each expectation is computed independently in the test (the table written
// out, a closed form, a loop over states) and factor entries are read by variable name,
// so no test depends on the order the implementation picks for a scope.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "copi/dsl/model.hpp"
#include "copi/inference/exact.hpp"
#include "dsl/dsl_test_support.hpp"

namespace copi::test {
namespace {

constexpr double kTolerance = 1e-12;

// ---- tables -----------------------------------------------------------------------

// table(a, b) = [[1, 2], [3, 4]]: a is the outer index. The entry (a = on, b = off)
// is 3; with the orientation swapped it would be 2.
TEST(DslTable, NestedRowsHaveTheFirstVariableOutermost) {
  const dsl::CompiledModel model = compile_ok(
      "var a, b : {off, on}\n"
      "table(a, b) = [[1, 2], [3, 4]]\n");
  ASSERT_EQ(model.graph.num_factors(), 1u);
  const double expected[2][2] = {{1, 2}, {3, 4}};
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t b = 0; b < 2; ++b) {
      EXPECT_NEAR(factor_log_value(model, 0, {{"a", a}, {"b", b}}), std::log(expected[a][b]), kTolerance)
          << "a=" << a << " b=" << b;
    }
  }
  EXPECT_NEAR(factor_log_value(model, 0, {{"a", 1}, {"b", 0}}), std::log(3.0), kTolerance);
}

// Different cardinalities (2 x 3) so that a transposed reading cannot even fit.
TEST(DslTable, NonSquareTableAndFlatListAgree) {
  const dsl::CompiledModel nested = compile_ok(
      "var a : {a0, a1}\nvar b : {b0, b1, b2}\n"
      "table(a, b) = [[1, 2, 3], [4, 5, 6]]\n");
  const dsl::CompiledModel flat = compile_ok(
      "var a : {a0, a1}\nvar b : {b0, b1, b2}\n"
      "table(a, b) = [1, 2, 3, 4, 5, 6]\n");
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t b = 0; b < 3; ++b) {
      const double value = std::log(static_cast<double>(1 + 3 * a + b));
      EXPECT_NEAR(factor_log_value(nested, 0, {{"a", a}, {"b", b}}), value, kTolerance);
      EXPECT_NEAR(factor_log_value(flat, 0, {{"a", a}, {"b", b}}), value, kTolerance);
    }
  }
  // P(a = a1) = (4 + 5 + 6) / 21, P(b = b2) = (3 + 6) / 21.
  const InferenceResult result = exact_answer(nested);
  EXPECT_NEAR(marginal_of(result, nested, "a")[1], 15.0 / 21.0, 1e-9);
  EXPECT_NEAR(marginal_of(result, nested, "b")[2], 9.0 / 21.0, 1e-9);
  EXPECT_NEAR(*result.log_z, std::log(21.0), 1e-9);
}

TEST(DslTable, ThreeVariablesLexicographicLastFastest) {
  const dsl::CompiledModel model = compile_ok(
      "var a, b, c : bool\n"
      "table(c, a, b) = [1, 2, 3, 4, 5, 6, 7, 8]\n");
  for (std::size_t c = 0; c < 2; ++c) {
    for (std::size_t a = 0; a < 2; ++a) {
      for (std::size_t b = 0; b < 2; ++b) {
        EXPECT_NEAR(factor_log_value(model, 0, {{"a", a}, {"b", b}, {"c", c}}),
                    std::log(static_cast<double>(1 + 4 * c + 2 * a + b)), kTolerance);
      }
    }
  }
}

TEST(DslTable, ZeroEntryIsAHardZero) {
  const dsl::CompiledModel model = compile_ok("var a : bool\ntable(a) = [0, 2]\n");
  EXPECT_EQ(factor_log_value(model, 0, {{"a", 0}}), -std::numeric_limits<double>::infinity());
  EXPECT_NEAR(factor_log_value(model, 0, {{"a", 1}}), std::log(2.0), kTolerance);
}

// ---- conditionals -------------------------------------------------------------------

// Row k of the table (k = 3 * s + r, first parent slowest) is [q_k, 1 - q_k].
double row_probability(std::size_t s, std::size_t r, std::size_t w) {
  const double q = 0.1 * static_cast<double>(3 * s + r + 1);
  return w == 0 ? q : 1.0 - q;
}

void expect_two_parent_rows(const dsl::CompiledModel& model) {
  ASSERT_EQ(model.graph.num_factors(), 1u);
  for (std::size_t s = 0; s < 2; ++s) {
    for (std::size_t r = 0; r < 3; ++r) {
      for (std::size_t w = 0; w < 2; ++w) {
        EXPECT_NEAR(factor_log_value(model, 0, {{"w", w}, {"s", s}, {"r", r}}), std::log(row_probability(s, r, w)),
                    kTolerance)
            << "s=" << s << " r=" << r << " w=" << w;
      }
    }
  }
}

constexpr const char* kTwoParentVars = "var s : {s0, s1}\nvar r : {r0, r1, r2}\nvar w : {w0, w1}\n";

TEST(DslConditional, NestedRowsHaveTheFirstParentSlowest) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = [[0.1, 0.9], [0.2, 0.8], [0.3, 0.7],\n"
                                    "               [0.4, 0.6], [0.5, 0.5], [0.6, 0.4]]\n"));
}

TEST(DslConditional, FlatRowsReadLikeNestedRows) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = [0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6, 0.5, 0.5, 0.6, 0.4]\n"));
}

TEST(DslConditional, KeyedRowsInAnyOrder) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = {\n"
                                    "  (s1, r2): [0.6, 0.4], (s0, r0): [0.1, 0.9],\n"
                                    "  (s1, r0): [0.4, 0.6], (s0, r2): [0.3, 0.7],\n"
                                    "  (s0, r1): [0.2, 0.8], (s1, r1): [0.5, 0.5]\n"
                                    "}\n"));
}

// Keys may also be state numbers (indices for labelled parents).
TEST(DslConditional, KeyedRowsByStateNumber) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = { (0, 0): [0.1, 0.9], (0, 1): [0.2, 0.8], (0, 2): [0.3, 0.7],\n"
                                    "                (1, 0): [0.4, 0.6], (1, 1): [0.5, 0.5], (1, 2): [0.6, 0.4] }\n"));
}

// Labelled states count 0, 1, ... in expressions: q = 0.1 * (3 s + r + 1).
TEST(DslConditional, ExpressionOfChildAndParents) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = if w == 0 then 0.1 * (3 * s + r + 1)\n"
                                    "              else 1 - 0.1 * (3 * s + r + 1)\n"));
}

// Labels compared with their variable are its state indices: the same rows by name.
TEST(DslConditional, ExpressionComparingLabels) {
  expect_two_parent_rows(compile_ok(std::string(kTwoParentVars) +
                                    "p(w | s, r) = if w == w0 then 0.1 * ((if s == s1 then 3 else 0) + r + 1)\n"
                                    "              else 1 - 0.1 * ((if s1 == s then 3 else 0) + r + 1)\n"));
}

TEST(DslConditional, RootPriorAndSingleParentKeyedRows) {
  const dsl::CompiledModel model = compile_ok(
      "var rain, wet : {no, yes}\n"
      "p(rain) = [0.8, 0.2]\n"
      "p(wet | rain) = { yes: [0.1, 0.9], no: [0.7, 0.3] }\n");
  ASSERT_EQ(model.graph.num_factors(), 2u);
  EXPECT_NEAR(factor_log_value(model, 0, {{"rain", 1}}), std::log(0.2), kTolerance);
  EXPECT_NEAR(factor_log_value(model, 1, {{"wet", 1}, {"rain", 0}}), std::log(0.3), kTolerance);
  EXPECT_NEAR(factor_log_value(model, 1, {{"wet", 1}, {"rain", 1}}), std::log(0.9), kTolerance);
  const InferenceResult result = exact_answer(model);
  EXPECT_NEAR(marginal_of(result, model, "wet")[1], 0.8 * 0.3 + 0.2 * 0.9, 1e-9);
}

// Rows may miss one by up to the documented tolerance 1e-6.
TEST(DslConditional, RowSumWithinToleranceIsAccepted) {
  compile_ok("var a : bool\np(a) = [0.5, 0.5000005]\n");
}

// Array elements as child and parents, inside a loop.
TEST(DslConditional, ChainOverArrayElements) {
  const dsl::CompiledModel model = compile_ok(
      "var z[3] : {lo, hi}\n"
      "p(z[0]) = [0.5, 0.5]\n"
      "for t in 1..2: p(z[t] | z[t-1]) = { lo: [0.9, 0.1], hi: [0.2, 0.8] }\n");
  ASSERT_EQ(model.graph.num_factors(), 3u);
  EXPECT_NEAR(factor_log_value(model, 2, {{"z[2]", 0}, {"z[1]", 1}}), std::log(0.2), kTolerance);
  const InferenceResult result = exact_answer(model);
  // z1 = hi: 0.5 * 0.1 + 0.5 * 0.8; z2 = hi: P(z1=lo) * 0.1 + P(z1=hi) * 0.8.
  const double z1_hi = 0.45;
  EXPECT_NEAR(marginal_of(result, model, "z[2]")[1], (1 - z1_hi) * 0.1 + z1_hi * 0.8, 1e-9);
}

// ---- domains --------------------------------------------------------------------------

TEST(DslDomain, NumericStatesAreTheValuesInFactorExpressions) {
  const dsl::CompiledModel model = compile_ok(
      "param J = 0.7\n"
      "var x, y : {-1, +1}\n"
      "factor J * x * y\n");
  EXPECT_EQ(model.graph.variable(var_id(model, "x")).labels, (std::vector<std::string>{"-1", "1"}));
  const double value[2] = {-1.0, 1.0};
  for (std::size_t x = 0; x < 2; ++x) {
    for (std::size_t y = 0; y < 2; ++y) {
      EXPECT_NEAR(factor_log_value(model, 0, {{"x", x}, {"y", y}}), 0.7 * value[x] * value[y], kTolerance);
    }
  }
}

TEST(DslDomain, ArbitraryNumericStatesKeepTheirOrder) {
  const dsl::CompiledModel model = compile_ok(
      "param k = 3\n"
      "var v : {-2, 0.5, k, 2 * k}\n"
      "factor v\n");
  const double expected[] = {-2.0, 0.5, 3.0, 6.0};
  ASSERT_EQ(model.graph.cardinality(var_id(model, "v")), 4u);
  for (std::size_t s = 0; s < 4; ++s) {
    EXPECT_NEAR(factor_log_value(model, 0, {{"v", s}}), expected[s], kTolerance);
  }
}

TEST(DslDomain, IntegerRanges) {
  const dsl::CompiledModel model = compile_ok(
      "param lo = 3\n"
      "var level : 0..9\n"
      "var e : lo..lo+2\n"
      "factor 0.1 * level\n"
      "factor e\n");
  ASSERT_EQ(model.graph.cardinality(var_id(model, "level")), 10u);
  EXPECT_EQ(model.graph.variable(var_id(model, "level")).labels.at(9), "9");
  for (std::size_t s = 0; s < 10; ++s) {
    EXPECT_NEAR(factor_log_value(model, 0, {{"level", s}}), 0.1 * static_cast<double>(s), kTolerance);
  }
  ASSERT_EQ(model.graph.cardinality(var_id(model, "e")), 3u);
  for (std::size_t s = 0; s < 3; ++s) {
    EXPECT_NEAR(factor_log_value(model, 1, {{"e", s}}), 3.0 + static_cast<double>(s), kTolerance);
  }
}

TEST(DslDomain, BoolIsFalseTrueWithValuesZeroAndOne) {
  const dsl::CompiledModel model = compile_ok("var alarm : bool\nfactor 2 * alarm - 0.5\n");
  EXPECT_EQ(model.graph.variable(var_id(model, "alarm")).labels, (std::vector<std::string>{"false", "true"}));
  EXPECT_NEAR(factor_log_value(model, 0, {{"alarm", 0}}), -0.5, kTolerance);
  EXPECT_NEAR(factor_log_value(model, 0, {{"alarm", 1}}), 1.5, kTolerance);
}

TEST(DslDomain, LabelsCountFromZeroInExpressions) {
  const dsl::CompiledModel model = compile_ok("var c : {red, green, blue}\nfactor c * c\n");
  for (std::size_t s = 0; s < 3; ++s) {
    EXPECT_NEAR(factor_log_value(model, 0, {{"c", s}}), static_cast<double>(s * s), kTolerance);
  }
}

// A label compared with a labelled variable (either side, any comparison) is its
// state index in that variable's domain, so two variables may list one label at
// different places; numbers still compare with the index.
TEST(DslDomain, LabelsComparedWithTheirVariable) {
  const dsl::CompiledModel model = compile_ok(
      "var w : {sun, rain}\n"
      "var a : {lo, hi}\nvar b : {hi, lo}\n"
      "var lvl : {low, mid, high}\n"
      "var d[2] : {sun, rain}\n"
      "factor 2 * (w == rain)\n"
      "factor (a == hi) + 2 * (hi == b)\n"
      "factor (lvl >= mid) + 10 * (lvl != high) + 100 * (lvl < 1)\n"
      "factor d[0] == rain and d[1] != sun\n");
  EXPECT_NEAR(factor_log_value(model, 0, {{"w", 0}}), 0.0, kTolerance);
  EXPECT_NEAR(factor_log_value(model, 0, {{"w", 1}}), 2.0, kTolerance);
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t b = 0; b < 2; ++b) {
      // hi is state 1 of a and state 0 of b.
      const double want = (a == 1 ? 1.0 : 0.0) + 2.0 * (b == 0 ? 1.0 : 0.0);
      EXPECT_NEAR(factor_log_value(model, 1, {{"a", a}, {"b", b}}), want, kTolerance) << a << b;
    }
  }
  const double levels[3] = {0 + 10 + 100, 1 + 10 + 0, 1 + 0 + 0};
  for (std::size_t l = 0; l < 3; ++l) EXPECT_NEAR(factor_log_value(model, 2, {{"lvl", l}}), levels[l], kTolerance);
  for (std::size_t d0 = 0; d0 < 2; ++d0) {
    for (std::size_t d1 = 0; d1 < 2; ++d1) {
      EXPECT_NEAR(factor_log_value(model, 3, {{"d[0]", d0}, {"d[1]", d1}}), d0 == 1 && d1 == 1 ? 1.0 : 0.0,
                  kTolerance);
    }
  }
}

// Only whole words are reserved: names may start with a keyword.
TEST(DslDomain, NamesThatStartWithAKeyword) {
  const dsl::CompiledModel model = compile_ok(
      "param format = 2, iffy = 3, in_x = 1\n"
      "var pa, notable, orbit, tables, p2, bool_ : bool\n"
      "factor format * pa + iffy * notable + in_x * orbit * tables * p2 * bool_\n");
  EXPECT_EQ(model.graph.num_variables(), 6u);
  EXPECT_NEAR(factor_log_value(model, 0, {{"pa", 1}, {"notable", 1}, {"orbit", 0}, {"tables", 1}, {"p2", 1},
                                          {"bool_", 1}}),
              5.0, kTolerance);
}

// ---- arrays -------------------------------------------------------------------------

TEST(DslArray, ElementsAreNamedAndNumberedRowMajor) {
  const dsl::CompiledModel model = compile_ok(
      "var before : bool\n"
      "var x[2][3] : {-1, +1}\n"
      "var after : bool\n"
      "factor x[1][2]\n");
  ASSERT_EQ(model.graph.num_variables(), 8u);
  EXPECT_EQ(model.graph.variable(VarId{0}).name, "before");
  for (std::uint32_t i = 0; i < 2; ++i) {
    for (std::uint32_t j = 0; j < 3; ++j) {
      const VarId id{1 + 3 * i + j};
      EXPECT_EQ(model.graph.variable(id).name, "x[" + std::to_string(i) + "][" + std::to_string(j) + "]");
      EXPECT_EQ(model.graph.find_variable(model.graph.variable(id).name), id);
    }
  }
  EXPECT_EQ(model.graph.variable(VarId{7}).name, "after");
  EXPECT_EQ(model.graph.table(FactorId{0}).scope(), std::vector<VarId>{VarId{6}});
}

TEST(DslArray, RankThreeAndComputedIndices) {
  const dsl::CompiledModel model = compile_ok(
      "param N = 2\n"
      "var t[N][N+1][2] : bool\n"
      "factor t[N-1][N][1]\n");
  ASSERT_EQ(model.graph.num_variables(), 12u);
  EXPECT_EQ(model.graph.variable(VarId{11}).name, "t[1][2][1]");
  EXPECT_EQ(model.graph.variable(VarId{7}).name, "t[1][0][1]");
  EXPECT_EQ(model.graph.table(FactorId{0}).scope(), std::vector<VarId>{VarId{11}});
}

// ---- loops and conditions -------------------------------------------------------------

TEST(DslControl, LoopWithIfElseSelectsStatements) {
  const dsl::CompiledModel model = compile_ok(
      "param N = 5\n"
      "var x[N] : bool\n"
      "for i in 0..N-1 {\n"
      "  if i < 2 { factor 1 * x[i] } else { factor -1 * x[i] }\n"
      "  if i == N-1: factor 10 * x[i]\n"
      "}\n");
  ASSERT_EQ(model.graph.num_factors(), 6u);
  const double expected[] = {1, 1, -1, -1, -1, 10};
  const char* const variable[] = {"x[0]", "x[1]", "x[2]", "x[3]", "x[4]", "x[4]"};
  for (std::size_t f = 0; f < 6; ++f) {
    EXPECT_NEAR(factor_log_value(model, f, {{variable[f], 1}}), expected[f], kTolerance) << "factor " << f;
  }
}

// `for i in .., j in ..`: the first range is the outer loop; bounds are inclusive.
TEST(DslControl, TwoRangesNestFirstOutermost) {
  const dsl::CompiledModel model = compile_ok(
      "var x[2][3] : bool\n"
      "for i in 0..1, j in 0..2: factor (10 * i + j) * x[i][j]\n");
  ASSERT_EQ(model.graph.num_factors(), 6u);
  std::size_t f = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 0; j < 3; ++j, ++f) {
      const std::string name = "x[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      EXPECT_EQ(model.graph.table(FactorId{static_cast<std::uint32_t>(f)}).scope(),
                std::vector<VarId>{var_id(model, name)});
      EXPECT_NEAR(factor_log_value(model, f, {{name, 1}}), static_cast<double>(10 * i + j), kTolerance);
    }
  }
}

TEST(DslControl, EmptyLoopAndFalseConditionAddNothing) {
  const dsl::CompiledModel model = compile_ok(
      "var a : bool\n"
      "for i in 3..2 { factor a }\n"
      "if 0: factor a\n"
      "if 1 > 2 { factor a } else { }\n");
  EXPECT_EQ(model.graph.num_factors(), 0u);
}

TEST(DslControl, LoopVariableShadowsAndIsRestored) {
  const dsl::CompiledModel model = compile_ok(
      "var a : bool\n"
      "for i in 1..1 { for i in 5..5: factor i * a\n factor i * a }\n");
  ASSERT_EQ(model.graph.num_factors(), 2u);
  EXPECT_NEAR(factor_log_value(model, 0, {{"a", 1}}), 5.0, kTolerance);
  EXPECT_NEAR(factor_log_value(model, 1, {{"a", 1}}), 1.0, kTolerance);
}

// ---- expressions ------------------------------------------------------------------------

// The value of a parameter expression, read back through a one-variable factor.
double param_value(const std::string& expression, const std::string& prelude = "") {
  const dsl::CompiledModel model =
      compile_ok(prelude + "param value_ = " + expression + "\nvar probe_ : bool\nfactor value_ * probe_\n");
  if (model.graph.num_factors() != 1) return std::numeric_limits<double>::quiet_NaN();
  return model.graph.table(FactorId{0}).log_values().at(1);
}

TEST(DslExpression, PrecedenceAndAssociativity) {
  EXPECT_NEAR(param_value("2 + 3 * 4 ^ 2 ^ 0.5"), 2.0 + 3.0 * std::pow(4.0, std::sqrt(2.0)), 1e-12);
  EXPECT_DOUBLE_EQ(param_value("2 ^ 3 ^ 2"), 512.0);  // right-associative
  EXPECT_DOUBLE_EQ(param_value("-2 ^ 2"), -4.0);      // unary minus is looser than ^
  EXPECT_DOUBLE_EQ(param_value("2 ^ -1"), 0.5);
  EXPECT_DOUBLE_EQ(param_value("10 - 4 - 3"), 3.0);   // left-associative
  EXPECT_DOUBLE_EQ(param_value("64 / 4 / 2"), 8.0);
  EXPECT_DOUBLE_EQ(param_value("1 + 2 * 3"), 7.0);
  EXPECT_DOUBLE_EQ(param_value("(1 + 2) * 3"), 9.0);
  EXPECT_DOUBLE_EQ(param_value("2 * -3"), -6.0);
  EXPECT_DOUBLE_EQ(param_value("2 - -3"), 5.0);
  EXPECT_DOUBLE_EQ(param_value("- 3 + 5"), 2.0);
  EXPECT_DOUBLE_EQ(param_value("+4"), 4.0);
  EXPECT_DOUBLE_EQ(param_value("--4"), 4.0);
}

TEST(DslExpression, NumberSyntax) {
  EXPECT_DOUBLE_EQ(param_value("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(param_value("1e-3"), 1e-3);
  EXPECT_DOUBLE_EQ(param_value("2.5E+2"), 250.0);
  EXPECT_DOUBLE_EQ(param_value("007"), 7.0);
}

TEST(DslExpression, ComparisonsGiveOneOrZero) {
  EXPECT_EQ(param_value("1 < 2"), 1.0);
  EXPECT_EQ(param_value("2 < 2"), 0.0);
  EXPECT_EQ(param_value("2 <= 2"), 1.0);
  EXPECT_EQ(param_value("3 > 4"), 0.0);
  EXPECT_EQ(param_value("4 >= 4"), 1.0);
  EXPECT_EQ(param_value("2 == 2"), 1.0);
  EXPECT_EQ(param_value("2 != 2"), 0.0);
  EXPECT_EQ(param_value("1 + 1 == 2"), 1.0);  // arithmetic binds tighter
  EXPECT_EQ(param_value("2 * (3 > 1)"), 2.0);
}

TEST(DslExpression, LogicAndItsPrecedence) {
  EXPECT_EQ(param_value("1 and 0"), 0.0);
  EXPECT_EQ(param_value("2 and 3"), 1.0);
  EXPECT_EQ(param_value("0 or 2"), 1.0);
  EXPECT_EQ(param_value("0 or 0"), 0.0);
  EXPECT_EQ(param_value("not 0"), 1.0);
  EXPECT_EQ(param_value("not 3"), 0.0);
  EXPECT_EQ(param_value("1 or 0 and 0"), 1.0);   // and binds tighter than or
  EXPECT_EQ(param_value("0 and 0 or 1"), 1.0);
  EXPECT_EQ(param_value("not 0 and 0"), 0.0);    // (not 0) and 0
  EXPECT_EQ(param_value("1 < 2 and 3 < 2"), 0.0);
  EXPECT_EQ(param_value("1 < 2 or 3 < 2"), 1.0);
}

// `and` / `or` short-circuit: the right side is not evaluated when it cannot matter.
TEST(DslExpression, LogicShortCircuits) {
  EXPECT_EQ(param_value("0 and 1 / 0"), 0.0);
  EXPECT_EQ(param_value("1 or 1 / 0"), 1.0);
}

TEST(DslExpression, Functions) {
  EXPECT_DOUBLE_EQ(param_value("min(3, 1, 2)"), 1.0);
  EXPECT_DOUBLE_EQ(param_value("max(3, 7, 2, 5)"), 7.0);
  EXPECT_DOUBLE_EQ(param_value("min(4)"), 4.0);
  EXPECT_DOUBLE_EQ(param_value("abs(-2.5)"), 2.5);
  EXPECT_DOUBLE_EQ(param_value("exp(1)"), std::exp(1.0));
  EXPECT_NEAR(param_value("log(exp(2))"), 2.0, 1e-15);
  EXPECT_DOUBLE_EQ(param_value("sqrt(16)"), 4.0);
  EXPECT_DOUBLE_EQ(param_value("max(min(5, 9), abs(-6)) + sqrt(4) * 2"), 10.0);
}

TEST(DslExpression, IfThenElse) {
  EXPECT_EQ(param_value("if 2 > 3 then 10 else 20"), 20.0);
  EXPECT_EQ(param_value("if 3 > 2 then 10 else 20"), 10.0);
  EXPECT_EQ(param_value("1 + (if 1 then 2 else 3)"), 3.0);
  EXPECT_EQ(param_value("if 0 then 1 else if 1 then 2 else 3"), 2.0);
}

TEST(DslExpression, ParametersReferToEarlierParameters) {
  EXPECT_EQ(param_value("a * b", "param a = 2, b = a * 3\n"), 12.0);
  EXPECT_EQ(param_value("n", "param n = 4\nparam m = n + 1\nparam o = m * 2, n2 = o - 1\n"), 4.0);
}

// log(0) is a hard zero (-inf), the one non-finite value a log-potential may take.
TEST(DslExpression, LogOfZeroIsAHardZero) {
  const dsl::CompiledModel model = compile_ok("var a : bool\nfactor if a then log(0) else 0\n");
  EXPECT_EQ(factor_log_value(model, 0, {{"a", 0}}), 0.0);
  EXPECT_EQ(factor_log_value(model, 0, {{"a", 1}}), -std::numeric_limits<double>::infinity());
}

// A factor's scope is every variable it mentions, in any operator or function.
TEST(DslExpression, FactorScopeIsEveryVariableMentioned) {
  const dsl::CompiledModel model = compile_ok(
      "var a, b, c : 0..2\n"
      "factor max(a, b) - abs(c - 1) * (if a == c then 2 else 0.5)\n");
  ASSERT_EQ(model.graph.table(FactorId{0}).arity(), 3u);
  for (std::size_t a = 0; a < 3; ++a) {
    for (std::size_t b = 0; b < 3; ++b) {
      for (std::size_t c = 0; c < 3; ++c) {
        const double expected = std::max(static_cast<double>(a), static_cast<double>(b)) -
                                std::abs(static_cast<double>(c) - 1.0) * (a == c ? 2.0 : 0.5);
        EXPECT_NEAR(factor_log_value(model, 0, {{"a", a}, {"b", b}, {"c", c}}), expected, kTolerance);
      }
    }
  }
}

TEST(DslExpression, ConstantFactorScalesZ) {
  const dsl::CompiledModel model = compile_ok("var a : bool\nfactor 1.5\n");
  ASSERT_EQ(model.graph.num_factors(), 1u);
  EXPECT_EQ(model.graph.table(FactorId{0}).arity(), 0u);
  EXPECT_NEAR(*exact_answer(model).log_z, 1.5 + std::log(2.0), 1e-9);
}

// ---- evidence ---------------------------------------------------------------------------

TEST(DslEvidence, ByLabelByNumberAndByParameter) {
  const dsl::CompiledModel model = compile_ok(
      "param k = 1\n"
      "var s, t, u : {yes, no}\n"
      "var n : {-1, +1}\n"
      "var m : {-1, +1}\n"
      "var r : 5..7\n"
      "var b : bool\n"
      "evidence s = no, t = 0\n"
      "evidence u = k\n"
      "evidence n = -1, m = +1\n"
      "evidence r = 6, b = true\n"
      "evidence s = no\n");  // repeating the same observation is fine
  const auto state = [&](const std::string& name) { return model.evidence.at(var_id(model, name)); };
  EXPECT_EQ(model.evidence.size(), 7u);
  EXPECT_EQ(state("s"), 1u);
  EXPECT_EQ(state("t"), 0u);  // a number is the state index for labelled domains
  EXPECT_EQ(state("u"), 1u);
  EXPECT_EQ(state("n"), 0u);  // and the state's value for numeric ones
  EXPECT_EQ(state("m"), 1u);
  EXPECT_EQ(state("r"), 1u);
  EXPECT_EQ(state("b"), 1u);
}

TEST(DslEvidence, OnArrayElementsInALoop) {
  const dsl::CompiledModel model = compile_ok(
      "var x[3] : 0..2\n"
      "for i in 0..2: evidence x[i] = 2 - i\n");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(model.evidence.at(var_id(model, "x[" + std::to_string(i) + "]")), 2 - i);
  }
}

// ---- queries and the algorithm -----------------------------------------------------------

TEST(DslQuery, MarginalOfAWholeArrayInOrder) {
  const dsl::CompiledModel model = compile_ok(
      "var a : bool\n"
      "var x[2][2] : bool\n"
      "query marginal(x, a), logZ\n"
      "query marginal(x[1][0])\n");
  const std::vector<VarId> expected{VarId{1}, VarId{2}, VarId{3}, VarId{4}, VarId{0}, VarId{3}};
  EXPECT_EQ(model.marginal_queries, expected);
  EXPECT_TRUE(model.query_log_z);
  EXPECT_FALSE(model.query_map);
}

TEST(DslQuery, NoQueryMeansEverything) {
  const dsl::CompiledModel model = compile_ok("var a : bool\n");
  EXPECT_TRUE(model.marginal_queries.empty());
  EXPECT_FALSE(model.query_map);
  EXPECT_FALSE(model.query_log_z);
  EXPECT_EQ(model.algorithm.name(), "auto");
  EXPECT_TRUE(model.algorithm.values().all().empty());
}

TEST(DslQuery, MapAlone) {
  const dsl::CompiledModel model = compile_ok("var a : bool\nquery map\n");
  EXPECT_TRUE(model.query_map);
  EXPECT_FALSE(model.query_log_z);
  EXPECT_TRUE(model.marginal_queries.empty());
}

TEST(DslInfer, OptionsAreCapturedAsText) {
  const dsl::CompiledModel model = compile_ok(
      "param d = 0.05\n"
      "var a : bool\n"
      "infer bp(schedule = residual, damping = 2 * d, tol = 1e-9, max_iter = 50, time_limit = 2.5)\n");
  EXPECT_EQ(model.algorithm.name(), "bp");
  const OptionValues& options = model.algorithm.values();
  ASSERT_EQ(options.all().size(), 5u);
  EXPECT_EQ(options.word("schedule", ""), "residual");
  EXPECT_DOUBLE_EQ(options.number("damping", 0), 0.1);
  EXPECT_DOUBLE_EQ(options.number("tol", 0), 1e-9);
  EXPECT_DOUBLE_EQ(options.number("max_iter", 0), 50.0);
  EXPECT_DOUBLE_EQ(options.number("time_limit", 0), 2.5);
}

TEST(DslInfer, EveryAlgorithmName) {
  EXPECT_EQ(compile_ok("infer enumerate\n").algorithm.name(), "enumerate");
  EXPECT_EQ(compile_ok("infer auto(memory_limit = 2000)\n").algorithm.name(), "auto");
  const dsl::CompiledModel exact = compile_ok("infer exact(heuristic = min_fill, memory_limit = 1e6)\n");
  EXPECT_EQ(exact.algorithm.name(), "exact");
  EXPECT_EQ(exact.algorithm.values().word("heuristic", ""), "min_fill");
  EXPECT_DOUBLE_EQ(exact.algorithm.values().number("memory_limit", 0), 1e6);
  EXPECT_TRUE(compile_ok("infer bp()\n").algorithm.values().all().empty());
}

// ---- CSV data ------------------------------------------------------------------------------

TEST(DslCsv, ParamColumnIsADataArray) {
  DslTempDir dir;
  dir.write("data/obs.csv", "t, y ,z\n0,1.5,7\n\n1,-2,8\r\n2,3e-1,9\n");
  const dsl::CompiledModel model = compile_ok(
      "param y = csv(\"data/obs.csv\", \"y\"), z = csv(\"data/obs.csv\", \"z\")\n"
      "var u : bool\n"
      "for t in 0..2: factor (y[t] + 100 * z[t]) * u\n",
      dir.path());
  ASSERT_EQ(model.graph.num_factors(), 3u);
  const double expected[] = {1.5 + 700, -2 + 800, 0.3 + 900};
  for (std::size_t f = 0; f < 3; ++f) {
    EXPECT_NEAR(factor_log_value(model, f, {{"u", 1}}), expected[f], 1e-9) << "row " << f;
  }
}

// csv("file") in a conditional: one row per parent state, one column per child state.
TEST(DslCsv, ConditionalTableFromCsv) {
  DslTempDir dir;
  dir.write("cpt.csv", "u,v\n0.1,0.9\n0.4,0.6\n1,0\n");
  const dsl::CompiledModel model = compile_ok(
      "var x : {a, b, c}\nvar y : {u, v}\n"
      "p(y | x) = csv(\"cpt.csv\")\n",
      dir.path());
  const double expected[3][2] = {{0.1, 0.9}, {0.4, 0.6}, {1.0, 0.0}};
  for (std::size_t x = 0; x < 3; ++x) {
    for (std::size_t y = 0; y < 2; ++y) {
      const double actual = factor_log_value(model, 0, {{"x", x}, {"y", y}});
      if (expected[x][y] == 0.0) {
        EXPECT_EQ(actual, -std::numeric_limits<double>::infinity());
      } else {
        EXPECT_NEAR(actual, std::log(expected[x][y]), kTolerance);
      }
    }
  }
}

// csv("file") in a potential table: the whole table, row-major, first variable outermost.
TEST(DslCsv, PotentialTableFromCsv) {
  DslTempDir dir;
  dir.write("t.csv", "b0,b1,b2\n1,2,3\n4,5,6\n");
  const dsl::CompiledModel model = compile_ok(
      "var a : {a0, a1}\nvar b : {b0, b1, b2}\n"
      "table(a, b) = csv(\"t.csv\")\n",
      dir.path());
  for (std::size_t a = 0; a < 2; ++a) {
    for (std::size_t b = 0; b < 3; ++b) {
      EXPECT_NEAR(factor_log_value(model, 0, {{"a", a}, {"b", b}}), std::log(static_cast<double>(1 + 3 * a + b)),
                  kTolerance);
    }
  }
}

// ---- includes -------------------------------------------------------------------------------

TEST(DslInclude, IncludedFileIsReadInPlace) {
  DslTempDir dir;
  dir.write("part.copi", "param K = 3\nvar shared : {s0, s1}\n");
  const dsl::CompiledModel model = compile_ok(
      "var first : bool\n"
      "include \"part.copi\"\n"
      "var x[K] : bool\n"
      "p(shared) = [0.25, 0.75]\n",
      dir.path());
  ASSERT_EQ(model.graph.num_variables(), 5u);
  EXPECT_EQ(model.graph.variable(VarId{0}).name, "first");
  EXPECT_EQ(model.graph.variable(VarId{1}).name, "shared");
  EXPECT_EQ(model.graph.variable(VarId{4}).name, "x[2]");
  EXPECT_NEAR(factor_log_value(model, 0, {{"shared", 1}}), std::log(0.75), kTolerance);
}

// Paths are relative to the including file, also from a sub-folder; a file may be
// included twice when it is not a cycle.
TEST(DslInclude, NestedIncludesAreRelativeToTheirFile) {
  DslTempDir dir;
  dir.write("lib/outer.copi", "include \"inner.copi\"\nfactor w * a\n");
  dir.write("lib/inner.copi", "param w = 0.5\n");
  dir.write("lib/unary.copi", "factor 1 * a\n");
  const dsl::CompiledModel model = compile_ok(
      "var a : bool\n"
      "include \"lib/outer.copi\"\n"
      "include \"lib/unary.copi\"\n"
      "include \"lib/unary.copi\"\n",
      dir.path());
  ASSERT_EQ(model.graph.num_factors(), 3u);
  EXPECT_NEAR(factor_log_value(model, 0, {{"a", 1}}), 0.5, kTolerance);
  EXPECT_NEAR(factor_log_value(model, 2, {{"a", 1}}), 1.0, kTolerance);
}

TEST(DslInclude, CompileFileFindsIncludesBesideIt) {
  DslTempDir dir;
  dir.write("part.copi", "var b : bool\n");
  const std::filesystem::path main = dir.write("main.copi", "include \"part.copi\"\ntable(b) = [1, 3]\n");
  const dsl::CompileResult result = dsl::compile_file(main);
  EXPECT_TRUE(result.diagnostics.empty()) << format_diagnostics(result.diagnostics);
  ASSERT_TRUE(result.model.has_value());
  EXPECT_EQ(result.model->graph.num_variables(), 1u);
}

// ---- comments ---------------------------------------------------------------------------------

TEST(DslComments, BothKindsAnywhereBetweenTokens) {
  const std::string plain =
      "param N = 2\n"
      "var x[N] : {-1, +1}\n"
      "var c : {lo, hi}\n"
      "for i in 0..N-1 { factor 0.5 * x[i] }\n"
      "p(c | x[0]) = { -1: [0.3, 0.7], +1: [0.6, 0.4] }\n"
      "table(x[0], x[1]) = [[1, 2], [3, 4]]\n"
      "evidence c = hi\n"
      "query marginal(x), logZ\n"
      "infer bp(damping = 0.5)\n";
  const std::string commented =
      "// a header comment\n"
      "/* a block\n   over lines // with a line comment inside */ param /**/ N /**/ = /**/ 2 // two\n"
      "var x /* c */ [ /* c */ N /* c */ ] /* c */ : /* c */ { /* c */ -1 /* c */ , +1 /* c */ } // c\n"
      "var c : {lo, /* c */ hi}\n"
      "for /* c */ i /* c */ in /* c */ 0 /* c */ .. /* c */ N-1 /* c */ { // c\n"
      "  factor 0.5 /* c */ * /* c */ x[i] // c\n"
      "} /* c */\n"
      "p /* c */ ( /* c */ c /* c */ | /* c */ x[0] /* c */ ) /* c */ = /* c */ {\n"
      "  -1 /* c */ : /* c */ [0.3, /* c */ 0.7], // c\n"
      "  +1: [0.6, 0.4] /* c */ }\n"
      "table(x[0], x[1]) = [[1, 2], // c\n"
      "                     [3, 4]] /* c */\n"
      "evidence /* c */ c /* c */ = /* c */ hi\n"
      "query /* c */ marginal /* c */ (x), /* c */ logZ\n"
      "infer bp(/* c */ damping /* c */ = /* c */ 0.5 /* c */)\n"
      "/* a trailing comment */ // and a last line comment without a newline";
  const dsl::CompiledModel expected = compile_ok(plain);
  const dsl::CompiledModel actual = compile_ok(commented);
  EXPECT_EQ(actual.graph, expected.graph);
  EXPECT_EQ(actual.evidence, expected.evidence);
  EXPECT_EQ(actual.marginal_queries, expected.marginal_queries);
  EXPECT_EQ(actual.query_log_z, expected.query_log_z);
  EXPECT_EQ(actual.algorithm, expected.algorithm);
  EXPECT_EQ(actual.graph.num_factors(), 4u);
}

TEST(DslComments, EmptyAndCommentOnlyFilesCompile) {
  EXPECT_EQ(compile_ok("").graph.num_variables(), 0u);
  EXPECT_EQ(compile_ok("// nothing\n/* at all */\n").graph.num_variables(), 0u);
}

}  // namespace
}  // namespace copi::test
