// The check, after the last statement, that the chosen algorithm can run a model with
// real variables.
#include "elaborator.hpp"

namespace copi::dsl {

// A model with real variables runs under gbp (every factor Gaussian), ep or auto; the
// discrete algorithms would refuse it when run, so the refusal is an error at `infer`.
void Elaborator::check_algorithm_fits_model() {
  std::optional<VarId> first_real;
  for (std::size_t v = 0; v < model_.graph.num_variables() && !first_real; ++v) {
    if (model_.graph.variables()[v].is_real()) first_real = VarId{static_cast<std::uint32_t>(v)};
  }
  if (!first_real) return;
  if (map_at_) {
    Diagnostic d = *map_at_;
    d.message = "map is for discrete models, and '" + model_.graph.variable(*first_real).name +
                "' is a real variable: ask for mean(...) or cov(...)";
    report(std::move(d));
  }
  if (!infer_at_) return;
  const std::string& name = model_.algorithm.name();
  Diagnostic d = *infer_at_;
  if (name == "gbp") {
    for (std::size_t f = 0; f < model_.graph.num_factors(); ++f) {
      const Factor& factor = model_.graph.factors()[f];
      const bool gaussian = std::holds_alternative<GaussianFactor>(factor) ||
                            std::holds_alternative<LinearGaussianFactor>(factor) ||
                            (std::holds_alternative<DiscreteFactor>(factor) && scope_of(factor).empty());
      if (!gaussian) {
        d.message = "gbp runs models whose factors are all Gaussian; factor " + std::to_string(f) + " (" +
                    model_.graph.describe(FactorId{static_cast<std::uint32_t>(f)}) + ") is not: use infer ep";
        report(std::move(d));
        return;
      }
    }
    return;
  }
  if (name == "auto" || name == "ep") return;
  d.message = name + " runs discrete models only, and '" + model_.graph.variable(*first_real).name +
              "' is a real variable: use infer gbp (every factor Gaussian), ep or auto";
  report(std::move(d));
}

}  // namespace copi::dsl
