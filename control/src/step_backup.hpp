// Private. One backward message through the compiled step factor of every state. The
// rule applied to the child s_{t+1} is the method's:
//   exact (sum):         Q = r + α log(γ Σ p exp(V'/α) + 1 - γ)        (eq. 7)
//   variational (expect): Q = r + γ Σ p V'                              (eq. 15)
//   map (max):           Q = r + γ Σ p V',  V = max_a Q
// then V = α log Σ_a p(a|s) exp(Q/α) and π(a|s) = p(a|s) exp((Q - V)/α). With a step
// model's chain of leaves (leaf_chain.hpp) the action terms pass up the chain instead:
// the same gather and per-action exponentials, then the leaves' sums.
//
// States are processed kLanes at a time, one packet per action, a block of kBlock
// states per task: the group's sums come from the sliced (SELL-8) dynamics through a
// vectorised gather (simd/sliced_rows.hpp), then the block's soft maximum or exact
// weights and its logarithms are one dispatched pass each (simd/vector_math.hpp). A
// MAP chain keeps the CSR kernel (SparseConditional).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <Eigen/StdVector>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/inference/sparse_conditional.hpp"
#include "leaf_chain.hpp"
#include "simd/sliced_rows.hpp"
#include "step_terms.hpp"

namespace copi::control::detail {

class StepBackup {
 public:
  // Working memory of one backup (exact: z of the current backup), owned by the
  // caller so that run() changes nothing in the StepBackup: concurrent runs with their
  // own scratch are safe. Allocated by the first run that uses it, reused after.
  struct Scratch {
    Eigen::ArrayXd z;
  };

  // `threads`: the count in effect for the setup (the slices), inside with_threads.
  StepBackup(const Mdp& mdp, ControlMethod method, std::size_t threads = 1)
      : StepBackup(mdp, StepTerms::of(mdp), method, nullptr, threads) {}
  // With the step's reward and prior replaced (step_terms.hpp) and, when `chain` is
  // given, its leaves in place of the flat action reduction (the terms must then have
  // no prior: the chain's leaves carry it). The views must outlive the backup.
  StepBackup(const Mdp& mdp, const StepTerms& terms, ControlMethod method, const LeafChain* chain = nullptr,
             std::size_t threads = 1);
  // value_out[s] for every state from the next step's values; the policy (rows
  // s*A + a) when `policy_out` is given. Parallel over fixed blocks of states, so the
  // result is bit-identical for any thread count. Absorbing states (is_absorbing) get
  // V = 0 exactly and π = 1 on their one action.
  void run(const std::vector<double>& next, std::vector<double>& value_out, std::vector<double>* policy_out,
           std::size_t threads, Scratch& scratch) const;
  // A chain backup: as run(), the flat policy required, and per leaf k the start of its
  // policy table for this step (num_states × parent × size; nullptr: not wanted).
  void run_chain(const std::vector<double>& next, std::vector<double>& value_out, std::vector<double>& policy_out,
                 std::span<double* const> leaf_out, std::size_t threads, Scratch& scratch) const;
  // After the caller changed the MDP's rewards in place (inverse RL's gradient steps):
  // recomputes what the constructor derived from them. The rewards of absorbing states
  // must stay 0 (they are found once, in the constructor).
  void refresh_rewards();

 private:
  static constexpr std::size_t kBlock = 256;   // states per parallel work item
  static constexpr std::size_t kZChunk = 4096;  // states per work item of the exact z pass
  static constexpr Eigen::Index kLanes = 8;     // states per group (one AVX-512 packet)
  using Lanes = Eigen::Array<double, kLanes, 1>;
  using LaneVector = std::vector<Lanes, Eigen::aligned_allocator<Lanes>>;

  static constexpr std::size_t kGroups = kBlock / kLanes;  // groups per block

  // Per-task scratch: a block's per-action packets (group g, action a: g A + a) and
  // per-group packets.
  struct GroupBuffers {
    GroupBuffers(std::size_t actions, const LeafChain* chain, std::size_t leaves)
        : expect(kGroups * actions),
          bias(kGroups * actions),
          hi(kGroups),
          sum(kGroups),
          log_sum(kGroups),
          lowest(kGroups),
          redo(kGroups),
          policy_row(actions),
          action_term(actions),
          leaf(leaves) {
      if (chain != nullptr) chain_scratch = chain->scratch();
    }
    LaneVector expect;  // E_a, then the action weights
    LaneVector bias;    // the per-row term the method adds (see gather)
    LaneVector hi;      // the per-state offset of the weights
    LaneVector sum;     // Σ_a w_a
    LaneVector log_sum;
    LaneVector lowest;  // exact: per state, the smallest Σ p z over its rows
    std::vector<std::uint32_t> redo;  // bit i: the group's lane i is redone in log space
    std::vector<double> policy_row;
    std::vector<double> action_term;  // one state's per-action terms for the chain
    std::vector<double*> leaf;        // the chain's outputs for one state
    LeafChain::Scratch chain_scratch;
  };

