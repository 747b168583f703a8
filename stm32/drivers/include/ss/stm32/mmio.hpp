// Access to a memory-mapped peripheral register by its address: every driver reads and writes
// its registers through these, so each access is one volatile 32-bit load or store, never
// merged, split or reordered with another by the compiler.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// The 32-bit register at `address`.
inline volatile std::uint32_t& mmio(std::uintptr_t address) noexcept {
    return *reinterpret_cast<volatile std::uint32_t*>(address);
}

/// A mask of `width` bits starting at bit `position`.
constexpr std::uint32_t bit_field(unsigned position, unsigned width = 1) noexcept {
    return (width >= 32 ? ~0u : ((1u << width) - 1u)) << position;
}

} // namespace ss::stm32
