#include "ss/stm32/power_fail_monitor.hpp"

#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/mmio.hpp"
#include "ss/stm32/registers/exti.hpp"
#include "ss/stm32/registers/pwr.hpp"
#include "ss/stm32/registers/rcc.hpp"

namespace ss::stm32 {

namespace {

// Written in thread mode while the interrupt is off, read by the interrupt.
struct MonitorState {
    PowerFailHandler handler = nullptr;
    void* context = nullptr;
    volatile std::uint32_t notices = 0;
};

MonitorState state;

} // namespace

void power_fail_start(PvdLevel level, PowerFailHandler handler, void* context, std::uint8_t priority) noexcept {
    irq_disable(Irq::pvd);
    state.handler = handler;
    state.context = context;
    state.notices = 0;
    with_interrupts_masked([] { mmio(rcc::apb1enr) = mmio(rcc::apb1enr) | rcc::apb1_pwr; });
    const std::uint32_t cr = mmio(pwr::cr) & ~pwr::cr_pls_mask;
    mmio(pwr::cr) = cr | static_cast<std::uint32_t>(level) << pwr::cr_pls_shift | pwr::cr_pvde;
    // Rising edge only: VDD going below the level. Recovery (the falling edge) is not a notice:
    // a flush once started runs to its end, and the store takes records again after it.
    with_interrupts_masked([] {
        mmio(exti::ftsr) = mmio(exti::ftsr) & ~exti::line_pvd;
        mmio(exti::rtsr) = mmio(exti::rtsr) | exti::line_pvd;
        mmio(exti::imr) = mmio(exti::imr) | exti::line_pvd;
    });
    mmio(exti::pr) = exti::line_pvd; // a stale edge from before start is not a notice
    irq_clear_pending(Irq::pvd);
    irq_enable(Irq::pvd, priority);
}

void power_fail_stop() noexcept {
    irq_disable(Irq::pvd);
    with_interrupts_masked([] { mmio(exti::imr) = mmio(exti::imr) & ~exti::line_pvd; });
    mmio(exti::pr) = exti::line_pvd;
    irq_clear_pending(Irq::pvd);
    mmio(pwr::cr) = mmio(pwr::cr) & ~pwr::cr_pvde;
}

bool supply_below_threshold() noexcept { return (mmio(pwr::csr) & pwr::csr_pvdo) != 0; }

std::uint32_t power_fail_notices() noexcept { return state.notices; }

} // namespace ss::stm32

// The PVD's interrupt: its vector serves EXTI line 16 alone, so every call is a notice. The line's
// pending bit is cleared first (rc_w1: writing it leaves the other lines alone), or the interrupt
// would be taken again at once.
extern "C" void PVD_IRQHandler() {
    using namespace ss::stm32;
    mmio(exti::pr) = exti::line_pvd;
    state.notices = state.notices + 1;
    if (state.handler != nullptr) state.handler(state.context);
}
