// Private. One backup of the high-level MDP of a fixed skill library (latent.hpp,
// SkillTable::mixed) without forming its product table: per state, the dynamics' rows
// are gathered once per action (E_a = Σ p(s'|s,a) w(s'), w = exp(V'/α) scaled for
// exact, V' otherwise), then every skill mixes them, m_z = Σ_a π_lo(a|s,z) E_a:
//   exact        Q(s,z) = r(s,z) + α log(γ m_z + 1 − γ)   (m_z of the scaled exponentials)
//   variational  Q(s,z) = r(s,z) + γ m_z
//   map          the same Q, V = max over the allowed skills
// with r(s,z) = Σ_a π_lo r(s,a); then V = α log Σ_z p(z|s) exp(Q/α) and π_hi as for a
// flat action. Parallel over fixed blocks of states: the same bits for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "copi/control/latent.hpp"
#include "copi/inference/sparse_conditional.hpp"

namespace copi::control::detail {

class SkillBackup {
 public:
  // The tables must outlive the backup; validated by the caller.
  SkillBackup(const Mdp& mdp, ControlMethod method, std::size_t num_latents, const std::vector<double>& skill,
              const std::vector<double>& latent_prior);

  // value_out(s) from V'; π_hi (rows s * Z + z) and the induced π(a|s) when given.
  // `z` is the exact method's working vector (one entry per state).
  void run(const std::vector<double>& next, std::vector<double>& value_out, double* high_out, double* flat_out,
           std::size_t threads, std::vector<double>& z) const;

  // W = c + γ P_π W' for the objective: c(s) = Σ_z π_hi (r(s,z) − α log(π_hi / p(z|s)))
  // (map: the reward alone), P_π from the induced π(a|s).
  void evaluate(const std::vector<double>& high, const std::vector<double>& flat, const std::vector<double>& w_next,
                std::vector<double>& w, std::size_t threads) const;

 private:
  void state_backup(std::size_t s, std::uint64_t& k, const double* w, double shift, double m, double end_weight,
                    const double* next, std::vector<double>& expect, std::vector<double>& x, double* value,
                    double* high, double* flat) const;

  const Mdp& mdp_;
  ControlMethod method_;
  std::size_t Z_;
  const std::vector<double>& skill_;
  double gamma_;
  double log_gamma_;
  double log_end_;
  SparseConditional dynamics_;
  std::vector<double> reward_;     // r(s, z)
  std::vector<double> log_prior_;  // log p(z|s), empty without a prior
  std::vector<std::uint8_t> absorbing_;
  std::vector<std::uint32_t> absorbing_action_;
};

}  // namespace copi::control::detail
