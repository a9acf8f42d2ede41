// `mdp` blocks: the lowered MDP equals one built by hand from the same rules, and
// mistakes are diagnosed at their place.
#include <gtest/gtest.h>

#include <algorithm>

#include "copi/dsl/model.hpp"

namespace copi::dsl {
namespace {

constexpr const char* kGrid = R"(
param N = 3
mdp grid {
  state y : 0..N-1, x : 0..N-1
  action move : {up, down, left, right}
  next move == up    : { y' = max(y-1, 0) : 0.8, stay : 0.2 }
  next move == down  : { y' = min(y+1, N-1) : 0.8, stay : 0.2 }
  next move == left  : { x' = max(x-1, 0) : 0.8, stay : 0.2 }
  next move == right : { (x' = min(x+1, N-1), y' = y) : 0.8, stay : 0.2 }
  reward = if x == N-1 and y == N-1 then 10 else -1
  absorbing x == N-1 and y == N-1
  start x = 0, y = 1
  discount 0.9
  temperature 0.5
}
solve grid with exact
)";

// The same MDP, written out by hand: state = y * 3 + x.
control::Mdp hand_built() {
  control::Mdp m;
  m.num_states = 9;
  m.num_actions = 4;
  std::vector<control::Transition> t;
  for (std::uint32_t y = 0; y < 3; ++y) {
    for (std::uint32_t x = 0; x < 3; ++x) {
      const std::uint32_t s = y * 3 + x;
      for (std::uint32_t a = 0; a < 4; ++a) {
        if (s == 8) {
          t.push_back({s, a, s, 1.0});
          continue;
        }
        std::uint32_t ny = y;
        std::uint32_t nx = x;
        if (a == 0) ny = y == 0 ? 0 : y - 1;
        if (a == 1) ny = std::min<std::uint32_t>(y + 1, 2);
        if (a == 2) nx = x == 0 ? 0 : x - 1;
        if (a == 3) nx = std::min<std::uint32_t>(x + 1, 2);
        t.push_back({s, a, ny * 3 + nx, 0.8});
        t.push_back({s, a, s, 0.2});
      }
    }
  }
  control::set_transitions(m, t);
  m.reward.assign(36, -1.0);
  for (std::size_t a = 0; a < 4; ++a) m.reward[8 * 4 + a] = 0.0;  // absorbing: reward 0
  m.initial.assign(9, 0.0);
  m.initial[1 * 3 + 0] = 1.0;
  m.discount = 0.9;
  m.alpha = 0.5;
  return m;
}

TEST(DslMdp, GridBlockLowersToTheHandBuiltMdp) {
  const CompileResult result = compile_text(kGrid, "grid.copi");
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().str();
  ASSERT_EQ(result.model->mdps.size(), 1u);
  const control::Mdp& got = result.model->mdps[0].mdp;
  const control::Mdp want = hand_built();
  EXPECT_EQ(got.num_states, want.num_states);
  EXPECT_EQ(got.num_actions, want.num_actions);
  EXPECT_EQ(got.row_begin, want.row_begin);
  EXPECT_EQ(got.next_state, want.next_state);
  EXPECT_EQ(got.probability, want.probability);
  EXPECT_EQ(got.reward, want.reward);
  EXPECT_EQ(got.initial, want.initial);
  EXPECT_EQ(*got.discount, 0.9);
  EXPECT_EQ(got.alpha, 0.5);
  EXPECT_EQ(got.action_labels, (std::vector<std::string>{"up", "down", "left", "right"}));
  ASSERT_EQ(result.model->solves.size(), 1u);
  EXPECT_EQ(result.model->solves[0].method, control::ControlMethod::exact);
}

Diagnostic only_error(const std::string& text) {
  const CompileResult result = compile_text(text, "bad.copi");
  EXPECT_EQ(result.diagnostics.size(), 1u);
  return result.diagnostics.empty() ? Diagnostic{} : result.diagnostics.front();
}

TEST(DslMdp, OutcomesNotSummingToOneAreReportedAtTheRule) {
  const Diagnostic d = only_error(
      "mdp m {\n  state x : 0..1\n  action a : {go}\n  next a == go : { x' = 1 : 0.5, stay : 0.4 }\n"
      "  reward = 0\n  discount 0.9\n}\n");
  EXPECT_EQ(d.line, 4u);
  EXPECT_EQ(d.col, 3u);
  EXPECT_NE(d.message.find("the outcomes of this rule sum to 0.900000, not 1"), std::string::npos) << d.message;
}

TEST(DslMdp, AssignmentToAnUnknownComponentIsReportedAtIt) {
  const Diagnostic d = only_error(
      "mdp m {\n  state x : 0..1\n  action a : {go}\n  next a == go : { z' = 1 : 1 }\n  reward = 0\n  discount 0.9\n}\n");
  EXPECT_EQ(d.line, 4u);
  EXPECT_EQ(d.col, 20u);
  EXPECT_EQ(d.message, "'z' is not a state component of mdp 'm'");
}

TEST(DslMdp, SolveNamesMustExistAndMethodsMustBeKnown) {
  const Diagnostic unknown = only_error("solve nothing with exact\n");
  EXPECT_EQ(unknown.col, 7u);
  EXPECT_EQ(unknown.message, "unknown mdp 'nothing'");
  const Diagnostic method = only_error(
      "mdp m {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n  discount 0.9\n}\nsolve m with magic\n");
  EXPECT_EQ(method.line, 7u);
  EXPECT_EQ(method.col, 14u);
  EXPECT_EQ(method.message, "unknown method 'magic': expected exact, variational or map");
}

TEST(DslMdp, NeitherHorizonNorDiscountIsAnError) {
  const Diagnostic d = only_error("mdp m {\n  state x : 0..1\n  action a : {go}\n  reward = 0\n}\n");
  EXPECT_EQ(d.line, 1u);
  EXPECT_NE(d.message.find("give a horizon, a discount, or both"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace copi::dsl
