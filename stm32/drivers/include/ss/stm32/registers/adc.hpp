// ADC1..3 of the STM32F405 (RM0090 §13.13): base addresses, the common control register, the
// registers of a single regular conversion and their bits.
#pragma once

#include <cstdint>

namespace ss::stm32::adc {

inline constexpr std::uintptr_t adc1 = 0x4001'2000;
inline constexpr std::uintptr_t adc2 = 0x4001'2100;
inline constexpr std::uintptr_t adc3 = 0x4001'2200;
inline constexpr std::uintptr_t common_ccr = 0x4001'2304; ///< ADC_CCR, shared by the three

// Offsets from an ADC's base.
inline constexpr std::uintptr_t sr = 0x00;
inline constexpr std::uintptr_t cr1 = 0x04;
inline constexpr std::uintptr_t cr2 = 0x08;
inline constexpr std::uintptr_t smpr1 = 0x0C; ///< sample times of channels 10..18
inline constexpr std::uintptr_t smpr2 = 0x10; ///< sample times of channels 0..9
inline constexpr std::uintptr_t sqr1 = 0x2C;  ///< L: regular sequence length - 1 (bits 23:20)
inline constexpr std::uintptr_t sqr3 = 0x34;  ///< SQ1: first conversion's channel (bits 4:0)
inline constexpr std::uintptr_t dr = 0x4C;

// SR
inline constexpr std::uint32_t sr_eoc = 1u << 1; ///< end of conversion (cleared by reading DR)
inline constexpr std::uint32_t sr_ovr = 1u << 5; ///< overrun (DMA or EOCS modes)
// CR2
inline constexpr std::uint32_t cr2_adon = 1u << 0;     ///< power on
inline constexpr std::uint32_t cr2_dma = 1u << 8;      ///< a DMA request per regular conversion
inline constexpr std::uint32_t cr2_dds = 1u << 9;      ///< keep requesting after the DMA's last item (circular DMA)
inline constexpr unsigned cr2_extsel_shift = 24;        ///< EXTSEL[3:0]: which event starts a regular conversion
inline constexpr unsigned cr2_exten_shift = 28;         ///< EXTEN[1:0]: 01 = on the rising edge
inline constexpr std::uint32_t cr2_swstart = 1u << 30; ///< start a regular conversion
// CCR
inline constexpr unsigned ccr_adcpre_shift = 16; ///< ADCCLK = PCLK2 / (2, 4, 6, 8)
inline constexpr std::uint32_t ccr_adcpre_mask = 3u << ccr_adcpre_shift;
inline constexpr std::uint32_t ccr_adcpre_div4 = 1u << ccr_adcpre_shift;

inline constexpr std::uint32_t max_channel = 18;
inline constexpr std::uint32_t sample_time_56_cycles = 0b011; ///< 3-bit SMPx code

} // namespace ss::stm32::adc
