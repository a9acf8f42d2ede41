// SVG pictures of a solved MDP, written atomically.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include "copi/control/soft_value_iteration.hpp"
#include "copi/dsl/model.hpp"

namespace copi::cli {

// Grid models only (exactly two state components): a heat map of V(t = 0) with an
// arrow for the most likely action (up / down / left / right by name; other actions
// are written as text), walls grey. Throws InputError for other state spaces.
void write_value_map_svg(const std::filesystem::path& path, const dsl::NamedMdp& model,
                         const control::ControlSolution& solution);

// Any MDP: a table with a row per state and a column per time step (one column for an
// infinite horizon), coloured by V_t(s) and labelled with the most likely action when
// the cells are large enough. At most kMaxPlotRows states and kMaxPlotColumns steps are
// drawn (the first ones); the title says when some are left out.
// One cell's action at (cx, cy): an arrow for up / down / left / right (the first state
// component is the row, down the page), else the action's name, in colour `ink`.
void draw_action(std::ostream& out, const std::string& action, double cx, double cy, double cell, const char* ink);

inline constexpr std::size_t kMaxPlotRows = 200;
inline constexpr std::size_t kMaxPlotColumns = 200;
void write_value_table_svg(const std::filesystem::path& path, const control::Mdp& mdp,
                           const control::ControlSolution& solution);

}  // namespace copi::cli
