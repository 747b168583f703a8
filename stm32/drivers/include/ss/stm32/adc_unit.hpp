// ADC1..3 and what the paced capture needs of each: power-on with one regular channel, the
// start of a conversion and its result. Not an API of its own: PacedAdcCapture
// (paced_adc_capture.hpp) uses it.
#pragma once

#include <cstdint>

#include "ss/stm32/registers/adc.hpp"

namespace ss::stm32 {

/// Which ADC.
enum class AdcUnit : std::uint8_t { adc1, adc2, adc3 };

/// A timer's trigger output that starts regular conversions (EXTSEL codes, RM0090 §13.13.3).
enum class AdcTimerTrigger : std::uint8_t { tim2_trgo = 0b0110, tim3_trgo = 0b1000, tim8_trgo = 0b1110 };

/// CR2 for conversions started by `trigger`'s rising edge, each result requested by the DMA
/// (DMA + DDS, for a circular or double-buffer stream), ADC on.
constexpr std::uint32_t adc_cr2_timer_dma(AdcTimerTrigger trigger) noexcept {
    return adc::cr2_adon | adc::cr2_dma | adc::cr2_dds | 1u << adc::cr2_exten_shift |
           static_cast<std::uint32_t>(trigger) << adc::cr2_extsel_shift;
}

namespace detail {

/// Enables the ADC's clock (ADCCLK = 84 MHz APB2 / 4 = 21 MHz, within the 36 MHz limit), sets
/// 12 bits right-aligned, one regular conversion of `channel` (0..18) sampled for 56 cycles
/// (a conversion: 68 ADC cycles, 3.2 us), single conversion started by software, and powers it
/// on. False (nothing changed) for a channel out of range.
bool adc_power_on(AdcUnit unit, std::uint32_t channel) noexcept;
/// As adc_power_on, then conversions started by `trigger` and each result handed to the DMA
/// (ADC1: DMA2 stream 0 or 4, channel 0; the timer needs enable_trigger_output()). Silicon
/// only: QEMU 7.2 models neither the trigger nor the DMA.
bool adc_power_on_timer_dma(AdcUnit unit, std::uint32_t channel, AdcTimerTrigger trigger) noexcept;
/// The ADC's data register, the DMA's peripheral address.
std::uintptr_t adc_data_register(AdcUnit unit) noexcept;
/// Powers the ADC off.
void adc_power_off(AdcUnit unit) noexcept;
/// Starts a regular conversion (SWSTART).
void adc_start_conversion(AdcUnit unit) noexcept;
/// The last conversion's result (reading it clears EOC).
std::uint16_t adc_result(AdcUnit unit) noexcept;

} // namespace detail
} // namespace ss::stm32
