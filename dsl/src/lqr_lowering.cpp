// Lowering of `lqr NAME { KEY = value ... }` blocks to control::LqrProblem, and their
// `solve NAME with METHOD`. The keys are the library's parameter names (lqr.hpp):
//
//   A, B, Q, R, x0, horizon    required
//   noise, N, Qf, x0_cov        optional (zero, zero, zero, none)
//   temperature                 optional (1)
//
// A value is a number or a parameter expression (a 1 x 1 matrix, a 1-vector), a
// vector `[1, 0]` (x0) or a matrix `[[1, 0], [0, 1]]` (one bracket per row). Every
// error of a block is reported, each at its item; the library's own checks
// (LqrProblem::validate: dimensions, symmetry, definiteness) are reported at the value
// of the item their message names.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "copi/control/methods.hpp"
#include "copi/graph/error.hpp"
#include "elaborator.hpp"

namespace copi::dsl {
namespace {

struct LqrKey {
  const char* name;
  bool required;
  const char* meaning;  // for the message when a required one is missing
};

constexpr std::array<LqrKey, 11> kLqrKeys = {{
    {"A", true, "the n x n dynamics x' = A x + B u + noise"},
    {"B", true, "the n x m control matrix"},
    {"noise", false, ""},
    {"Q", true, "the n x n state cost of the reward -(x'Qx + u'Ru)/2"},
    {"R", true, "the m x m action cost of the reward -(x'Qx + u'Ru)/2"},
    {"N", false, ""},
    {"Qf", false, ""},
    {"x0", true, "the initial state"},
    {"x0_cov", false, ""},
    {"horizon", true, "the number of decisions T"},
    {"temperature", false, ""},
}};

// The longest horizon a block may ask for: the solution keeps a few matrices per
// step, so 2^24 steps of a small system is already gigabytes.
constexpr long long kMaxLqrHorizon = 1LL << 24;

const ast::ArrayLiteral* as_array(const ast::TableItem& item) {
  const auto* array = boost::get<boost::spirit::x3::forward_ast<ast::ArrayLiteral>>(&item);
  return array == nullptr ? nullptr : &array->get();
}

const boost::spirit::x3::position_tagged& position_of_item(const ast::TableItem& item) {
  if (const ast::ArrayLiteral* array = as_array(item)) return *array;
  return position_of(boost::get<ast::Expression>(item));
}

std::string entries(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " entry" : " entries");
}

// The key a library message is about: its first word ("R must be ...", "x0[1] is
// ...", "B is 2 x 1 ..."); the joint cost check names N.
std::string key_of_message(std::string_view message) {
  if (message.rfind("the per-step cost", 0) == 0) return "N";
  const std::size_t end = message.find_first_of(" ([");
  return std::string(message.substr(0, end));
}

}  // namespace

class LqrLowering {
 public:
  LqrLowering(Elaborator& elaborator, const ast::LqrStatement& block) : elaborator_(elaborator), block_(block) {
    named_.name = block.name.name;
  }

  std::optional<NamedLqr> run() {
    check_name();
    check_missing();
    for (const ast::LqrItem& item : block_.items) {
      try {
        read(item);
      } catch (const SemanticError& e) {
        error(e.where != nullptr ? *e.where : item, e.message);
      } catch (const copi::Error& e) {
        error(item, e.what());
      }
    }
    if (errors_ == 0) validate();
    if (errors_ != 0) return std::nullopt;
    return std::move(named_);
  }

 private:
  using Node = boost::spirit::x3::position_tagged;

  void check_name() {
    for (const NamedLqr& existing : elaborator_.model_.lqrs) {
      if (existing.name == named_.name) error(block_.name, "lqr '" + named_.name + "' is defined twice");
    }
    for (const NamedMdp& existing : elaborator_.model_.mdps) {
      if (existing.name == named_.name) error(block_.name, "'" + named_.name + "' is already the name of an mdp block");
    }
  }

  // Reported at the block's name, before the items' errors (source order).
  void check_missing() {
    for (const LqrKey& key : kLqrKeys) {
      const bool written = std::any_of(block_.items.begin(), block_.items.end(),
                                       [&](const ast::LqrItem& item) { return item.key.name == key.name; });
      if (key.required && !written) {
        error(block_.name, "lqr '" + named_.name + "' has no '" + key.name + "' (" + key.meaning + ")");
      }
    }
  }

  void error(const Node& where, std::string message) {
    ++errors_;
    elaborator_.report(&where, std::move(message));
  }

  std::size_t key_index(const ast::Identifier& key) const {
    for (std::size_t k = 0; k < kLqrKeys.size(); ++k) {
      if (key.name == kLqrKeys[k].name) return k;
    }
    std::vector<std::string> names;
    for (const LqrKey& k : kLqrKeys) names.emplace_back(k.name);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    elaborator_.fail(key, "unknown lqr item '" + key.name + "'" + suggest(key.name, names) + "; expected one of " +
                              list);
  }

