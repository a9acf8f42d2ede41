// The copi command: parses the command line, runs one subcommand, maps errors to
// exit statuses (0 ok, 1 not converged / numeric failure, 2 bad input, 3 refused).
#include <iostream>
#include <map>
#include <string>

#include "commands.hpp"
#include "copi/control/kernels.hpp"
#include "diagnostics.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"copi: probabilistic graphical models and control as inference", "copi"};
  const std::string version = std::string("copi ") + COPI_VERSION + "\ncontrol backups: gather, exp and log dispatched to " +
                              copi::control::backup_instruction_set() + " (Highway, chosen for this CPU at run time)";
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  std::map<std::string, copi::cli::CommandRunner> runners;
  runners["run"] = copi::cli::add_run_command(app);
  runners["check"] = copi::cli::add_check_command(app);
  runners["infer"] = copi::cli::add_infer_command(app);
  runners["mdp"] = copi::cli::add_mdp_command(app);
  runners["irl"] = copi::cli::add_irl_command(app);
  runners["learn-skills"] = copi::cli::add_learn_skills_command(app);
  runners["convert"] = copi::cli::add_convert_command(app);
  app.add_subcommand("help", "Show this help");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << version << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    // Subcommand help (copi infer --help) arrives here as CallForHelp of the subcommand.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "copi: error: " << e.what() << "\n(run 'copi " << "--help' for usage)\n";
    return copi::cli::kBadInput;
  }
  for (CLI::App* sub : app.get_subcommands()) {
    if (sub->get_name() == "help") {
      // app.help() would describe the selected subcommand ("help" itself).
      std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return 0;
    }
    return runners.at(sub->get_name())();
  }
  return copi::cli::kBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    return copi::cli::report_current_exception(std::cerr);
  }
}
