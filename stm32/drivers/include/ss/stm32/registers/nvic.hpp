// The Cortex-M4 nested vectored interrupt controller (ARMv7-M architecture manual, B3.4): one
// bit per interrupt in the set-enable, clear-enable, set-pending and clear-pending banks, one
// priority byte per interrupt (the STM32F4 implements its upper 4 bits).
#pragma once

#include <cstdint>

namespace ss::stm32::nvic {

inline constexpr std::uintptr_t iser = 0xE000'E100; ///< set-enable, 32 interrupts a word
inline constexpr std::uintptr_t icer = 0xE000'E180; ///< clear-enable
inline constexpr std::uintptr_t ispr = 0xE000'E200; ///< set-pending
inline constexpr std::uintptr_t icpr = 0xE000'E280; ///< clear-pending
inline constexpr std::uintptr_t ipr = 0xE000'E400;  ///< priority, one byte an interrupt
inline constexpr unsigned priority_bits = 4;         ///< implemented on the STM32F4

} // namespace ss::stm32::nvic