  void read(const ast::LqrItem& item) {
    const std::size_t k = key_index(item.key);
    if (seen_[k]) elaborator_.fail(item.key, "'" + item.key.name + "' is given twice in lqr '" + named_.name + "'");
    seen_[k] = true;
    control::LqrProblem& p = named_.problem;
    const std::string key = item.key.name;
    if (key == "A") p.A = matrix(item);
    if (key == "B") p.B = matrix(item);
    if (key == "noise") p.noise = matrix(item);
    if (key == "Q") p.Q = matrix(item);
    if (key == "R") p.R = matrix(item);
    if (key == "N") p.N = matrix(item);
    if (key == "Qf") p.Qf = matrix(item);
    if (key == "x0_cov") p.x0_cov = matrix(item);
    if (key == "x0") p.x0 = vector(item);
    if (key == "horizon") p.horizon = horizon(item);
    if (key == "temperature") p.temperature = elaborator_.evaluate(scalar(item, "a number"));
    given_[k] = &item;
  }

  const ast::Expression& scalar(const ast::LqrItem& item, const char* what) const {
    if (const ast::ArrayLiteral* array = as_array(item.value)) {
      elaborator_.fail(*array, item.key.name + " is " + what + ", not a list");
    }
    return boost::get<ast::Expression>(item.value);
  }

  std::size_t horizon(const ast::LqrItem& item) const {
    const ast::Expression& e = scalar(item, "an integer");
    const long long t = elaborator_.evaluate_integer(e, "horizon");
    if (t < 1) elaborator_.fail(position_of(e), "horizon must be at least 1, got " + std::to_string(t));
    if (t > kMaxLqrHorizon) {
      elaborator_.fail(position_of(e), "horizon must be at most 2^24 = " + std::to_string(kMaxLqrHorizon) + ", got " +
                                           std::to_string(t));
    }
    return static_cast<std::size_t>(t);
  }

  // Numbers of a list whose items are all expressions; an error at a nested list.
  std::vector<double> numbers(const ast::ArrayLiteral& list, const std::string& what) const {
    std::vector<double> out;
    for (const ast::TableItem& entry : list.items) {
      if (const ast::ArrayLiteral* nested = as_array(entry)) elaborator_.fail(*nested, what);
      out.push_back(elaborator_.evaluate(boost::get<ast::Expression>(entry)));
    }
    return out;
  }

  std::vector<double> vector(const ast::LqrItem& item) const {
    const ast::ArrayLiteral* array = as_array(item.value);
    if (array == nullptr) return {elaborator_.evaluate(boost::get<ast::Expression>(item.value))};
    return numbers(*array, item.key.name + " is a vector: write [1, 0] (or a number when n = 1)");
  }

  control::LqrMatrix matrix(const ast::LqrItem& item) const {
    const std::string& name = item.key.name;
    const ast::ArrayLiteral* array = as_array(item.value);
    if (array == nullptr) return control::LqrMatrix(1, 1, elaborator_.evaluate(boost::get<ast::Expression>(item.value)));
    control::LqrMatrix out;
    for (const ast::TableItem& entry : array->items) {
      const ast::ArrayLiteral* row = as_array(entry);
      if (row == nullptr) {
        elaborator_.fail(position_of_item(entry), name + " is a matrix: write one bracket per row, [[1, 0], [0, 1]] "
                                                         "(a number is a 1 x 1 matrix)");
      }
      const std::vector<double> values = numbers(*row, name + " is a matrix: its rows hold numbers, not lists");
      if (out.rows == 0) out.cols = values.size();
      if (values.size() != out.cols) {
        elaborator_.fail(*row, name + " row " + std::to_string(out.rows + 1) + " has " + entries(values.size()) +
                                   "; row 1 has " + entries(out.cols));
      }
      out.data.insert(out.data.end(), values.begin(), values.end());
      ++out.rows;
    }
    return out;
  }

  // The library's checks, each message at the value of the item it names (the block's
  // name when that item was not written, e.g. a default temperature).
  void validate() {
    try {
      named_.problem.validate();
    } catch (const InputError& e) {
      std::string message = e.detail();
      const std::string prefix = "LQR: ";
      if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
      const Node* where = &block_.name;
      const std::string key = key_of_message(message);
      for (std::size_t k = 0; k < kLqrKeys.size(); ++k) {
        if (key == kLqrKeys[k].name && given_[k] != nullptr) where = &position_of_item(given_[k]->value);
      }
      error(*where, "lqr '" + named_.name + "': " + message);
    }
  }

  Elaborator& elaborator_;
  const ast::LqrStatement& block_;
  NamedLqr named_;
  std::array<const ast::LqrItem*, kLqrKeys.size()> given_{};
  std::array<bool, kLqrKeys.size()> seen_{};  // written (read or failed)
  std::size_t errors_ = 0;
};

void Elaborator::lqr(const ast::LqrStatement& s) {
  LqrLowering lowering(*this, s);
  std::optional<NamedLqr> lowered = lowering.run();
  if (lowered) {
    model_.lqrs.push_back(std::move(*lowered));
  } else {
    failed_mdps_.insert(s.name.name);
  }
}

void Elaborator::solve_lqr(const ast::SolveStatement& s) {
  const control::MethodCheck check = control::check_control_method(s.method.name, {});
  if (!check.unknown_method.empty()) fail(s.method, check.unknown_method);
  if (!s.options.empty()) {
    fail(s.options.front().key, "solve of lqr '" + s.mdp.name + "' takes no options (the block holds its settings)");
  }
  model_.lqr_solves.push_back(LqrSolve{s.mdp.name, check.options->method});
}

}  // namespace copi::dsl
