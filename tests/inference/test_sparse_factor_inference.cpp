// A graph with sparse conditional factors runs under every discrete algorithm of the
// registry (each sees the dense tables) and gives the marginals and log Z of the
// joint enumerated by hand in the test.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "copi/graph/error.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/algorithms.hpp"

namespace copi {
namespace {

// a → b → c: p(a) dense, p(b | a) and p(c | b) sparse; evidence c = 1.
constexpr std::array<double, 2> kPa{0.3, 0.7};
constexpr std::array<std::array<double, 3>, 2> kPbGivenA{{{0.6, 0.0, 0.4}, {0.0, 0.9, 0.1}}};
constexpr std::array<std::array<double, 2>, 3> kPcGivenB{{{1.0, 0.0}, {0.25, 0.75}, {0.5, 0.5}}};

// The CSR form of rows of a conditional table: the positive entries, in order.
template <std::size_t R, std::size_t C>
SparseConditionalFactor sparse(VarId child, VarId parent, const std::array<std::array<double, C>, R>& table) {
  std::vector<std::uint64_t> row_begin{0};
  std::vector<std::uint32_t> states;
  std::vector<double> probability;
  for (const auto& row : table) {
    for (std::size_t x = 0; x < C; ++x) {
      if (row[x] > 0.0) {
        states.push_back(static_cast<std::uint32_t>(x));
        probability.push_back(row[x]);
      }
    }
    row_begin.push_back(states.size());
  }
  return {child, C, {parent}, {R}, row_begin, states, probability};
}

TEST(SparseFactorInference, EveryDiscreteAlgorithmMatchesTheJointEnumeratedByHand) {
  FactorGraph g;
  const VarId a = g.add_variable(Variable{"a", 2, {}});
  const VarId b = g.add_variable(Variable{"b", 3, {}});
  const VarId c = g.add_variable(Variable{"c", 2, {}});
  g.add_factor(DiscreteFactor({a}, {2}, {std::log(kPa[0]), std::log(kPa[1])}));
  g.add_factor(sparse(b, a, kPbGivenA));
  g.add_factor(sparse(c, b, kPcGivenB));
  const Evidence evidence{{c, 1}};

  double z = 0.0;
  std::array<double, 2> pa{};
  std::array<double, 3> pb{};
  for (std::size_t x = 0; x < 2; ++x) {
    for (std::size_t y = 0; y < 3; ++y) {
      const double w = kPa[x] * kPbGivenA[x][y] * kPcGivenB[y][1];
      z += w;
      pa[x] += w;
      pb[y] += w;
    }
  }
  for (const std::string name : {"auto", "exact", "bp", "trw", "enumerate"}) {
    const InferenceResult r = configure_inference_algorithm(name).run(g, evidence, Task::marginals);
    ASSERT_TRUE(r.log_z.has_value()) << name;
    EXPECT_NEAR(*r.log_z, std::log(z), 1e-12) << name;
    for (std::size_t x = 0; x < 2; ++x) EXPECT_NEAR(r.marginals[a.index][x], pa[x] / z, 1e-12) << name;
    for (std::size_t y = 0; y < 3; ++y) EXPECT_NEAR(r.marginals[b.index][y], pb[y] / z, 1e-12) << name;
  }
}

TEST(SparseFactorInference, ATableTooLargeToDensifyIsRefusedBeforeRunning) {
  FactorGraph g;
  const VarId s = g.add_variable(Variable{"s", std::size_t{1} << 14, {}});
  const VarId next = g.add_variable(Variable{"next", std::size_t{1} << 14, {}});
  // next = s: 2^14 rows of one entry each, 2^28 dense entries.
  std::vector<std::uint64_t> row_begin(1 + (std::size_t{1} << 14));
  std::vector<std::uint32_t> states(std::size_t{1} << 14);
  for (std::size_t i = 0; i < states.size(); ++i) {
    row_begin[i + 1] = i + 1;
    states[i] = static_cast<std::uint32_t>(i);
  }
  g.add_factor(SparseConditionalFactor(next, std::size_t{1} << 14, {s}, {std::size_t{1} << 14}, row_begin, states,
                                       std::vector<double>(states.size(), 1.0)));
  EXPECT_THROW((void)configure_inference_algorithm("bp").run(g, {}, Task::marginals), ResourceError);
}

}  // namespace
}  // namespace copi
