// Reset and clock control (RCC) of the STM32F405: the clock-enable registers and the bits the
// drivers set (RM0090 §7.3). QEMU's netduinoplus2 does not model the RCC: these writes land in
// an unimplemented-device region and are ignored there; on silicon a peripheral's registers
// stay dead until its enable bit is set.
#pragma once

#include <cstdint>

namespace ss::stm32::rcc {

inline constexpr std::uintptr_t base = 0x4002'3800;
inline constexpr std::uintptr_t ahb1enr = base + 0x30;
inline constexpr std::uintptr_t apb1enr = base + 0x40;
inline constexpr std::uintptr_t apb2enr = base + 0x44;

// AHB1ENR
inline constexpr std::uint32_t ahb1_dma1 = 1u << 21;
inline constexpr std::uint32_t ahb1_dma2 = 1u << 22;

// APB1ENR
inline constexpr std::uint32_t apb1_tim2 = 1u << 0;
inline constexpr std::uint32_t apb1_tim3 = 1u << 1;
inline constexpr std::uint32_t apb1_tim4 = 1u << 2;
inline constexpr std::uint32_t apb1_tim5 = 1u << 3;
inline constexpr std::uint32_t apb1_spi2 = 1u << 14;
inline constexpr std::uint32_t apb1_spi3 = 1u << 15;
inline constexpr std::uint32_t apb1_usart2 = 1u << 17;
inline constexpr std::uint32_t apb1_usart3 = 1u << 18;
inline constexpr std::uint32_t apb1_uart4 = 1u << 19;
inline constexpr std::uint32_t apb1_uart5 = 1u << 20;
inline constexpr std::uint32_t apb1_pwr = 1u << 28;

// APB2ENR
inline constexpr std::uint32_t apb2_usart1 = 1u << 4;
inline constexpr std::uint32_t apb2_usart6 = 1u << 5;
inline constexpr std::uint32_t apb2_adc1 = 1u << 8;
inline constexpr std::uint32_t apb2_adc2 = 1u << 9;
inline constexpr std::uint32_t apb2_adc3 = 1u << 10;
inline constexpr std::uint32_t apb2_spi1 = 1u << 12;

} // namespace ss::stm32::rcc
