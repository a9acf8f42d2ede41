// copi mdp: a tabular MDP from CSV files, solved as inference (control module).
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "control_output.hpp"
#include "mdp_plot.hpp"
#include "copi/control/compile_factor_graph.hpp"
#include "copi/control/soft_value_iteration.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/error.hpp"
#include "diagnostics.hpp"
#include "result_output.hpp"

namespace copi::cli {
namespace {

struct MdpArguments {
  std::string transitions;
  std::string rewards;
  std::string initial;
  std::string prior;
  std::size_t horizon = 0;
  double discount = 0.0;
  double alpha = 1.0;
  std::string method = "variational";
  std::string json_file;
  std::string plot_file;
  std::string emit_uai;
  std::size_t threads = 0;
};

struct CsvTable {
  std::string file;
  std::vector<std::vector<std::string>> rows;  // without the header
  std::vector<std::size_t> lines;              // 1-based line of each row
};

std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  for (const char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else if (c != '\r') {
      cells.back().push_back(c);
    }
  }
  for (std::string& cell : cells) {
    const auto b = cell.find_first_not_of(" \t\"");
    const auto e = cell.find_last_not_of(" \t\"");
    cell = b == std::string::npos ? "" : cell.substr(b, e - b + 1);
  }
  return cells;
}

CsvTable read_csv(const std::string& file, const std::vector<std::string>& header) {
  std::ifstream in(file);
  if (!in) throw InputError("cannot open '" + file + "'", SourceLocation{file, 0, 0});
  CsvTable table{file, {}, {}};
  std::string line;
  std::size_t number = 0;
  if (!std::getline(in, line)) throw InputError("empty file, expected the header", SourceLocation{file, 1, 1});
  ++number;
  const auto found = split_cells(line);
  if (found != header) {
    std::string want;
    for (const auto& h : header) want += (want.empty() ? "" : ",") + h;
    throw InputError("expected the header '" + want + "'", SourceLocation{file, 1, 1});
  }
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto cells = split_cells(line);
    if (cells.size() != header.size()) {
      throw InputError(std::to_string(cells.size()) + " cells, expected " + std::to_string(header.size()),
                       SourceLocation{file, number, 1});
    }
    table.rows.push_back(std::move(cells));
    table.lines.push_back(number);
  }
  return table;
}

double number_in(const CsvTable& table, std::size_t row, std::size_t column) {
  const std::string& text = table.rows[row][column];
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw InputError("'" + text + "' is not a number", SourceLocation{table.file, table.lines[row], 1});
  }
  return value;
}

// Labels in first-appearance order, sorted numerically when all are integers.
class LabelSet {
 public:
  void see(const std::string& label) {
    if (index_.emplace(label, labels_.size()).second) labels_.push_back(label);
  }
  void finish() {
    const bool integers = std::all_of(labels_.begin(), labels_.end(), [](const std::string& s) {
      long long v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && end == s.data() + s.size();
    });
    if (integers) {
      std::sort(labels_.begin(), labels_.end(), [](const std::string& a, const std::string& b) {
        return std::stoll(a) < std::stoll(b);
      });
    }
    for (std::size_t i = 0; i < labels_.size(); ++i) index_[labels_[i]] = i;
  }
  std::size_t at(const CsvTable& table, std::size_t row, std::size_t column, const char* what) const {
    const auto it = index_.find(table.rows[row][column]);
    if (it == index_.end()) {
      throw InputError(std::string("unknown ") + what + " '" + table.rows[row][column] + "'",
                       SourceLocation{table.file, table.lines[row], 1});
    }
    return it->second;
  }
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  std::vector<std::string> labels_;
  std::map<std::string, std::size_t> index_;
};

