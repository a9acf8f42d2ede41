// Presenting a solved LQR (`lqr` blocks of `copi run`): a readable summary and the
// JSON document.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "copi/control/lqr.hpp"

namespace copi::cli {

// The method, V_0(x0) with its constant c_0, log p(O) (exact), then per t the gain K_t
// and the policy covariance, matrices written [[row], [row]] (the first 50 steps).
void print_lqr_solution(std::ostream& out, const std::string& name, const control::LqrProblem& problem,
                        const control::LqrSolution& solution);

// {"lqr", "method", "state_dim", "action_dim", "horizon", "temperature", "gains" (per t
//  an m x n matrix as rows), "policy_cov" (per t, m x m), "value" (V_0(x0) with its
//  constant), "value_constant" (c_0), "log_partition" (exact only)}.
nlohmann::json lqr_json(const std::string& name, const control::LqrProblem& problem,
                        const control::LqrSolution& solution);

}  // namespace copi::cli
