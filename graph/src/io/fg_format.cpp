// libDAI .fg model files. Tables already follow copi's convention (first variable
// fastest); what needs care is the label -> index mapping (increasing label order, as
// libDAI sorts its variables) and the sparse `index value` entry lists.
#include <algorithm>
#include <charconv>
#include <istream>
#include <map>
#include <optional>
#include <set>
#include <ostream>
#include <sstream>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/table_layout.hpp"
#include "text_scanner.hpp"

namespace copi {
namespace {

using io_detail::product_text;
using io_detail::TextScanner;
using io_detail::Token;

std::string factor_name(std::size_t index) { return "factor " + std::to_string(index); }

std::string format_bytes(double bytes) {
  std::ostringstream out;
  out.precision(3);
  if (bytes >= 1024.0 * 1024 * 1024) {
    out << bytes / (1024.0 * 1024 * 1024) << " GiB";
  } else {
    out << bytes / (1024.0 * 1024) << " MiB";
  }
  return out.str();
}

class FgReader {
 public:
  FgReader(std::istream& in, const std::string& file_name, const ModelReadOptions& options)
      : scanner_(in, file_name, /*hash_comments=*/true), options_(options) {}

  ModelTables read() {
    const std::size_t count = scanner_.read_size("the number of factors (a non-negative integer)");
    std::vector<RawFactor> raw;
    for (std::size_t index = 0; index < count; ++index) raw.push_back(read_factor(index));
    scanner_.expect_end("text after the last factor");
    return assemble(std::move(raw));
  }

 private:
  struct LabelInfo {
    std::size_t cardinality = 0;
    std::size_t first_factor = 0;
  };
  struct RawFactor {
    std::vector<std::size_t> labels;
    std::vector<double> values;
  };

  RawFactor read_factor(std::size_t index) {
    RawFactor factor;
    const std::string arity_what = "the number of variables of " + factor_name(index) + " (a non-negative integer)";
    const Token start = scanner_.expect(arity_what);
    const std::size_t arity = scanner_.to_size(start, arity_what);
    std::set<std::size_t> seen;  // not a search of factor.labels: a scope may be long
    for (std::size_t i = 0; i < arity; ++i) factor.labels.push_back(read_label(index, seen));
    std::vector<std::size_t> cards;
    for (const std::size_t label : factor.labels) cards.push_back(read_cardinality(index, label));
    const std::size_t size = reserve_table(index, cards, start);

    const std::string what = "the number of listed entries of " + factor_name(index) + " (a non-negative integer)";
    const Token count_token = scanner_.expect(what);
    const std::size_t count = scanner_.to_size(count_token, what);
    if (count > size) {
      scanner_.fail(count_token, factor_name(index) + " lists " + std::to_string(count) +
                                     " entries but its table has only " + std::to_string(size));
    }
    factor.values.assign(size, 0.0);
    std::vector<bool> listed(size, false);
    for (std::size_t entry = 0; entry < count; ++entry) {
      const std::size_t missing = count - entry;
      const std::string more = std::to_string(missing) + (missing == 1 ? " more entry" : " more entries") +
                               " (index value) for " + factor_name(index);
      const Token index_token = scanner_.expect(more);
      const std::size_t position =
          scanner_.to_size(index_token, "an entry index of " + factor_name(index) + " (a non-negative integer)");
      if (position >= size) {
        scanner_.fail(index_token, "entry index " + std::to_string(position) + " out of range (the table of " +
                                       factor_name(index) + " has " + std::to_string(size) + " entries)");
      }
      if (listed[position]) {
        scanner_.fail(index_token,
                      "entry index " + std::to_string(position) + " listed twice in " + factor_name(index));
      }
      listed[position] = true;
      factor.values[position] = scanner_.to_table_entry(scanner_.expect(
          "the value of entry " + std::to_string(position) + " of " + factor_name(index)));
    }
    return factor;
  }

  // The dense table size of a factor, after checking that it and every table before
  // it fit in the memory limit; refused at the factor's first token otherwise.
  std::size_t reserve_table(std::size_t index, const std::vector<std::size_t>& cards, const Token& start) {
    const std::optional<std::size_t> checked = io_detail::checked_table_size(cards);
    if (!checked) {
      refuse(start, "the table of " + factor_name(index) + " would have more than 2^64 entries (" +
                        product_text(cards) + ")");
    }
    const std::size_t size = *checked;
    const std::size_t limit = options_.memory_limit_bytes;
    if (size > (limit - dense_bytes_) / sizeof(double)) {
      const double bytes = static_cast<double>(dense_bytes_) + static_cast<double>(size) * sizeof(double);
      refuse(start, "the tables up to " + factor_name(index) + " would take " + format_bytes(bytes) + " (" +
                        factor_name(index) + " alone has " + std::to_string(size) + " entries: " +
                        product_text(cards) + "), over the memory limit of " +
                        format_bytes(static_cast<double>(limit)));
    }
    dense_bytes_ += size * sizeof(double);
    return size;
  }

  [[noreturn]] void refuse(const Token& token, const std::string& message) const {
    throw ResourceError(scanner_.where(token).str() + ": " + message);
  }

