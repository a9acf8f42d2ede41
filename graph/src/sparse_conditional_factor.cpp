#include "copi/graph/sparse_conditional_factor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "copi/graph/error.hpp"

namespace copi {
namespace {

constexpr const char* kWhat = "sparse conditional factor";

[[noreturn]] void reject(const std::string& why) { throw InputError(std::string(kWhat) + ": " + why); }

}  // namespace

SparseConditionalFactor::SparseConditionalFactor(VarId child, std::size_t child_cardinality, std::vector<VarId> parents,
                                                 std::vector<std::size_t> parent_cardinalities,
                                                 std::vector<std::uint64_t> row_begin,
                                                 std::vector<std::uint32_t> child_state, std::vector<double> probability)
    : row_begin_(std::move(row_begin)), child_state_(std::move(child_state)), probability_(std::move(probability)) {
  if (parents.size() != parent_cardinalities.size()) reject("one cardinality per parent is needed");
  scope_.push_back(child);
  scope_.insert(scope_.end(), parents.begin(), parents.end());
  cards_.push_back(child_cardinality);
  cards_.insert(cards_.end(), parent_cardinalities.begin(), parent_cardinalities.end());
  for (std::size_t i = 0; i < scope_.size(); ++i) {
    if (cards_[i] == 0) reject("a variable with no states");
    for (std::size_t j = 0; j < i; ++j) {
      if (scope_[i] == scope_[j]) reject("a variable appears twice in the scope");
    }
  }
  if (child_cardinality > std::numeric_limits<std::uint32_t>::max()) reject("the child has too many states");
  std::size_t rows = 1;
  for (const std::size_t c : parent_cardinalities) {
    if (rows > std::numeric_limits<std::size_t>::max() / c) reject("too many parent configurations");
    rows *= c;
  }
  if (row_begin_.size() != rows + 1) {
    reject(std::to_string(row_begin_.size()) + " row offsets for " + std::to_string(rows) +
           " parent configurations (one more than the rows is needed)");
  }
  if (child_state_.size() != probability_.size()) reject("child states and probabilities differ in number");
  if (row_begin_.front() != 0 || row_begin_.back() != child_state_.size()) {
    reject("row offsets must start at 0 and end at the number of entries");
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const std::string where = "row " + std::to_string(r);
    if (row_begin_[r + 1] < row_begin_[r]) reject(where + ": row offsets decrease");
    double total = 0.0;
    for (std::uint64_t k = row_begin_[r]; k < row_begin_[r + 1]; ++k) {
      if (child_state_[k] >= child_cardinality) {
        reject(where + ": child state " + std::to_string(child_state_[k]) + " of " + std::to_string(child_cardinality));
      }
      if (k > row_begin_[r] && child_state_[k] <= child_state_[k - 1]) {
        reject(where + ": child states must increase within a row");
      }
      if (!(probability_[k] >= 0.0 && probability_[k] <= 1.0)) {
        reject(where + ": probability " + std::to_string(probability_[k]) + " is not in [0, 1]");
      }
      total += probability_[k];
    }
    if (std::abs(total - 1.0) > 1e-9) reject(where + ": probabilities sum to " + std::to_string(total) + ", not 1");
  }
}

double SparseConditionalFactor::log_value(std::span<const std::size_t> states) const {
  if (states.size() != scope_.size()) throw InputError(std::string(kWhat) + ": one state per scope variable is needed");
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i] >= cards_[i]) {
      throw InputError(std::string(kWhat) + ": state " + std::to_string(states[i]) + " of a variable with " +
                       std::to_string(cards_[i]) + " states");
    }
  }
  std::size_t row = 0;
  std::size_t stride = 1;
  for (std::size_t i = 1; i < scope_.size(); ++i) {
    row += states[i] * stride;
    stride *= cards_[i];
  }
  const auto first = child_state_.begin() + static_cast<std::ptrdiff_t>(row_begin_[row]);
  const auto last = child_state_.begin() + static_cast<std::ptrdiff_t>(row_begin_[row + 1]);
  const auto it = std::lower_bound(first, last, static_cast<std::uint32_t>(states[0]));
  if (it == last || *it != states[0]) return -std::numeric_limits<double>::infinity();
  const double p = probability_[static_cast<std::size_t>(it - child_state_.begin())];
  return p > 0.0 ? std::log(p) : -std::numeric_limits<double>::infinity();
}

std::size_t SparseConditionalFactor::dense_size() const {
  std::size_t size = 1;
  for (const std::size_t c : cards_) {
    if (size > std::numeric_limits<std::size_t>::max() / c) return std::numeric_limits<std::size_t>::max();
    size *= c;
  }
  return size;
}

DiscreteFactor SparseConditionalFactor::densify() const {
  const std::size_t child_states = cards_[0];
  std::vector<double> log_values(dense_size(), -std::numeric_limits<double>::infinity());
  for (std::size_t r = 0; r < rows(); ++r) {
    for (std::uint64_t k = row_begin_[r]; k < row_begin_[r + 1]; ++k) {
      if (probability_[k] > 0.0) log_values[child_state_[k] + child_states * r] = std::log(probability_[k]);
    }
  }
  return {scope_, cards_, std::move(log_values)};
}

}  // namespace copi
