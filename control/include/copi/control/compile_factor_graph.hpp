// The compiled factor graph of a finite-horizon MDP written out explicitly, for
// checking the solvers with generic inference (`copi mdp --emit-uai`): variables
// s_1..s_T, a_1..a_T and the optimality variables O_1..O_T, with factors p(s_1),
// p(a_t|s_t) (when the MDP has an action prior), the potential exp(r(s_t,a_t)/α) on
// O_t = 1, and p(s_{t+1}|s_t,a_t) as sparse conditionals (written densely to a UAI
// file). Evidence sets every O_t = 1, so
// log Z of the graph is the exact method's log p(O_{1:T} = 1). A discount γ < 1 adds
// an absorbing "end" state (reached with probability 1 − γ, reward 0, actions
// uniform) so that the episode's end carries value 0. The inference algorithms and the
// file formats read dense tables, so: for small MDPs only.
#pragma once

#include "copi/control/mdp.hpp"
#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"

namespace copi::control {

struct CompiledMdp {
  FactorGraph graph;
  Evidence evidence;  // O_t = 1
};

// Throws InputError without a horizon, ResourceError when a dense transition table
// would exceed 2^24 entries or all tables together 2^26 (before building any).
CompiledMdp compile_factor_graph(const Mdp& mdp);

}  // namespace copi::control
