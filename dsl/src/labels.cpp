// State labels outside domains: `evidence w = rain`, row keys, and comparisons with
// a labelled variable in factor and p() expressions (`w == rain`), where a label
// stands for its state index. The rule is local: a bare name is a label of `w` only
// where it is compared with `w` (or given as w's state); `rain` alone is no number,
// and two variables may share a label at different indices. A name that is both a
// label there and something else (a param, a loop variable, a variable, a data array)
// is ambiguous: an error, never a silent choice.
#include <algorithm>

#include "elaborator.hpp"

namespace copi::dsl {
namespace {

namespace x3 = boost::spirit::x3;

// The reference `e` is (inside trivial precedence levels), or null.
const ast::Reference* reference_in(const ast::Expression& e) {
  const auto* ref = boost::get<x3::forward_ast<ast::Reference>>(&unwrap(e));
  return ref == nullptr ? nullptr : &ref->get();
}

bool is_comparison(const std::string& op) {
  return op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
}

}  // namespace

const char* Elaborator::kind_of_name(const std::string& name) const {
  for (const auto& [loop_name, value] : loop_) {
    if (loop_name == name) return "loop variable";
  }
  if (params_.contains(name)) return "param";
  if (array_params_.contains(name)) return "data array";
  if (const auto it = matrix_params_.find(name); it != matrix_params_.end()) {
    return it->second.cols() == 1 ? "vector parameter" : "matrix parameter";
  }
  if (arrays_.contains(name)) return "variable";
  return nullptr;
}

std::optional<std::size_t> Elaborator::label_of(const VariableDomain& domain, const std::string& variable,
                                                const ast::Expression& e) const {
  const ast::Reference* ref = reference_in(e);
  if (ref == nullptr || !ref->indices.empty()) return std::nullopt;
  const auto it = std::find(domain.labels.begin(), domain.labels.end(), ref->name.name);
  if (it == domain.labels.end()) return std::nullopt;
  if (const char* kind = kind_of_name(ref->name.name)) {
    fail(ref->name, "'" + ref->name.name + "' is both a state of '" + variable + "' and a " + kind +
                        ": rename one of them");
  }
  return static_cast<std::size_t>(it - domain.labels.begin());
}

void Elaborator::resolve_labels(const ast::Expression& e) {
  struct Visitor {
    Elaborator& self;
    void operator()(const ast::Number&) const {}
    void operator()(const ast::Reference& r) const {
      for (const ast::Expression& i : r.indices) self.resolve_labels(i);
    }
    void operator()(const ast::Unary& u) const { self.resolve_labels(u.operand); }
    void operator()(const ast::Chain& c) const {
      self.resolve_labels(c.first);
      for (std::size_t k = 0; k < c.rest.size(); ++k) {
        self.resolve_labels(c.rest[k].operand);
        if (!is_comparison(c.rest[k].op)) continue;
        const ast::Expression& left = k == 0 ? c.first : c.rest[k - 1].operand;
        const ast::Expression& right = c.rest[k].operand;
        self.compare_with_label(left, right);
        self.compare_with_label(right, left);
      }
    }
    void operator()(const ast::Call& c) const {
      for (const ast::Expression& a : c.arguments) self.resolve_labels(a);
    }
    void operator()(const ast::Conditional& c) const {
      self.resolve_labels(c.condition);
      self.resolve_labels(c.if_true);
      self.resolve_labels(c.if_false);
    }
  };
  boost::apply_visitor(Visitor{*this}, e);
}

// `variable OP name`: when `variable` is a labelled random variable and `name` a bare
// name, the name must be one of its labels (or a defined name, compared by value).
void Elaborator::compare_with_label(const ast::Expression& variable, const ast::Expression& name) {
  const ast::Reference* var = reference_in(variable);
  if (var == nullptr) return;
  const auto array = arrays_.find(var->name.name);
  if (array == arrays_.end() || array->second.domain.labels.empty()) return;
  const VariableDomain& domain = array->second.domain;
  if (const std::optional<std::size_t> index = label_of(domain, var->name.name, name)) {
    labels_.emplace_back(reference_in(name), static_cast<double>(*index));
    return;
  }
  const ast::Reference* bare = reference_in(name);
  if (bare == nullptr || !bare->indices.empty() || kind_of_name(bare->name.name) != nullptr) return;
  fail(bare->name, "'" + var->name.name + "' has no state '" + bare->name.name + "'" +
                       suggest(bare->name.name, domain.labels));
}

std::string Elaborator::unknown_name(const std::string& name) const {
  std::vector<std::string> known;
  for (const auto& [loop_name, value] : loop_) known.push_back(loop_name);
  for (const auto& [param, value] : params_) known.push_back(param);
  for (const auto& [array, values] : array_params_) known.push_back(array);
  for (const auto& [variable, array] : arrays_) known.push_back(variable);
  std::string message = "unknown name '" + name + "'" + suggest(name, known);
  // A label used on its own: say where it does mean a number.
  for (const auto& [variable, array] : arrays_) {
    const auto& labels = array.domain.labels;
    if (std::find(labels.begin(), labels.end(), name) != labels.end()) {
      const std::string written = variable + (array.dims.empty() ? "" : "[...]");
      return message + " ('" + name + "' is a state of '" + written + "': a label stands for its state index only " +
             "compared with its variable, as in " + written + " == " + name + ")";
    }
  }
  return message;
}

}  // namespace copi::dsl
