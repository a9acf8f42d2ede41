// Reading inverse RL's features and demonstrations (copi/control/irl_csv.hpp).
#include "copi/control/irl_csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "csv_table.hpp"

namespace copi::control {
namespace {

using detail::CsvRow;
using detail::CsvTable;
using detail::csv_number;
using detail::read_csv_table;

// The MDP's labels (or 0, 1, ... when it has none) to indices.
class Labels {
 public:
  Labels(const std::vector<std::string>& labels, std::size_t count, const char* what) : what_(what) {
    for (std::size_t i = 0; i < count; ++i) index_.emplace(i < labels.size() ? labels[i] : std::to_string(i), i);
  }
  template <std::size_t N>
  [[nodiscard]] std::uint32_t at(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell) const {
    const auto it = index_.find(row.cells[cell]);
    if (it == index_.end()) {
      throw InputError(std::string("unknown ") + what_ + " '" + row.cells[cell] + "' (not in the transitions)",
                       table.at(row, cell));
    }
    return static_cast<std::uint32_t>(it->second);
  }

 private:
  const char* what_;
  std::unordered_map<std::string, std::size_t> index_;
};

std::string label(const std::vector<std::string>& labels, std::size_t i) {
  return i < labels.size() ? labels[i] : std::to_string(i);
}

template <std::size_t N>
Features features_from(const Mdp& mdp, const CsvTable<N>& table) {
  constexpr bool kPerAction = N == 4;
  if (table.rows.empty()) throw InputError("no feature rows after the header", SourceLocation{table.name, 1, 1});
  const Labels states(mdp.state_labels, mdp.num_states, "state");
  const Labels actions(mdp.action_labels, mdp.num_actions, "action");
  std::vector<std::string> names;
  std::unordered_map<std::string, std::uint32_t> feature_index;
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::size_t> seen;  // (unit, feature) -> line
  std::vector<FeatureEntry> entries;
  for (const CsvRow<N>& row : table.rows) {
    const std::uint32_t s = states.at(table, row, 0);
    std::uint64_t unit = s;
    if constexpr (kPerAction) unit = std::uint64_t{s} * mdp.num_actions + actions.at(table, row, 1);
    const std::size_t name_cell = kPerAction ? 2 : 1;
    const std::string& name = row.cells[name_cell];
    if (name.empty()) throw InputError("empty feature name", table.at(row, name_cell));
    const auto [it, added] = feature_index.emplace(name, static_cast<std::uint32_t>(names.size()));
    if (added) names.push_back(name);
    const auto [previous, fresh] = seen.emplace(std::make_pair(unit, it->second), row.line);
    if (!fresh) {
      throw InputError(std::string("duplicate row for ") + (kPerAction ? "this state, action" : "this state") +
                           " and feature '" + name + "' (first on line " + std::to_string(previous->second) + ")",
                       table.at(row, 0));
    }
    const double value = csv_number(table, row, name_cell + 1, "value");
    entries.push_back({static_cast<std::uint32_t>(unit), it->second, value});
  }
  return make_features(kPerAction ? FeatureKind::state_action : FeatureKind::state, std::move(names),
                       kPerAction ? mdp.rows() : mdp.num_states, std::move(entries));
}

// The t cell: an integer >= 0.
template <std::size_t N>
std::size_t step_of(const CsvTable<N>& table, const CsvRow<N>& row) {
  const std::string& text = row.cells[1];
  std::size_t t = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), t);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw InputError("t '" + text + "' is not an integer >= 0", table.at(row, 1));
  }
  return t;
}

struct Step {
  std::uint32_t state;
  std::uint32_t action;
  const DemonstrationRow* row;
};

// p(next | s, a) > 0.
bool reachable(const Mdp& mdp, std::uint32_t s, std::uint32_t a, std::uint32_t next) {
  const std::size_t row = std::size_t{s} * mdp.num_actions + a;
  for (std::uint64_t k = mdp.row_begin[row]; k < mdp.row_begin[row + 1]; ++k) {
    if (mdp.next_state[k] == next && mdp.probability[k] > 0.0) return true;
  }
  return false;
}

