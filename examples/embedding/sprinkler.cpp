// Embedding copi: build the sprinkler Bayesian network in code, observe wet grass,
// and ask exact inference for the posteriors, log P(evidence) and the MPE.
//
// Tables follow copi's convention (copi/graph/table_layout.hpp): the FIRST variable
// of a factor's scope varies fastest. Potentials are natural logs.
#include <cmath>
#include <cstdio>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/factor_graph.hpp"
#include "copi/inference/exact.hpp"

namespace {

std::vector<double> logs(std::vector<double> p) {
  for (double& x : p) x = std::log(x);
  return p;
}

}  // namespace

int main() {
  copi::FactorGraph net;
  const copi::VarId cloudy = net.add_variable({"cloudy", 2, {"no", "yes"}});
  const copi::VarId sprinkler = net.add_variable({"sprinkler", 2, {"off", "on"}});
  const copi::VarId rain = net.add_variable({"rain", 2, {"no", "yes"}});
  const copi::VarId wet = net.add_variable({"wet_grass", 2, {"no", "yes"}});

  // p(cloudy)
  net.add_factor({{cloudy}, {2}, logs({0.5, 0.5})});
  // p(sprinkler | cloudy): scope (sprinkler, cloudy), sprinkler fastest.
  net.add_factor({{sprinkler, cloudy}, {2, 2}, logs({0.5, 0.5, 0.9, 0.1})});
  // p(rain | cloudy)
  net.add_factor({{rain, cloudy}, {2, 2}, logs({0.8, 0.2, 0.2, 0.8})});
  // p(wet | sprinkler, rain): rows for (off,no) (on,no) (off,yes) (on,yes).
  net.add_factor({{wet, sprinkler, rain}, {2, 2, 2}, logs({1.0, 0.0, 0.1, 0.9, 0.1, 0.9, 0.01, 0.99})});

  const copi::Evidence evidence{{wet, 1}};
  const copi::InferenceResult posterior = copi::solve_exact(net, evidence, copi::Task::marginals);
  const copi::InferenceResult mpe = copi::solve_exact(net, evidence, copi::Task::mpe);

  std::printf("P(wet_grass = yes) = %.6f\n", std::exp(*posterior.log_z));
  for (const copi::VarId v : {cloudy, sprinkler, rain}) {
    const copi::Variable& var = net.variable(v);
    std::printf("P(%s = %s | wet) = %.6f\n", var.name.c_str(), var.labels[1].c_str(), posterior.marginals[v.index][1]);
  }
  std::printf("most probable explanation:");
  for (const copi::VarId v : {cloudy, sprinkler, rain, wet}) {
    std::printf(" %s=%s", net.variable(v).name.c_str(), net.variable(v).state_name(mpe.map[v.index]).c_str());
  }
  std::printf("\n%s\n", posterior.report.brief().c_str());
  // The textbook value: P(wet) = 0.6471.
  return std::abs(std::exp(*posterior.log_z) - 0.6471) < 1e-9 ? 0 : 1;
}
