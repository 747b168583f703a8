// Power controller (PWR) of the STM32F405: the programmable voltage detector (RM0090 §5.4).
// QEMU's netduinoplus2 leaves PWR unimplemented: its writes are ignored and its reads give 0.
#pragma once

#include <cstdint>

namespace ss::stm32::pwr {

inline constexpr std::uintptr_t base = 0x4000'7000;
inline constexpr std::uintptr_t cr = base + 0x00;
inline constexpr std::uintptr_t csr = base + 0x04;

// CR
inline constexpr std::uint32_t cr_pvde = 1u << 4;     ///< the detector on
inline constexpr unsigned cr_pls_shift = 5;           ///< PLS[2:0]: the threshold
inline constexpr std::uint32_t cr_pls_mask = 0x7u << cr_pls_shift;

// CSR
inline constexpr std::uint32_t csr_pvdo = 1u << 2; ///< VDD is below the threshold

} // namespace ss::stm32::pwr
