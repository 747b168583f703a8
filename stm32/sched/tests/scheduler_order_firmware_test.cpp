// Order under the scheduler, on the MCU under QEMU (netduinoplus2): events of tasks of different
// priorities run highest priority first, FIFO within a task; an event that a running task posts
// to a higher-priority task runs after that task's step ends (run to completion: no preemption)
// and before the rest of the lower task's queue; add() refuses taken and out-of-range
// priorities; run() returns after stop().
#include <cstdint>

#include "firmware_check.hpp"
#include "ss/stm32/scheduler.hpp"

namespace {

using ss::stm32::Event;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;

// What ran, in order: task letter * 1000 + event. A step's end is logged as event + 500.
constexpr std::uint32_t low_id = 1, mid_id = 2, high_id = 3;
std::uint32_t log_entries[32];
std::uint32_t logged = 0;

void log_entry(std::uint32_t task_id, Event event) {
    if (logged < sizeof log_entries / sizeof log_entries[0]) log_entries[logged] = task_id * 1000 + event;
    ++logged;
}

ss::stm32::Scheduler scheduler;

void on_high(void*, Event event) { log_entry(high_id, event); }
void on_mid(void*, Event event) { log_entry(mid_id, event); }
ss::stm32::Task<4> high_task{on_high, nullptr};
ss::stm32::Task<4> mid_task{on_mid, nullptr};

// The low task's event 13 posts to the higher tasks mid-step; event 99 stops the loop.
void on_low(void*, Event event) {
    log_entry(low_id, event);
    if (event == 13) {
        expect_true("a task's post to a higher-priority task is accepted", high_task.post(32) && mid_task.post(21));
        log_entry(low_id, event + 500); // still in the step: nothing preempted it
    }
    if (event == 99) scheduler.stop();
}
ss::stm32::Task<8> low_task{on_low, nullptr};

void expect_log(const char* what, const std::uint32_t* expected, std::uint32_t count) {
    expect_eq(what, count, logged);
    for (std::uint32_t i = 0; i < count && i < logged; ++i) expect_eq("  entry", expected[i], log_entries[i]);
    logged = 0;
}

} // namespace

int main() {
    expect_true("add: low task at priority 1", scheduler.add(low_task, 1));
    expect_true("add: mid task at priority 5", scheduler.add(mid_task, 5));
    expect_true("add: high task at priority 31", scheduler.add(high_task, 31));
    ss::stm32::Task<2> spare{on_mid, nullptr};
    expect_true("add refuses a taken priority", !scheduler.add(spare, 5));
    expect_true("add refuses priority 32", !scheduler.add(spare, 32));
    expect_true("add refuses a task already added", !scheduler.add(low_task, 2));
    expect_true("a task not added refuses posts", !spare.post(1));

    // Posted low, high, mid, interleaved: run highest first, FIFO within each task.
    bool posted = low_task.post(10) && high_task.post(30) && low_task.post(11) && mid_task.post(20) &&
                  high_task.post(31) && low_task.post(12);
    expect_true("six posts accepted", posted);
    expect_eq("ready set: priorities 1, 5 and 31", (1u << 1) | (1u << 5) | (1u << 31), scheduler.ready_set());
    while (scheduler.run_one()) {}
    const std::uint32_t by_priority[] = {3030, 3031, 2020, 1010, 1011, 1012};
    expect_log("priority order, FIFO within a task: steps run", by_priority, 6);
    expect_eq("ready set empty once every queue is", 0, scheduler.ready_set());
    expect_true("run_one with nothing ready returns false", !scheduler.run_one());

    // Run to completion: low's event 13 posts to high and mid; they run after its step, before 14.
    posted = low_task.post(13) && low_task.post(14);
    expect_true("two posts accepted", posted);
    while (scheduler.run_one()) {}
    const std::uint32_t no_preemption[] = {1013, 1513, 3032, 2021, 1014};
    expect_log("a higher-priority post runs after the posting step, before the poster's next event: steps run",
               no_preemption, 5);

    // run() runs everything ready, then returns at the stop requested by the last step.
    posted = low_task.post(98) && high_task.post(33) && low_task.post(99);
    expect_true("three posts accepted", posted);
    scheduler.run();
    const std::uint32_t until_stop[] = {3033, 1098, 1099};
    expect_log("run() until a step calls stop(): steps run", until_stop, 3);
    return ss::stm32::test::finish("scheduler order firmware test");
}
