// General-purpose I/O ports of the STM32F405 (RM0090 §8.4): the registers and fields a push-pull
// output needs. Ports A..I, 0x400 apart; every field of a pin sits at a multiple of its number.
#pragma once

#include <cstdint>

namespace ss::stm32::gpio {

inline constexpr std::uintptr_t port_a = 0x4002'0000;
inline constexpr std::uintptr_t port_stride = 0x400;

inline constexpr std::uintptr_t moder = 0x00;   // 2 bits per pin: 00 input, 01 output, 10 AF, 11 analog
inline constexpr std::uintptr_t otyper = 0x04;  // 1 bit per pin: 0 push-pull
inline constexpr std::uintptr_t ospeedr = 0x08; // 2 bits per pin: 10 fast (50 MHz)
inline constexpr std::uintptr_t pupdr = 0x0C;   // 2 bits per pin: 00 none
inline constexpr std::uintptr_t odr = 0x14;
inline constexpr std::uintptr_t bsrr = 0x18;    // write 1 to bit n: pin n high; to bit n + 16: low

inline constexpr std::uint32_t mode_output = 0b01;
inline constexpr std::uint32_t speed_fast = 0b10;

} // namespace ss::stm32::gpio
