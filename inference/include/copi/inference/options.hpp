// Options given as text — by the modelling language (`infer bp(damping = 0.1)`), by
// command-line flags (`--damping 0.1`) or by another program — checked against a
// table of what each algorithm accepts (name, type, range, default, one line of
// documentation). The algorithm registries (copi/inference/algorithms.hpp,
// copi/control/methods.hpp) are such tables; this header is their common machinery.
//
// Spelling: option names and choice values are snake_case (`max_iter`, `min_fill`);
// a '-' is read as '_' so that command-line spellings (`--max-iter`, `min-fill`) name
// the same thing. Every problem of a set of settings is reported, not just the first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace copi {

enum class OptionType {
  real,     // a finite number (or one of the bounds' infinity when the range allows it)
  integer,  // a whole number
  size,     // bytes, written 512M, 2G, 1048576 (K/M/G/T are powers of 1024)
  choice,   // one word of a fixed list
};

struct OptionSpec {
  std::string name;  // snake_case, as the language writes it
  OptionType type = OptionType::real;
  std::string default_text;  // shown in help; empty: no default (the algorithm decides)
  std::string doc;           // one line
  // real / integer / size: the accepted range; open ends exclude the bound.
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;
  std::vector<std::string> choices;  // choice

  // "a number in [0, 1)", "an integer >= 1", "one of auto, parallel, sequential".
  [[nodiscard]] std::string accepted() const;
  // "--max-iter"
  [[nodiscard]] std::string flag() const;
};

// A word of a fixed list.
[[nodiscard]] OptionSpec choice_option(std::string name, std::vector<std::string> choices, std::string default_text,
                                       std::string doc);
// A number (real, integer or size) in a range; open ends exclude the bound.
[[nodiscard]] OptionSpec number_option(std::string name, OptionType type, std::string default_text, std::string doc,
                                       double low = -std::numeric_limits<double>::infinity(), bool low_open = false,
                                       double high = std::numeric_limits<double>::infinity(), bool high_open = false);

// One `key = value` as written, in order.
struct OptionSetting {
  std::string key;
  std::string value;
};

// A checked value: a number (real, integer, size) or a choice word (canonical spelling).
using OptionValue = std::variant<double, std::string>;

// The checked settings of one algorithm: only the options that were given; the
// algorithm supplies its own defaults for the rest.
class OptionValues {
 public:
  void set(const std::string& name, OptionValue value) { values_[name] = std::move(value); }
  [[nodiscard]] bool has(const std::string& name) const { return values_.contains(name); }
  [[nodiscard]] double number(const std::string& name, double fallback) const;
  [[nodiscard]] std::size_t count(const std::string& name, std::size_t fallback) const;
  [[nodiscard]] std::string word(const std::string& name, const std::string& fallback) const;
  [[nodiscard]] const std::map<std::string, OptionValue>& all() const { return values_; }
  friend bool operator==(const OptionValues&, const OptionValues&) = default;

 private:
  std::map<std::string, OptionValue> values_;
};

// What is wrong with one setting: its key (unknown, given twice) or its value.
struct OptionProblem {
  enum class Part { key, value };
  std::size_t index = 0;  // into the settings
  Part part = Part::value;
  std::string message;    // without the key or flag: "must be a number in [0, 1)"
};

// "max-iter", "--max-iter", "max_iter" -> "max_iter" (also for choice words).
[[nodiscard]] std::string canonical_option_name(std::string_view text);

// Checks `settings` against `specs` (`owner` names the algorithm in messages: "bp has
// no option 'dampin' (did you mean 'damping'?)"). Values of good settings go into
// `values`; every problem comes back.
std::vector<OptionProblem> check_options(std::string_view owner, std::span<const OptionSpec> specs,
                                         std::span<const OptionSetting> settings, OptionValues& values);

// Every problem in one message, for callers without positions: "bp: damping = 1.5 must
// be a number in [0, 1); bp has no option 'tl' (did you mean 'tol'?)".
[[nodiscard]] std::string describe_problems(std::string_view owner, std::span<const OptionSetting> settings,
                                            std::span<const OptionProblem> problems);

// Parses one value against its spec: the value, or the problem's message.
std::variant<OptionValue, std::string> parse_option_value(const OptionSpec& spec, const std::string& text);

// Bytes from "512M", "2G", "1.5GiB", "1048576"; nullopt when the text is not a size.
[[nodiscard]] std::optional<double> parse_byte_size(const std::string& text);

}  // namespace copi
