// Interrupt numbers of the STM32F405 (RM0090 table 61, position = vector - 16) and the NVIC
// operations the drivers need. Which thread may call: any; enabling, disabling and pending an
// interrupt are single stores to the NVIC, so they need no lock.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// An interrupt's position in the NVIC.
enum class Irq : std::uint8_t {
    pvd = 1, ///< the programmable voltage detector, through EXTI line 16
    dma1_stream0 = 11, dma1_stream1 = 12, dma1_stream2 = 13, dma1_stream3 = 14,
    dma1_stream4 = 15, dma1_stream5 = 16, dma1_stream6 = 17, adc = 18,
    tim2 = 28, tim3 = 29, tim4 = 30, spi1 = 35, spi2 = 36,
    usart1 = 37, usart2 = 38, usart3 = 39, dma1_stream7 = 47, tim5 = 50, spi3 = 51,
    uart4 = 52, uart5 = 53, dma2_stream0 = 56, dma2_stream1 = 57, dma2_stream2 = 58,
    dma2_stream3 = 59, dma2_stream4 = 60, dma2_stream5 = 68, dma2_stream6 = 69,
    dma2_stream7 = 70, usart6 = 71,
};

/// Sets the priority (0 = most urgent .. 15) and enables the interrupt.
void irq_enable(Irq irq, std::uint8_t priority) noexcept;
/// Disables the interrupt (a pending request stays pending).
void irq_disable(Irq irq) noexcept;
/// Makes the interrupt pending, as if its peripheral had raised it.
void irq_set_pending(Irq irq) noexcept;
/// Forgets a pending request.
void irq_clear_pending(Irq irq) noexcept;

/// Runs `f` with interrupts masked (PRIMASK saved and restored, so it nests): for a
/// read-modify-write of a register an interrupt handler also writes.
template <class F>
void with_interrupts_masked(F&& f) noexcept {
    std::uint32_t saved;
    asm volatile("mrs %0, primask\n cpsid i" : "=r"(saved)::"memory");
    f();
    asm volatile("msr primask, %0" ::"r"(saved) : "memory");
}

} // namespace ss::stm32
