// copi convert: model files between UAI and libDAI .fg, every table reproduced exactly.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/graph/io/model_file.hpp"

namespace copi::cli {
namespace {

struct ConvertArguments {
  std::string input;
  std::string output;
};

int run_convert(const ConvertArguments& args) {
  model_format_of(args.output);  // refuse an unknown output format before reading
  const ModelTables tables = read_model_file(args.input);
  write_model_file(args.output, tables);
  std::cout << "wrote " << args.output << ": " << tables.cardinalities.size() << " variables, "
            << tables.factors.size() << " factors\n";
  return 0;
}

}  // namespace

CommandRunner add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArguments>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a model file between UAI (.uai) and libDAI (.fg)");
  cmd->add_option("input", args->input, "Model file to read (.uai or .fg)")->required();
  cmd->add_option("output", args->output, "Model file to write (.uai or .fg)")->required();
  return [args] { return run_convert(*args); };
}

}  // namespace copi::cli
