// Reading and writing the latent-variable tables (copi/control/latent_csv.hpp).
#include "copi/control/latent_csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <ostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "copi/graph/io/atomic_file.hpp"
#include "csv_table.hpp"

namespace copi::control {
namespace {

using detail::CsvRow;
using detail::CsvTable;
using detail::csv_number;
using detail::exact;
using detail::line_list;
using detail::read_csv_table;

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

std::string name_of(const std::vector<std::string>& labels, std::size_t i) {
  return i < labels.size() ? labels[i] : std::to_string(i);
}

// The MDP's labels (or 0, 1, ... when it has none) to indices.
class MdpLabels {
 public:
  MdpLabels(const std::vector<std::string>& labels, std::size_t count, const char* what) : what_(what) {
    for (std::size_t i = 0; i < count; ++i) index_.emplace(name_of(labels, i), i);
  }
  template <std::size_t N>
  [[nodiscard]] std::size_t at(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell) const {
    const auto it = index_.find(row.cells[cell]);
    if (it == index_.end()) {
      throw InputError(std::string("unknown ") + what_ + " '" + row.cells[cell] + "' (not in the transitions)",
                       table.at(row, cell));
    }
    return it->second;
  }

 private:
  const char* what_;
  std::unordered_map<std::string, std::size_t> index_;
};

// Latent labels: fixed by another table, or collected in order of first appearance.
class LatentLabels {
 public:
  LatentLabels(std::vector<std::string> fixed, std::string source) : labels_(std::move(fixed)), source_(std::move(source)) {
    fixed_ = !labels_.empty();
    for (std::size_t i = 0; i < labels_.size(); ++i) index_.emplace(labels_[i], i);
  }
  template <std::size_t N>
  std::size_t see(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell) {
    const std::string& label = row.cells[cell];
    if (label.empty()) throw InputError("empty latent label", table.at(row, cell));
    const auto it = index_.find(label);
    if (it != index_.end()) return it->second;
    if (fixed_) {
      throw InputError("unknown latent '" + label + "' (not in " + (source_.empty() ? "the latent table" : source_) + ")",
                       table.at(row, cell));
    }
    index_.emplace(label, labels_.size());
    labels_.push_back(label);
    return labels_.size() - 1;
  }
  [[nodiscard]] std::vector<std::string>& labels() { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::string source_;
  bool fixed_ = false;
  std::unordered_map<std::string, std::size_t> index_;
};

std::vector<std::uint8_t> absorbing_flags(const Mdp& mdp) {
  std::vector<std::uint8_t> flags(mdp.num_states, 0);
  for (const std::uint32_t s : absorbing_states(mdp)) flags[s] = 1;
  return flags;
}

// The one available action of an absorbing state (the first when every action is).
std::size_t only_action(const Mdp& mdp, std::size_t s) {
  for (std::size_t a = 0; a < mdp.num_actions && !mdp.allowed.empty(); ++a) {
    if (mdp.allowed[s * mdp.num_actions + a] != 0) return a;
  }
  return 0;
}

template <std::size_t N>
double probability_cell(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell) {
  const double p = csv_number(table, row, cell, "probability");
  if (p < 0.0) throw InputError("probability " + row.cells[cell] + " is negative", table.at(row, cell));
  if (p > 1.0) throw InputError("probability " + row.cells[cell] + " is above 1", table.at(row, cell));
  return p;
}

// Which header the text starts with: its number of cells (0 when empty).
std::size_t header_cells(const std::string& text) {
  std::string first = text.substr(0, text.find('\n'));
  if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.erase(0, 3);
  if (first.find_first_not_of(" \t\r") == std::string::npos) return 0;
  std::vector<std::string> cells;
  std::vector<std::uint32_t> columns;
  detail::split_csv_line(first, cells, columns);
  return cells.size();
}

std::string read_all(std::istream& in) {
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every (state, latent) of a state where the episode goes on has a row; otherwise
// `missing(s, z)` is called for the first without one (state-major), which throws.
// Checked on the rows alone, before a dense table is allocated: a short file cannot
// name 10^6 latents and make the reader allocate states x latents x actions.
template <typename Cell, typename Missing>
void check_every_pair_has_rows(const Mdp& mdp, const std::vector<std::uint8_t>& absorbing, std::size_t latents,
                               const std::vector<Cell>& cells, Missing&& missing) {
  std::unordered_set<std::uint64_t> seen;
  for (const Cell& c : cells) {
    if (absorbing[c.state] == 0) seen.insert(std::uint64_t{c.state} * latents + c.latent);
  }
  // The first missing pair is at most seen.size() + 1 probes away.
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (absorbing[s] != 0) continue;
    for (std::size_t z = 0; z < latents; ++z) {
      if (!seen.contains(std::uint64_t{s} * latents + z)) missing(s, z);
    }
  }
}

// Latent tables are dense (states x latents x actions doubles, and a line number each):
// refused beyond 2 GiB (only possible with many absorbing states and many latents).
void check_table_size(const std::string& name, std::size_t states, std::size_t latents, std::size_t actions) {
  const double bytes = 16.0 * static_cast<double>(states) * static_cast<double>(latents) * static_cast<double>(actions);
  if (bytes > static_cast<double>(std::size_t{2} << 30)) {
    throw ResourceError(name + ":1: " + std::to_string(latents) + " latents over " + std::to_string(states) +
                        " states and " + std::to_string(actions) + " actions need " +
                        std::to_string(bytes / (1 << 30)) + " GiB, over the 2 GiB a latent table may take");
  }
}

struct PriorCell {
  std::size_t state;
  std::size_t latent;
  double p;
  std::size_t line;
};

LatentPriorCsv read_episode_prior(const CsvTable<2>& table) {
  LatentLabels latents({}, "");
  std::vector<double> prior;
  std::vector<std::size_t> line_of;
  for (const CsvRow<2>& row : table.rows) {
    const std::size_t z = latents.see(table, row, 0);
    if (z == prior.size()) {
      prior.push_back(0.0);
      line_of.push_back(0);
    }
    if (line_of[z] != 0) {
      throw InputError("duplicate row for latent '" + row.cells[0] + "': also at line " + std::to_string(line_of[z]),
                       table.at(row, 0));
    }
    line_of[z] = row.line;
    prior[z] = probability_cell(table, row, 1);
  }
  if (prior.empty()) throw InputError("no latent rows after the header", SourceLocation{table.name, 1, 1});
  double sum = 0.0;
  for (const double p : prior) sum += p;
  if (std::abs(sum - 1.0) > kProbabilitySumTolerance) {
    throw InputError("p(latent) sums to " + exact(sum) + ", not 1 (tolerance 1e-9): the rows at " + line_list(line_of),
                     SourceLocation{table.name, table.rows.front().line, 1});
  }
  return {LatentMode::episode, std::move(latents.labels()), std::move(prior)};
}

LatentPriorCsv read_step_prior(const Mdp& mdp, LatentMode mode, const CsvTable<3>& table) {
  const MdpLabels states(mdp.state_labels, mdp.num_states, "state");
  LatentLabels latents({}, "");
  std::vector<PriorCell> cells;
  for (const CsvRow<3>& row : table.rows) {
    const std::size_t s = states.at(table, row, 0);
    const std::size_t z = latents.see(table, row, 1);
    cells.push_back({s, z, probability_cell(table, row, 2), row.line});
  }
  if (cells.empty()) throw InputError("no latent rows after the header", SourceLocation{table.name, 1, 1});
  const std::size_t count = latents.labels().size();
  const std::vector<std::uint8_t> absorbing = absorbing_flags(mdp);
  // A state may leave latents out (probability 0) but not all of them.
  std::vector<std::uint8_t> has_rows(mdp.num_states, 0);
  for (const PriorCell& c : cells) has_rows[c.state] = 1;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (has_rows[s] == 0 && absorbing[s] == 0) {
      throw InputError("no latent rows for state " + name_of(mdp.state_labels, s) +
                           ": its p(latent | state) must sum to 1 (only states without transition rows may be left out)",
                       SourceLocation{table.name, 1, 1});
    }
  }
  check_table_size(table.name, mdp.num_states, count, 1);
  std::vector<double> prior(mdp.num_states * count, 0.0);
  std::vector<std::size_t> line_of(prior.size(), 0);
  for (const PriorCell& c : cells) {
    std::size_t& line = line_of[c.state * count + c.latent];
    if (line != 0) {
      throw InputError("duplicate row for state " + name_of(mdp.state_labels, c.state) + ", latent " +
                           latents.labels()[c.latent] + ": also at line " + std::to_string(line),
                       SourceLocation{table.name, c.line, 1});
    }
    line = c.line;
    prior[c.state * count + c.latent] = c.p;
  }
  // The state at fault whose first row comes first.
  std::size_t bad = kNone;
  std::size_t bad_line = kNone;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (absorbing[s] != 0) {
      std::fill_n(prior.begin() + static_cast<std::ptrdiff_t>(s * count), count, 1.0 / static_cast<double>(count));
      continue;
    }
    double sum = 0.0;
    std::size_t first = kNone;
    for (std::size_t z = 0; z < count; ++z) {
      sum += prior[s * count + z];
      if (line_of[s * count + z] != 0) first = std::min(first, line_of[s * count + z]);
    }
    if (std::abs(sum - 1.0) > kProbabilitySumTolerance && first < bad_line) {
      bad = s;
      bad_line = first;
    }
  }
  if (bad != kNone) {
    double sum = 0.0;
    std::vector<std::size_t> lines;
    for (std::size_t z = 0; z < count; ++z) {
      sum += prior[bad * count + z];
      if (line_of[bad * count + z] != 0) lines.push_back(line_of[bad * count + z]);
    }
    throw InputError("p(latent | state " + name_of(mdp.state_labels, bad) + ") sums to " + exact(sum) +
                         ", not 1 (tolerance 1e-9): the rows at " + line_list(lines),
                     SourceLocation{table.name, bad_line, 1});
  }
  return {mode, std::move(latents.labels()), std::move(prior)};
}

// One skills row, kept until the latents are known.
struct SkillCell {
  std::size_t state;
  std::size_t latent;
  std::size_t action;
  double p;
  const CsvRow<4>* row;
};

}  // namespace

