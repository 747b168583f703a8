// Interrupt 80 (HASH_RNG_IRQHandler in the vector table; nothing on QEMU's netduinoplus2 raises
// it) raised by software through the NVIC, so a test can run real ISRs when it chooses.
#pragma once

#include <cstdint>

namespace ss::stm32::test {

inline constexpr std::uint32_t software_irq = 80;

inline volatile std::uint32_t& nvic_reg(std::uintptr_t address) {
    return *reinterpret_cast<volatile std::uint32_t*>(address);
}

/// Lets the NVIC take the interrupt (NVIC_ISER).
inline void enable_software_interrupt() {
    nvic_reg(0xE000E100 + 4 * (software_irq / 32)) = 1u << (software_irq % 32);
}

/// Makes the interrupt pending (NVIC_STIR); with interrupts unmasked its handler has run when
/// this returns (the barriers let the CPU take it before the next instruction).
inline void raise_software_interrupt() {
    nvic_reg(0xE000EF00) = software_irq;
    asm volatile("dsb\n isb" ::: "memory");
}

/// PRIMASK: 1 while interrupts are masked.
inline std::uint32_t primask() {
    std::uint32_t value;
    asm volatile("mrs %0, primask" : "=r"(value));
    return value;
}

} // namespace ss::stm32::test
