// Sparse features φ(s, a) and the demonstrations' side of the IRL dual: empirical
// feature counts and the initial distribution of the episodes' first states.
#include <algorithm>
#include <cmath>

#include "copi/control/irl.hpp"
#include "copi/graph/error.hpp"

namespace copi::control {
namespace {

std::size_t units_of(FeatureKind kind, const Mdp& mdp) {
  return kind == FeatureKind::state ? mdp.num_states : mdp.rows();
}

}  // namespace

void Features::validate(const Mdp& mdp) const {
  const std::size_t units = units_of(kind, mdp);
  if (names.empty()) throw InputError("no features: the reward θᵀφ needs at least one");
  if (begin.size() != units + 1 || begin.front() != 0 || begin.back() != feature.size() ||
      value.size() != feature.size()) {
    throw InputError(std::string("the features do not fit the MDP's ") +
                     (kind == FeatureKind::state ? "states" : "(state, action) pairs"));
  }
  for (std::size_t u = 0; u < units; ++u) {
    if (begin[u] > begin[u + 1]) throw InputError("the features' row offsets decrease");
  }
  for (std::size_t k = 0; k < feature.size(); ++k) {
    if (feature[k] >= names.size()) throw InputError("feature id " + std::to_string(feature[k]) + " out of range");
    if (!std::isfinite(value[k])) throw InputError("feature '" + names[feature[k]] + "' has a value that is not finite");
  }
}

Features make_features(FeatureKind kind, std::vector<std::string> names, std::size_t units,
                       std::vector<FeatureEntry> entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const FeatureEntry& x, const FeatureEntry& y) {
    return x.unit != y.unit ? x.unit < y.unit : x.feature < y.feature;
  });
  Features features;
  features.kind = kind;
  features.names = std::move(names);
  features.begin.assign(units + 1, 0);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const FeatureEntry& e = entries[i];
    if (e.unit >= units) throw InputError("feature entry for unit " + std::to_string(e.unit) + " out of range");
    if (i > 0 && entries[i - 1].unit == e.unit && entries[i - 1].feature == e.feature) {
      features.value.back() += e.value;  // a repeated (unit, feature) adds up
      continue;
    }
    features.feature.push_back(e.feature);
    features.value.push_back(e.value);
    ++features.begin[e.unit + 1];
  }
  for (std::size_t u = 0; u < units; ++u) features.begin[u + 1] += features.begin[u];
  return features;
}

std::vector<double> empirical_feature_counts(const Mdp& mdp, const Features& features,
                                             const std::vector<Episode>& episodes) {
  features.validate(mdp);
  if (episodes.empty()) throw InputError("no demonstrations");
  std::vector<std::uint8_t> absorbing(mdp.num_states, 0);
  for (const std::uint32_t s : absorbing_states(mdp)) absorbing[s] = 1;
  const double gamma = mdp.discount.value_or(1.0);
  std::vector<double> counts(features.count(), 0.0);
  for (const Episode& episode : episodes) {
    if (episode.states.size() != episode.actions.size()) throw InputError("an episode has more states than actions");
    double weight = 1.0;  // γ^t
    for (std::size_t t = 0; t < episode.states.size(); ++t, weight *= gamma) {
      const std::uint32_t s = episode.states[t];
      const std::uint32_t a = episode.actions[t];
      if (s >= mdp.num_states || a >= mdp.num_actions) throw InputError("an episode names a state or action out of range");
      if (absorbing[s] != 0) continue;  // the episode has ended: no reward accrues
      const std::size_t unit = features.kind == FeatureKind::state ? s : s * mdp.num_actions + a;
      for (std::uint64_t k = features.begin[unit]; k < features.begin[unit + 1]; ++k) {
        counts[features.feature[k]] += weight * features.value[k];
      }
    }
  }
  for (double& c : counts) c /= static_cast<double>(episodes.size());
  return counts;
}

std::vector<double> initial_from_episodes(std::size_t num_states, const std::vector<Episode>& episodes) {
  std::vector<double> initial(num_states, 0.0);
  std::size_t counted = 0;
  for (const Episode& episode : episodes) {
    if (episode.states.empty()) continue;
    if (episode.states.front() >= num_states) throw InputError("an episode starts in a state out of range");
    initial[episode.states.front()] += 1.0;
    ++counted;
  }
  if (counted == 0) throw InputError("no demonstrations: the initial distribution cannot be taken from them");
  for (double& p : initial) p /= static_cast<double>(counted);
  return initial;
}

}  // namespace copi::control
