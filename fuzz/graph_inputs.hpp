// How the fuzz targets of graph/'s file readers feed them one input, shared with the
// corpus regression tests in tests/graph/. What a reader accepts must also survive
// the checks every caller relies on: the model validates and becomes a FactorGraph,
// and writing then reading back gives the same data (bit for bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "copi/graph/evidence.hpp"
#include "copi/graph/io/cluster_file.hpp"
#include "copi/graph/io/evidence_file.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/io/model_tables.hpp"
#include "copi/graph/io/solution_file.hpp"
#include "fuzz_support.hpp"

namespace copi::fuzz {

// Keeps the .fg reader's dense tables small enough for many executions per second;
// the refusal path is the same as at the 2 GiB default (tested in test_io_fuzz_findings).
inline constexpr std::size_t kFuzzMemoryLimitBytes = std::size_t{1} << 20;

template <typename Value, typename Write, typename Read>
void expect_round_trip(const Value& value, Write write, Read read, const char* what) {
  std::ostringstream out;
  write(out, value);
  std::istringstream in(out.str());
  if (!(read(in, std::string("round-trip")) == value)) {
    throw PropertyViolation(std::string(what) + ": writing and reading back changed the data:\n" + out.str());
  }
}

inline void check_model(const ModelTables& tables) {
  try {
    validate_model_tables(tables);
    (void)to_factor_graph(tables);
  } catch (const Error& error) {
    throw PropertyViolation(std::string("the reader accepted a model that does not validate: ") + error.what());
  }
}

inline void read_uai_input(std::string_view text, const std::string& file_name) {
  std::istringstream in{std::string(text)};
  const ModelTables tables = read_uai(in, file_name);
  check_model(tables);
  expect_round_trip(tables, write_uai, read_uai, "UAI");
}

inline void read_fg_input(std::string_view text, const std::string& file_name) {
  const ModelReadOptions options{.memory_limit_bytes = kFuzzMemoryLimitBytes};
  const auto read = [&](std::istream& in, const std::string& name) { return read_fg(in, name, options); };
  std::istringstream in{std::string(text)};
  const ModelTables tables = read(in, file_name);
  check_model(tables);
  expect_round_trip(tables, write_fg, read, ".fg");
}

// A small mixed model: binary, ternary, a variable with one state, a 6-state one.
inline const std::vector<std::size_t> kEvidenceCardinalities{2, 3, 2, 4, 1, 2, 6, 2};

inline void read_evidence_with(std::string_view text, const std::string& file_name,
                               const std::vector<std::size_t>& cardinalities) {
  std::istringstream in{std::string(text)};
  const Evidence evidence = read_evidence(in, file_name, cardinalities);
  expect_round_trip(
      evidence, write_evidence,
      [&](std::istream& again, const std::string& name) { return read_evidence(again, name, cardinalities); },
      "evidence");
}

inline void read_evidence_input(std::string_view text, const std::string& file_name) {
  read_evidence_with(text, file_name, kEvidenceCardinalities);
}

// Cardinalities decoded from the input's first bytes: byte 0 is the number of
// variables n, the next n bytes one cardinality each (b + 1 for b < 248, else one of
// the large values below), the rest is the evidence text. Inputs shorter than 1 + n
// bytes are read with no variables.
inline std::vector<std::size_t> decode_cardinalities(std::string_view& text) {
  static constexpr std::size_t kLarge[] = {std::size_t{1} << 16,     std::size_t{1} << 31,
                                           std::size_t{1} << 32,     (std::size_t{1} << 32) + 1,
                                           std::size_t{1} << 62,     std::size_t{1} << 63,
                                           std::numeric_limits<std::size_t>::max() - 1,
                                           std::numeric_limits<std::size_t>::max()};
  std::vector<std::size_t> cardinalities;
  if (text.empty()) return cardinalities;
  const std::size_t count = static_cast<unsigned char>(text[0]);
  if (text.size() < 1 + count) {
    text.remove_prefix(1);
    return cardinalities;
  }
  for (std::size_t var = 0; var < count; ++var) {
    const std::size_t byte = static_cast<unsigned char>(text[1 + var]);
    cardinalities.push_back(byte < 248 ? byte + 1 : kLarge[byte - 248]);
  }
  text.remove_prefix(1 + count);
  return cardinalities;
}

inline void read_evidence_cards_input(std::string_view text, const std::string& file_name) {
  const std::vector<std::size_t> cardinalities = decode_cardinalities(text);
  read_evidence_with(text, file_name, cardinalities);
}

// The task word picks the reader, as a file's extension would: MAR, PR, else MPE/MAP
// (whose reader also reports a wrong task word).
inline void read_solution_input(std::string_view text, const std::string& file_name) {
  const std::size_t start = text.find_first_not_of(" \t\r\n\v\f");
  const std::string_view body = start == std::string_view::npos ? std::string_view() : text.substr(start);
  std::istringstream in{std::string(text)};
  if (body.starts_with("MAR")) {
    expect_round_trip(read_mar(in, file_name), write_mar, read_mar, "MAR");
  } else if (body.starts_with("PR")) {
    const double log10_z = read_pr(in, file_name);
    expect_round_trip(log10_z, write_pr, read_pr, "PR");
  } else {
    expect_round_trip(read_mpe(in, file_name), write_mpe, read_mpe, "MPE");
  }
}

// Byte 0 is the model's number of variables (0-255), the rest the cluster file. What
// is read must be a partial partition (every index in range, none twice, no empty
// cluster) and read the same when written back one line per cluster.
inline void read_clusters_input(std::string_view text, const std::string& file_name) {
  const std::size_t variables = text.empty() ? 0 : static_cast<unsigned char>(text[0]);
  if (!text.empty()) text.remove_prefix(1);
  std::istringstream in{std::string(text)};
  const std::vector<std::vector<VarId>> clusters = read_clusters(in, file_name, variables);
  std::vector<char> seen(variables, 0);
  std::ostringstream out;
  for (const std::vector<VarId>& cluster : clusters) {
    if (cluster.empty()) throw PropertyViolation("clusters: the reader returned an empty cluster");
    for (std::size_t k = 0; k < cluster.size(); ++k) {
      const std::uint32_t v = cluster[k].index;
      if (v >= variables || seen[v]) {
        throw PropertyViolation("clusters: variable " + std::to_string(v) + " out of range or listed twice");
      }
      seen[v] = 1;
      out << v << (k + 1 == cluster.size() ? '\n' : ' ');
    }
  }
  std::istringstream again(out.str());
  if (read_clusters(again, "round-trip", variables) != clusters) {
    throw PropertyViolation("clusters: writing and reading back changed them:\n" + out.str());
  }
}

inline constexpr Reader kUai{"fuzz.uai", &read_uai_input};
inline constexpr Reader kFg{"fuzz.fg", &read_fg_input};
inline constexpr Reader kEvidence{"fuzz.evid", &read_evidence_input};
inline constexpr Reader kEvidenceCards{"fuzz.evid", &read_evidence_cards_input};
inline constexpr Reader kSolution{"fuzz.sol", &read_solution_input};
inline constexpr Reader kClusters{"fuzz.clusters", &read_clusters_input};

}  // namespace copi::fuzz
