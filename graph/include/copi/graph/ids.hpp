// Strong index types: the graph owns variables and factors in contiguous storage and
// everything else refers to them by these ids, never by pointer.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace copi {

struct VarId {
  std::uint32_t index = 0;
  friend auto operator<=>(const VarId&, const VarId&) = default;
};

struct FactorId {
  std::uint32_t index = 0;
  friend auto operator<=>(const FactorId&, const FactorId&) = default;
};

}  // namespace copi

template <>
struct std::hash<copi::VarId> {
  std::size_t operator()(copi::VarId id) const noexcept { return id.index; }
};
template <>
struct std::hash<copi::FactorId> {
  std::size_t operator()(copi::FactorId id) const noexcept { return id.index; }
};
