// copi convert: model files between UAI and libDAI .fg, every table reproduced exactly.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/dsl/model.hpp"
#include "copi/graph/io/model_file.hpp"

namespace copi::cli {
namespace {

struct ConvertArguments {
  std::string input;
  std::string output;
};

int run_convert(const ConvertArguments& args) {
  model_format_of(args.output);  // refuse an unknown output format before reading
  ModelTables tables;
  if (std::filesystem::path(args.input).extension() == ".copi") {
    // A model in the language: lowered, then written as a plain table model (its
    // evidence and queries are not part of a .uai / .fg file).
    const dsl::CompileResult compiled = dsl::compile_file(args.input);
    if (!compiled.diagnostics.empty()) {
      for (const dsl::Diagnostic& d : compiled.diagnostics) std::cerr << d.str();
      return 2;
    }
    tables = to_model_tables(compiled.model->graph);
    if (!compiled.model->evidence.empty()) {
      std::cerr << "copi: note: " << compiled.model->evidence.size()
                << " observation(s) of the model are not part of a model file; pass them to copi infer with --evid\n";
    }
  } else {
    tables = read_model_file(args.input);
  }
  write_model_file(args.output, tables);
  std::cout << "wrote " << args.output << ": " << tables.cardinalities.size() << " variables, "
            << tables.factors.size() << " factors\n";
  return 0;
}

}  // namespace

CommandRunner add_convert_command(CLI::App& app) {
  auto args = std::make_shared<ConvertArguments>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a model file between UAI (.uai) and libDAI (.fg)");
  cmd->add_option("input", args->input, "Model file to read (.uai, .fg or .copi)")->required();
  cmd->add_option("output", args->output, "Model file to write (.uai or .fg)")->required();
  return [args] { return run_convert(*args); };
}

}  // namespace copi::cli
