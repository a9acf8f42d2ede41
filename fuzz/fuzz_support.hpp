// What the file-reader fuzz targets and their corpus regression tests agree on: an
// input is handled when the reader accepts it (and what it read passes the target's
// own checks) or refuses it with a copi::Error that names the place in the input.
// Anything else — another exception type, an error without a place, a broken
// property — is a finding. The fuzzers abort on it; the tests list it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "copi/graph/error.hpp"

namespace copi::fuzz {

// Thrown by a target's checks on what a reader accepted (a write/read round trip that
// changed the data, a model that does not validate): a bug even though nothing crashed.
class PropertyViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// One reader under fuzzing. `read` reads `text` as a file called `file_name` and lets
// the reader's exceptions through. A reader of several files names each
// `file_name` + a suffix (".rewards.csv"); errors may be placed in any of them.
struct Reader {
  const char* file_name;
  void (*read)(std::string_view text, const std::string& file_name);
};

enum class Handling { accepted, refused, finding };

struct Outcome {
  Handling handling = Handling::accepted;
  std::string detail;  // the error message, or what is wrong
};

// One of the reader's files: `file_name`, or it and a suffix without ':' or blanks.
inline bool names_a_file_of(std::string_view name, std::string_view file_name) {
  return name.starts_with(file_name) && name.substr(file_name.size()).find_first_of(": \t\n") == std::string_view::npos;
}

// "file:LINE" at the start of `message`, as a placed ResourceError or NumericError reads
// (those carry no SourceLocation, so the place is in the text).
inline bool starts_with_place(std::string_view message, std::string_view file_name) {
  const std::size_t colon = message.find(':');
  if (colon == std::string_view::npos || !names_a_file_of(message.substr(0, colon), file_name)) return false;
  const std::string_view rest = message.substr(colon);
  return rest.size() >= 2 && rest[1] >= '1' && rest[1] <= '9';
}

inline Outcome run_reader(const Reader& reader, std::string_view text) {
  const std::string file_name = reader.file_name;
  try {
    reader.read(text, file_name);
    return {Handling::accepted, {}};
  } catch (const InputError& error) {
    const bool placed = names_a_file_of(error.where().file, file_name) && error.where().line > 0;
    if (placed) return {Handling::refused, error.what()};
    return {Handling::finding, std::string("InputError without a file:line: ") + error.what()};
  } catch (const Error& error) {
    if (starts_with_place(error.what(), file_name)) return {Handling::refused, error.what()};
    return {Handling::finding, std::string("copi::Error without a file:line: ") + error.what()};
  } catch (const std::exception& error) {
    return {Handling::finding, std::string("not a copi::Error: ") + error.what()};
  } catch (...) {
    return {Handling::finding, "an exception that is not a std::exception"};
  }
}

// The body of LLVMFuzzerTestOneInput.
inline int fuzz_one(const Reader& reader, const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Outcome outcome = run_reader(reader, text);
  if (outcome.handling == Handling::finding) {
    std::fprintf(stderr, "finding: %s\n", outcome.detail.c_str());
    std::abort();
  }
  return 0;
}

struct CorpusRun {
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::vector<std::string> findings;  // "<file>: <detail>"
};

// Every file of `folder` through `reader` (the corpus regression tests).
inline CorpusRun run_corpus(const std::filesystem::path& folder, const Reader& reader) {
  CorpusRun run;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Outcome outcome = run_reader(reader, text);
    if (outcome.handling == Handling::accepted) ++run.accepted;
    if (outcome.handling == Handling::refused) ++run.refused;
    if (outcome.handling == Handling::finding) run.findings.push_back(entry.path().string() + ": " + outcome.detail);
  }
  return run;
}

}  // namespace copi::fuzz
