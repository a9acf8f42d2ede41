// Reading a tabular MDP from CSV (copi/control/mdp_csv.hpp). Every check that can
// name a line is made here, so that Mdp::validate() never has to report a CSV mistake
// without its place.
#include "copi/control/mdp_csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <tuple>
#include <unordered_map>

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

// Labels in first-appearance order, renumbered in numeric order when every label is an
// integer (so that "2" comes before "10").
class LabelSet {
 public:
  explicit LabelSet(const char* what) : what_(what) {}

  // The label's index in first-appearance order (finish() may renumber: see remap()).
  template <std::size_t N>
  std::size_t see(const CsvTable<N>& table, const CsvRow<N>& row, std::size_t cell) {
    const std::string& label = row.cells[cell];
    if (label.empty()) throw InputError(std::string("empty ") + what_ + " label", table.at(row, cell));
    const auto [it, inserted] = index_.emplace(label, labels_.size());
    if (inserted) labels_.push_back(label);
    return it->second;
  }

  // Per first-appearance index, the final one (empty: the same).
  [[nodiscard]] const std::vector<std::size_t>& remap() const { return remap_; }

  void finish() {
    std::vector<long long> values(labels_.size());
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      const std::string& s = labels_[i];
      const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), values[i]);
      if (error != std::errc() || end != s.data() + s.size()) return;  // not all integers: keep the order
    }
    std::vector<std::size_t> order(labels_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
    std::vector<std::string> sorted;
    sorted.reserve(labels_.size());
    for (const std::size_t i : order) sorted.push_back(labels_[i]);
    labels_ = std::move(sorted);
    remap_.assign(order.size(), 0);
    for (std::size_t i = 0; i < order.size(); ++i) remap_[order[i]] = i;
    for (std::size_t i = 0; i < labels_.size(); ++i) index_[labels_[i]] = i;
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

  [[nodiscard]] const std::vector<std::string>& labels() const { return labels_; }

 private:
  const char* what_;
  std::vector<std::string> labels_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<std::size_t> remap_;
};

// One transition row, with its line for messages.
struct Entry {
  std::uint32_t state;
  std::uint32_t action;
  std::uint32_t next_state;
  double probability;
  std::size_t line;
};

class Reader {
 public:
  explicit Reader(const MdpCsvSources& sources) : sources_(sources) {}

  MdpCsv read() {
    // The transitions are streamed (10^7 rows and more): each row becomes a 32-byte
    // entry as it is read; `transitions` names the file for messages and holds no rows.
    const CsvTable<4> transitions{sources_.transitions.name, {}};
    const std::size_t rows = detail::for_each_csv_row<4>(
        transitions.name, *sources_.transitions.text, {"state", "action", "next_state", "probability"},
        [&](const CsvRow<4>& row) { add_transition(transitions, row); });
    const CsvTable<3> rewards =
        read_csv_table<3>(sources_.rewards.name, *sources_.rewards.text, {"state", "action", "reward"});
    finish_labels(transitions, rows);
    read_transitions(transitions);
    read_rewards(rewards);
    if (sources_.initial.text != nullptr) {
      read_initial(read_csv_table<2>(sources_.initial.name, *sources_.initial.text, {"state", "probability"}));
    } else {
      result_.mdp.initial.assign(states(), 1.0 / static_cast<double>(states()));
    }
    if (sources_.prior.text != nullptr) {
      read_prior(read_csv_table<3>(sources_.prior.name, *sources_.prior.text, {"state", "action", "probability"}));
    }
    write_notes();
    return std::move(result_);
  }

 private:
  [[nodiscard]] std::size_t states() const { return result_.mdp.num_states; }
  [[nodiscard]] std::size_t actions() const { return result_.mdp.num_actions; }
  [[nodiscard]] const std::string& state_label(std::size_t s) const { return result_.mdp.state_labels[s]; }
  [[nodiscard]] std::string pair_name(std::size_t s, std::size_t a) const {
    return "state " + state_label(s) + ", action " + result_.mdp.action_labels[a];
  }

