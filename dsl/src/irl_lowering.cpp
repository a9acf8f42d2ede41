// Lowering of `learn reward of NAME from "FILE" { feature F = EXPR ... } with
// METHOD(key = value, ...)`: maximum causal entropy inverse RL of an mdp block's
// reward (copi/control/irl.hpp). The features are tabulated like the block's reward
// (component names stand for their values, labels for their indices); a feature that
// mentions the action makes them all per (state, action). The demonstrations are read
// in the block's own words: columns episode, t, one per state component and one named
// like the action; the library checks the episodes (irl_csv.hpp: make_demonstrations).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "copi/control/irl_csv.hpp"
#include "copi/graph/error.hpp"
#include "copi/inference/options.hpp"
#include "elaborator.hpp"

namespace copi::dsl {
namespace {

bool mentions(const ast::Expression& e, const std::string& name);

// Whether a node reads the name `name` anywhere.
struct MentionsVisitor {
  const std::string& name;
  bool operator()(const ast::Number&) const { return false; }
  bool operator()(const ast::Reference& r) const {
    if (r.name.name == name) return true;
    return std::any_of(r.indices.begin(), r.indices.end(), [&](const ast::Expression& i) { return mentions(i, name); });
  }
  bool operator()(const ast::Unary& u) const { return mentions(u.operand, name); }
  bool operator()(const ast::Chain& c) const {
    return mentions(c.first, name) ||
           std::any_of(c.rest.begin(), c.rest.end(), [&](const ast::Operation& o) { return mentions(o.operand, name); });
  }
  bool operator()(const ast::Call& c) const {
    return std::any_of(c.arguments.begin(), c.arguments.end(), [&](const ast::Expression& a) { return mentions(a, name); });
  }
  bool operator()(const ast::Conditional& c) const {
    return mentions(c.condition, name) || mentions(c.if_true, name) || mentions(c.if_false, name);
  }
  template <typename T>
  bool operator()(const boost::spirit::x3::forward_ast<T>& node) const {
    return (*this)(node.get());
  }
};

bool mentions(const ast::Expression& e, const std::string& name) { return boost::apply_visitor(MentionsVisitor{name}, e); }

// Cells of one CSV line (no quoting of commas; blanks, '\r' and double quotes around a
// cell dropped) with the 1-based column where each starts.
void split_cells(const std::string& line, std::vector<std::string>& cells, std::vector<std::size_t>& columns) {
  cells.clear();
  columns.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(line.find(',', start), line.size());
    std::size_t b = start;
    std::size_t e = end;
    while (b < e && (line[b] == ' ' || line[b] == '\t' || line[b] == '"')) ++b;
    while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r' || line[e - 1] == '"')) --e;
    cells.push_back(line.substr(b, e - b));
    columns.push_back(b + 1);
    if (end == line.size()) break;
    start = end + 1;
  }
}

// "0..6", "{left, right}": the states of a domain, for messages.
std::string describe_domain(const std::vector<std::string>& labels, const std::vector<double>& values) {
  if (!labels.empty()) {
    std::string text = "{";
    for (std::size_t i = 0; i < labels.size(); ++i) text += (i > 0 ? ", " : "") + labels[i];
    return text + "}";
  }
  bool consecutive = true;
  for (std::size_t i = 1; i < values.size(); ++i) consecutive = consecutive && values[i] == values[i - 1] + 1.0;
  if (consecutive && !values.empty()) return format_number(values.front()) + ".." + format_number(values.back());
  std::string text = "{";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i > 0 ? ", " : "") + format_number(values[i]);
  return text + "}";
}

// The index of `cell` in a domain: one of its labels, or a number equal to one of its
// values (labelled domains: their indices 0, 1, ...).
std::optional<std::size_t> domain_index(const std::string& cell, const std::vector<std::string>& labels,
                                        const std::vector<double>& values) {
  const auto label = std::find(labels.begin(), labels.end(), cell);
  if (label != labels.end()) return static_cast<std::size_t>(label - labels.begin());
  double value = 0.0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size() || cell.empty()) return std::nullopt;
  const auto found = std::find(values.begin(), values.end(), value);
  if (found == values.end()) return std::nullopt;
  return static_cast<std::size_t>(found - values.begin());
}

}  // namespace

