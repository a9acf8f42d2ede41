// How the fuzz target of the `copi mdp` CSV reader (copi/control/mdp_csv.hpp) feeds it
// one input, shared with the corpus regression test in tests/control/. An input holds
// the tables separated by form feeds: transitions \f rewards [\f initial [\f prior]].
// What the reader accepts must validate as an MDP once given a horizon.
#pragma once

#include <array>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>

#include "copi/control/mdp_csv.hpp"
#include "fuzz_support.hpp"

namespace copi::fuzz {

inline void read_mdp_csv_input(std::string_view text, const std::string& file_name) {
  // Up to four tables; a fifth form feed and what follows stay in the prior's text.
  std::array<std::string, 4> tables;
  std::size_t given = 1;
  for (const char c : text) {
    if (c == '\f' && given < tables.size()) {
      ++given;
    } else {
      tables[given - 1].push_back(c);
    }
  }
  std::array<std::istringstream, 4> streams{std::istringstream(tables[0]), std::istringstream(tables[1]),
                                            std::istringstream(tables[2]), std::istringstream(tables[3])};
  control::MdpCsvSources sources;
  sources.transitions = {file_name + ".transitions.csv", &streams[0]};
  sources.rewards = {file_name + ".rewards.csv", &streams[1]};  // required: empty when not given
  if (given >= 3) sources.initial = {file_name + ".initial.csv", &streams[2]};
  if (given >= 4) sources.prior = {file_name + ".prior.csv", &streams[3]};
  control::MdpCsv csv = control::read_mdp_csv(sources);
  csv.mdp.horizon = 3;
  try {
    csv.mdp.validate();
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the reader accepted an MDP that does not validate: ") + error.what());
  }
}

inline constexpr Reader kMdpCsv{"fuzz", &read_mdp_csv_input};

}  // namespace copi::fuzz