  // One row: its labels get first-appearance indices (renumbered by finish_labels).
  void add_transition(const CsvTable<4>& table, const CsvRow<4>& row) {
    const std::size_t state = states_.see(table, row, 0);
    const std::size_t action = actions_.see(table, row, 1);
    const std::size_t next = states_.see(table, row, 2);
    const double p = csv_number(table, row, 3, "probability");
    if (p < 0.0) throw InputError("probability " + row.cells[3] + " is negative", table.at(row, 3));
    if (states_.labels().size() > 0xFFFFFFFFu) throw InputError("more than 2^32 states", table.at(row, 0));
    entries_.push_back({static_cast<std::uint32_t>(state), static_cast<std::uint32_t>(action),
                        static_cast<std::uint32_t>(next), p, row.line});
  }

  void finish_labels(const CsvTable<4>& table, std::size_t rows) {
    LabelSet& states = states_;
    LabelSet& actions = actions_;
    if (rows == 0) throw InputError("no transitions: the table has a header only", SourceLocation{table.name, 1, 1});
    states.finish();
    actions.finish();
    const double pairs = static_cast<double>(states.labels().size()) * static_cast<double>(actions.labels().size());
    if (sources_.memory_limit_bytes != 0 && pairs * kMdpCsvBytesPerPair > static_cast<double>(sources_.memory_limit_bytes)) {
      std::ostringstream out;
      out << table.name << ":1:1: the table names " << states.labels().size() << " states and " << actions.labels().size()
          << " actions: " << pairs << " (state, action) pairs, about " << pairs * kMdpCsvBytesPerPair / (1 << 20)
          << " MiB, over the memory limit of " << static_cast<double>(sources_.memory_limit_bytes) / (1 << 20)
          << " MiB (--memory-limit)";
      throw ResourceError(out.str());
    }
    Mdp& mdp = result_.mdp;
    mdp.num_states = states.labels().size();
    mdp.num_actions = actions.labels().size();
    mdp.state_labels = states.labels();
    mdp.action_labels = actions.labels();
    const std::vector<std::size_t>& state_of = states.remap();
    const std::vector<std::size_t>& action_of = actions.remap();
    for (Entry& e : entries_) {
      if (!state_of.empty()) {
        e.state = static_cast<std::uint32_t>(state_of[e.state]);
        e.next_state = static_cast<std::uint32_t>(state_of[e.next_state]);
      }
      if (!action_of.empty()) e.action = static_cast<std::uint32_t>(action_of[e.action]);
    }
  }

  void read_transitions(const CsvTable<4>& table) {
    std::sort(entries_.begin(), entries_.end(), [](const Entry& x, const Entry& y) {
      return std::tie(x.state, x.action, x.next_state, x.line) < std::tie(y.state, y.action, y.next_state, y.line);
    });
    // A repeated (s, a, s'): report the pair whose second row comes first in the file.
    std::size_t repeat = kNone;
    for (std::size_t i = 1; i < entries_.size(); ++i) {
      const Entry& x = entries_[i - 1];
      const Entry& y = entries_[i];
      if (x.state == y.state && x.action == y.action && x.next_state == y.next_state &&
          (repeat == kNone || y.line < entries_[repeat].line)) {
        repeat = i;
      }
    }
    if (repeat != kNone) {
      const Entry& second = entries_[repeat];
      throw InputError("duplicate transition (" + pair_name(second.state, second.action) + ", next_state " +
                           state_label(second.next_state) + "): also at line " +
                           std::to_string(entries_[repeat - 1].line) + "; give each next state once",
                       SourceLocation{table.name, second.line, 1});
    }
    check_row_sums(table);
    build_rows();
  }

