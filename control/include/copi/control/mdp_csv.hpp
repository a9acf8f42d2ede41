// A tabular MDP from CSV tables (what `copi mdp` reads): transitions, rewards, and
// optionally the initial distribution and an action prior. The reader checks the
// tables at their lines (duplicated rows, distributions that do not sum to one, labels
// it does not know) and returns the MDP with notes for the user; it prints nothing.
//
//   transitions  state,action,next_state,probability   (required)
//   rewards      state,action,reward                   (required; missing pairs: 0)
//   initial      state,probability                     (optional; default uniform)
//   prior        state,action,probability              (optional; default none)
//
// States and actions are the labels of the transitions table, in order of first
// appearance (state, then next_state, row by row), or numerically when every label
// is an integer. A (state, action) pair without transition rows is unavailable in
// that state (a forbidden move); a state without any transition rows is absorbing:
// the episode ends there (its first action loops with reward 0, V = 0).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "copi/control/mdp.hpp"

namespace copi::control {

// One table: its name in messages (usually the file path) and its text; a null
// stream means the table is not given (only initial and prior may be absent).
struct CsvSource {
  std::string name;
  std::istream* text = nullptr;
};

// The MDP's per-(state, action) arrays (about 40 bytes a pair) may not exceed
// memory_limit_bytes: a small file can name many states and actions, and is refused
// (ResourceError at the transitions table) before they are allocated; 0: no limit.
inline constexpr std::size_t kMdpCsvBytesPerPair = 40;

struct MdpCsvSources {
  CsvSource transitions;
  CsvSource rewards;
  CsvSource initial;
  CsvSource prior;
  std::size_t memory_limit_bytes = std::size_t{2} << 30;
};

// File paths; an empty path means the table is not given.
struct MdpCsvFiles {
  std::string transitions;
  std::string rewards;
  std::string initial;
  std::string prior;
  std::size_t memory_limit_bytes = std::size_t{2} << 30;
};

struct MdpCsv {
  // Horizon, discount and temperature are the caller's (left unset, α = 1).
  Mdp mdp;
  std::size_t default_rewards = 0;     // available (state, action) pairs without a reward row: reward 0
  std::size_t unavailable_pairs = 0;   // (state, action) pairs without transition rows, in states that have some
  std::size_t absorbing_states = 0;    // states without any transition rows
  std::vector<std::string> notes;      // one sentence each, for the user (about the counts above)
};

// Throws InputError at file:line:col for malformed tables: a wrong header, a cell that
// is not a finite number, an unknown or empty label, a duplicated (state, action,
// next_state) transition, (state, action) reward or prior, or state initial row (the
// message names both lines), a negative probability, rows of one (state, action), the
// prior of one state or the initial distribution not summing to 1 within 1e-9 (at the
// first of those rows), a reward beyond ±1e100, prior mass on an unavailable action.
MdpCsv read_mdp_csv(const MdpCsvSources& sources);
// Opens the files (InputError when one cannot be read) and reads them as above.
MdpCsv read_mdp_csv(const MdpCsvFiles& files);

}  // namespace copi::control
