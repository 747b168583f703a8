#include "ss/stm32/gpio_output.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/gpio.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32 {

std::uintptr_t GpioOutput::base() const noexcept {
    return gpio::port_a + static_cast<std::uintptr_t>(port_) * gpio::port_stride;
}

void GpioOutput::start(bool high) noexcept {
    const std::uint32_t enable = 1u << static_cast<unsigned>(port_); // AHB1ENR GPIOAEN..GPIOIEN: bits 0..8
    mmio(rcc::ahb1enr) = mmio(rcc::ahb1enr) | enable;
    [[maybe_unused]] const std::uint32_t enabled = mmio(rcc::ahb1enr);
    const std::uintptr_t b = base();
    const unsigned two = 2u * pin_;
    if (high)
        set_high();
    else
        set_low();
    mmio(b + gpio::otyper) = mmio(b + gpio::otyper) & ~(1u << pin_);
    mmio(b + gpio::ospeedr) = (mmio(b + gpio::ospeedr) & ~(3u << two)) | gpio::speed_fast << two;
    mmio(b + gpio::pupdr) = mmio(b + gpio::pupdr) & ~(3u << two);
    mmio(b + gpio::moder) = (mmio(b + gpio::moder) & ~(3u << two)) | gpio::mode_output << two;
}

void GpioOutput::set_high() noexcept { mmio(base() + gpio::bsrr) = 1u << pin_; }

void GpioOutput::set_low() noexcept { mmio(base() + gpio::bsrr) = 1u << (pin_ + 16u); }

} // namespace ss::stm32