void check_episode(const Mdp& mdp, const std::string& name, const std::vector<Step>& steps,
                   const std::vector<std::uint8_t>& absorbing) {
  for (std::size_t t = 0; t < steps.size(); ++t) {
    if (steps[t].row == nullptr) {
      const DemonstrationRow* first = nullptr;
      for (const Step& step : steps) {
        if (step.row != nullptr && (first == nullptr || step.row->t_at.line < first->t_at.line)) first = step.row;
      }
      throw InputError("episode '" + name + "' has no row for t = " + std::to_string(t) +
                           " (an episode's rows run t = 0, 1, 2, ... without gaps)",
                       first->t_at);
    }
  }
  for (std::size_t t = 0; t < steps.size(); ++t) {
    const Step& step = steps[t];
    const std::size_t row = std::size_t{step.state} * mdp.num_actions + step.action;
    const bool ended = absorbing[step.state] != 0;
    if (!ended && (mdp.action_weight(row) == 0.0 || mdp.row_begin[row] == mdp.row_begin[row + 1])) {
      const char* why = mdp.row_begin[row] == mdp.row_begin[row + 1]   ? "no transition rows"
                        : !mdp.allowed.empty() && mdp.allowed[row] == 0 ? "it is forbidden there"
                                                                         : "its prior probability is 0";
      throw InputError("action '" + label(mdp.action_labels, step.action) + "' is not available in state '" +
                           label(mdp.state_labels, step.state) + "' (" + why + ")",
                       step.row->action_at);
    }
    if (t + 1 == steps.size()) break;
    const std::uint32_t next = steps[t + 1].state;
    const bool possible = ended ? next == step.state : reachable(mdp, step.state, step.action, next);
    if (!possible) {
      throw InputError("episode '" + name + "' moves from state '" + label(mdp.state_labels, step.state) +
                           "' by action '" + label(mdp.action_labels, step.action) + "' to state '" +
                           label(mdp.state_labels, next) + "', a transition of probability 0",
                       steps[t + 1].row->state_at);
    }
  }
}

std::string read_all(std::istream& in) {
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

MdpCsv read_irl_mdp_csv(const MdpCsvFiles& files) {
  // The rewards are what is learned: an empty rewards table stands in for them.
  std::ifstream transitions(files.transitions);
  if (!transitions) throw InputError("cannot open '" + files.transitions + "'", SourceLocation{files.transitions, 0, 0});
  std::ifstream initial;
  std::ifstream prior;
  std::istringstream rewards("state,action,reward\n");
  MdpCsvSources sources;
  sources.transitions = {files.transitions, &transitions};
  sources.rewards = {"(no rewards)", &rewards};
  const auto open = [](const std::string& path, std::ifstream& stream) -> std::istream* {
    if (path.empty()) return nullptr;
    stream.open(path);
    if (!stream) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
    return &stream;
  };
  sources.initial = {files.initial, open(files.initial, initial)};
  sources.prior = {files.prior, open(files.prior, prior)};
  sources.memory_limit_bytes = files.memory_limit_bytes;
  MdpCsv result = read_mdp_csv(sources);
  if (result.default_rewards > 0 && !result.notes.empty()) result.notes.erase(result.notes.begin());
  result.default_rewards = 0;
  return result;
}

Features read_features_csv(const Mdp& mdp, const CsvSource& source) {
  if (source.text == nullptr) throw InputError("the features table is required");
  const std::string text = read_all(*source.text);
  std::string first = text.substr(0, text.find('\n'));
  if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.erase(0, 3);
  std::vector<std::string> cells;
  std::vector<std::uint32_t> columns;
  detail::split_csv_line(first, cells, columns);
  std::istringstream in(text);
  if (cells.size() == 4) return features_from(mdp, read_csv_table<4>(source.name, in, {"state", "action", "feature", "value"}));
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError("empty file, expected the header 'state,feature,value' or 'state,action,feature,value'",
                     SourceLocation{source.name, 1, 1});
  }
  if (cells.size() != 3) {
    throw InputError("expected the header 'state,feature,value' or 'state,action,feature,value'",
                     SourceLocation{source.name, 1, 1});
  }
  return features_from(mdp, read_csv_table<3>(source.name, in, {"state", "feature", "value"}));
}

Features read_features_csv(const Mdp& mdp, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
  return read_features_csv(mdp, CsvSource{path, &in});
}

Demonstrations read_demonstrations_csv(const Mdp& mdp, const CsvSource& source) {
  if (source.text == nullptr) throw InputError("the demonstrations table is required");
  const CsvTable<4> table = read_csv_table<4>(source.name, *source.text, {"episode", "t", "state", "action"});
  if (table.rows.empty()) throw InputError("no demonstration rows after the header", SourceLocation{source.name, 1, 1});
  const Labels states(mdp.state_labels, mdp.num_states, "state");
  const Labels actions(mdp.action_labels, mdp.num_actions, "action");
  std::vector<DemonstrationRow> rows;
  rows.reserve(table.rows.size());
  for (const CsvRow<4>& row : table.rows) {
    DemonstrationRow step;
    step.episode = row.cells[0];
    step.episode_at = table.at(row, 0);
    step.t_at = table.at(row, 1);
    step.state_at = table.at(row, 2);
    step.action_at = table.at(row, 3);
    if (step.episode.empty()) throw InputError("empty episode label", step.episode_at);
    step.t = step_of(table, row);
    check_horizon(mdp, step, "--horizon");
    step.state = states.at(table, row, 2);
    step.action = actions.at(table, row, 3);
    rows.push_back(std::move(step));
  }
  return make_demonstrations(mdp, rows, source.name, "--horizon");
}

