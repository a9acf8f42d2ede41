// Presenting an InferenceResult: a readable table on stdout, the JSON document of
// `--json`, and the UAI solution file of `--out`.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <vector>

#include <nlohmann/json.hpp>

#include "copi/graph/factor_graph.hpp"
#include "copi/inference/result.hpp"

namespace copi::cli {

// "log Z = ", "log Z >= " (a lower bound), "log Z <= ", "log Z ~ " (an estimate).
std::string log_z_label(LogZKind kind);

// The Gaussian marginals of real variables: one line per variable, "mean ± sd" per
// component; below it, for those in `with_variance` the variance of each component
// ("var [...]"), for those in `with_covariance` the whole matrix ("cov [...]").
void print_gaussian_marginals(std::ostream& out, const FactorGraph& graph, const InferenceResult& result,
                              const std::vector<VarId>& vars, const std::vector<VarId>& with_covariance = {},
                              const std::vector<VarId>& with_variance = {});

// {NAME: {"mean": [...], "var": [...], "cov": [[...]]}} for the given real variables
// (vectors and matrices even for scalars; "var" is the diagonal of "cov").
nlohmann::json continuous_json(const FactorGraph& graph, const InferenceResult& result, const std::vector<VarId>& vars);

void print_result(std::ostream& out, const FactorGraph& graph, const InferenceResult& result, Task task);

// {"task", "algorithm", "log_z", "log10_z", "marginals", "map", "map_log_value",
//  "converged", "termination", "iterations", "seconds", "variables", ...}
nlohmann::json result_json(const FactorGraph& graph, const InferenceResult& result, Task task);

// Writes the document atomically (temporary file, then rename).
void write_json_file(const std::filesystem::path& path, const nlohmann::json& document);

// The UAI solution file of the task (.MAR, .PR or .MPE layout), atomically.
void write_solution(const std::filesystem::path& path, const InferenceResult& result, Task task);

}  // namespace copi::cli
