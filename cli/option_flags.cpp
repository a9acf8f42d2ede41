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
      std::string takers;
      for (const AlgorithmSpec& other : algorithms) {
        const bool takes = std::any_of(other.options.begin(), other.options.end(),
                                       [&](const OptionSpec& o) { return o.name == spec.name; });
        if (takes) takers += (takers.empty() ? "" : ", ") + other.name;
      }
      std::string help = spec.doc + "; " + spec.accepted();
      if (!spec.default_text.empty()) help += "; default " + spec.default_text;
      help += " (" + takers + ")";
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
