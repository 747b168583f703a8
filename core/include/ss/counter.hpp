// Statistics counters that stop at their maximum instead of wrapping: a counter that wraps
// tells an operator that nothing was lost when much was. One helper for every width, since the
// MCU keeps 16- and 32-bit counters where Linux keeps 64-bit ones.
#pragma once

#include <cstdint>
#include <limits>

namespace ss {

/// counter += n, held at the type's maximum.
template <class Counter>
constexpr void saturating_add(Counter& counter, std::uint64_t n) noexcept {
    const auto room = static_cast<std::uint64_t>(std::numeric_limits<Counter>::max() - counter);
    counter = static_cast<Counter>(counter + (n > room ? room : n));
}

} // namespace ss
