// The copi subcommands. Each registers its options on the CLI11 app and returns the
// function that runs it once the command line has been parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace copi::cli {

using CommandRunner = std::function<int()>;

// copi infer FILE [--evid FILE] --task MAR|PR|MPE [--algo exact|enumerate] ...
CommandRunner add_infer_command(CLI::App& app);
// copi convert IN OUT
CommandRunner add_convert_command(CLI::App& app);
// copi run MODEL.copi / copi check MODEL.copi
CommandRunner add_run_command(CLI::App& app);
CommandRunner add_check_command(CLI::App& app);
// copi mdp --transitions T.csv --rewards R.csv ...
CommandRunner add_mdp_command(CLI::App& app);
// copi irl --transitions T.csv --features F.csv --demos D.csv ...
CommandRunner add_irl_command(CLI::App& app);
// copi learn-skills --transitions T.csv --tasks R1.csv R2.csv ... --skills INIT.csv ...
CommandRunner add_learn_skills_command(CLI::App& app);

}  // namespace copi::cli
