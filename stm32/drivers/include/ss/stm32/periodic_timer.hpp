// A general-purpose timer (TIM2..TIM5) as a periodic tick: an update interrupt `rate_hz` times
// a second, each calling the handler the application gave. The driver's interrupt handler
// clears the update flag (UIF) before it calls the handler: on silicon a flag left set would
// re-enter the handler at once, forever.
#pragma once

#include <cstdint>
#include <optional>

#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/registers/tim.hpp"

namespace ss::stm32 {

/// Which general-purpose timer.
enum class GeneralTimer : std::uint8_t { tim2, tim3, tim4, tim5 };

/// Prescaler and reload for a period: the counter runs at input / (prescaler + 1) and
/// overflows every reload + 1 counts.
struct Timebase {
    std::uint32_t prescaler = 0;
    std::uint32_t reload = 0;
};

/// The timebase whose update rate is nearest `rate_hz` with a timer clock of `input_hz` and a
/// reload of at most `max_reload` (0xFFFF for TIM3/4, 0xFFFF'FFFF for the 32-bit TIM2/5), the
/// prescaler as small as possible (the finest resolution); nullopt if the rate is zero, above
/// the input clock, or too slow for a 16-bit prescaler.
constexpr std::optional<Timebase> timebase_for(std::uint32_t input_hz, std::uint32_t rate_hz,
                                               std::uint32_t max_reload = tim::max_reload) noexcept {
    if (rate_hz == 0 || rate_hz > input_hz) return std::nullopt;
    const std::uint64_t counts = (std::uint64_t{input_hz} + rate_hz / 2) / rate_hz; // per period
    const std::uint64_t span = std::uint64_t{max_reload} + 1;
    const std::uint64_t divider = (counts + span - 1) / span; // prescaler + 1
    if (divider > std::uint64_t{tim::max_prescaler} + 1) return std::nullopt;
    const std::uint64_t reload_plus_one = (counts + divider / 2) / divider;
    if (reload_plus_one == 0) return std::nullopt;
    return Timebase{static_cast<std::uint32_t>(divider - 1), static_cast<std::uint32_t>(reload_plus_one - 1)};
}

/// The rate a timebase gives, in millihertz (to check the rounding).
constexpr std::uint64_t rate_mhz(std::uint32_t input_hz, Timebase t) noexcept {
    return std::uint64_t{input_hz} * 1000 / ((std::uint64_t{t.prescaler} + 1) * (std::uint64_t{t.reload} + 1));
}

/// Called from the timer's interrupt, once per update, with the context given to start().
using TickHandler = void (*)(void* context) noexcept;

/// One general-purpose timer as a periodic tick. One object per timer; the object only names
/// the timer (the handler lives in the driver's table, which the interrupt reads).
class PeriodicTimer {
public:
    explicit constexpr PeriodicTimer(GeneralTimer which) noexcept : which_(which) {}

    /// Enables the timer's clock, programs the timebase for `rate_hz` from a timer clock of
    /// `input_hz` (84 MHz for TIM2..5 with the 168 MHz set-up: APB1 at 42 MHz, doubled; TIM2 and
    /// TIM5 use their 32-bit reload, so they need no prescaler down to 1 Hz), and enables its
    /// interrupt at `priority` (0..15); the counter stays stopped. False (nothing changed) if
    /// the rate cannot be reached or the timer is running. Thread mode only.
    [[nodiscard]] bool configure(std::uint32_t input_hz, std::uint32_t rate_hz, TickHandler handler, void* context,
                                 std::uint8_t priority) noexcept;

    /// Starts counting (from zero after configure() or stop()): the first tick comes one period
    /// later.
    void start() noexcept;

    /// Stops counting and sets the counter back to zero; a tick already pending is discarded,
    /// the handler is not called again.
    void stop() noexcept;

    /// Makes the timer's trigger output (TRGO) pulse at each update, e.g. to start ADC
    /// conversions in hardware (adc_power_on_timer_dma). Thread mode, before start().
    void enable_trigger_output() noexcept;

    /// Update interrupts served since configure() (wraps at 2^32).
    [[nodiscard]] std::uint32_t ticks() const noexcept;

    /// The timebase configure() programmed.
    [[nodiscard]] Timebase timebase() const noexcept;

    /// The timer's NVIC interrupt.
    [[nodiscard]] Irq irq() const noexcept;

    /// The timer's register block.
    [[nodiscard]] std::uintptr_t base() const noexcept;

private:
    GeneralTimer which_;
};

} // namespace ss::stm32
