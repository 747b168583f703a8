// A task's figures, on the MCU under QEMU (netduinoplus2): events handled, the most events ever
// queued at once (a high watermark: later shallower queues do not lower it), posts refused by
// a full queue, and the longest step in processor cycles (SysTick-based: a step that busy-waits
// a known number of cycles is the longest, and no step is longer than the whole run). Another
// task's figures stay its own.
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/scheduler.hpp"
#include "systick.hpp"

namespace {

using ss::stm32::Event;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::expect_within;
using ss::stm32::test::figure;

ss::stm32::Scheduler scheduler;

// Each event is the number of processor cycles its step busy-waits.
void on_work(void*, Event cycles) {
    const std::uint32_t start = ss::stm32::systick_cycles();
    while (ss::stm32::systick_cycles() - start < cycles) {}
}
ss::stm32::Task<8> worker{on_work, nullptr};
ss::stm32::Task<8> other{on_work, nullptr};

std::uint32_t post_many(ss::stm32::TaskBase& task, std::uint32_t count, Event event) {
    std::uint32_t accepted = 0;
    for (std::uint32_t k = 0; k < count; ++k) accepted += task.post(event) ? 1 : 0;
    return accepted;
}

void drain() {
    while (scheduler.run_one()) {}
}

} // namespace

int main() {
    expect_true("add: worker at priority 2", scheduler.add(worker, 2));
    expect_true("add: other at priority 7", scheduler.add(other, 7));
    const ss::stm32::TaskStats fresh = worker.stats();
    expect_eq("a new task: handled", 0, fresh.handled);
    expect_eq("a new task: max depth", 0, fresh.max_depth);
    expect_eq("a new task: overflows", 0, fresh.overflows);
    expect_eq("a new task: max run cycles", 0, fresh.max_run_cycles);

    expect_eq("5 posts accepted", 5, post_many(worker, 5, 0));
    expect_eq("max depth after 5 posts", 5, worker.stats().max_depth);
    drain();
    expect_eq("3 posts accepted", 3, post_many(worker, 3, 0));
    drain();
    ss::stm32::TaskStats s = worker.stats();
    expect_eq("handled after 5 + 3 events", 8, s.handled);
    expect_eq("max depth is a high watermark: still 5 after a queue of 3", 5, s.max_depth);
    expect_eq("no overflows yet", 0, s.overflows);

    // Ten posts into eight slots: two refused, counted; the queue reached its capacity.
    expect_eq("8 of 10 posts accepted", 8, post_many(worker, 10, 0));
    s = worker.stats();
    expect_eq("overflows after 10 posts into 8 slots", 2, s.overflows);
    expect_eq("max depth at capacity", worker.capacity(), s.max_depth);
    drain();
    expect_eq("handled after 8 more", 16, worker.stats().handled);

    // Max run time: SysTick running (1 kHz from 168 MHz), one step busy-waits 2 ms of cycles.
    ss::stm32::start_systick(168'000'000);
    constexpr std::uint32_t long_step = 336'000;
    const std::uint32_t run_start = ss::stm32::systick_cycles();
    expect_eq("3 posts accepted", 3, post_many(worker, 1, 1000) + post_many(worker, 1, long_step) +
                                         post_many(worker, 1, 1000));
    drain();
    const std::uint32_t whole_run = ss::stm32::systick_cycles() - run_start;
    s = worker.stats();
    figure("max run cycles of the 2 ms step", s.max_run_cycles);
    figure("cycles of the whole run of 3 steps", whole_run);
    expect_within("max run cycles: at least the longest step's wait, at most the whole run", long_step, whole_run,
                  s.max_run_cycles);
    expect_eq("handled after 3 more", 19, s.handled);

    // The other task's figures are its own.
    expect_eq("2 posts to the other task accepted", 2, post_many(other, 2, 0));
    drain();
    const ss::stm32::TaskStats o = other.stats();
    expect_eq("other task: handled", 2, o.handled);
    expect_eq("other task: max depth", 2, o.max_depth);
    expect_eq("other task: overflows", 0, o.overflows);
    expect_eq("worker unchanged by the other task: handled", 19, worker.stats().handled);
    return ss::stm32::test::finish("scheduler stats firmware test");
}