  // The rows of each (s, a) sum to one, added in next-state order as Mdp::validate
  // adds them; the bad pair reported is the one whose first row comes first.
  void check_row_sums(const CsvTable<4>& table) {
    std::size_t bad_begin = kNone;
    std::size_t bad_end = 0;
    std::size_t bad_line = kNone;
    double bad_sum = 0.0;
    for (std::size_t begin = 0; begin < entries_.size();) {
      std::size_t end = begin;
      double sum = 0.0;
      std::size_t first_line = kNone;
      while (end < entries_.size() && entries_[end].state == entries_[begin].state &&
             entries_[end].action == entries_[begin].action) {
        sum += entries_[end].probability;
        first_line = std::min(first_line, entries_[end].line);
        ++end;
      }
      if (std::abs(sum - 1.0) > kProbabilitySumTolerance && first_line < bad_line) {
        bad_begin = begin;
        bad_end = end;
        bad_line = first_line;
        bad_sum = sum;
      }
      begin = end;
    }
    if (bad_begin == kNone) return;
    std::vector<std::size_t> lines;
    for (std::size_t i = bad_begin; i < bad_end; ++i) lines.push_back(entries_[i].line);
    throw InputError("p(next_state | " + pair_name(entries_[bad_begin].state, entries_[bad_begin].action) +
                         ") sums to " + exact(bad_sum) + ", not 1 (tolerance 1e-9): the rows at " + line_list(lines),
                     SourceLocation{table.name, bad_line, 1});
  }

  // CSR rows straight from the sorted entries; a pair without rows gets a self-loop and
  // is marked unavailable, a state without rows is absorbing (its first action stays).
  void build_rows() {
    Mdp& mdp = result_.mdp;
    std::vector<std::uint8_t> has_rows(mdp.rows(), 0);
    std::vector<std::uint8_t> state_has_rows(states(), 0);
    for (const Entry& e : entries_) {
      has_rows[static_cast<std::size_t>(e.state) * actions() + e.action] = 1;
      state_has_rows[e.state] = 1;
    }
    absorbing_.assign(states(), 0);
    bool any_missing = false;
    for (std::size_t s = 0; s < states(); ++s) {
      absorbing_[s] = state_has_rows[s] == 0 ? 1 : 0;
      if (absorbing_[s] != 0) ++result_.absorbing_states;
      for (std::size_t a = 0; a < actions(); ++a) {
        if (has_rows[s * actions() + a] != 0) continue;
        any_missing = true;
        if (absorbing_[s] == 0) ++result_.unavailable_pairs;
      }
    }
    if (any_missing) {
      mdp.allowed.assign(mdp.rows(), 1);
      for (std::size_t s = 0; s < states(); ++s) {
        for (std::size_t a = 0; a < actions(); ++a) {
          const std::size_t row = s * actions() + a;
          mdp.allowed[row] = has_rows[row] != 0 || (absorbing_[s] != 0 && a == 0) ? 1 : 0;
        }
      }
    }
    mdp.row_begin.assign(mdp.rows() + 1, 0);
    mdp.next_state.clear();
    mdp.probability.clear();
    mdp.next_state.reserve(entries_.size() + (any_missing ? mdp.rows() : 0));
    mdp.probability.reserve(mdp.next_state.capacity());
    std::size_t k = 0;
    for (std::size_t row = 0; row < mdp.rows(); ++row) {
      if (has_rows[row] == 0) {
        mdp.next_state.push_back(static_cast<std::uint32_t>(row / actions()));
        mdp.probability.push_back(1.0);
      }
      for (; k < entries_.size() && static_cast<std::size_t>(entries_[k].state) * actions() + entries_[k].action == row;
           ++k) {
        mdp.next_state.push_back(entries_[k].next_state);
        mdp.probability.push_back(entries_[k].probability);
      }
      mdp.row_begin[row + 1] = mdp.next_state.size();
    }
    entries_.clear();
    entries_.shrink_to_fit();
  }

  [[nodiscard]] bool available(std::size_t row) const {
    return result_.mdp.allowed.empty() || result_.mdp.allowed[row] != 0;
  }