void check_horizon(const Mdp& mdp, const DemonstrationRow& row, const std::string& horizon_word) {
  if (mdp.horizon && row.t >= *mdp.horizon) {
    throw InputError("t = " + std::to_string(row.t) + " is beyond the horizon: " + horizon_word + " " +
                         std::to_string(*mdp.horizon) + " allows t = 0.." + std::to_string(*mdp.horizon - 1),
                     row.t_at);
  }
}

Demonstrations make_demonstrations(const Mdp& mdp, const std::vector<DemonstrationRow>& rows, const std::string& name,
                                   const std::string& horizon_word) {
  if (rows.empty()) throw InputError("no demonstration rows after the header", SourceLocation{name, 1, 1});
  Demonstrations demos;
  std::unordered_map<std::string, std::size_t> episode_index;
  std::vector<std::vector<Step>> steps;
  // Steps held across episodes: a file of R rows fills at most R of them, so a row that
  // would take more leaves a gap (e.g. t counted across the file): reported there,
  // before memory runs out.
  std::size_t held = 0;
  for (const DemonstrationRow& row : rows) {
    const std::string& label = row.episode;
    const std::size_t t = row.t;
    check_horizon(mdp, row, horizon_word);
    if (row.state >= mdp.num_states || row.action >= mdp.num_actions) {
      throw InputError("state " + std::to_string(row.state) + " or action " + std::to_string(row.action) +
                           " out of range: the MDP has " + std::to_string(mdp.num_states) + " states and " +
                           std::to_string(mdp.num_actions) + " actions",
                       row.state_at);
    }
    const auto [it, added] = episode_index.emplace(label, demos.labels.size());
    if (added) {
      demos.labels.push_back(label);
      steps.emplace_back();
    }
    std::vector<Step>& episode = steps[it->second];
    if (t >= episode.size()) {
      // Only a row that skips steps can be the cause (one that extends by a single step
      // adds what its own row fills), which also keeps `held` below twice the rows.
      const std::size_t more = t + 1 - episode.size();
      if (t >= rows.size() || (more > 1 && held + more > rows.size())) {
        throw InputError("t = " + std::to_string(t) + " leaves a gap in episode '" + label +
                             "' (its earlier steps cannot all have rows: the file has " + std::to_string(rows.size()) +
                             " rows); t counts from 0 in each episode",
                         row.t_at);
      }
      held += more;
      episode.resize(t + 1, Step{0, 0, nullptr});
    }
    if (episode[t].row != nullptr) {
      throw InputError("duplicate row for episode '" + label + "', t = " + std::to_string(t) + " (first on line " +
                           std::to_string(episode[t].row->episode_at.line) + ")",
                       row.episode_at);
    }
    episode[t] = Step{row.state, row.action, &row};
  }
  std::vector<std::uint8_t> absorbing(mdp.num_states, 0);
  for (const std::uint32_t s : absorbing_states(mdp)) absorbing[s] = 1;
  std::size_t short_episodes = 0;
  for (std::size_t e = 0; e < steps.size(); ++e) {
    check_episode(mdp, demos.labels[e], steps[e], absorbing);
    Episode episode;
    for (const Step& step : steps[e]) {
      episode.states.push_back(step.state);
      episode.actions.push_back(step.action);
    }
    if (mdp.horizon && episode.states.size() < *mdp.horizon && absorbing[episode.states.back()] == 0) ++short_episodes;
    demos.episodes.push_back(std::move(episode));
  }
  if (!mdp.horizon && !demos.episodes.empty()) {
    // Without a horizon the expected counts run over every t while the empirical ones
    // stop where an episode's rows stop: report the discounted mass the rows leave out.
    const double gamma = mdp.discount.value_or(1.0);
    double missing = 0.0;
    std::size_t open = 0;
    for (const Episode& episode : demos.episodes) {
      if (absorbing[episode.states.back()] != 0) continue;
      ++open;
      missing += std::pow(gamma, static_cast<double>(episode.states.size()));
    }
    if (open > 0) {
      demos.notes.push_back(name + ": " + std::to_string(open) + " of " + std::to_string(demos.episodes.size()) +
                            " episodes stop in a state that is not absorbing; without " + horizon_word +
                            " their unseen steps count as zero features, on average " +
                            std::to_string(missing / static_cast<double>(open)) +
                            " of the discounted weight (gamma^length) per such episode: give long episodes, or "
                            "a horizon");
    }
  }
  if (short_episodes > 0) {
    demos.notes.push_back(name + ": " + std::to_string(short_episodes) + " of " +
                          std::to_string(demos.episodes.size()) + " episodes stop before " + horizon_word + " " +
                          std::to_string(*mdp.horizon) +
                          " in a state that is not absorbing; the fit counts their missing steps as zero features");
  }
  return demos;
}

Demonstrations read_demonstrations_csv(const Mdp& mdp, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
  return read_demonstrations_csv(mdp, CsvSource{path, &in});
}

}  // namespace copi::control
