// Private. Checks of the conditional tables the latent models carry (rows of
// probabilities over a leaf's values), with messages naming the table and the row.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"

namespace copi::control::detail {

// `table` holds `rows` rows of `width` probabilities each. Throws InputError naming
// `what` and describe(row) for the first row with a negative, non-finite or > 1 entry
// or a sum off one by more than kProbabilitySumTolerance; and when the size is wrong.
void check_distribution_rows(const std::vector<double>& table, std::size_t rows, std::size_t width,
                             const std::string& what, const std::function<std::string(std::size_t)>& describe);

// A skill table p(a|s,z) laid out [s][z][a]: rows, and no mass on an action the MDP
// forbids in s. `what` names the table in messages.
void check_skill_table(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                       const std::vector<std::string>& latent_labels, const std::string& what);

// A fixed skill library (skill_level_mdp's arguments): at least one skill, labels,
// the skill table, the prior p(z|s) rows when given.
void check_skill_library(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                         const std::vector<double>& latent_prior, const std::vector<std::string>& latent_labels);

// skill_level_mdp without its checks, for callers that made them (solve_skill_level).
Mdp build_skill_level_mdp(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                          const std::vector<double>& latent_prior, std::vector<std::string> latent_labels);

// Names for messages: the MDP's label for a state / action, or its number.
std::string state_name(const Mdp& mdp, std::size_t s);
std::string action_name(const Mdp& mdp, std::size_t a);
std::string value_name(const std::vector<std::string>& labels, std::size_t i);

// p(a|s,z) of one z as a flat prior, rows s * A + a.
std::vector<double> skill_of_latent(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                    std::size_t z);

}  // namespace copi::control::detail
