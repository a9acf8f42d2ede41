#include "copi/inference/options.hpp"

#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "copi/graph/spelling.hpp"

namespace copi {
namespace {

// Shortest text that reads back as the same number ("0.1", "1e-09", "1000").
std::string show(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, result.ptr);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? (words.size() > 2 ? ", or " : " or ") : ", ";
    out += words[i];
  }
  return out;
}

// A number as the language and the command line write it: decimal or scientific,
// "inf"; nothing after it.
std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;  // from_chars refuses a leading '+'
  double value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

bool in_range(const OptionSpec& spec, double v) {
  const bool above = spec.low_open ? v > spec.low : v >= spec.low;
  const bool below = spec.high_open ? v < spec.high : v <= spec.high;
  return above && below;
}

}  // namespace

OptionSpec choice_option(std::string name, std::vector<std::string> choices, std::string default_text,
                         std::string doc) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = OptionType::choice;
  spec.default_text = std::move(default_text);
  spec.doc = std::move(doc);
  spec.choices = std::move(choices);
  return spec;
}

OptionSpec number_option(std::string name, OptionType type, std::string default_text, std::string doc, double low,
                         bool low_open, double high, bool high_open) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.default_text = std::move(default_text);
  spec.doc = std::move(doc);
  spec.low = low;
  spec.low_open = low_open;
  spec.high = high;
  spec.high_open = high_open;
  return spec;
}

std::string OptionSpec::accepted() const {
  if (type == OptionType::choice) return "one of " + join(choices);
  const std::string noun = type == OptionType::integer ? "an integer" : type == OptionType::size ? "a size" : "a number";
  const bool has_low = std::isfinite(low);
  const bool has_high = std::isfinite(high);
  if (has_low && has_high) {
    return noun + " in " + (low_open ? "(" : "[") + show(low) + ", " + show(high) + (high_open ? ")" : "]");
  }
  if (has_low) return noun + (low_open ? " > " : " >= ") + show(low);
  if (has_high) return noun + (high_open ? " < " : " <= ") + show(high);
  return noun;
}

std::string OptionSpec::flag() const {
  std::string out = "--" + name;
  for (char& c : out) c = c == '_' ? '-' : c;
  return out;
}

double OptionValues::number(const std::string& name, double fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const double* v = std::get_if<double>(&it->second);
  return v != nullptr ? *v : fallback;
}

std::size_t OptionValues::count(const std::string& name, std::size_t fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const double* v = std::get_if<double>(&it->second);
  return v != nullptr ? static_cast<std::size_t>(*v) : fallback;
}

std::string OptionValues::word(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string* v = std::get_if<std::string>(&it->second);
  return v != nullptr ? *v : fallback;
}

std::string canonical_option_name(std::string_view text) {
  while (!text.empty() && text.front() == '-') text.remove_prefix(1);
  std::string out(text);
  for (char& c : out) c = c == '-' ? '_' : c;
  return out;
}

std::optional<double> parse_byte_size(const std::string& text) {
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(number) || number < 0) return std::nullopt;
  std::string unit(end);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    scale = 1024.0;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    scale = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TB" || unit == "TIB") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  return number * scale;
}

std::variant<OptionValue, std::string> parse_option_value(const OptionSpec& spec, const std::string& text) {
  if (spec.type == OptionType::choice) {
    const std::string word = canonical_option_name(text);
    for (const std::string& choice : spec.choices) {
      if (choice == word) return OptionValue{choice};
    }
    return "must be " + spec.accepted() + did_you_mean(word, spec.choices);
  }
  std::optional<double> value;
  if (spec.type == OptionType::size) {
    value = parse_byte_size(text);
    if (!value) return std::string("must be a size such as 512M, 2G or 1048576 (bytes)");
  } else {
    value = parse_number(text);
    if (!value) return "must be " + spec.accepted();
  }
  if (!std::isfinite(*value) || (spec.type == OptionType::integer && *value != std::floor(*value))) {
    return "must be " + spec.accepted();
  }
  if (!in_range(spec, *value)) return "must be " + spec.accepted();
  if (spec.type != OptionType::real && *value >= 9.0e18) return "must be " + spec.accepted() + " below 9e18";
  return OptionValue{*value};
}

std::vector<OptionProblem> check_options(std::string_view owner, std::span<const OptionSpec> specs,
                                         std::span<const OptionSetting> settings, OptionValues& values) {
  std::vector<OptionProblem> problems;
  std::vector<std::string> names;
  for (const OptionSpec& spec : specs) names.push_back(spec.name);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const std::string key = canonical_option_name(settings[i].key);
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& candidate : specs) {
      if (candidate.name == key) spec = &candidate;
    }
    if (spec == nullptr) {
      std::string message = std::string(owner) + " has no option '" + settings[i].key + "'" + did_you_mean(key, names);
      message += names.empty() ? "; it takes none" : "; its options: " + join(names);
      problems.push_back({i, OptionProblem::Part::key, message});
      continue;
    }
    if (!seen.insert(key).second) {
      problems.push_back({i, OptionProblem::Part::key, "'" + settings[i].key + "' is given twice"});
      continue;
    }
    auto parsed = parse_option_value(*spec, settings[i].value);
    if (auto* message = std::get_if<std::string>(&parsed)) {
      problems.push_back({i, OptionProblem::Part::value, std::move(*message)});
    } else {
      values.set(key, std::get<OptionValue>(std::move(parsed)));
    }
  }
  return problems;
}

std::string describe_problems(std::string_view owner, std::span<const OptionSetting> settings,
                              std::span<const OptionProblem> problems) {
  std::string message;
  for (const OptionProblem& problem : problems) {
    const OptionSetting& setting = settings[problem.index];
    if (!message.empty()) message += "; ";
    message += problem.part == OptionProblem::Part::key
                   ? problem.message
                   : std::string(owner) + ": " + setting.key + " = " + setting.value + " " + problem.message;
  }
  return message;
}

}  // namespace copi
