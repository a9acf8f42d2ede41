#include "diagnostics.hpp"

#include <fstream>
#include <iostream>
#include <string>

#include "copi/graph/error.hpp"

namespace copi::cli {
namespace {

// The source line and a caret under the column, when the file can be read back.
void print_source_excerpt(std::ostream& err, const SourceLocation& where) {
  if (where.file.empty() || where.line == 0) return;
  std::ifstream in(where.file);
  std::string line;
  for (std::size_t i = 0; i < where.line && std::getline(in, line); ++i) {
  }
  if (!in && line.empty()) return;
  if (line.size() > 200) return;  // a table of thousands of numbers: the position says enough
  err << "  " << line << "\n";
  if (where.col > 0) {
    std::string pad;
    for (std::size_t i = 0; i + 1 < where.col && i < line.size(); ++i) pad.push_back(line[i] == '\t' ? '\t' : ' ');
    err << "  " << pad << "^\n";
  }
}

}  // namespace

int report_current_exception(std::ostream& err) {
  try {
    throw;
  } catch (const InputError& e) {
    const std::string place = e.where().str();
    err << (place.empty() ? "copi" : place) << ": error: " << e.detail() << "\n";
    print_source_excerpt(err, e.where());
    return kBadInput;
  } catch (const ResourceError& e) {
    err << "copi: error: " << e.what() << "\n";
    return kResourceLimit;
  } catch (const NumericError& e) {
    err << "copi: error: " << e.what() << "\n";
    return kNotConverged;
  } catch (const std::bad_alloc&) {
    err << "copi: error: out of memory\n";
    return kResourceLimit;
  } catch (const std::exception& e) {
    err << "copi: internal error: " << e.what() << "\n";
    return kNotConverged;
  }
}

}  // namespace copi::cli
