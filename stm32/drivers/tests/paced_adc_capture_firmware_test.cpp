// The paced ADC capture under QEMU (netduinoplus2): ADC1 sampled once per tick of a pacing
// interrupt; every sample reaches the double buffer, full halves are handed over in order
// (0, 1, 0, 1, ...) with nothing lost, and the half-ready handler is called for each. Then a
// consumer that holds a half too long: the overrun is counted, not hidden.
//
// QEMU 7.2's ADC model returns a made-up value at each read of DR after SWSTART: the previous
// value + 7, modulo 2^12. So a sample lost or stored twice shows as a step other than 7.
// The pacing interrupt here is TIM4's vector, pended by the test itself: QEMU 7.2's timer model
// does not keep a steady rate (periodic_timer_firmware_test.cpp), and the capture only needs to
// be called from an interrupt once per sample.
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/forever.hpp"
#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/paced_adc_capture.hpp"

namespace {

using namespace ss::stm32;
using ss::stm32::test::check;
using ss::stm32::test::figure;

constexpr std::size_t half_length = 32;
using Capture = PacedAdcCapture<half_length>;
Forever<Capture> capture_object{AdcUnit::adc1, 5u};
Capture& capture = *capture_object;

volatile std::uint32_t ready_calls = 0;
volatile std::uint32_t ready_last_half = 1;
volatile bool ready_alternates = true;

void on_ready(void*, std::uint32_t half) noexcept {
    if (half == ready_last_half) ready_alternates = false;
    ready_last_half = half;
    ready_calls = ready_calls + 1;
}

/// One sample period: the pacing interrupt runs once.
void tick() {
    irq_set_pending(Irq::tim4);
    asm volatile("dsb\n isb" ::: "memory"); // taken before the next instruction
}

} // namespace

extern "C" void TIM4_IRQHandler() { capture.on_tick(); }

int main() {
    start_systick(168'000'000);
    check(!Capture{AdcUnit::adc2, 19}.start(), "a channel above 18 is refused");
    check(capture.start(on_ready, nullptr), "ADC1 channel 5 powered on");
    irq_enable(Irq::tim4, 5);

    // 40 halves, each consumed as soon as it is handed over.
    constexpr std::uint32_t halves = 40;
    std::uint32_t taken = 0;
    std::uint32_t expected_half = 0;
    bool halves_in_order = true;
    bool steps_of_seven = true;
    std::uint32_t previous = 0;
    bool have_previous = false;
    std::uint32_t ticks = 0;
    while (taken < halves && ticks < 10 * halves * half_length) {
        tick();
        ++ticks;
        auto half = capture.buffer().try_take();
        if (!half) continue;
        halves_in_order = halves_in_order && half->half == expected_half;
        expected_half ^= 1u;
        for (const std::uint16_t sample : half->samples) {
            if (have_previous && sample != ((previous + 7) & 0xFFFu)) steps_of_seven = false;
            previous = sample;
            have_previous = true;
        }
        (void)capture.buffer().release(half->half);
        ++taken;
    }
    figure("halves taken", taken);
    figure("samples stored", capture.samples_stored());
    figure("ticks", ticks);
    check(taken == halves, "40 halves handed over");
    check(halves_in_order, "halves handed over in order 0, 1, 0, 1, ...");
    check(steps_of_seven, "every sample is there once, in order (QEMU's values step by 7)");
    // The first tick only starts a conversion; every later tick stores one sample.
    check(capture.samples_stored() == ticks - 1, "one sample stored per tick after the first");
    check(ready_calls == halves && ready_alternates, "the half-ready handler is called for each half, alternating");
    ss::capture::DoubleBufferStats st = capture.buffer().stats();
    check(st.overruns == 0 && st.halves_dropped == 0 && st.missed_events == 0 && st.samples_overrun == 0,
          "nothing lost while the consumer keeps up");

    // A consumer that holds a half while the ADC goes round: counted as an overrun.
    auto held = capture.buffer().try_take();
    for (std::size_t i = 0; i < 3 * half_length; ++i) tick();
    if (held) (void)capture.buffer().release(held->half);
    st = capture.buffer().stats();
    figure("overruns after holding a half", st.overruns);
    figure("samples counted lost", st.samples_overrun);
    check(st.overruns > 0 && st.samples_overrun > 0, "a half held too long is counted as an overrun");

    irq_disable(Irq::tim4);
    capture.stop();
    return ss::stm32::test::failures;
}
