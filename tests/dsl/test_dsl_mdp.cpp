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
  m.allowed.assign(36, 1);  // absorbing: the first action only (the episode has ended)
  for (std::size_t a = 1; a < 4; ++a) m.allowed[8 * 4 + a] = 0;
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
  EXPECT_EQ(got.allowed, want.allowed);
  EXPECT_EQ(got.initial, want.initial);
  EXPECT_EQ(*got.discount, 0.9);
  EXPECT_EQ(got.alpha, 0.5);
  EXPECT_EQ(got.action_labels, (std::vector<std::string>{"up", "down", "left", "right"}));
  ASSERT_EQ(result.model->solves.size(), 1u);
  EXPECT_EQ(result.model->solves[0].options.method, control::ControlMethod::exact);
}

// Walls, forbidden moves and a prior, against the same MDP written out by hand.
constexpr const char* kMaze = R"(
mdp maze {
  state y : 0..2, x : 0..2
  action move : {stay, up, down, left, right}
  next move == up    : { y' = y-1 : 0.9, stay : 0.1 }
  next move == down  : { y' = y+1 : 0.9, stay : 0.1 }
  next move == left  : { x' = x-1 : 0.9, stay : 0.1 }
  next move == right : { x' = x+1 : 0.9, stay : 0.1 }
  wall y == 1 and x == 1                 // the centre is an obstacle
  forbid move == up and y == 0           // no moves off the grid
  forbid move == down and y == 2
  forbid move == left and x == 0
  forbid move == right and x == 2
  prior = if move == stay then 2 else 1  // weights, normalised over the available moves
  reward = if x == 2 and y == 2 then 1 else -0.1
  horizon 4
}
)";

control::Mdp hand_built_maze() {
  control::Mdp m;
  m.num_states = 9;
  m.num_actions = 5;
  const int dy[5] = {0, -1, 1, 0, 0};
  const int dx[5] = {0, 0, 0, -1, 1};
  std::vector<control::Transition> t;
  m.reward.assign(45, 0.0);
  m.allowed.assign(45, 0);
  m.action_prior.assign(45, 0.0);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      const auto s = static_cast<std::uint32_t>(y * 3 + x);
      if (s == 4) {  // the wall ends the episode: one action (the first) loops with reward 0
        for (std::uint32_t a = 0; a < 5; ++a) {
          t.push_back({s, a, s, 1.0});
          m.allowed[s * 5 + a] = a == 0 ? 1 : 0;
          m.action_prior[s * 5 + a] = a == 0 ? 1.0 : 0.0;
        }
        continue;
      }
      double total = 0.0;
      for (std::uint32_t a = 0; a < 5; ++a) {
        const int ny = y + dy[a];
        const int nx = x + dx[a];
        const std::size_t row = s * 5 + a;
        if (ny < 0 || ny > 2 || nx < 0 || nx > 2) {  // forbidden: a self-loop nobody takes
          t.push_back({s, a, s, 1.0});
          continue;
        }
        m.allowed[row] = 1;
        m.action_prior[row] = a == 0 ? 2.0 : 1.0;
        total += m.action_prior[row];
        m.reward[row] = x == 2 && y == 2 ? 1.0 : -0.1;
        if (a == 0) {
          t.push_back({s, a, s, 1.0});
          continue;
        }
        const auto target = static_cast<std::uint32_t>(ny * 3 + nx);
        t.push_back({s, a, target == 4 ? s : target, 0.9});  // into the wall: stays
        t.push_back({s, a, s, 0.1});
      }
      for (std::uint32_t a = 0; a < 5; ++a) m.action_prior[s * 5 + a] /= total;
    }
  }
  control::set_transitions(m, t);
  m.initial.assign(9, 1.0 / 8.0);  // no start: uniform over the states that are not walls
  m.initial[4] = 0.0;
  m.horizon = 4;
  return m;
}

TEST(DslMdp, WallsForbiddenMovesAndPriorLowerToTheHandBuiltMdp) {
  const CompileResult result = compile_text(kMaze, "maze.copi");
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().str();
  const control::Mdp& got = result.model->mdps[0].mdp;
  const control::Mdp want = hand_built_maze();
  EXPECT_EQ(got.row_begin, want.row_begin);
  EXPECT_EQ(got.next_state, want.next_state);
  EXPECT_EQ(got.probability, want.probability);
  EXPECT_EQ(got.reward, want.reward);
  EXPECT_EQ(got.allowed, want.allowed);
  ASSERT_EQ(got.action_prior.size(), want.action_prior.size());
  for (std::size_t row = 0; row < want.action_prior.size(); ++row) {
    EXPECT_NEAR(got.action_prior[row], want.action_prior[row], 1e-15) << "row " << row;
  }
  EXPECT_EQ(got.initial, want.initial);
}

TEST(DslMdp, AbsorbingLinesAddUp) {
  const CompileResult two = compile_text(
      "mdp m {\n  state x : 0..2\n  action a : {go}\n  next a == go : { x' = min(x+1, 2) : 1 }\n"
      "  reward = 1\n  absorbing x == 0\n  absorbing x == 2\n  discount 0.9\n}\n",
      "two.copi");
  ASSERT_TRUE(two.diagnostics.empty()) << two.diagnostics.front().str();
  const control::Mdp& m = two.model->mdps[0].mdp;
  EXPECT_EQ(m.reward, (std::vector<double>{0.0, 1.0, 0.0}));  // both absorbing states pay 0
  EXPECT_EQ(m.next_state, (std::vector<std::uint32_t>{0, 2, 2}));
}

// States are named as tuples of their components, in the documented order: mixed
// radix, the last component fastest (state = y * 3 + x in the grid).
TEST(DslMdp, StatesAreLabelledAsTuplesInMixedRadixOrder) {
  const CompileResult grid = compile_text(kGrid, "grid.copi");
  ASSERT_TRUE(grid.diagnostics.empty()) << grid.diagnostics.front().str();
  const control::Mdp& m = grid.model->mdps[0].mdp;
  ASSERT_EQ(m.state_labels.size(), 9u);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      EXPECT_EQ(m.state_labels[static_cast<std::size_t>(y * 3 + x)],
                "(y=" + std::to_string(y) + ", x=" + std::to_string(x) + ")");
    }
  }
  const CompileResult labelled = compile_text(
      "mdp w {\n  state weather : {sun, rain}, day : {-1, 0.5}\n  action a : {go}\n  reward = 0\n  horizon 2\n}\n",
      "labelled.copi");
  ASSERT_TRUE(labelled.diagnostics.empty()) << labelled.diagnostics.front().str();
  EXPECT_EQ(labelled.model->mdps[0].mdp.state_labels,
            (std::vector<std::string>{"(weather=sun, day=-1)", "(weather=sun, day=0.5)", "(weather=rain, day=-1)",
                                      "(weather=rain, day=0.5)"}));
}

// A label shared by the state and the action at the same index is one name, not an
// ambiguity: `dir == left` and `move == left` both read index 0.
TEST(DslMdp, ALabelSharedAtTheSameIndexIsAllowed) {
  const CompileResult result = compile_text(
      "mdp m {\n  state dir : {left, right}\n  action move : {left, right}\n"
      "  next move == left : { dir' = left : 1 }\n  next move == right : { dir' = right : 1 }\n"
      "  reward = if dir == left then 1 else 0\n  discount 0.5\n}\n",
      "shared.copi");
  ASSERT_TRUE(result.diagnostics.empty()) << result.diagnostics.front().str();
  const control::Mdp& m = result.model->mdps[0].mdp;
  EXPECT_EQ(m.reward, (std::vector<double>{1.0, 1.0, 0.0, 0.0}));
  EXPECT_EQ(m.next_state, (std::vector<std::uint32_t>{0, 1, 0, 1}));
}

}  // namespace
}  // namespace copi::dsl
