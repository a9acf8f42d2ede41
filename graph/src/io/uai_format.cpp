// UAI model files (MARKOV / BAYES). The file lists a table with the LAST scope variable
// varying fastest; ModelTables uses copi's convention (first fastest, table_layout.hpp),
// so tables are permuted here on the way in and on the way out.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <string>

#include "copi/graph/error.hpp"
#include "copi/graph/io/model_file.hpp"
#include "copi/graph/table_layout.hpp"
#include "text_scanner.hpp"

namespace copi {
namespace {

using io_detail::TextScanner;
using io_detail::Token;

// For each position of a table in UAI file order, its linear index in copi's order.
std::vector<std::size_t> uai_order(std::span<const std::size_t> cards) {
  const std::size_t size = table_size(cards);
  const std::vector<std::size_t> strides = table_strides(cards);
  std::vector<std::size_t> order(size);
  std::vector<std::size_t> states(cards.size(), 0);
  std::size_t index = 0;
  for (std::size_t position = 0; position < size; ++position) {
    order[position] = index;
    // Odometer step with the last variable as the fastest digit.
    for (std::size_t i = cards.size(); i-- > 0;) {
      if (++states[i] < cards[i]) {
        index += strides[i];
        break;
      }
      states[i] = 0;
      index -= strides[i] * (cards[i] - 1);
    }
  }
  return order;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
  });
}

std::string factor_name(std::size_t index) { return "factor " + std::to_string(index); }

class UaiReader {
 public:
  UaiReader(std::istream& in, const std::string& file_name) : scanner_(in, file_name) {}

  ModelTables read() {
    read_header();
    read_cardinalities();
    read_scopes();
    for (std::size_t index = 0; index < tables_.factors.size(); ++index) read_table(index);
    scanner_.expect_end("text after the last table");
    return std::move(tables_);
  }

 private:
  void read_header() {
    const Token token = scanner_.expect("MARKOV or BAYES");
    if (equals_ignoring_case(token.text, "MARKOV")) {
      tables_.kind = ModelKind::markov;
    } else if (equals_ignoring_case(token.text, "BAYES")) {
      tables_.kind = ModelKind::bayes;
    } else {
      scanner_.fail_expected(token, "MARKOV or BAYES");
    }
  }

  void read_cardinalities() {
    const std::size_t count = scanner_.read_size("the number of variables (a non-negative integer)");
    for (std::size_t var = 0; var < count; ++var) {
      const std::string what = "the cardinality of variable " + std::to_string(var) + " (a positive integer)";
      const Token token = scanner_.expect(what);
      const std::size_t card = scanner_.to_size(token, what);
      if (card == 0) {
        scanner_.fail(token, "cardinality must be a positive integer, got '0' for variable " + std::to_string(var));
      }
      tables_.cardinalities.push_back(card);
    }
  }

  void read_scopes() {
    const std::size_t count = scanner_.read_size("the number of factors (a non-negative integer)");
    const std::size_t num_vars = tables_.cardinalities.size();
    // last_scope[var]: the last factor whose scope holds var, so a repeat is found in
    // O(1) (a scope may list every variable of a large model).
    std::vector<std::size_t> last_scope(num_vars, count);
    for (std::size_t index = 0; index < count; ++index) {
      TableFactor factor;
      const std::string arity_what = "the scope size of " + factor_name(index) + " (a non-negative integer)";
      const Token start = scanner_.expect(arity_what);
      const std::size_t arity = scanner_.to_size(start, arity_what);
      for (std::size_t i = 0; i < arity; ++i) {
        const std::string what = "a variable index in the scope of " + factor_name(index);
        const Token token = scanner_.expect(what);
        const std::size_t var = scanner_.to_size(token, what);
        if (var >= num_vars) {
          scanner_.fail(token, "scope variable " + std::to_string(var) + " out of range (the model has " +
                                   std::to_string(num_vars) + " variables)");
        }
        if (last_scope[var] == index) {
          scanner_.fail(token, "variable " + std::to_string(var) + " appears twice in the scope of " +
                                   factor_name(index));
        }
        last_scope[var] = index;
        factor.scope.push_back(var);
      }
      check_table_size(index, factor.scope, start);
      tables_.factors.push_back(std::move(factor));
    }
  }