  void read_rewards(const CsvTable<3>& table) {
    Mdp& mdp = result_.mdp;
    mdp.reward.assign(mdp.rows(), 0.0);
    std::vector<std::size_t> line_of(mdp.rows(), 0);
    for (const auto& row : table.rows) {
      const std::size_t s = states_.at(table, row, 0);
      const std::size_t a = actions_.at(table, row, 1);
      const std::size_t r = s * actions() + a;
      if (line_of[r] != 0) {
        throw InputError("duplicate reward for (" + pair_name(s, a) + "): also at line " + std::to_string(line_of[r]),
                         SourceLocation{table.name, row.line, 1});
      }
      line_of[r] = row.line;
      const double reward = csv_number(table, row, 2, "reward");
      if (std::abs(reward) > kMaxAbsReward) {
        throw InputError("reward " + row.cells[2] + " is beyond ±1e100", table.at(row, 2));
      }
      if (absorbing_[s] != 0 && reward != 0.0) {
        throw InputError("state " + state_label(s) +
                             " has no transition rows, so the episode ends there (reward 0); give its transitions "
                             "or drop this reward",
                         table.at(row, 2));
      }
      mdp.reward[r] = reward;
    }
    for (std::size_t s = 0; s < states(); ++s) {
      if (absorbing_[s] != 0) continue;
      for (std::size_t a = 0; a < actions(); ++a) {
        if (available(s * actions() + a) && line_of[s * actions() + a] == 0) ++result_.default_rewards;
      }
    }
  }

  void read_initial(const CsvTable<2>& table) {
    Mdp& mdp = result_.mdp;
    mdp.initial.assign(states(), 0.0);
    std::vector<std::size_t> line_of(states(), 0);
    std::vector<std::size_t> lines;
    for (const auto& row : table.rows) {
      const std::size_t s = states_.at(table, row, 0);
      if (line_of[s] != 0) {
        throw InputError("duplicate initial probability for state " + state_label(s) + ": also at line " +
                             std::to_string(line_of[s]),
                         SourceLocation{table.name, row.line, 1});
      }
      line_of[s] = row.line;
      const double p = csv_number(table, row, 1, "probability");
      if (p < 0.0) throw InputError("probability " + row.cells[1] + " is negative", table.at(row, 1));
      mdp.initial[s] = p;
      lines.push_back(row.line);
    }
    double sum = 0.0;
    for (const double p : mdp.initial) sum += p;  // in state order, as Mdp::validate adds
    if (std::abs(sum - 1.0) > kProbabilitySumTolerance) {
      throw InputError("the initial distribution sums to " + exact(sum) + ", not 1 (tolerance 1e-9): the rows at " +
                           (lines.empty() ? std::string("none") : line_list(lines)),
                       SourceLocation{table.name, lines.empty() ? 1 : *std::min_element(lines.begin(), lines.end()),
                                      1});
    }
  }

  void read_prior(const CsvTable<3>& table) {
    Mdp& mdp = result_.mdp;
    mdp.action_prior.assign(mdp.rows(), 0.0);
    std::vector<std::size_t> line_of(mdp.rows(), 0);
    for (const auto& row : table.rows) {
      const std::size_t s = states_.at(table, row, 0);
      const std::size_t a = actions_.at(table, row, 1);
      const std::size_t r = s * actions() + a;
      if (line_of[r] != 0) {
        throw InputError("duplicate prior probability for (" + pair_name(s, a) + "): also at line " +
                             std::to_string(line_of[r]),
                         SourceLocation{table.name, row.line, 1});
      }
      line_of[r] = row.line;
      const double p = csv_number(table, row, 2, "probability");
      if (p < 0.0) throw InputError("probability " + row.cells[2] + " is negative", table.at(row, 2));
      if (absorbing_[s] != 0) continue;  // the episode has ended: one action, probability 1
      if (p > 0.0 && !available(r)) {
        throw InputError("action " + mdp.action_labels[a] + " has no transition rows in state " + state_label(s) +
                             " (it is unavailable there), so its prior probability must be 0",
                         table.at(row, 2));
      }
      mdp.action_prior[r] = p;
    }
    for (std::size_t s = 0; s < states(); ++s) {
      if (absorbing_[s] != 0) {
        mdp.action_prior[s * actions()] = 1.0;
        for (std::size_t a = 1; a < actions(); ++a) mdp.action_prior[s * actions() + a] = 0.0;
        continue;
      }
      double sum = 0.0;
      std::vector<std::size_t> lines;
      for (std::size_t a = 0; a < actions(); ++a) {
        sum += mdp.action_prior[s * actions() + a];
        if (line_of[s * actions() + a] != 0) lines.push_back(line_of[s * actions() + a]);
      }
      if (lines.empty()) {
        throw InputError("no prior rows for state " + state_label(s) + ": its p(action | state) must sum to 1",
                         SourceLocation{table.name, 1, 1});
      }
      if (std::abs(sum - 1.0) > kProbabilitySumTolerance) {
        throw InputError("p(action | state " + state_label(s) + ") sums to " + exact(sum) +
                             ", not 1 (tolerance 1e-9): the rows at " + line_list(lines),
                         SourceLocation{table.name, *std::min_element(lines.begin(), lines.end()), 1});
      }
    }
  }