std::string to_string(LatentMode mode) {
  switch (mode) {
    case LatentMode::step: return "step";
    case LatentMode::episode: return "episode";
    case LatentMode::skills: return "skills";
  }
  return "?";
}

LatentMode parse_latent_mode(const std::string& text) {
  for (const LatentMode mode : {LatentMode::step, LatentMode::episode, LatentMode::skills}) {
    if (text == to_string(mode)) return mode;
  }
  throw InputError("latent mode '" + text + "': expected step, episode or skills");
}

LatentPriorCsv read_latent_prior_csv(const Mdp& mdp, LatentMode mode, const CsvSource& source) {
  if (source.text == nullptr) throw InputError("the latent table is required");
  const std::string text = read_all(*source.text);
  const std::size_t cells = header_cells(text);
  std::istringstream in(text);
  if (mode == LatentMode::episode) {
    if (cells == 3) {
      throw InputError("a latent per episode takes the header 'latent,probability' (p(z)); "
                       "'state,latent,probability' is p(z | s), a latent per step",
                       SourceLocation{source.name, 1, 1});
    }
    return read_episode_prior(read_csv_table<2>(source.name, in, {"latent", "probability"}));
  }
  if (cells == 2) {
    throw InputError(std::string(mode == LatentMode::skills ? "the skill level's prior" : "a latent per step") +
                         " takes the header 'state,latent,probability' (p(z | s)); "
                         "'latent,probability' is p(z), a latent per episode",
                     SourceLocation{source.name, 1, 1});
  }
  return read_step_prior(mdp, mode, read_csv_table<3>(source.name, in, {"state", "latent", "probability"}));
}

