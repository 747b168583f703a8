// General-purpose timers TIM2..TIM5 of the STM32F405 (RM0090 §18.4): base addresses, the
// registers the periodic-tick driver uses and their bits. TIM2 and TIM5 count on 32 bits,
// TIM3 and TIM4 on 16; all four have a 16-bit prescaler.
#pragma once

#include <cstdint>

namespace ss::stm32::tim {

inline constexpr std::uintptr_t tim2 = 0x4000'0000;
inline constexpr std::uintptr_t tim3 = 0x4000'0400;
inline constexpr std::uintptr_t tim4 = 0x4000'0800;
inline constexpr std::uintptr_t tim5 = 0x4000'0C00;

// Offsets from a timer's base.
inline constexpr std::uintptr_t cr1 = 0x00;
inline constexpr std::uintptr_t cr2 = 0x04;
inline constexpr std::uintptr_t dier = 0x0C;
inline constexpr std::uintptr_t sr = 0x10;
inline constexpr std::uintptr_t egr = 0x14;
inline constexpr std::uintptr_t cnt = 0x24;
inline constexpr std::uintptr_t psc = 0x28;
inline constexpr std::uintptr_t arr = 0x2C;

// CR1
inline constexpr std::uint32_t cr1_cen = 1u << 0;  ///< counter enable
inline constexpr std::uint32_t cr1_urs = 1u << 2;  ///< only overflow raises an update interrupt, not UG
// CR2
inline constexpr unsigned cr2_mms_shift = 4;                        ///< MMS[2:0]: what TRGO outputs
inline constexpr std::uint32_t cr2_mms_mask = 7u << cr2_mms_shift;
inline constexpr std::uint32_t cr2_mms_update = 2u << cr2_mms_shift; ///< TRGO pulses at each update
// DIER
inline constexpr std::uint32_t dier_uie = 1u << 0; ///< update interrupt enable
// SR (bits are cleared by writing 0, writing 1 leaves them)
inline constexpr std::uint32_t sr_uif = 1u << 0; ///< update interrupt flag
// EGR
inline constexpr std::uint32_t egr_ug = 1u << 0; ///< update generation: loads PSC and ARR now

inline constexpr std::uint32_t max_prescaler = 0xFFFF;
inline constexpr std::uint32_t max_reload = 0xFFFF;            ///< TIM3, TIM4
inline constexpr std::uint32_t max_reload_32bit = 0xFFFF'FFFF; ///< TIM2, TIM5

} // namespace ss::stm32::tim
