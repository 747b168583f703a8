// USART1..3, UART4..5 and USART6 of the STM32F405 (RM0090 §30.6): base addresses, the
// registers of the interrupt-driven driver and their bits.
#pragma once

#include <cstdint>

namespace ss::stm32::usart {

inline constexpr std::uintptr_t usart1 = 0x4001'1000; // APB2
inline constexpr std::uintptr_t usart2 = 0x4000'4400; // APB1
inline constexpr std::uintptr_t usart3 = 0x4000'4800; // APB1
inline constexpr std::uintptr_t uart4 = 0x4000'4C00;  // APB1
inline constexpr std::uintptr_t uart5 = 0x4000'5000;  // APB1
inline constexpr std::uintptr_t usart6 = 0x4001'1400; // APB2

// Offsets from a USART's base.
inline constexpr std::uintptr_t sr = 0x00;
inline constexpr std::uintptr_t dr = 0x04;
inline constexpr std::uintptr_t brr = 0x08;
inline constexpr std::uintptr_t cr1 = 0x0C;
inline constexpr std::uintptr_t cr2 = 0x10;
inline constexpr std::uintptr_t cr3 = 0x14;

// SR
inline constexpr std::uint32_t sr_fe = 1u << 1;   ///< framing error
inline constexpr std::uint32_t sr_ore = 1u << 3;  ///< overrun: a byte arrived while RXNE was still set; it is lost
inline constexpr std::uint32_t sr_rxne = 1u << 5; ///< a received byte waits in DR
inline constexpr std::uint32_t sr_tc = 1u << 6;   ///< transmission complete
inline constexpr std::uint32_t sr_txe = 1u << 7;  ///< DR is free for the next byte to send
// CR1
inline constexpr std::uint32_t cr1_re = 1u << 2;
inline constexpr std::uint32_t cr1_te = 1u << 3;
inline constexpr std::uint32_t cr1_rxneie = 1u << 5; ///< interrupt on RXNE (and ORE)
inline constexpr std::uint32_t cr1_txeie = 1u << 7;  ///< interrupt on TXE
inline constexpr std::uint32_t cr1_ue = 1u << 13;    ///< USART enable

/// BRR for `baud` from a peripheral clock of `clock_hz`, 16x oversampling: the divider
/// clock / (16 x baud) as 12.4 fixed point, which is clock / baud rounded to the nearest.
constexpr std::uint32_t brr_for(std::uint32_t clock_hz, std::uint32_t baud) noexcept {
    return (clock_hz + baud / 2) / baud;
}

} // namespace ss::stm32::usart