LatentPriorCsv read_latent_prior_csv(const Mdp& mdp, LatentMode mode, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
  return read_latent_prior_csv(mdp, mode, CsvSource{path, &in});
}

SkillsCsv read_skills_csv(const Mdp& mdp, const CsvSource& source, const std::vector<std::string>& latent_labels,
                          const std::string& latent_source) {
  if (source.text == nullptr) throw InputError("the skills table is required");
  const CsvTable<4> table =
      read_csv_table<4>(source.name, *source.text, {"state", "latent", "action", "probability"});
  if (table.rows.empty()) throw InputError("no skill rows after the header", SourceLocation{source.name, 1, 1});
  const MdpLabels states(mdp.state_labels, mdp.num_states, "state");
  const MdpLabels actions(mdp.action_labels, mdp.num_actions, "action");
  LatentLabels latents(latent_labels, latent_source);
  const std::vector<std::uint8_t> absorbing = absorbing_flags(mdp);
  const std::size_t A = mdp.num_actions;
  std::vector<SkillCell> cells;
  cells.reserve(table.rows.size());
  for (const CsvRow<4>& row : table.rows) {
    const std::size_t s = states.at(table, row, 0);
    const std::size_t z = latents.see(table, row, 1);
    const std::size_t a = actions.at(table, row, 2);
    const double p = probability_cell(table, row, 3);
    if (p > 0.0 && absorbing[s] == 0 && !mdp.allowed.empty() && mdp.allowed[s * A + a] == 0) {
      throw InputError("action " + name_of(mdp.action_labels, a) + " is not available in state " +
                           name_of(mdp.state_labels, s) + " (no transition rows), so its probability must be 0",
                       table.at(row, 3));
    }
    cells.push_back({s, z, a, p, &row});
  }
  const std::vector<std::string>& labels = latents.labels();
  const std::size_t Z = labels.size();
  check_every_pair_has_rows(mdp, absorbing, Z, cells, [&](std::size_t s, std::size_t z) {
    throw InputError("no skill rows for state " + name_of(mdp.state_labels, s) + ", latent " + labels[z] +
                         ": p(action | state, latent) must sum to 1 for every latent in every state where the "
                         "episode goes on",
                     SourceLocation{source.name, 1, 1});
  });
  check_table_size(source.name, mdp.num_states, Z, A);
  SkillsCsv result;
  result.skill.assign(mdp.num_states * Z * A, 0.0);
  std::vector<std::size_t> line_of(result.skill.size(), 0);
  for (const SkillCell& c : cells) {
    const std::size_t i = (c.state * Z + c.latent) * A + c.action;
    if (line_of[i] != 0) {
      throw InputError("duplicate row for state " + name_of(mdp.state_labels, c.state) + ", latent " + labels[c.latent] +
                           ", action " + name_of(mdp.action_labels, c.action) + ": also at line " +
                           std::to_string(line_of[i]),
                       table.at(*c.row, 0));
    }
    line_of[i] = c.row->line;
    result.skill[i] = c.p;
  }
  // Missing (state, latent) rows first (in state, latent order), then the sums: the
  // (state, latent) at fault whose first row comes first.
  std::size_t bad = kNone;
  std::size_t bad_line = kNone;
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    for (std::size_t z = 0; z < Z; ++z) {
      const std::size_t base = (s * Z + z) * A;
      if (absorbing[s] != 0) {
        // The episode has ended: the state's one available action (is_absorbing), whatever
        // the rows say.
        std::fill_n(result.skill.begin() + static_cast<std::ptrdiff_t>(base), A, 0.0);
        result.skill[base + only_action(mdp, s)] = 1.0;
        continue;
      }
      std::size_t first = kNone;
      for (std::size_t a = 0; a < A; ++a) {
        if (line_of[base + a] != 0) first = std::min(first, line_of[base + a]);
      }
      double sum = 0.0;
      for (std::size_t a = 0; a < A; ++a) sum += result.skill[base + a];
      if (std::abs(sum - 1.0) > kProbabilitySumTolerance && first < bad_line) {
        bad = s * Z + z;
        bad_line = first;
      }
    }
  }
  if (bad != kNone) {
    double sum = 0.0;
    std::vector<std::size_t> lines;
    for (std::size_t a = 0; a < A; ++a) {
      sum += result.skill[bad * A + a];
      if (line_of[bad * A + a] != 0) lines.push_back(line_of[bad * A + a]);
    }
    throw InputError("p(action | state " + name_of(mdp.state_labels, bad / Z) + ", latent " + labels[bad % Z] +
                         ") sums to " + exact(sum) + ", not 1 (tolerance 1e-9): the rows at " + line_list(lines),
                     SourceLocation{source.name, bad_line, 1});
  }
  result.labels = labels;
  return result;
}

