#include "latent_tables.hpp"

#include <charconv>
#include <cmath>

#include "copi/graph/error.hpp"

namespace copi::control::detail {
namespace {

std::string number(double v) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return error == std::errc() ? std::string(buffer, end) : std::to_string(v);
}

}  // namespace

std::string value_name(const std::vector<std::string>& labels, std::size_t i) {
  return i < labels.size() ? labels[i] : std::to_string(i);
}
std::string state_name(const Mdp& mdp, std::size_t s) { return "state " + value_name(mdp.state_labels, s); }
std::string action_name(const Mdp& mdp, std::size_t a) { return "action " + value_name(mdp.action_labels, a); }

void check_distribution_rows(const std::vector<double>& table, std::size_t rows, std::size_t width,
                             const std::string& what, const std::function<std::string(std::size_t)>& describe) {
  if (table.size() != rows * width) {
    throw InputError(what + " has " + std::to_string(table.size()) + " entries, expected " + std::to_string(rows) +
                     " x " + std::to_string(width) + " = " + std::to_string(rows * width));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t i = 0; i < width; ++i) {
      const double p = table[r * width + i];
      if (!(p >= 0.0 && p <= 1.0)) {
        throw InputError(what + ", " + describe(r) + ": probability " + number(p) + " is not in [0, 1]");
      }
      sum += p;
    }
    if (!(std::abs(sum - 1.0) <= kProbabilitySumTolerance)) {
      throw InputError(what + ", " + describe(r) + ": the probabilities sum to " + number(sum) + ", not 1");
    }
  }
}

void check_skill_table(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                       const std::vector<std::string>& latent_labels, const std::string& what) {
  const std::size_t A = mdp.num_actions;
  const auto describe = [&](std::size_t row) {
    return state_name(mdp, row / num_latents) + ", latent " + value_name(latent_labels, row % num_latents);
  };
  check_distribution_rows(skill, mdp.num_states * num_latents, A, what, describe);
  if (mdp.allowed.empty()) return;
  for (std::size_t row = 0; row < mdp.num_states * num_latents; ++row) {
    const std::size_t s = row / num_latents;
    for (std::size_t a = 0; a < A; ++a) {
      if (mdp.allowed[s * A + a] == 0 && skill[row * A + a] > 0.0) {
        throw InputError(what + ", " + describe(row) + ": " + action_name(mdp, a) +
                         " is not available there but has probability " + number(skill[row * A + a]));
      }
    }
  }
}

std::vector<double> skill_of_latent(const Mdp& mdp, std::size_t num_latents, const std::vector<double>& skill,
                                    std::size_t z) {
  const std::size_t A = mdp.num_actions;
  std::vector<double> prior(mdp.rows());
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    const double* row = skill.data() + (s * num_latents + z) * A;
    std::copy(row, row + A, prior.begin() + static_cast<std::ptrdiff_t>(s * A));
  }
  return prior;
}

}  // namespace copi::control::detail
