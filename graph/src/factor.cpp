#include "copi/graph/factor.hpp"

namespace copi {

const std::vector<VarId>& scope_of(const Factor& factor) {
  return std::visit([](const auto& f) -> const std::vector<VarId>& { return f.scope(); }, factor);
}

std::string kind_name(const Factor& factor) {
  return std::visit(
      [](const auto& f) -> std::string {
        using F = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<F, DiscreteFactor>) {
          return "table";
        } else if constexpr (std::is_same_v<F, SparseConditionalFactor>) {
          return "sparse conditional";
        } else if constexpr (std::is_same_v<F, GaussianFactor>) {
          return "gaussian";
        } else if constexpr (std::is_same_v<F, LinearGaussianFactor>) {
          return "linear-gaussian";
        } else if constexpr (std::is_same_v<F, ConditionalLinearGaussianFactor>) {
          return "conditional linear-gaussian";
        } else {
          return likelihood_name(f.likelihood());
        }
      },
      factor);
}

}  // namespace copi