SkillsCsv read_skills_csv(const Mdp& mdp, const std::string& path, const std::vector<std::string>& latent_labels,
                          const std::string& latent_source) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
  return read_skills_csv(mdp, CsvSource{path, &in}, latent_labels, latent_source);
}

void write_skills_csv(std::ostream& out, const Mdp& mdp, const std::vector<double>& skill,
                      const std::vector<std::string>& latent_labels) {
  const std::size_t Z = latent_labels.size();
  const std::size_t A = mdp.num_actions;
  if (skill.size() != mdp.num_states * Z * A) {
    throw InputError("the skills have " + std::to_string(skill.size()) + " entries, expected " +
                     std::to_string(mdp.num_states) + " states x " + std::to_string(Z) + " latents x " +
                     std::to_string(A) + " actions");
  }
  const std::vector<std::uint8_t> absorbing = absorbing_flags(mdp);
  out << "state,latent,action,probability\n";
  for (std::size_t s = 0; s < mdp.num_states; ++s) {
    if (absorbing[s] != 0) continue;
    for (std::size_t z = 0; z < Z; ++z) {
      for (std::size_t a = 0; a < A; ++a) {
        if (!mdp.allowed.empty() && mdp.allowed[s * A + a] == 0) continue;  // unavailable
        out << name_of(mdp.state_labels, s) << ',' << latent_labels[z] << ',' << name_of(mdp.action_labels, a) << ','
            << exact(skill[(s * Z + z) * A + a]) << '\n';
      }
    }
  }
}

void write_skills_csv(const std::string& path, const Mdp& mdp, const std::vector<double>& skill,
                      const std::vector<std::string>& latent_labels) {
  write_file_atomically(path, [&](std::ostream& out) { write_skills_csv(out, mdp, skill, latent_labels); });
}

}  // namespace copi::control
