// Command-line flags made from the library's option tables (copi/inference/options.hpp):
// one flag per option name (`max_iter` -> --max-iter), its help text and default from
// the table, and the values given turned into settings that the library checks — so
// the command line accepts exactly what the language accepts, with the same messages.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "copi/inference/algorithms.hpp"

namespace copi::cli {

// Flags given on the command line, by option name, in the order the table lists them.
class OptionFlags {
 public:
  // Adds --NAME for every option of `algorithms` (each name once; the help says which
  // algorithms take it). `threads` is left to the caller (a flag of every command).
  void add_to(CLI::App& command, std::span<const AlgorithmSpec> algorithms);

  // The flags given, as settings for `algorithm`. A flag the algorithm does not take is
  // an InputError naming it and the algorithm's own flags.
  [[nodiscard]] std::vector<OptionSetting> settings_for(const AlgorithmSpec& algorithm) const;

 private:
  std::vector<std::string> names_;          // every option name, in table order
  std::map<std::string, std::string> text_;  // name -> the value given
  std::map<std::string, CLI::Option*> options_;
};

// "--threads 0: must be an integer in [1, 4096]"-style checks of the --threads flag;
// empty text: 0 (the default pool).
[[nodiscard]] std::size_t parse_threads_flag(const std::string& text);

// Throws InputError naming each flag unless `problems` is empty (problems of settings
// made by OptionFlags, reported in flag spelling: "--damping 1.5: must be ...").
void throw_flag_problems(std::span<const OptionSetting> settings, std::span<const OptionProblem> problems);

// When a file is given to the wrong command ("copi run x.uai"): the hint that names the
// right one; empty otherwise.
[[nodiscard]] std::string wrong_command_hint(const std::string& file, const std::string& command);

}  // namespace copi::cli
