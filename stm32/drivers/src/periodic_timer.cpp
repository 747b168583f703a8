#include "ss/stm32/periodic_timer.hpp"

#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32 {

namespace {

struct TimerFacts {
    std::uintptr_t base;
    std::uint32_t apb1_enable;
    Irq irq;
    std::uint32_t max_reload;
};

constexpr TimerFacts facts[] = {
    {tim::tim2, rcc::apb1_tim2, Irq::tim2, tim::max_reload_32bit},
    {tim::tim3, rcc::apb1_tim3, Irq::tim3, tim::max_reload},
    {tim::tim4, rcc::apb1_tim4, Irq::tim4, tim::max_reload},
    {tim::tim5, rcc::apb1_tim5, Irq::tim5, tim::max_reload_32bit},
};

// Written in thread mode while the timer's interrupt is off, read by its interrupt.
struct TimerState {
    TickHandler handler = nullptr;
    void* context = nullptr;
    Timebase timebase{};
    volatile std::uint32_t ticks = 0;
};

TimerState state[4];

const TimerFacts& facts_of(GeneralTimer t) noexcept { return facts[static_cast<unsigned>(t)]; }

void serve(GeneralTimer t) noexcept {
    const std::uintptr_t base = facts_of(t).base;
    TimerState& s = state[static_cast<unsigned>(t)];
    if ((mmio(base + tim::sr) & tim::sr_uif) == 0) return; // not an update (or already served)
    // rc_w0: writing 0 clears UIF, the other flags are written 1 and so left as they are.
    mmio(base + tim::sr) = ~tim::sr_uif;
    s.ticks = s.ticks + 1;
    if (s.handler != nullptr) s.handler(s.context);
}

} // namespace

bool PeriodicTimer::configure(std::uint32_t input_hz, std::uint32_t rate_hz, TickHandler handler, void* context,
                              std::uint8_t priority) noexcept {
    const TimerFacts& f = facts_of(which_);
    const std::optional<Timebase> tb = timebase_for(input_hz, rate_hz, f.max_reload);
    if (!tb) return false;
    mmio(rcc::apb1enr) |= f.apb1_enable;
    // Read back: on silicon the peripheral clock starts two bus cycles after the enable.
    [[maybe_unused]] const std::uint32_t enabled = mmio(rcc::apb1enr);
    if ((mmio(f.base + tim::cr1) & tim::cr1_cen) != 0) return false;
    irq_disable(f.irq);
    TimerState& s = state[static_cast<unsigned>(which_)];
    s.handler = handler;
    s.context = context;
    s.timebase = *tb;
    s.ticks = 0;
    // ARR unbuffered (no ARPE): written while stopped, it takes effect at once.
    mmio(f.base + tim::cr1) = tim::cr1_urs;
    if (mmio(f.base + tim::psc) != tb->prescaler) {
        mmio(f.base + tim::psc) = tb->prescaler;
        // PSC is buffered: UG loads it now and zeroes the counter (URS: no update interrupt).
        // Only when it changed: QEMU 7.2's model re-bases its time on UG (see start()).
        mmio(f.base + tim::egr) = tim::egr_ug;
    }
    mmio(f.base + tim::arr) = tb->reload;
    mmio(f.base + tim::sr) = ~tim::sr_uif;
    mmio(f.base + tim::dier) = tim::dier_uie;
    irq_clear_pending(f.irq);
    irq_enable(f.irq, priority);
    return true;
}

void PeriodicTimer::start() noexcept {
    const std::uintptr_t base = facts_of(which_).base;
    mmio(base + tim::cr1) = mmio(base + tim::cr1) | tim::cr1_cen;
    // ARR again, same value: no effect on silicon. QEMU 7.2's model arms its alarm on an ARR
    // write, never on CEN (and drops an alarm that came while CEN was clear). Its alarm is
    // right only while the model's time base is the one of reset: a write of CNT, PSC or UG
    // re-bases it and from then on every alarm comes late by the time since the emulator
    // started. So the driver writes none of them on the way to a tick (UG only when the
    // prescaler changes, the counter zeroed in stop()).
    mmio(base + tim::arr) = mmio(base + tim::arr);
}

void PeriodicTimer::stop() noexcept {
    const TimerFacts& f = facts_of(which_);
    mmio(f.base + tim::cr1) = mmio(f.base + tim::cr1) & ~tim::cr1_cen;
    mmio(f.base + tim::cnt) = 0; // the next start() begins a whole period
    mmio(f.base + tim::sr) = ~tim::sr_uif;
    irq_clear_pending(f.irq);
}

void PeriodicTimer::enable_trigger_output() noexcept {
    const std::uintptr_t base = facts_of(which_).base;
    mmio(base + tim::cr2) = (mmio(base + tim::cr2) & ~tim::cr2_mms_mask) | tim::cr2_mms_update;
}

std::uint32_t PeriodicTimer::ticks() const noexcept { return state[static_cast<unsigned>(which_)].ticks; }

Timebase PeriodicTimer::timebase() const noexcept { return state[static_cast<unsigned>(which_)].timebase; }

Irq PeriodicTimer::irq() const noexcept { return facts_of(which_).irq; }

std::uintptr_t PeriodicTimer::base() const noexcept { return facts_of(which_).base; }

} // namespace ss::stm32

extern "C" void TIM2_IRQHandler() { ss::stm32::serve(ss::stm32::GeneralTimer::tim2); }
extern "C" void TIM3_IRQHandler() { ss::stm32::serve(ss::stm32::GeneralTimer::tim3); }
extern "C" void TIM4_IRQHandler() { ss::stm32::serve(ss::stm32::GeneralTimer::tim4); }
extern "C" void TIM5_IRQHandler() { ss::stm32::serve(ss::stm32::GeneralTimer::tim5); }
