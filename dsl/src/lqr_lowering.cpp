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
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "copi/control/methods.hpp"
#include "copi/graph/error.hpp"
#include "elaborator.hpp"
#include "lqr_forms.hpp"

namespace copi::dsl {
namespace {

struct LqrKey {
  const char* name;
  bool required;
  const char* meaning;  // for the message when a required one is missing
};

constexpr std::array<LqrKey, 13> kLqrKeys = {{
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
    {"reward", false, ""},  // the expression form: a quadratic form in the components
    {"final", false, ""},
}};

// The words of the expression form that are not items.
constexpr std::array<const char*, 3> kLqrDeclarations = {"state", "action", "dynamics"};

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
    collect();
    check_missing();
    for (const ast::LqrItem* item : items_) {
      attempt(*item, [&] { read(*item); });
    }
    if (expression_form_ && errors_ == 0) lower_expressions();
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

  template <typename Body>
  void attempt(const Node& where, Body&& body) {
    try {
      body();
    } catch (const SemanticError& e) {
      error(e.where != nullptr ? *e.where : where, e.message);
    } catch (const copi::Error& e) {
      error(where, e.what());
    }
  }

  // Sorts the entries; `state`, `action`, `dynamics`, `reward` or `final` make the
  // block one of the expression form.
  void collect() {
    for (const ast::LqrEntry& entry : block_.items) {
      if (const auto* item = boost::get<ast::LqrItem>(&entry)) {
        items_.push_back(item);
        if (item->key.name == "reward" || item->key.name == "final") expression_form_ = true;
      } else if (const auto* dynamics = boost::get<ast::LqrDynamics>(&entry)) {
        for (const ast::Assignment& a : dynamics->assignments) dynamics_.push_back(&a);
        expression_form_ = true;
      } else {
        const auto& declaration = boost::get<ast::LqrDeclaration>(entry);
        const ast::LqrDeclaration*& slot = declaration.keyword == "state" ? state_ : action_;
        if (slot != nullptr) {
          error(declaration, "'" + declaration.keyword + "' is given twice in lqr '" + named_.name + "'");
        } else {
          slot = &declaration;
        }
        expression_form_ = true;
      }
    }
  }

  bool written(const char* key) const {
    return std::any_of(items_.begin(), items_.end(), [&](const ast::LqrItem* item) { return item->key.name == key; });
  }

  void missing(const std::string& key, const std::string& meaning) {
    error(block_.name, "lqr '" + named_.name + "' has no '" + key + "' (" + meaning + ")");
  }

  // Reported at the block's name, before the items' errors (source order). The
  // expression form needs state, action, dynamics and reward instead of A, B, Q, R.
  void check_missing() {
    if (expression_form_) {
      if (state_ == nullptr) missing("state", "the names of the state components, e.g. 'state x, v'");
      if (action_ == nullptr) missing("action", "the names of the action components, e.g. 'action u'");
      if (dynamics_.empty()) missing("dynamics", "one line x' = ... per state component");
      if (!written("reward")) missing("reward", "a quadratic form in the state and action, e.g. -(x^2 + u^2)/2");
    }
    for (const LqrKey& key : kLqrKeys) {
      const std::string name = key.name;
      const bool matrix_only = name == "A" || name == "B" || name == "Q" || name == "R";
      if (key.required && !(expression_form_ && matrix_only) && !written(key.name)) missing(name, key.meaning);
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
    for (const char* word : kLqrDeclarations) names.emplace_back(word);
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
    if (key == "reward" || key == "final") (void)scalar(item, "an expression");  // read by lower_expressions
    if (expression_form_) {
      const char* form = key == "A" || key == "B"                 ? "dynamics"
                         : key == "Q" || key == "R" || key == "N" ? "reward"
                         : key == "Qf"                            ? "final"
                                                                  : nullptr;
      if (form != nullptr) {
        elaborator_.fail(item.key, "'" + key + "' is a matrix of the matrix form; this block gives its model by "
                                   "'state', 'action', 'dynamics' and 'reward': write '" + form + "' instead");
      }
    }
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
      std::string key = key_of_message(message);
      if (expression_form_) {  // the matrices come from the expressions
        if ((key == "A" || key == "B") && !dynamics_.empty()) where = dynamics_.front();
        if (key == "Q" || key == "R" || key == "N") key = "reward";
        if (key == "Qf") key = "final";
      }
      for (std::size_t k = 0; k < kLqrKeys.size(); ++k) {
        if (key == kLqrKeys[k].name && given_[k] != nullptr) where = &position_of_item(given_[k]->value);
      }
      error(*where, "lqr '" + named_.name + "': " + message);
    }
  }

