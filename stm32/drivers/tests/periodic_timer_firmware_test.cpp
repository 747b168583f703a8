// The periodic timer under QEMU (netduinoplus2): TIM2 and TIM5 (32-bit reload, no prescaler)
// tick at the programmed rates, counted against SysTick over a window; TIM3 (16-bit, with a
// prescaler) delivers its update; the registers hold the computed timebase; the driver's
// handler clears UIF; stop() stops the updates. The timebase arithmetic is checked at compile
// time.
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/periodic_timer.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

// The timebase: 84 MHz (TIM2..5 on silicon at 168 MHz) to 1 kHz is 84 000 counts: the prescaler
// goes to 1 (divide by 2) and the reload to 41 999.
static_assert(timebase_for(84'000'000, 1'000)->prescaler == 1);
static_assert(timebase_for(84'000'000, 1'000)->reload == 41'999);
static_assert(rate_mhz(84'000'000, *timebase_for(84'000'000, 1'000)) == 1'000'000);
static_assert(timebase_for(84'000'000, 48'000)->prescaler == 0); // fits the reload alone: finest
static_assert(timebase_for(84'000'000, 48'000)->reload == 1'749);
static_assert(!timebase_for(84'000'000, 0));
static_assert(timebase_for(84'000'000, 1)->prescaler == 1'281); // 1 Hz: the prescaler takes the rest
static_assert(timebase_for(84'000'000, 20).has_value());
static_assert(!timebase_for(1'000, 2'000));
// TIM2 and TIM5 reload on 32 bits: no prescaler down to 1 Hz.
static_assert(timebase_for(84'000'000, 1, tim::max_reload_32bit)->prescaler == 0);
static_assert(timebase_for(84'000'000, 1, tim::max_reload_32bit)->reload == 83'999'999);

// QEMU 7.2's stm32f2xx_timer counts a 1 GHz clock (its "clock-frequency" default; the SoC
// model leaves it), so the test programs the timers for that clock. Its alarm is right only
// while the model's time base is the one of reset: after a write of CNT, PSC or UG every alarm
// comes late by the time since the emulator started (periodic_timer.cpp, start()). TIM2 and
// TIM5 need no prescaler and keep that time base, so their rate is measured; TIM3 needs one,
// so under QEMU it is only checked to deliver its update.
constexpr std::uint32_t qemu_timer_clock_hz = 1'000'000'000;

volatile std::uint32_t tim2_calls = 0;
volatile std::uint32_t tim5_calls = 0;
volatile std::uint32_t tim3_calls = 0;

void count(void* context) noexcept {
    auto* calls = static_cast<volatile std::uint32_t*>(context);
    *calls = *calls + 1;
}

void* counter(volatile std::uint32_t& calls) { return const_cast<std::uint32_t*>(&calls); }

void wait_ms(std::uint64_t ms) {
    const std::uint64_t t0 = ss::stm32::test::now_ms();
    while (ss::stm32::test::now_ms() < t0 + ms) {}
}

void check_registers(const char* name, PeriodicTimer& timer, std::uint32_t rate_hz) {
    ss::stm32::host_write(name);
    ss::stm32::host_write(":\n");
    const Timebase tb = timer.timebase();
    figure("prescaler", tb.prescaler);
    figure("reload", tb.reload);
    check(mmio(timer.base() + tim::psc) == tb.prescaler && mmio(timer.base() + tim::arr) == tb.reload,
          "PSC and ARR hold the computed timebase");
    const std::uint64_t mhz = rate_mhz(qemu_timer_clock_hz, tb);
    const std::uint64_t want = std::uint64_t{rate_hz} * 1000;
    figure("rate (mHz)", mhz);
    check(mhz * 1000 >= want * 999 && mhz * 1000 <= want * 1001, "the timebase gives the rate within 0.1 %");
}

/// Updates of a timer over `window_ms` of SysTick against `rate_hz`.
void check_rate(const char* name, PeriodicTimer& timer, volatile std::uint32_t& calls, std::uint32_t rate_hz,
                std::uint32_t window_ms) {
    const std::uint64_t expected = std::uint64_t{rate_hz} * window_ms / 1000;
    const std::uint32_t seen = calls;
    ss::stm32::host_write(name);
    ss::stm32::host_write(":\n");
    figure("updates expected in the window", expected);
    figure("updates seen", seen);
    // 2 %: the window's edges (SysTick's 1 ms steps, the start and stop calls) and nothing else;
    // the ctest runs QEMU with -icount, so a busy host does not stretch one clock against the other.
    check(seen * 100 >= expected * 98 && seen * 100 <= expected * 102, "updates arrive at the programmed rate (within 2 %)");
    check(timer.ticks() == seen, "every update the driver counted reached the handler");
    check((mmio(timer.base() + tim::sr) & tim::sr_uif) == 0, "UIF is clear: the driver's handler cleared it");
}

} // namespace

int main() {
    start_systick(168'000'000);
    PeriodicTimer tim2{GeneralTimer::tim2};
    PeriodicTimer tim5{GeneralTimer::tim5};
    PeriodicTimer tim3{GeneralTimer::tim3};
    check(!tim2.configure(qemu_timer_clock_hz, 0, count, nullptr, 4), "a zero rate is refused");
    check(tim2.configure(qemu_timer_clock_hz, 1'000, count, counter(tim2_calls), 4), "TIM2 configured for 1 kHz");
    check(tim5.configure(qemu_timer_clock_hz, 250, count, counter(tim5_calls), 5), "TIM5 configured for 250 Hz");
    check_registers("TIM2", tim2, 1'000);
    check_registers("TIM5", tim5, 250);
    check(tim2_calls == 0 && tim5_calls == 0, "no update before start()");

    constexpr std::uint32_t window_ms = 500;
    tim2.start();
    tim5.start();
    wait_ms(window_ms);
    tim2.stop();
    tim5.stop();
    check_rate("TIM2 at 1 kHz", tim2, tim2_calls, 1'000, window_ms);
    check_rate("TIM5 at 250 Hz", tim5, tim5_calls, 250, window_ms);
    const std::uint32_t after_stop = tim2_calls + tim5_calls;
    wait_ms(20);
    check(tim2_calls + tim5_calls == after_stop, "no update after stop()");

    check(tim3.configure(qemu_timer_clock_hz, 20, count, counter(tim3_calls), 4), "TIM3 configured for 20 Hz");
    check_registers("TIM3", tim3, 20);
    tim3.start();
    const bool ticked = ss::stm32::test::wait_for([] { return tim3_calls >= 1; }, 5'000);
    tim3.stop();
    check(ticked, "TIM3's update interrupt reaches the handler");
    check(tim3.ticks() == tim3_calls && (mmio(tim3.base() + tim::sr) & tim::sr_uif) == 0,
          "TIM3's update counted, UIF cleared");
    return ss::stm32::test::failures;
}