  void write_notes() {
    const std::string& rewards = sources_.rewards.name;
    const std::string& transitions = sources_.transitions.name;
    if (result_.default_rewards > 0) {
      result_.notes.push_back(rewards + ": " + std::to_string(result_.default_rewards) + " (state, action) " +
                              (result_.default_rewards == 1 ? "pair has" : "pairs have") +
                              " no reward row; their reward is 0");
    }
    if (result_.unavailable_pairs > 0) {
      result_.notes.push_back(transitions + ": " + std::to_string(result_.unavailable_pairs) + " (state, action) " +
                              (result_.unavailable_pairs == 1 ? "pair has" : "pairs have") +
                              " no transition rows; those actions are unavailable in their states");
    }
    if (result_.absorbing_states > 0) {
      std::string names;
      std::size_t shown = 0;
      for (std::size_t s = 0; s < states() && shown < 5; ++s) {
        if (absorbing_[s] == 0) continue;
        names += (shown++ == 0 ? "" : ", ") + state_label(s);
      }
      if (result_.absorbing_states > shown) names += ", ...";
      result_.notes.push_back(transitions + ": " + std::to_string(result_.absorbing_states) +
                              (result_.absorbing_states == 1 ? " state has" : " states have") +
                              " no transition rows and " + (result_.absorbing_states == 1 ? "is" : "are") +
                              " absorbing (the episode ends there, V = 0): " + names);
    }
  }

  const MdpCsvSources& sources_;
  MdpCsv result_;
  std::vector<Entry> entries_;
  std::vector<std::uint8_t> absorbing_;
  LabelSet states_{"state"};
  LabelSet actions_{"action"};
};

}  // namespace

MdpCsv read_mdp_csv(const MdpCsvSources& sources) {
  if (sources.transitions.text == nullptr) throw InputError("the transitions table is required");
  if (sources.rewards.text == nullptr) throw InputError("the rewards table is required");
  return Reader(sources).read();
}

MdpCsv read_mdp_csv(const MdpCsvFiles& files) {
  const auto open = [](const std::string& path, std::ifstream& stream) -> std::istream* {
    if (path.empty()) return nullptr;
    stream.open(path);
    if (!stream) throw InputError("cannot open '" + path + "'", SourceLocation{path, 0, 0});
    return &stream;
  };
  std::ifstream transitions;
  std::ifstream rewards;
  std::ifstream initial;
  std::ifstream prior;
  MdpCsvSources sources;
  sources.transitions = {files.transitions, open(files.transitions, transitions)};
  sources.rewards = {files.rewards, open(files.rewards, rewards)};
  sources.initial = {files.initial, open(files.initial, initial)};
  sources.prior = {files.prior, open(files.prior, prior)};
  sources.memory_limit_bytes = files.memory_limit_bytes;
  return read_mdp_csv(sources);
}

}  // namespace copi::control
