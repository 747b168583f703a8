// ISR → queue → task, on the MCU under QEMU (netduinoplus2), with real interrupts: interrupt 80
// raised by software through the NVIC (STIR) and the SysTick interrupt post buffer indices; the
// task receives every index exactly once and in order; a post to a full queue fails, the ISR
// keeps the index for its next try and the task's overflow count shows every refusal; both
// interrupts posting to one task keep each source's order.
#include <cstdint>

#include "firmware_check.hpp"
#include "software_interrupt.hpp"
#include "ss/stm32/scheduler.hpp"
#include "systick.hpp"

namespace {

using ss::stm32::Event;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::figure;

constexpr std::uint32_t queue_capacity = 8;
constexpr Event tick_source = 1u << 31; // SysTick's indices carry the top bit

ss::stm32::Scheduler scheduler;

// What the task saw, per source: the next index it expects and the ones out of order.
struct Received {
    std::uint32_t count = 0;
    std::uint32_t next = 0;
    std::uint32_t out_of_order = 0;
    std::uint32_t first_wrong = 0;
    std::uint32_t expected_instead = 0;
};
Received from_software;
Received from_tick;

void receive(Received& r, std::uint32_t index) {
    if (index != r.next && r.out_of_order++ == 0) {
        r.first_wrong = index;
        r.expected_instead = r.next;
    }
    r.next = index + 1;
    ++r.count;
}

void on_buffer(void*, Event event) {
    if ((event & tick_source) != 0) receive(from_tick, event & ~tick_source);
    else receive(from_software, event);
}
ss::stm32::Task<queue_capacity> consumer{on_buffer, nullptr};

// The software interrupt's producer: the next buffer index, advanced only when the post took it
// (a refused index is still the ISR's to hand over), and the refusals it saw.
volatile std::uint32_t software_next = 0;
volatile std::uint32_t software_refused = 0;
volatile std::uint32_t software_isr_runs = 0;

// SysTick's producer, the same way, until it has handed over tick_indices.
constexpr std::uint32_t tick_indices = 40;
volatile std::uint32_t tick_next = 0;
volatile std::uint32_t tick_refused = 0;

void post_tick_index() {
    if (tick_next == tick_indices) return;
    if (consumer.post(tick_source | tick_next)) tick_next = tick_next + 1;
    else tick_refused = tick_refused + 1;
}

void expect_in_order(const char* what, const Received& r, std::uint32_t count) {
    expect_eq(what, count, r.count);
    expect_eq("  indices out of order", 0, r.out_of_order);
    if (r.out_of_order != 0) {
        figure("  first index out of order", r.first_wrong);
        figure("  index expected there", r.expected_instead);
    }
}

} // namespace

extern "C" void HASH_RNG_IRQHandler() {
    software_isr_runs = software_isr_runs + 1;
    if (consumer.post(software_next)) software_next = software_next + 1;
    else software_refused = software_refused + 1;
}

int main() {
    using ss::stm32::test::raise_software_interrupt;
    expect_true("add: consumer at priority 3", scheduler.add(consumer, 3));
    ss::stm32::test::enable_software_interrupt();

    // Bursts of 1..8 interrupts, each drained by the loop: 1000 indices, none refused.
    std::uint32_t raised = 0;
    for (std::uint32_t burst = 1; raised < 1000; burst = burst % queue_capacity + 1) {
        for (std::uint32_t k = 0; k < burst && raised < 1000; ++k, ++raised) raise_software_interrupt();
        while (scheduler.run_one()) {}
    }
    expect_eq("the software interrupt ran once per raise", 1000, software_isr_runs);
    expect_in_order("indices 0..999 received once each, in order", from_software, 1000);
    expect_eq("no post refused while the loop keeps up", 0, software_refused);

    // The queue full: capacity + 5 raises before the loop runs. Five posts are refused and
    // counted; the ISR keeps those indices, so after the drain the next raises carry on.
    for (std::uint32_t k = 0; k < queue_capacity + 5; ++k) raise_software_interrupt();
    expect_eq("posts refused by the full queue, seen by the ISR", 5, software_refused);
    expect_eq("overflows counted by the task", 5, consumer.stats().overflows);
    while (scheduler.run_one()) {}
    for (std::uint32_t k = 0; k < 5; ++k) raise_software_interrupt();
    while (scheduler.run_one()) {}
    expect_in_order("after the overflow: indices 0..1012 received once each, in order (none lost silently)",
                    from_software, 1013);

    // SysTick and the software interrupt post to the same task; the loop runs until SysTick has
    // handed over its 40 indices, and each source's indices arrive once each, in order.
    ss::stm32::set_systick_hook(post_tick_index);
    ss::stm32::start_systick(168'000'000);
    std::uint32_t spins = 0;
    while (tick_next < tick_indices || scheduler.ready_set() != 0) {
        if (++spins % 64 == 0) raise_software_interrupt();
        scheduler.run_one();
    }
    ss::stm32::set_systick_hook(nullptr);
    figure("software indices posted while SysTick ran", software_next - 1013);
    expect_in_order("SysTick's indices 0..39 received once each, in order", from_tick, tick_indices);
    expect_in_order("the software interrupt's indices received once each, in order", from_software, software_next);
    expect_eq("overflows counted = refusals seen by both ISRs", software_refused + tick_refused,
              consumer.stats().overflows);
    expect_eq("events handled = indices received", from_software.count + from_tick.count, consumer.stats().handled);
    return ss::stm32::test::finish("scheduler ISR firmware test");
}
