// External interrupt/event controller (EXTI) of the STM32F405 (RM0090 §12.3): one bit per line in
// each register. Line 16 is the PVD output. QEMU 7.2 models the EXTI, but wires only lines 0-15 to
// the NVIC; a test raises the PVD interrupt through the NVIC itself.
#pragma once

#include <cstdint>

namespace ss::stm32::exti {

inline constexpr std::uintptr_t base = 0x4001'3C00;
inline constexpr std::uintptr_t imr = base + 0x00;   ///< interrupt mask: 1 = the line interrupts
inline constexpr std::uintptr_t emr = base + 0x04;   ///< event mask
inline constexpr std::uintptr_t rtsr = base + 0x08;  ///< rising-edge trigger
inline constexpr std::uintptr_t ftsr = base + 0x0C;  ///< falling-edge trigger
inline constexpr std::uintptr_t swier = base + 0x10; ///< software interrupt: 1 raises the line
inline constexpr std::uintptr_t pr = base + 0x14;    ///< pending, rc_w1: writing 1 clears

inline constexpr std::uint32_t line_pvd = 1u << 16;

} // namespace ss::stm32::exti
