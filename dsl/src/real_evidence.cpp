// Evidence on real variables: `evidence x = value` with a number or a vector of the
// variable's size.
#include "elaborator.hpp"

namespace copi::dsl {

void Elaborator::real_evidence(const ast::Observation& o, VarId var) {
  const Affine value = linear(o.value);
  const Variable& variable = model_.graph.variable(var);
  if (!value.is_constant()) fail(position_of(o.value), "an observed value cannot depend on a real variable");
  if (value.constant.cols() != 1 || static_cast<std::size_t>(value.constant.rows()) != variable.dimension) {
    fail(position_of(o.value), "the value is " + describe_shape(value.constant.rows(), value.constant.cols()) +
                                   ", but '" + variable.name + "' is " +
                                   describe_shape(static_cast<Eigen::Index>(variable.dimension), 1));
  }
  if (!value.constant.allFinite()) fail(position_of(o.value), "the value has a non-finite entry");
  const Eigen::VectorXd v = value.constant.col(0);
  const auto [it, inserted] = model_.real_evidence.emplace(var, v);
  if (!inserted && it->second != v) fail(o, "conflicting evidence on '" + variable.name + "'");
}

}  // namespace copi::dsl
