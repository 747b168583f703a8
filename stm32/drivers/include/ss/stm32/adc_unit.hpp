// ADC1..3 and what the paced capture needs of each: power-on with one regular channel, the
// start of a conversion and its result. Not an API of its own: PacedAdcCapture
// (paced_adc_capture.hpp) uses it.
#pragma once

#include <cstdint>

namespace ss::stm32 {

/// Which ADC.
enum class AdcUnit : std::uint8_t { adc1, adc2, adc3 };

namespace detail {

/// Enables the ADC's clock (ADCCLK = 84 MHz APB2 / 4 = 21 MHz, within the 36 MHz limit), sets
/// 12 bits right-aligned, one regular conversion of `channel` (0..18) sampled for 56 cycles
/// (a conversion: 68 ADC cycles, 3.2 us), single conversion started by software, and powers it
/// on. False (nothing changed) for a channel out of range.
bool adc_power_on(AdcUnit unit, std::uint32_t channel) noexcept;
/// Powers the ADC off.
void adc_power_off(AdcUnit unit) noexcept;
/// Starts a regular conversion (SWSTART).
void adc_start_conversion(AdcUnit unit) noexcept;
/// The last conversion's result (reading it clears EOC).
std::uint16_t adc_result(AdcUnit unit) noexcept;

} // namespace detail
} // namespace ss::stm32
