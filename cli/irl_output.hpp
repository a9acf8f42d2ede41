// Presenting a learned reward (inverse RL): the summary `copi irl` and `copi run` print
// and the JSON document both write.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "copi/control/irl.hpp"

namespace copi::cli {

// "inverse RL (N gradient evaluations, ...)", L(θ), the log-likelihood, then θ and the
// empirical and expected counts per feature and their largest difference.
void print_irl_fit(std::ostream& out, const control::Features& features, const control::IrlResult& fit);

// {"method", "states", "actions", "weights" (feature -> θ), "reward" (state x action),
//  "objective", "log_likelihood", "feature_counts": {"empirical", "expected"},
//  "max_feature_gap", "iterations", "gradient_norm", "relative_gradient_norm",
//  "converged", "termination", "seconds", and "policy" when the fit has one}.
nlohmann::json irl_json(const control::Mdp& mdp, const control::Features& features, const control::IrlResult& fit,
                        const std::string& method);

}  // namespace copi::cli
