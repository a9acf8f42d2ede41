// copi convert: model files between UAI and libDAI .fg, every table reproduced exactly.
// A .copi model's evidence goes beside the output as OUT.evid (UAI's evidence format,
// variables numbered in the output file's order — for .fg too), so that
// `copi infer OUT --evid OUT.evid` answers what `copi run` answers.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "copi/dsl/model.hpp"
#include "copi/graph/io/atomic_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
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
  Evidence evidence;
  if (std::filesystem::path(args.input).extension() == ".copi") {
    // A model in the language: lowered, then written as a plain table model (its
    // evidence and queries are not part of a .uai / .fg file).
    const dsl::CompileResult compiled = dsl::compile_file(args.input);
    if (!compiled.diagnostics.empty()) {
      for (const dsl::Diagnostic& d : compiled.diagnostics) std::cerr << d.str();
      return 2;
    }
    // UAI and libDAI files hold discrete tables: a model with real variables has no
    // such form (require_discrete names the first real variable or factor).
    compiled.model->graph.require_discrete("convert", "UAI and .fg files hold discrete models only");
    tables = to_model_tables(compiled.model->graph);
    evidence = compiled.model->evidence;
  } else {
    tables = read_model_file(args.input);
  }
  write_model_file(args.output, tables);
  std::cout << "wrote " << args.output << ": " << tables.cardinalities.size() << " variables, "
            << tables.factors.size() << " factors\n";
  if (!evidence.empty()) {
    const std::string evidence_file = args.output + ".evid";
    write_file_atomically(evidence_file, [&](std::ostream& out) { write_evidence(out, evidence); });
    std::cout << "wrote " << evidence_file << ": the model's " << evidence.size()
              << " observation(s); run: copi infer " << args.output << " --evid " << evidence_file << "\n";
  }
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