  // ---- the expression form ----

  // Binds the components' names (states, then actions) while it lives.
  struct Binding {
    Elaborator& elaborator;
    std::size_t outer;
    Binding(Elaborator& e, const std::vector<std::string>& names) : elaborator(e), outer(e.loop_.size()) {
      for (const std::string& name : names) e.loop_.emplace_back(name, 0.0);
    }
    ~Binding() { elaborator.loop_.resize(outer); }
    Binding(const Binding&) = delete;
    Binding& operator=(const Binding&) = delete;
  };

  // e at the point w (one value per bound component).
  double at(const ast::Expression& e, const std::vector<double>& w) {
    for (std::size_t i = 0; i < w.size(); ++i) elaborator_.loop_[binding_start_ + i].second = w[i];
    return elaborator_.evaluate(e);
  }

  std::string point_text(std::size_t d) const {
    std::string text;
    for (std::size_t i = 0; i < d; ++i) text += (text.empty() ? "" : ", ") + components_[i] + " = 0";
    return text;
  }

  // The components' names, checked: new names, none twice.
  bool declare_components() {
    bool ok = true;
    for (const ast::LqrDeclaration* declaration : {state_, action_}) {
      for (const ast::Identifier& name : declaration->names) {
        if (std::find(components_.begin(), components_.end(), name.name) != components_.end()) {
          error(name, "'" + name.name + "' is declared twice in lqr '" + named_.name + "'");
          ok = false;
        } else if (const char* kind = elaborator_.kind_of_name(name.name)) {
          error(name, "'" + name.name + "' is already a " + kind + ": name the component otherwise");
          ok = false;
        }
        components_.push_back(name.name);
      }
    }
    return ok;
  }

  PointFunction function_of(const ast::Expression& e) {
    return [this, &e](const std::vector<double>& w) { return at(e, w); };
  }

  // x' = Σ_j A_ij x_j + Σ_k B_ik u_k (lqr_forms.hpp).
  void linear_dynamics(const ast::Assignment& line, std::size_t row, std::size_t n, std::size_t m) {
    const std::size_t d = n + m;
    const std::string what = "the dynamics of " + line.component.name + "'";
    const LinearRead read = read_linear(function_of(line.value), d);
    if (read.constant != 0.0) {
      elaborator_.fail(position_of(line.value), what + " must be linear in the state and action, without a constant "
                                                       "term: it is " + format_number(read.constant) + " at " +
                                                       point_text(d));
    }
    if (!read.linear) {
      elaborator_.fail(position_of(line.value), what + " must be linear in the state and action (a sum of "
                                                       "coefficients times components)");
    }
    for (std::size_t j = 0; j < n; ++j) named_.problem.A(row, j) = read.coefficients[j];
    for (std::size_t k = 0; k < m; ++k) named_.problem.B(row, k) = read.coefficients[n + k];
  }

  // r(w) = −½ wᵀ M w over the first d components (lqr_forms.hpp). final is read with
  // the actions bound too, to say so when it reads one.
  control::LqrMatrix quadratic_form(const ast::LqrItem& item, std::size_t d) {
    const ast::Expression& e = boost::get<ast::Expression>(item.value);
    const std::string what = item.key.name;
    const std::string expected = what == "reward" ? "a quadratic form in the state and action, like -(q*x^2 + rho*u^2)/2"
                                                  : "a quadratic form in the state, like -qf*x^2/2";
    const QuadraticRead read = read_quadratic(function_of(e), d);
    if (read.constant != 0.0) {
      elaborator_.fail(position_of(e), what + " must be " + expected + ", without a constant term: it is " +
                                           format_number(read.constant) + " at " + point_text(d));
    }
    if (read.linear_in) {
      elaborator_.fail(position_of(e), what + " must be " + expected + ", without a linear term: it has one in " +
                                           components_[*read.linear_in]);
    }
    if (!read.quadratic) elaborator_.fail(position_of(e), what + " must be " + expected);
    return read.form;
  }