  std::size_t read_label(std::size_t index, std::set<std::size_t>& seen) {
    const std::string what = "a variable label of " + factor_name(index) + " (a non-negative integer)";
    const Token token = scanner_.expect(what);
    const std::size_t label = scanner_.to_size(token, what);
    if (!seen.insert(label).second) {
      scanner_.fail(token, "variable label " + std::to_string(label) + " appears twice in " + factor_name(index));
    }
    return label;
  }

  std::size_t read_cardinality(std::size_t index, std::size_t label) {
    const std::string what = "the cardinality of label " + std::to_string(label) + " (a positive integer)";
    const Token token = scanner_.expect(what);
    const std::size_t card = scanner_.to_size(token, what);
    if (card == 0) {
      scanner_.fail(token, "cardinality must be a positive integer, got '0' for label " + std::to_string(label));
    }
    const auto [it, inserted] = labels_.emplace(label, LabelInfo{card, index});
    if (!inserted && it->second.cardinality != card) {
      scanner_.fail(token, "label " + std::to_string(label) + " has cardinality " + std::to_string(card) + " in " +
                               factor_name(index) + " but " + std::to_string(it->second.cardinality) + " in " +
                               factor_name(it->second.first_factor));
    }
    return card;
  }

  ModelTables assemble(std::vector<RawFactor> raw) const {
    ModelTables tables;
    tables.kind = ModelKind::markov;
    std::map<std::size_t, std::size_t> index_of;
    for (const auto& [label, info] : labels_) {  // std::map: increasing label order
      index_of.emplace(label, tables.cardinalities.size());
      tables.cardinalities.push_back(info.cardinality);
      tables.names.push_back(std::to_string(label));
    }
    for (RawFactor& factor : raw) {
      TableFactor table;
      for (const std::size_t label : factor.labels) table.scope.push_back(index_of.at(label));
      table.values = std::move(factor.values);
      tables.factors.push_back(std::move(table));
    }
    return tables;
  }

  TextScanner scanner_;
  ModelReadOptions options_;
  std::size_t dense_bytes_ = 0;  // of the tables read so far, never above the limit
  std::map<std::size_t, LabelInfo> labels_;
};

// The names as labels when they are distinct canonical non-negative integers in
// increasing order (so reading them back maps every label to the same index);
// otherwise the indices 0..n-1.
std::vector<std::size_t> fg_labels(const ModelTables& tables) {
  const std::size_t count = tables.cardinalities.size();
  std::vector<std::size_t> labels(count);
  for (std::size_t var = 0; var < count; ++var) labels[var] = var;
  if (tables.names.size() != count) return labels;
  std::vector<std::size_t> parsed;
  for (const std::string& name : tables.names) {
    std::size_t value = 0;
    const char* last = name.data() + name.size();
    const auto [ptr, error] = std::from_chars(name.data(), last, value);
    const bool canonical = error == std::errc() && ptr == last && (name.size() == 1 || name[0] != '0');
    if (!canonical || (!parsed.empty() && value <= parsed.back())) return labels;
    parsed.push_back(value);
  }
  return parsed;
}

void write_fg_factor(std::ostream& out, const std::vector<std::size_t>& labels,
                     const std::vector<std::size_t>& cards, const std::vector<double>& values) {
  out << '\n' << labels.size() << '\n';
  for (std::size_t i = 0; i < labels.size(); ++i) out << (i == 0 ? "" : " ") << labels[i];
  out << '\n';
  for (std::size_t i = 0; i < cards.size(); ++i) out << (i == 0 ? "" : " ") << cards[i];
  out << '\n' << std::count_if(values.begin(), values.end(), [](double v) { return v != 0.0; }) << '\n';
  for (std::size_t position = 0; position < values.size(); ++position) {
    if (values[position] == 0.0) continue;
    out << position << ' ';
    io_detail::write_double(out, values[position]);
    out << '\n';
  }
}

}  // namespace

ModelTables read_fg(std::istream& in, const std::string& file_name, const ModelReadOptions& options) {
  return FgReader(in, file_name, options).read();
}

void write_fg(std::ostream& out, const ModelTables& tables) {
  validate_model_tables(tables);
  const std::vector<std::size_t> labels = fg_labels(tables);
  std::vector<bool> used(tables.cardinalities.size(), false);
  for (const TableFactor& factor : tables.factors) {
    for (const std::size_t var : factor.scope) used[var] = true;
  }
  const auto unused = static_cast<std::size_t>(std::count(used.begin(), used.end(), false));
  out << tables.factors.size() + unused << '\n';
  for (const TableFactor& factor : tables.factors) {
    std::vector<std::size_t> scope_labels;
    std::vector<std::size_t> cards;
    for (const std::size_t var : factor.scope) {
      scope_labels.push_back(labels[var]);
      cards.push_back(tables.cardinalities[var]);
    }
    write_fg_factor(out, scope_labels, cards, factor.values);
  }
  // .fg declares variables only through factors: a variable in none gets a factor of ones.
  for (std::size_t var = 0; var < used.size(); ++var) {
    if (used[var]) continue;
    const std::size_t card = tables.cardinalities[var];
    write_fg_factor(out, {labels[var]}, {card}, std::vector<double>(card, 1.0));
  }
}

}  // namespace copi