class IrlLowering {
 public:
  IrlLowering(Elaborator& elaborator, const ast::LearnStatement& statement, const NamedMdp& named, std::size_t index)
      : elaborator_(elaborator), statement_(statement), named_(named) {
    learn_.mdp = named.name;
    learn_.mdp_index = index;
  }

  std::optional<IrlLearn> run() {
    // In source order: the features, then the method's options.
    std::optional<control::Features> features = tabulate_features();
    const bool options_ok = read_options();
    if (!options_ok || !features) return std::nullopt;
    if (!read_demonstrations(*features)) return std::nullopt;
    return std::move(learn_);
  }

 private:
  // ---- method and options ----
  bool read_options() {
    learn_.method = "variational";
    if (!statement_.method) return true;
    const ast::LearnMethod& method = *statement_.method;
    learn_.method = method.name.name;
    bool ok = true;
    if (learn_.method != "variational" && learn_.method != "exact") {
      elaborator_.report(&method.name, "unknown method '" + learn_.method + "' for learn reward: expected variational or exact" +
                                           suggest(learn_.method, {"variational", "exact"}));
      ok = false;
    } else {
      learn_.options.method = control::parse_control_method(learn_.method);
    }
    const std::vector<OptionSetting> settings = elaborator_.option_settings(method.options);
    std::vector<OptionProblem> problems;
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < settings.size(); ++i) {
      const std::string key = canonical_option_name(settings[i].key);
      const std::string& text = settings[i].value;
      const auto problem = [&](OptionProblem::Part part, std::string message) {
        problems.push_back({i, part, std::move(message)});
      };
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        problem(OptionProblem::Part::key, "option '" + settings[i].key + "' is given twice");
        continue;
      }
      seen.push_back(key);
      double value = 0.0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      const bool number = error == std::errc() && end == text.data() + text.size() && std::isfinite(value);
      const bool whole = number && value == std::floor(value) && value >= 1.0 && value < 9e15;
      if (key == "l2") {
        if (!number || value < 0.0) problem(OptionProblem::Part::value, "must be a finite number >= 0");
        learn_.options.l2 = value;
      } else if (key == "tol") {
        if (!number || !(value > 0.0)) problem(OptionProblem::Part::value, "must be a finite number > 0");
        learn_.options.tolerance = value;
      } else if (key == "max_iter") {
        if (!whole) problem(OptionProblem::Part::value, "must be an integer >= 1");
        learn_.options.max_iterations = whole ? static_cast<std::size_t>(value) : 1;
      } else if (key == "threads") {
        if (!whole) problem(OptionProblem::Part::value, "must be an integer >= 1");
        learn_.options.threads = whole ? static_cast<std::size_t>(value) : 0;
      } else if (key == "initial") {
        if (text != "demonstrations" && text != "start") {
          problem(OptionProblem::Part::value, "expected demonstrations or start");
        }
        initial_from_start_ = text == "start";
      } else {
        static const std::vector<std::string> kKeys = {"l2", "tol", "max_iter", "threads", "initial"};
        problem(OptionProblem::Part::key, "unknown option '" + settings[i].key +
                                              "' for learn reward (l2, tol, max_iter, threads, initial)" +
                                              suggest(key, kKeys));
      }
    }
    elaborator_.report_option_problems(method.options, settings, problems);
    return ok && problems.empty();
  }

  // ---- features ----
  std::optional<control::Features> tabulate_features() {
    bool ok = true;
    std::vector<std::string> names;
    for (const ast::FeatureDefinition& f : statement_.features) {
      if (std::find(names.begin(), names.end(), f.name.name) != names.end()) {
        elaborator_.report(&f.name, "feature '" + f.name.name + "' is defined twice in this learn statement");
        ok = false;
      }
      names.push_back(f.name.name);
    }
    if (statement_.features.empty()) {
      elaborator_.report(&statement_.mdp, "learn reward of '" + named_.name +
                                              "' has no features: give at least one 'feature NAME = EXPR'");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    // A bare label is an index, not a quantity: `feature f = up` is almost surely a
    // comparison left out.
    const auto is_label = [&](const std::string& name) {
      for (const auto& labels : named_.component_labels) {
        if (std::find(labels.begin(), labels.end(), name) != labels.end()) return true;
      }
      const auto& actions = named_.mdp.action_labels;
      return action_labelled() && std::find(actions.begin(), actions.end(), name) != actions.end();
    };
    std::vector<bool> failed(statement_.features.size(), false);
    for (std::size_t k = 0; k < statement_.features.size(); ++k) {
      const ast::FeatureDefinition& f = statement_.features[k];
      const auto* ref = boost::get<boost::spirit::x3::forward_ast<ast::Reference>>(&unwrap(f.value));
      if (ref != nullptr && ref->get().indices.empty() && is_label(ref->get().name.name)) {
        elaborator_.report(&position_of(f.value), "feature '" + f.name.name + "' is the label '" + ref->get().name.name +
                                                      "', not a number (compare it, as in " + owner_of(ref->get().name.name) +
                                                      " == " + ref->get().name.name + ")");
        failed[k] = true;
      }
    }
    const bool per_action = std::any_of(statement_.features.begin(), statement_.features.end(), [&](const auto& f) {
      return mentions(f.value, named_.action_name);
    });
    const control::Mdp& mdp = named_.mdp;
    // The block's names, as while it was tabulated: labels as indices, then components.
    auto& stack = elaborator_.loop_;
    const std::size_t outer = stack.size();
    for (const auto& labels : named_.component_labels) {
      for (std::size_t i = 0; i < labels.size(); ++i) stack.emplace_back(labels[i], static_cast<double>(i));
    }
    if (action_labelled()) {
      for (std::size_t i = 0; i < mdp.action_labels.size(); ++i) stack.emplace_back(mdp.action_labels[i], static_cast<double>(i));
    }
    const std::size_t first = stack.size();
    for (const std::string& c : named_.components) stack.emplace_back(c, 0.0);
    const std::size_t action_slot = stack.size();
    stack.emplace_back(named_.action_name, 0.0);
    std::vector<control::FeatureEntry> entries;
    std::vector<std::size_t> digits(named_.components.size(), 0);
    for (std::size_t state = 0; state < mdp.num_states; ++state) {
      for (std::size_t k = 0; k < digits.size(); ++k) stack[first + k].second = named_.component_values[k][digits[k]];
      for (std::size_t action = 0; action < (per_action ? mdp.num_actions : 1); ++action) {
        stack[action_slot].second = named_.action_values[action];
        const std::size_t unit = per_action ? state * mdp.num_actions + action : state;
        for (std::size_t k = 0; k < statement_.features.size(); ++k) {
          if (failed[k]) continue;
          const ast::FeatureDefinition& f = statement_.features[k];
          try {
            const double value = elaborator_.evaluate(f.value);
            if (!std::isfinite(value)) {
              elaborator_.fail(position_of(f.value),
                               "feature '" + f.name.name + "' is " + format_number(value) + " in state " +
                                   mdp.state_labels[state] +
                                   (per_action ? " with action '" + mdp.action_labels[action] + "'" : std::string()) +
                                   ": features must be finite numbers");
            }
            if (value != 0.0) entries.push_back({static_cast<std::uint32_t>(unit), static_cast<std::uint32_t>(k), value});
          } catch (const SemanticError& e) {
            elaborator_.report(e.where != nullptr ? e.where : &position_of(f.value), e.message);
            failed[k] = true;
          }
        }
      }
      for (std::size_t k = digits.size(); k-- > 0;) {  // the last component fastest
        if (++digits[k] < named_.component_sizes[k]) break;
        digits[k] = 0;
      }
    }
    stack.resize(outer);
    if (std::find(failed.begin(), failed.end(), true) != failed.end()) return std::nullopt;
    return control::make_features(per_action ? control::FeatureKind::state_action : control::FeatureKind::state,
                                  std::move(names), per_action ? mdp.rows() : mdp.num_states, std::move(entries));
  }

  // ---- demonstrations ----
  bool read_demonstrations(control::Features& features) {
    const std::string path = (std::filesystem::path(elaborator_.file_->file).parent_path() / statement_.demonstrations.text)
                                 .lexically_normal()
                                 .string();
    learn_.demonstrations = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      elaborator_.report(&statement_.demonstrations, "cannot open demonstrations file '" + path + "'");
      return false;
    }
    std::string line;
    while (std::getline(in, line)) lines_.push_back(line);
    try {
      const std::vector<control::DemonstrationRow> rows = demonstration_rows(path);
      control::Demonstrations demos = control::make_demonstrations(named_.mdp, rows, path, "horizon");
      learn_.notes = std::move(demos.notes);
      learn_.episodes = std::move(demos.episodes);
    } catch (const InputError& e) {
      const SourceLocation& at = e.where();
      elaborator_.report(Diagnostic{at.file.empty() ? path : at.file, at.line, at.col, e.detail(),
                                    at.line >= 1 && at.line <= lines_.size() ? without_cr(lines_[at.line - 1]) : ""});
      return false;
    }
    control::IrlProblem& problem = learn_.problem;
    problem.mdp = named_.mdp;
    problem.empirical = control::empirical_feature_counts(named_.mdp, features, learn_.episodes);
    if (!initial_from_start_) problem.initial = control::initial_from_episodes(named_.mdp.num_states, learn_.episodes);
    problem.features = std::move(features);
    return true;
  }

  // The component (or the action) whose domain has the label `label`.
  std::string owner_of(const std::string& label) const {
    for (std::size_t k = 0; k < named_.components.size(); ++k) {
      const auto& labels = named_.component_labels[k];
      if (std::find(labels.begin(), labels.end(), label) != labels.end()) return named_.components[k];
    }
    return named_.action_name;
  }

  // Whether the action's domain has labels (a numeric one is labelled by its numbers).
  bool action_labelled() const {
    const auto& labels = named_.mdp.action_labels;
    for (std::size_t a = 0; a < labels.size(); ++a) {
      if (labels[a] != format_number(named_.action_values[a])) return true;
    }
    return false;
  }

  static std::string without_cr(std::string text) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
  }

  // The rows in indices, every cell checked at file:line:col (InputError).
  std::vector<control::DemonstrationRow> demonstration_rows(const std::string& path) {
    std::vector<std::string> expected = {"episode", "t"};
    expected.insert(expected.end(), named_.components.begin(), named_.components.end());
    expected.push_back(named_.action_name);
    std::string header_text;
    for (const std::string& name : expected) header_text += (header_text.empty() ? "" : ",") + name;
    std::size_t first_line = 0;  // the header's index in lines_
    while (first_line < lines_.size() && lines_[first_line].find_first_not_of(" \t\r") == std::string::npos) ++first_line;
    if (first_line == lines_.size()) {
      throw InputError("empty file, expected the header '" + header_text + "'", SourceLocation{path, 1, 1});
    }
    std::string header = lines_[first_line];
    std::size_t bom = 0;
    if (header.rfind("\xEF\xBB\xBF", 0) == 0) {
      header.erase(0, 3);
      bom = 3;
    }
    std::vector<std::string> cells;
    std::vector<std::size_t> columns;
    split_cells(header, cells, columns);
    // column_of[k]: the cell of expected[k].
    std::vector<std::size_t> column_of(expected.size(), cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const SourceLocation at{path, first_line + 1, columns[c] + bom};
      const auto it = std::find(expected.begin(), expected.end(), cells[c]);
      if (it == expected.end()) {
        throw InputError("unknown column '" + cells[c] + "' (the columns are " + header_text + ": episode, t, the " +
                             "state components of mdp '" + named_.name + "' and its action)" + suggest(cells[c], expected),
                         at);
      }
      const std::size_t k = static_cast<std::size_t>(it - expected.begin());
      if (column_of[k] != cells.size()) throw InputError("column '" + cells[c] + "' appears twice", at);
      column_of[k] = c;
    }
    for (std::size_t k = 0; k < expected.size(); ++k) {
      if (column_of[k] == cells.size()) {
        throw InputError("no column '" + expected[k] + "' (the header needs " + header_text + ", in any order)",
                         SourceLocation{path, first_line + 1, 1});
      }
    }
    const std::size_t width = cells.size();
    const control::Mdp& mdp = named_.mdp;
    const std::size_t components = named_.components.size();
    std::vector<control::DemonstrationRow> rows;
    std::vector<std::size_t> digits(components);
    for (std::size_t l = first_line + 1; l < lines_.size(); ++l) {
      if (lines_[l].find_first_not_of(" \t\r") == std::string::npos) continue;
      split_cells(lines_[l], cells, columns);
      const auto at = [&](std::size_t k) { return SourceLocation{path, l + 1, columns[column_of[k]]}; };
      if (cells.size() != width) {
        throw InputError(std::to_string(cells.size()) + (cells.size() == 1 ? " cell" : " cells") + ", expected " +
                             std::to_string(width) + " (" + header_text + ")",
                         SourceLocation{path, l + 1, 1});
      }
      control::DemonstrationRow row;
      row.episode = cells[column_of[0]];
      row.episode_at = at(0);
      row.t_at = at(1);
      row.state_at = at(2);
      row.action_at = at(expected.size() - 1);
      if (row.episode.empty()) throw InputError("empty episode label", row.episode_at);
      const std::string& t = cells[column_of[1]];
      const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), row.t);
      if (error != std::errc() || end != t.data() + t.size() || t.empty()) {
        throw InputError("t '" + t + "' is not an integer >= 0", row.t_at);
      }
      control::check_horizon(mdp, row, "horizon");
      std::size_t state = 0;
      for (std::size_t k = 0; k < components; ++k) {
        const std::string& cell = cells[column_of[2 + k]];
        const auto index = domain_index(cell, named_.component_labels[k], named_.component_values[k]);
        if (!index) {
          throw InputError("'" + cell + "' is not a state of '" + named_.components[k] + "' (" +
                               describe_domain(named_.component_labels[k], named_.component_values[k]) + ")",
                           at(2 + k));
        }
        digits[k] = *index;
        state = state * named_.component_sizes[k] + *index;
      }
      row.state = static_cast<std::uint32_t>(state);
      if (!named_.walls.empty() && named_.walls[state] != 0) {
        throw InputError("state " + mdp.state_labels[state] + " is a wall of mdp '" + named_.name +
                             "': a demonstration cannot stand there",
                         row.state_at);
      }
      const std::string& action = cells[column_of[expected.size() - 1]];
      const std::vector<std::string> no_labels;
      const bool labelled = action_labelled();
      const auto a = domain_index(action, labelled ? mdp.action_labels : no_labels, named_.action_values);
      if (!a) {
        throw InputError("'" + action + "' is not an action of mdp '" + named_.name + "' (" +
                             describe_domain(labelled ? mdp.action_labels : no_labels, named_.action_values) + ")" +
                             (labelled ? suggest(action, mdp.action_labels) : std::string()),
                         row.action_at);
      }
      row.action = static_cast<std::uint32_t>(*a);
      rows.push_back(std::move(row));
    }
    return rows;
  }

  Elaborator& elaborator_;
  const ast::LearnStatement& statement_;
  const NamedMdp& named_;
  IrlLearn learn_;
  bool initial_from_start_ = false;
  std::vector<std::string> lines_;  // the demonstrations file
};

void Elaborator::learn(const ast::LearnStatement& s) {
  const auto it = std::find_if(model_.mdps.begin(), model_.mdps.end(), [&](const NamedMdp& m) { return m.name == s.mdp.name; });
  if (it == model_.mdps.end()) {
    if (failed_mdps_.contains(s.mdp.name)) return;  // the block has said what is wrong
    std::vector<std::string> known;
    for (const NamedMdp& m : model_.mdps) known.push_back(m.name);
    fail(s.mdp, "unknown mdp '" + s.mdp.name + "'" + suggest(s.mdp.name, known));
  }
  if (it->latent) {
    fail(s.mdp, "mdp '" + s.mdp.name + "' has a latent variable: learn reward needs a block without one");
  }
  IrlLowering lowering(*this, s, *it, static_cast<std::size_t>(it - model_.mdps.begin()));
  std::optional<IrlLearn> learn = lowering.run();
  if (learn) model_.learns.push_back(std::move(*learn));
}

}  // namespace copi::dsl
