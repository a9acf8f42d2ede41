// Presenting a learned reward (irl_output.hpp).
#include "irl_output.hpp"

#include <ostream>

#include "control_output.hpp"

namespace copi::cli {
namespace {

// feature name -> value.
nlohmann::json by_name(const std::vector<std::string>& names, const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t k = 0; k < names.size(); ++k) out[names[k]] = values[k];
  return out;
}

}  // namespace

nlohmann::json irl_json(const control::Mdp& mdp, const control::Features& features, const control::IrlResult& fit,
                        const std::string& method) {
  nlohmann::json doc;
  doc["method"] = method;
  nlohmann::json states = nlohmann::json::array();
  for (std::size_t s = 0; s < mdp.num_states; ++s) states.push_back(state_name(mdp, s));
  nlohmann::json actions = nlohmann::json::array();
  for (std::size_t a = 0; a < mdp.num_actions; ++a) actions.push_back(action_name(mdp, a));
  doc["states"] = states;
  doc["actions"] = actions;
  doc["weights"] = by_name(features.names, fit.weights);
  nlohmann::json reward = nlohmann::json::array();
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t a = 0; a < mdp.num_actions; ++a) row.push_back(fit.reward[s * mdp.num_actions + a]);
    reward.push_back(row);
  }
  doc["reward"] = reward;
  doc["objective"] = fit.objective;
  doc["log_likelihood"] = fit.log_likelihood;
  doc["feature_counts"] = {{"empirical", by_name(features.names, fit.empirical)},
                           {"expected", by_name(features.names, fit.expected)}};
  doc["max_feature_gap"] = fit.max_feature_gap;
  doc["iterations"] = fit.iterations;
  doc["gradient_norm"] = fit.gradient_norm;
  doc["relative_gradient_norm"] = fit.relative_gradient_norm;
  doc["converged"] = fit.converged;
  doc["termination"] = fit.termination;
  doc["seconds"] = fit.seconds;
  if (fit.policy) {
    control::Mdp learned = mdp;
    learned.reward = fit.reward;
    doc["policy"] = control_json(learned, *fit.policy);
  }
  return doc;
}

void print_irl_fit(std::ostream& out, const control::Features& features, const control::IrlResult& fit) {
  out << "inverse RL (" << fit.iterations << " gradient evaluations, " << fit.termination << ")\n";
  out << "  L(theta) = " << fit.objective << "   log-likelihood = " << fit.log_likelihood
      << "   relative gradient norm = " << fit.relative_gradient_norm << "\n";
  out << "  feature          theta        empirical     expected\n";
  for (std::size_t k = 0; k < features.count(); ++k) {
    out << "  " << features.names[k];
    for (std::size_t pad = features.names[k].size(); pad < 14; ++pad) out << ' ';
    out << " " << fit.weights[k] << "  " << fit.empirical[k] << "  " << fit.expected[k] << "\n";
  }
  out << "  largest |empirical - expected| = " << fit.max_feature_gap << "\n";
}

}  // namespace copi::cli