  // Whether this backup sums its rows through the CSR kernel (else through the slices).
  static bool uses_csr_gather(ControlMethod method, const LeafChain* chain);
  void refresh_action_weights();
  void refresh_lane_terms();

  void run_impl(const std::vector<double>& next, std::vector<double>& value_out, double* policy,
                std::span<double* const> leaf_out, std::size_t threads, Scratch& scratch) const;
  // The chain's outputs for state s.
  LeafChain::Outputs chain_outputs(std::size_t s, std::span<double* const> leaf_out, GroupBuffers& buffers) const;

  // Exact: z(s') = exp((V'(s') - shift)/α + z_offset), and log(γ E[exp(V'/α)] + 1 - γ)
  // = m + log(Σ p z + end_weight): every term scaled by exp(-m) so the largest is 1.
  struct ExactScale {
    double shift = 0.0;
    double z_offset = 0.0;
    double m = 0.0;
    double end_weight = 0.0;
  };
  ExactScale exact_scale(const std::vector<double>& next) const;

  // For the group's states [first, first + count) and every action a:
  // e = expect_scale Σ_k p_k w[s'_k] and b = bias_scale * per_row[row] (+ log_prior[row]
  // when given); expect[a][i] = e + b when add_bias, else expect[a][i] = e and
  // bias[a][i] = b. Lanes past count are padding (expect 1, bias `pad_bias`).
  struct GatherTerms {
    const double* w;
    double expect_scale;
    const double* per_row;
    double bias_scale;
    const double* log_prior;
    bool add_bias;
    double pad_bias;
  };
  // `k` is the running CSR entry of the CSR path: the first entry of row first * A on
  // entry, past the group's last row on return (the sliced path neither reads nor moves it).
  void gather(std::size_t first, std::size_t count, std::uint64_t& k, const GatherTerms& terms, Lanes* expect,
              Lanes* bias) const;
  // The states [first, first + count) of one block. `absorbing` walks the sorted
  // absorbing states: the first one >= first on entry, the first one past the block on
  // return.
  void soft_block(std::size_t first, std::size_t count, std::uint64_t& k, const double* next, const double* z,
                  const ExactScale& scale, GroupBuffers& buffers, const std::uint32_t*& absorbing, double* value_out,
                  double* policy_out, std::span<double* const> leaf_out) const;
  void map_states(std::size_t first, std::size_t count, std::uint64_t& k, const double* next,
                  const std::uint32_t*& absorbing, double* value_out, double* policy_out,
                  std::span<double* const> leaf_out, GroupBuffers& buffers) const;
  void map_chain_states(std::size_t first, std::size_t count, std::uint64_t& k, const double* next,
                        const std::uint32_t*& absorbing, double* value_out, double* policy_out,
                        std::span<double* const> leaf_out, GroupBuffers& buffers) const;
  // Q(s,a)/α + log p(a|s) for every action of s, in log space (-inf: forbidden).
  void log_action_terms(std::size_t s, const double* next, const ExactScale& scale, double* x) const;
  // x <- softmax(x) in place; returns log Σ exp(x) (the largest factored out).
  static double soft_max_in_place(double* x, std::size_t n);
  double log_expect_exact(std::size_t row, const double* next, const ExactScale& scale) const;

  const Mdp& mdp_;
  StepTerms terms_;
  const LeafChain* chain_;
  ControlMethod method_;
  double gamma_;
  double log_gamma_;
  double log_end_;  // log(1 - γ), -inf when γ = 1
  double inverse_alpha_;
  bool stream_policy_;  // one step's policy too large for the cache: stored around it
  SparseConditional dynamics_;  // p(s'|s, a): the step factor's message kernel
  // The gather (all but a MAP chain): slice g A + a holds action a's rows of the states of
  // group g (lane j: state 8g + j), so a group's sums come out as its packets.
  SlicedRows sliced_;
  // With the slices: the per-row term of gather() (variational r/α + log p(a|s), exact
  // the action weight below) in the same packets, so the sliced path reads it per packet
  // (terms.per_row and terms.log_prior then only say which term it is).
  LaneVector lane_terms_;
  std::vector<double> log_prior_;  // log p(a|s) per row, when there is a prior
  // Exact: e^{b_a - B(s)} per row and B(s) per state, with b_a = r/α + log p(a|s) and
  // B(s) = max_a b_a. The same in every backup, so computed once.
  std::vector<double> action_weight_;
  std::vector<double> action_offset_;
  // The absorbing states, increasing, and the one action available in each: their
  // V = 0 is set, not computed (the scaled sums round to a few ulps off 0).
  std::vector<std::uint32_t> absorbing_;
  std::vector<std::uint32_t> absorbing_action_;
};

}  // namespace copi::control::detail
