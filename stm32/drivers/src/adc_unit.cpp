#include "ss/stm32/adc_unit.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/adc.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32::detail {

namespace {

struct AdcFacts {
    std::uintptr_t base;
    std::uint32_t apb2_enable;
};

constexpr AdcFacts facts[] = {
    {adc::adc1, rcc::apb2_adc1},
    {adc::adc2, rcc::apb2_adc2},
    {adc::adc3, rcc::apb2_adc3},
};

const AdcFacts& facts_of(AdcUnit unit) noexcept { return facts[static_cast<unsigned>(unit)]; }

} // namespace

bool adc_power_on(AdcUnit unit, std::uint32_t channel) noexcept {
    if (channel > adc::max_channel) return false;
    const AdcFacts& f = facts_of(unit);
    mmio(rcc::apb2enr) = mmio(rcc::apb2enr) | f.apb2_enable;
    // Read back: on silicon the peripheral clock starts two bus cycles after the enable.
    [[maybe_unused]] const std::uint32_t enabled = mmio(rcc::apb2enr);
    mmio(adc::common_ccr) = (mmio(adc::common_ccr) & ~adc::ccr_adcpre_mask) | adc::ccr_adcpre_div4;
    mmio(f.base + adc::cr2) = 0;
    mmio(f.base + adc::cr1) = 0; // 12 bits, no scan, no interrupt
    if (channel >= 10) {
        const unsigned shift = 3 * (channel - 10);
        mmio(f.base + adc::smpr1) = (mmio(f.base + adc::smpr1) & ~(7u << shift)) | adc::sample_time_56_cycles << shift;
    } else {
        const unsigned shift = 3 * channel;
        mmio(f.base + adc::smpr2) = (mmio(f.base + adc::smpr2) & ~(7u << shift)) | adc::sample_time_56_cycles << shift;
    }
    mmio(f.base + adc::sqr1) = 0; // one conversion in the regular sequence
    mmio(f.base + adc::sqr3) = channel;
    mmio(f.base + adc::sr) = 0;
    // Power on last; the first conversion may start after t_STAB (3 us), i.e. at the first tick.
    mmio(f.base + adc::cr2) = adc::cr2_adon;
    return true;
}

bool adc_power_on_timer_dma(AdcUnit unit, std::uint32_t channel, AdcTimerTrigger trigger) noexcept {
    if (!adc_power_on(unit, channel)) return false;
    mmio(facts_of(unit).base + adc::cr2) = adc_cr2_timer_dma(trigger);
    return true;
}

std::uintptr_t adc_data_register(AdcUnit unit) noexcept { return facts_of(unit).base + adc::dr; }

void adc_power_off(AdcUnit unit) noexcept { mmio(facts_of(unit).base + adc::cr2) = 0; }

void adc_start_conversion(AdcUnit unit) noexcept {
    const std::uintptr_t base = facts_of(unit).base;
    mmio(base + adc::cr2) = adc::cr2_adon | adc::cr2_swstart;
}

std::uint16_t adc_result(AdcUnit unit) noexcept {
    return static_cast<std::uint16_t>(mmio(facts_of(unit).base + adc::dr) & 0xFFFFu);
}

} // namespace ss::stm32::detail