  void lower_expressions() {
    if (!declare_components()) return;
    const std::size_t n = state_->names.size();
    const std::size_t m = action_->names.size();
    control::LqrProblem& p = named_.problem;
    p.A = control::LqrMatrix(n, n);
    p.B = control::LqrMatrix(n, m);
    std::vector<const ast::Assignment*> line_of(n, nullptr);
    {
      Binding binding(elaborator_, components_);
      binding_start_ = binding.outer;
      for (const ast::Assignment* line : dynamics_) {
        attempt(*line, [&] {
          const auto it = std::find(components_.begin(), components_.begin() + static_cast<std::ptrdiff_t>(n),
                                    line->component.name);
          if (it == components_.begin() + static_cast<std::ptrdiff_t>(n)) {
            elaborator_.fail(line->component, "'" + line->component.name + "' is not a state component of lqr '" +
                                                  named_.name + "'");
          }
          const auto row = static_cast<std::size_t>(it - components_.begin());
          if (line_of[row] != nullptr) {
            elaborator_.fail(line->component, "the dynamics of " + line->component.name + "' are given twice");
          }
          line_of[row] = line;
          linear_dynamics(*line, row, n, m);
        });
      }
      for (const ast::LqrItem* item : items_) {
        if (item->key.name == "reward") {
          attempt(*item, [&] {
            const control::LqrMatrix joint = quadratic_form(*item, n + m);
            p.Q = control::LqrMatrix(n, n);
            p.R = control::LqrMatrix(m, m);
            control::LqrMatrix cross(n, m);
            bool any_cross = false;
            for (std::size_t i = 0; i < n + m; ++i) {
              for (std::size_t j = 0; j < n + m; ++j) {
                if (i < n && j < n) p.Q(i, j) = joint(i, j);
                if (i >= n && j >= n) p.R(i - n, j - n) = joint(i, j);
                if (i < n && j >= n) {
                  cross(i, j - n) = joint(i, j);
                  any_cross = any_cross || joint(i, j) != 0.0;
                }
              }
            }
            if (any_cross) p.N = cross;
          });
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (line_of[i] == nullptr && errors_ == 0) {
        error(*dynamics_.front(), "lqr '" + named_.name + "' gives no dynamics for " + components_[i] + "'");
      }
    }
    // The terminal reward: a quadratic form in the state alone.
    Binding binding(elaborator_, components_);
    binding_start_ = binding.outer;
    for (const ast::LqrItem* item : items_) {
      if (item->key.name != "final") continue;
      attempt(*item, [&] {
        const control::LqrMatrix joint = quadratic_form(*item, n + m);
        p.Qf = control::LqrMatrix(n, n);
        for (std::size_t i = 0; i < n + m; ++i) {
          for (std::size_t j = 0; j < n + m; ++j) {
            if (i < n && j < n) {
              p.Qf(i, j) = joint(i, j);
            } else if (joint(i, j) != 0.0) {
              elaborator_.fail(position_of(boost::get<ast::Expression>(item->value)),
                               "final is the reward of the last state: it cannot depend on the action (" +
                                   components_[std::max(i, j)] + ")");
            }
          }
        }
      });
    }
  }

  Elaborator& elaborator_;
  const ast::LqrStatement& block_;
  NamedLqr named_;
  bool expression_form_ = false;
  std::vector<const ast::LqrItem*> items_;
  std::vector<const ast::Assignment*> dynamics_;
  const ast::LqrDeclaration* state_ = nullptr;
  const ast::LqrDeclaration* action_ = nullptr;
  std::vector<std::string> components_;  // states, then actions
  std::size_t binding_start_ = 0;         // where the bound components sit in the elaborator's name stack
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
