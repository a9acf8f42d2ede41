#include "option_flags.hpp"

#include <algorithm>
#include <filesystem>

#include "copi/graph/error.hpp"

namespace copi::cli {
namespace {

std::string flag_of(const std::string& name) {
  std::string flag = "--" + name;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

}  // namespace

void OptionFlags::add_to(CLI::App& command, std::span<const AlgorithmSpec> algorithms) {
  for (const AlgorithmSpec& algorithm : algorithms) {
    for (const OptionSpec& spec : algorithm.options) {
      // threads and clusters are flags of their own (a count for every command; a file).
      if (spec.name == "threads" || spec.name == "clusters" || options_.contains(spec.name)) continue;
      // One flag, possibly several meanings: the algorithms that take it, grouped by
      // what they accept ("bp, auto: ...; meanfield, structured: ...").
      std::vector<std::pair<std::string, std::string>> meanings;  // (description, algorithms)
      for (const AlgorithmSpec& other : algorithms) {
        for (const OptionSpec& o : other.options) {
          if (o.name != spec.name) continue;
          std::string description = o.doc + "; " + o.accepted();
          if (!o.default_text.empty()) description += "; default " + o.default_text;
          const auto same = std::find_if(meanings.begin(), meanings.end(),
                                         [&](const auto& m) { return m.first == description; });
          if (same == meanings.end()) {
            meanings.emplace_back(description, other.name);
          } else {
            same->second += ", " + other.name;
          }
        }
      }
      std::string help;
      for (const auto& [description, takers] : meanings) {
        help += (help.empty() ? "" : "\n") + (meanings.size() > 1 ? takers + ": " + description
                                                                  : description + " (" + takers + ")");
      }
      names_.push_back(spec.name);
      options_[spec.name] = command.add_option(spec.flag(), text_[spec.name], help);
    }
  }
}

std::vector<OptionSetting> OptionFlags::settings_for(const AlgorithmSpec& algorithm) const {
  std::vector<OptionSetting> settings;
  for (const std::string& name : names_) {
    if (options_.at(name)->count() == 0) continue;
    const bool takes = std::any_of(algorithm.options.begin(), algorithm.options.end(),
                                   [&](const OptionSpec& o) { return o.name == name; });
    if (!takes) {
      std::string own;
      for (const OptionSpec& o : algorithm.options) {
        if (o.name != "threads") own += (own.empty() ? "" : ", ") + o.flag();
      }
      throw InputError(options_.at(name)->get_name() + " does not apply to " + algorithm.name +
                       (own.empty() ? " (it takes no options)" : " (its options: " + own + ")"));
    }
    settings.push_back({name, text_.at(name)});
  }
  return settings;
}

void throw_flag_problems(std::span<const OptionSetting> settings, std::span<const OptionProblem> problems) {
  if (problems.empty()) return;
  std::string message;
  for (const OptionProblem& problem : problems) {
    const OptionSetting& setting = settings[problem.index];
    if (!message.empty()) message += "; ";
    message += problem.part == OptionProblem::Part::key
                   ? problem.message
                   : flag_of(setting.key) + " " + setting.value + ": " + problem.message;
  }
  throw InputError(message);
}

std::size_t parse_threads_flag(const std::string& text) {
  if (text.empty()) return 0;
  const auto parsed = parse_option_value(threads_option(), text);
  if (const auto* message = std::get_if<std::string>(&parsed)) throw InputError("--threads " + text + ": " + *message);
  return static_cast<std::size_t>(std::get<double>(std::get<OptionValue>(parsed)));
}

std::string wrong_command_hint(const std::string& file, const std::string& command) {
  std::string extension = std::filesystem::path(file).extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (command == "run" && (extension == ".uai" || extension == ".fg")) {
    return "'" + file + "' is a model file, not a .copi model: use 'copi infer " + file + "'";
  }
  if (command == "infer" && extension == ".copi") {
    return "'" + file + "' is a .copi model: use 'copi run " + file + "' (copi infer reads .uai and .fg files)";
  }
  return "";
}

}  // namespace copi::cli
