// One forward step of visitation (control/src/forward_step.hpp) on MDPs whose actions
// share their successors, where it sums each state's actions first and gathers one
// value per predecessor state: against the plain serial sweep over the rows written
// here (equal to rounding), the same bits for 1, 2 and 3 threads, stopped states
// sending nothing, and the row form (the serial sweep's very bits) as soon as one
// state's actions differ.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "copi/inference/detail/parallel.hpp"
#include "forward_step.hpp"

namespace copi::control {
namespace {

// 20000 states (more than two tasks of 4096), 4 actions; each state's actions reach
// the same 1..6 successors with their own probabilities.
Mdp shared_successor_mdp(std::uint64_t seed) {
  constexpr std::size_t kStates = 20000;
  constexpr std::size_t kActions = 4;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint32_t> state(0, kStates - 1);
  std::uniform_int_distribution<std::size_t> count(1, 6);
  std::uniform_real_distribution<double> weight(0.05, 1.0);
  Mdp mdp;
  mdp.num_states = kStates;
  mdp.num_actions = kActions;
  std::vector<Transition> transitions;
  for (std::uint32_t s = 0; s < kStates; ++s) {
    std::vector<std::uint32_t> successors(count(rng));
    for (auto& x : successors) x = s % 3 == 0 ? (s + static_cast<std::uint32_t>(&x - successors.data())) % kStates : state(rng);
    std::sort(successors.begin(), successors.end());
    successors.erase(std::unique(successors.begin(), successors.end()), successors.end());
    for (std::uint32_t a = 0; a < kActions; ++a) {
      std::vector<double> w(successors.size());
      for (double& x : w) x = weight(rng);
      const double total = std::accumulate(w.begin(), w.end(), 0.0);
      for (std::size_t k = 0; k < w.size(); ++k) transitions.push_back({s, a, successors[k], w[k] / total});
    }
  }
  set_transitions(mdp, transitions);
  mdp.reward.assign(mdp.rows(), 0.0);
  mdp.initial.assign(kStates, 1.0 / kStates);
  mdp.discount = 0.9;
  return mdp;
}

std::vector<double> random_policy(const Mdp& mdp, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> weight(0.0, 1.0);
  std::vector<double> policy(mdp.rows());
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    double total = 0.0;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) total += policy[s * mdp.num_actions + a] = weight(rng);
    for (std::size_t a = 0; a < mdp.num_actions; ++a) policy[s * mdp.num_actions + a] /= total;
  }
  return policy;
}

// d'(s') = Σ γ d(s) π(a|s) p(s'|s,a) as a scatter over the rows, in row order.
std::vector<double> serial_sweep(const Mdp& mdp, const std::vector<double>& policy, const std::vector<double>& d,
                                 const std::vector<std::uint8_t>& stopped) {
  std::vector<double> out(mdp.num_states, 0.0);
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (!stopped.empty() && stopped[s] != 0) continue;
    for (std::size_t a = 0; a < mdp.num_actions; ++a) {
      const std::size_t row = s * mdp.num_actions + a;
      const double mass = *mdp.discount * d[s] * policy[row];
      for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
        out[mdp.next_state[k]] += mass * mdp.probability[k];
      }
    }
  }
  return out;
}

std::vector<double> forward(const Mdp& mdp, const std::vector<double>& policy, const std::vector<double>& d,
                            const std::vector<std::uint8_t>& stopped, std::size_t threads, bool& shared) {
  return copi::detail::with_threads(threads, [&](std::size_t pool) {
    detail::ForwardStep step(mdp, pool);
    shared = step.shares_successors();
    std::vector<double> out(mdp.num_states, -1.0);
    step.run(policy, d, stopped.empty() ? nullptr : &stopped, out);
    return out;
  });
}

bool same_bits(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(x[i]) != std::bit_cast<std::uint64_t>(y[i])) return false;
  }
  return true;
}

TEST(ForwardShared, SharedSuccessorsGiveTheSerialSweepToRoundingAndTheSameBitsForAnyThreadCount) {
  const Mdp mdp = shared_successor_mdp(3);
  const std::vector<double> policy = random_policy(mdp, 4);
  std::mt19937_64 rng(5);
  std::vector<double> d(mdp.num_states);
  for (double& x : d) x = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  std::vector<std::uint8_t> stopped(mdp.num_states, 0);
  for (std::size_t s = 0; s < mdp.num_states; s += 7) stopped[s] = 1;
  for (const auto& stops : {std::vector<std::uint8_t>{}, stopped}) {
    const std::vector<double> reference = serial_sweep(mdp, policy, d, stops);
    bool shared = false;
    const std::vector<double> one = forward(mdp, policy, d, stops, 1, shared);
    EXPECT_TRUE(shared);
    double largest = 0.0;
    for (const double x : reference) largest = std::max(largest, std::abs(x));
    ASSERT_GT(largest, 0.0);
    for (std::size_t s = 0; s < mdp.num_states; ++s) ASSERT_NEAR(one[s], reference[s], 1e-14 * largest) << s;
    for (const std::size_t threads : {2u, 3u}) {
      EXPECT_TRUE(same_bits(forward(mdp, policy, d, stops, threads, shared), one)) << threads << " threads";
    }
  }
  // With one state's actions apart, the row form: the serial sweep's own bits.
  Mdp apart = mdp;
  const std::size_t row = 11 * apart.num_actions + 2;
  apart.next_state[apart.row_begin[row]] = (apart.next_state[apart.row_begin[row]] + 1) % apart.num_states;
  bool shared = true;
  const std::vector<double> rows = forward(apart, policy, d, stopped, 2, shared);
  EXPECT_FALSE(shared);
  EXPECT_TRUE(same_bits(rows, serial_sweep(apart, policy, d, stopped)));
}

}  // namespace
}  // namespace copi::control