  // Every entry is listed in the file, so a table too large to count cannot be read:
  // refused at the factor's scope rather than by table_size() later, without a place.
  void check_table_size(std::size_t index, const std::vector<std::size_t>& scope, const Token& start) const {
    std::vector<std::size_t> cards;
    for (const std::size_t var : scope) cards.push_back(tables_.cardinalities[var]);
    if (!io_detail::checked_table_size(cards)) {
      scanner_.fail(start, "the table of " + factor_name(index) + " would have more than 2^64 entries (" +
                               io_detail::product_text(cards) + "), more than a file can list");
    }
  }

  void read_table(std::size_t index) {
    TableFactor& factor = tables_.factors[index];
    std::vector<std::size_t> cards;
    for (const std::size_t var : factor.scope) cards.push_back(tables_.cardinalities[var]);
    const std::size_t expected = table_size(cards);

    const std::string what = "the table size of " + factor_name(index) + " (a non-negative integer)";
    const Token size_token = scanner_.expect(what);
    const std::size_t size = scanner_.to_size(size_token, what);
    if (size != expected) {
      scanner_.fail(size_token, "table of " + factor_name(index) + " has " + std::to_string(size) +
                                    " entries, expected " + std::to_string(expected));
    }
    // No reserve from the declared size: a truncated file fails before memory runs out.
    std::vector<double> file_values;
    const std::size_t row_length = cards.empty() ? 1 : cards.back();
    Token row_start;
    double row_sum = 0.0;
    for (std::size_t position = 0; position < size; ++position) {
      const std::optional<Token> token = scanner_.next();
      if (!token) {
        const std::size_t missing = size - position;
        scanner_.fail_truncated(std::to_string(missing) + (missing == 1 ? " more table entry" : " more table entries") +
                                " for " + factor_name(index));
      }
      const double value = scanner_.to_table_entry(*token);
      file_values.push_back(value);
      if (tables_.kind != ModelKind::bayes) continue;
      if (position % row_length == 0) {
        row_start = *token;
        row_sum = 0.0;
      }
      row_sum += value;
      if (position % row_length == row_length - 1) check_cpt_row(index, position / row_length, row_sum, row_start);
    }
    const std::vector<std::size_t> order = uai_order(cards);
    factor.values.assign(size, 0.0);
    for (std::size_t position = 0; position < size; ++position) factor.values[order[position]] = file_values[position];
  }

  // BAYES: the child is the last scope variable, so each consecutive block of its
  // states in file order is one conditional distribution.
  void check_cpt_row(std::size_t index, std::size_t row, double sum, const Token& row_start) const {
    if (std::abs(sum - 1.0) <= kCptTolerance) return;
    const std::vector<std::size_t>& scope = tables_.factors[index].scope;
    const std::string child = scope.empty() ? "no child" : "child variable " + std::to_string(scope.back());
    scanner_.fail(row_start, "CPT row " + std::to_string(row) + " of " + factor_name(index) + " (" + child +
                                 ") sums to " + io_detail::format_double(sum) + ", not 1 (tolerance " +
                                 io_detail::format_double(kCptTolerance) + ")");
  }

  TextScanner scanner_;
  ModelTables tables_;
};

}  // namespace

ModelTables read_uai(std::istream& in, const std::string& file_name) {
  return UaiReader(in, file_name).read();
}

void write_uai(std::ostream& out, const ModelTables& tables) {
  validate_model_tables(tables);
  out << (tables.kind == ModelKind::bayes ? "BAYES" : "MARKOV") << '\n';
  out << tables.cardinalities.size() << '\n';
  for (std::size_t var = 0; var < tables.cardinalities.size(); ++var) {
    out << (var == 0 ? "" : " ") << tables.cardinalities[var];
  }
  out << '\n' << tables.factors.size() << '\n';
  for (const TableFactor& factor : tables.factors) {
    out << factor.scope.size();
    for (const std::size_t var : factor.scope) out << ' ' << var;
    out << '\n';
  }
  for (const TableFactor& factor : tables.factors) {
    std::vector<std::size_t> cards;
    for (const std::size_t var : factor.scope) cards.push_back(tables.cardinalities[var]);
    const std::vector<std::size_t> order = uai_order(cards);
    const std::size_t row_length = cards.empty() ? 1 : cards.back();
    out << '\n' << factor.values.size() << '\n';
    for (std::size_t position = 0; position < order.size(); ++position) {
      io_detail::write_double(out, factor.values[order[position]]);
      out << (position % row_length == row_length - 1 ? '\n' : ' ');
    }
  }
}

}  // namespace copi
