// Idle, on the MCU under QEMU (netduinoplus2): with nothing ready the loop runs the idle hook
// with interrupts masked and sleeps in WFI; the SysTick interrupt wakes it and its task handles
// every tick; the loop sleeps between ticks rather than spinning (the hook runs about once per
// tick); and an interrupt raised after the ready check, while interrupts are masked, still
// wakes WFI, so its event is not left waiting for the next one.
#include <cstdint>

#include "firmware_check.hpp"
#include "software_interrupt.hpp"
#include "ss/stm32/scheduler.hpp"
#include "systick.hpp"

namespace {

using ss::stm32::Event;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::expect_within;
using ss::stm32::test::figure;

ss::stm32::Scheduler scheduler;

// The tick task counts SysTick's posts (each carries its tick number) and stops the loop at
// the last one.
constexpr std::uint32_t ticks_wanted = 20;
std::uint32_t ticks_handled = 0;
std::uint32_t ticks_out_of_order = 0;

void on_tick(void*, Event tick) {
    if (tick != ticks_handled + 1) ++ticks_out_of_order;
    if (++ticks_handled == ticks_wanted) scheduler.stop();
}
ss::stm32::Task<4> tick_task{on_tick, nullptr};

volatile std::uint32_t ticks_posted = 0;
void post_tick() {
    if (ticks_posted < ticks_wanted && tick_task.post(ticks_posted + 1)) ticks_posted = ticks_posted + 1;
}

// The idle hook: counts its calls and whether interrupts were masked at each.
struct IdleRecord {
    std::uint32_t calls = 0;
    std::uint32_t calls_unmasked = 0;
    std::uint32_t raise_on_calls = 0; // the first this many calls raise the software interrupt
};
IdleRecord idle_record;

void on_idle(void* context) {
    auto& record = *static_cast<IdleRecord*>(context);
    if (ss::stm32::test::primask() == 0) ++record.calls_unmasked;
    // Raised while masked: pending, not taken, so only WFI's wake-on-pending brings it in.
    if (record.calls++ < record.raise_on_calls) {
        ss::stm32::test::nvic_reg(0xE000EF00) = ss::stm32::test::software_irq;
        asm volatile("dsb\n isb" ::: "memory");
    }
}

// The late task: its events come from the software interrupt raised inside the idle hook.
constexpr std::uint32_t late_wanted = 5;
std::uint32_t late_handled = 0;
void on_late(void*, Event) {
    if (++late_handled == late_wanted) scheduler.stop();
}
ss::stm32::Task<2> late_task{on_late, nullptr};

} // namespace

extern "C" void HASH_RNG_IRQHandler() { (void)late_task.post(0); }

int main() {
    expect_true("add: tick task at priority 2", scheduler.add(tick_task, 2));
    expect_true("add: late task at priority 1", scheduler.add(late_task, 1));
    scheduler.set_idle_hook(on_idle, &idle_record);

    // SysTick posts one tick per millisecond; between them the loop has nothing to do.
    ss::stm32::set_systick_hook(post_tick);
    ss::stm32::start_systick(168'000'000);
    scheduler.run();
    ss::stm32::set_systick_hook(nullptr);
    expect_eq("ticks handled by the task, woken from WFI by SysTick", ticks_wanted, ticks_handled);
    expect_eq("ticks out of order", 0, ticks_out_of_order);
    // Spinning instead of sleeping would call the hook thousands of times per tick. Fewer calls
    // than ticks happen: QEMU's SysTick follows the host's clock, and a late vCPU takes two ticks
    // in one wake-up.
    figure("idle hook calls while SysTick posted 20 ticks", idle_record.calls);
    expect_within("idle hook calls: at most about one per tick (the loop slept between ticks)", 1,
                  2 * ticks_wanted + 2, idle_record.calls);
    expect_eq("idle hook calls with interrupts unmasked", 0, idle_record.calls_unmasked);

    // SysTick off: the only wake-up is the interrupt the hook raises after the ready check. The
    // loop must wake from WFI for it each time (else the run hangs and the ctest times out).
    asm volatile("cpsid i" ::: "memory");
    ss::stm32::test::nvic_reg(0xE000E010) = 0; // SYST_CSR: SysTick stopped
    ss::stm32::test::nvic_reg(0xE000ED04) = 1u << 25; // ICSR.PENDSTCLR: no tick left pending
    asm volatile("cpsie i" ::: "memory");
    ss::stm32::test::enable_software_interrupt();
    idle_record = IdleRecord{.calls = 0, .calls_unmasked = 0, .raise_on_calls = late_wanted};
    scheduler.run();
    expect_eq("events of an interrupt raised after the ready check, handled", late_wanted, late_handled);
    expect_eq("idle hook calls: one per such interrupt", late_wanted, idle_record.calls);
    return ss::stm32::test::finish("scheduler idle firmware test");
}