control::Mdp load_mdp(const MdpArguments& args) {
  const CsvTable transitions = read_csv(args.transitions, {"state", "action", "next_state", "probability"});
  const CsvTable rewards = read_csv(args.rewards, {"state", "action", "reward"});
  LabelSet states;
  LabelSet actions;
  for (const auto& row : transitions.rows) {
    states.see(row[0]);
    actions.see(row[1]);
    states.see(row[2]);
  }
  states.finish();
  actions.finish();
  control::Mdp mdp;
  mdp.num_states = states.labels().size();
  mdp.num_actions = actions.labels().size();
  mdp.state_labels = states.labels();
  mdp.action_labels = actions.labels();
  std::vector<control::Transition> list;
  for (std::size_t r = 0; r < transitions.rows.size(); ++r) {
    list.push_back({static_cast<std::uint32_t>(states.at(transitions, r, 0, "state")),
                    static_cast<std::uint32_t>(actions.at(transitions, r, 1, "action")),
                    static_cast<std::uint32_t>(states.at(transitions, r, 2, "state")), number_in(transitions, r, 3)});
  }
  control::set_transitions(mdp, std::move(list));
  mdp.reward.assign(mdp.rows(), 0.0);
  for (std::size_t r = 0; r < rewards.rows.size(); ++r) {
    mdp.reward[states.at(rewards, r, 0, "state") * mdp.num_actions + actions.at(rewards, r, 1, "action")] =
        number_in(rewards, r, 2);
  }
  if (args.initial.empty()) {
    mdp.initial.assign(mdp.num_states, 1.0 / static_cast<double>(mdp.num_states));
  } else {
    const CsvTable initial = read_csv(args.initial, {"state", "probability"});
    mdp.initial.assign(mdp.num_states, 0.0);
    for (std::size_t r = 0; r < initial.rows.size(); ++r) {
      mdp.initial[states.at(initial, r, 0, "state")] = number_in(initial, r, 1);
    }
  }
  if (!args.prior.empty()) {
    const CsvTable prior = read_csv(args.prior, {"state", "action", "probability"});
    mdp.action_prior.assign(mdp.rows(), 0.0);
    for (std::size_t r = 0; r < prior.rows.size(); ++r) {
      mdp.action_prior[states.at(prior, r, 0, "state") * mdp.num_actions + actions.at(prior, r, 1, "action")] =
          number_in(prior, r, 2);
    }
  }
  if (args.horizon > 0) mdp.horizon = args.horizon;
  if (args.discount > 0) mdp.discount = args.discount;
  mdp.alpha = args.alpha;
  return mdp;
}

int run_mdp(const MdpArguments& args) {
  const control::Mdp mdp = load_mdp(args);
  if (!args.emit_uai.empty()) {
    const control::CompiledMdp compiled = control::compile_factor_graph(mdp);
    write_model_file(args.emit_uai, to_model_tables(compiled.graph));
    write_file_atomically(args.emit_uai + ".evid", [&](std::ostream& out) { write_evidence(out, compiled.evidence); });
    std::cout << "wrote " << args.emit_uai << " and " << args.emit_uai << ".evid (" << compiled.graph.num_variables()
              << " variables, " << compiled.graph.num_factors() << " factors)\n";
  }
  control::SolveOptions options;
  options.method = control::parse_control_method(args.method);
  options.threads = args.threads;
  const control::ControlSolution solution = control::solve(mdp, options);
  if (!args.json_file.empty()) write_json_file(args.json_file, control_json(mdp, solution));
  if (!args.plot_file.empty()) write_value_table_svg(args.plot_file, mdp, solution);
  print_control_solution(std::cout, mdp, solution);
  if (solution.diverged) {
    std::cerr << "copi: error: the exact (optimistic) backup diverges: some state's value grows without bound "
                 "(e.g. gamma * exp(max r / alpha) >= 1, or gamma * (number of actions) >= 1 without a prior "
                 "at zero reward); use a smaller discount, lower rewards, a horizon or the variational method\n";
    return kNotConverged;
  }
  if (!solution.converged) {
    std::cerr << "copi: warning: not converged after " << solution.iterations << " backups\n";
    return kNotConverged;
  }
  return kOk;
}

}  // namespace

CommandRunner add_mdp_command(CLI::App& app) {
  auto args = std::make_shared<MdpArguments>();
  CLI::App* cmd = app.add_subcommand("mdp", "Solve a tabular MDP from CSV files as inference");
  cmd->add_option("--transitions", args->transitions, "CSV: state,action,next_state,probability")->required();
  cmd->add_option("--rewards", args->rewards, "CSV: state,action,reward")->required();
  cmd->add_option("--initial", args->initial, "CSV: state,probability (default: uniform)");
  cmd->add_option("--prior", args->prior, "CSV: state,action,probability (default: no action prior)");
  cmd->add_option("--horizon", args->horizon, "Finite horizon T");
  cmd->add_option("--discount", args->discount, "Discount gamma in (0, 1]");
  cmd->add_option("--alpha", args->alpha, "Temperature alpha > 0")->capture_default_str();
  cmd->add_option("--method", args->method, "exact, variational or map")
      ->check(CLI::IsMember({"exact", "variational", "map"}))
      ->capture_default_str();
  cmd->add_option("--json", args->json_file, "Write V, policy, objective, ... as JSON");
  cmd->add_option("--plot", args->plot_file, "Write an SVG table of V_t(s) with the most likely actions");
  cmd->add_option("--threads", args->threads, "Worker threads (default: COPI_THREADS or all cores)");
  cmd->add_option("--emit-uai", args->emit_uai,
                  "Also write the compiled factor graph (finite horizon) as FILE.uai and its evidence O_t = 1 as FILE.uai.evid");
  return [args] { return run_mdp(*args); };
}

}  // namespace copi::cli
