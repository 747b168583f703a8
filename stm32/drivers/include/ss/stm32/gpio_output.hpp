// One GPIO pin as a push-pull output, set and cleared through BSRR so that a change is one store
// that cannot race another pin's change on the same port (no read-modify-write of ODR).
#pragma once

#include <cstdint>

namespace ss::stm32 {

enum class GpioPort : std::uint8_t { a, b, c, d, e, f, g, h, i };

class GpioOutput {
public:
    constexpr GpioOutput(GpioPort port, std::uint8_t pin) noexcept : port_(port), pin_(pin) {}

    /// Enables the port's clock and makes the pin a fast push-pull output, no pull, at `high`
    /// (the level is written before the mode, so the pin never shows the other one).
    void start(bool high) noexcept;
    void set_high() noexcept;
    void set_low() noexcept;

    /// The port's register block.
    [[nodiscard]] std::uintptr_t base() const noexcept;

private:
    GpioPort port_;
    std::uint8_t pin_;
};

} // namespace ss::stm32
