// SPI1..3 of the STM32F405 (RM0090 §28.5): base addresses, the registers of a polled master and
// their bits.
#pragma once

#include <cstdint>

namespace ss::stm32::spi {

inline constexpr std::uintptr_t spi1 = 0x4001'3000; // APB2
inline constexpr std::uintptr_t spi2 = 0x4000'3800; // APB1
inline constexpr std::uintptr_t spi3 = 0x4000'3C00; // APB1

// Offsets from an SPI's base.
inline constexpr std::uintptr_t cr1 = 0x00;
inline constexpr std::uintptr_t cr2 = 0x04;
inline constexpr std::uintptr_t sr = 0x08;
inline constexpr std::uintptr_t dr = 0x0C;

// CR1
inline constexpr std::uint32_t cr1_cpha = 1u << 0;     ///< sample on the second clock edge
inline constexpr std::uint32_t cr1_cpol = 1u << 1;     ///< clock idles high
inline constexpr std::uint32_t cr1_mstr = 1u << 2;     ///< master
inline constexpr unsigned cr1_br_shift = 3;            ///< BR[2:0]: f_PCLK / 2^(BR + 1)
inline constexpr std::uint32_t cr1_br_mask = 7u << cr1_br_shift;
inline constexpr std::uint32_t cr1_spe = 1u << 6;      ///< SPI enable
inline constexpr std::uint32_t cr1_lsbfirst = 1u << 7;
inline constexpr std::uint32_t cr1_ssi = 1u << 8;      ///< the internal NSS level when SSM is set
inline constexpr std::uint32_t cr1_ssm = 1u << 9;      ///< NSS by software (no MODF from the pin)
// SR
inline constexpr std::uint32_t sr_rxne = 1u << 0;
inline constexpr std::uint32_t sr_txe = 1u << 1;
inline constexpr std::uint32_t sr_modf = 1u << 5;
inline constexpr std::uint32_t sr_ovr = 1u << 6;
inline constexpr std::uint32_t sr_bsy = 1u << 7;

} // namespace ss::stm32::spi
