// Interrupt-to-task and interrupt-to-stored latency, and the scheduler's cost per event, in
// executed instructions on the Cortex-M4 under QEMU with the icount plugin (icount_plugin.c;
// run_icount.sh runs it and prints the table, README.md "Scheduler and interrupt latency").
//
// Real interrupts, raised by software through the NVIC (STIR) on vectors nothing on QEMU's
// netduinoplus2 raises: 80 (HASH_RNG) and 56 (DMA2 stream 0) post a capture-buffer index, as a
// DMA-complete ISR would, to a task that only marks (80) or to one that stores the buffer's value
// with ss_ts_add (56); 57 (DMA2 stream 1) measures the post itself. The store is the C API as
// the store firmware test sets it up: STM32 defaults (100 sensors, 102 sectors of 256 B), the
// arena in the STORE region, the port's interrupt-mask locks. SysTick is NOT started, so no
// other interrupt lands in a measurement.
//
// A latency sample starts at the marker just BEFORE the store to STIR: QEMU takes the interrupt
// at the end of the translation block holding that store (the ISB after it ends the block), so a
// marker placed after the store would run after the whole ISR. The sample therefore counts the
// STIR store, DSB and ISB, the ISR, the return, the loop's step up to the handler, and (for the
// stored rows) ss_ts_add; the exception entry and return themselves are no instructions and are
// not counted (about 12 cycles in and 10 out on the real core).
#include <cstddef>
#include <cstdint>

#include "bench_marks.hpp"
#include "semihosting.hpp"
#include "default_store.hpp"
#include "ss/sensor_storage.h"
#include "ss/stm32/scheduler.hpp"
#include "ss_stm32_port.h"

namespace {

using ss::stm32::Event;
using ss::stm32::TaskBase;
using ss::stm32::bench::require;
using ss::stm32::bench::series;

// The 50 µs from interrupt to stored record (seed 000) at 168 MHz, taking one instruction per
// cycle: a gate no count may pass, though passing it does not prove 50 µs (wait states, loads
// and taken branches cost more than a cycle: instructions are a lower bound on cycles).
constexpr std::uint32_t capture_to_stored_budget = 50 * 168;

constexpr std::uint32_t notify_irq = 80; // HASH_RNG: posts to notify_task
constexpr std::uint32_t store_irq = 56;  // DMA2 stream 0: posts to store_task
constexpr std::uint32_t post_irq = 57;   // DMA2 stream 1: markers around its post
constexpr std::uint32_t entry_irq = 58;  // DMA2 stream 2: a marker as its first instruction

volatile std::uint32_t& nvic_reg(std::uintptr_t address) {
    return *reinterpret_cast<volatile std::uint32_t*>(address);
}

void enable_interrupt(std::uint32_t irq) { nvic_reg(0xE000E100 + 4 * (irq / 32)) = 1u << (irq % 32); }

constexpr std::uintptr_t nvic_stir = 0xE000EF00;

// Makes the interrupt pending; the ISB ends QEMU's translation block, so with interrupts
// unmasked the ISR has run before the next instruction (as on the core: the barriers let it in).
__attribute__((always_inline)) inline void raise(std::uint32_t irq) {
    nvic_reg(nvic_stir) = irq;
    asm volatile("dsb\n isb" ::: "memory");
}

// The start of a latency sample: the marker, then at once the STIR store (its address and value
// already in registers, so nothing else lies between), DSB, ISB.
__attribute__((always_inline)) inline void mark_and_raise(std::uint32_t irq) {
    asm volatile("bl ss_bench_mark\n"
                 "str %1, [%0]\n"
                 "dsb\n"
                 "isb" ::"r"(nvic_stir),
                 "r"(irq)
                 : "r0", "r1", "r2", "r3", "r12", "lr", "cc", "memory");
}

ss::stm32::Scheduler scheduler;

// The capture buffers a DMA would fill: the ISR posts the index of the one just filled, the task
// stores its value.
constexpr std::uint32_t capture_buffers = 8;
std::uint32_t captured[capture_buffers];
volatile std::uint32_t capture_next = 0;
volatile std::uint32_t refused_posts = 0;

SensorStore* stored_sensor = nullptr;
volatile std::uint32_t store_failures = 0;
volatile std::uint32_t notified = 0;
volatile std::uint32_t stored = 0;

// True while the sample runs Scheduler::run(): the handler stops the loop after its marker.
volatile bool in_run_loop = false;

// The first thing of the handler is the marker: the end of isr_to_task.
void on_notify(void*, Event) {
    ss_bench_mark();
    notified = notified + 1;
    if (in_run_loop) scheduler.stop();
}

// Stores the buffer's value; the marker right after the add is the end of isr_to_stored.
void on_store(void*, Event index) {
    const int rc = ss_ts_add(stored_sensor, captured[index]);
    ss_bench_mark();
    if (rc != 0) store_failures = store_failures + 1;
    stored = stored + 1;
    if (in_run_loop) scheduler.stop();
}

// The handler of the overhead rows and of the post row's task: nothing to do.
void on_nothing(void*, Event) {}

ss::stm32::Task<8> notify_task{on_notify, nullptr};
ss::stm32::Task<8> store_task{on_store, nullptr};
ss::stm32::Task<8> low_task{on_nothing, nullptr};
ss::stm32::Task<8> mid_task{on_nothing, nullptr};
ss::stm32::Task<8> high_task{on_nothing, nullptr};

// What a capture ISR does: post the filled buffer's index and move on to the next buffer.
__attribute__((always_inline)) inline void post_capture(TaskBase& task) {
    const std::uint32_t index = capture_next;
    capture_next = (index + 1) % capture_buffers;
    if (!task.post(index)) refused_posts = refused_posts + 1;
}

// The idle hook of the *_from_idle rows: the loop has found nothing ready and masked
// interrupts; the interrupt raised here is taken when run() unmasks after WFI, the path of an
// interrupt that arrives while the loop sleeps.
volatile std::uint32_t raise_when_idle = 0;

void on_idle(void*) {
    const std::uint32_t irq = raise_when_idle;
    if (irq == 0) return;
    raise_when_idle = 0;
    mark_and_raise(irq);
}

template <class Call>
__attribute__((always_inline)) inline void sample(Call call) {
    ss_bench_mark();
    call();
    ss_bench_mark();
}

void set_up_store() {
    SensorStore* sensors[ss::stm32::test::default_sensors] = {};
    require(ss::stm32::test::start_default_store(sensors), "the default store");
    stored_sensor = sensors[0];
    for (std::uint32_t i = 0; i < capture_buffers; ++i) captured[i] = 1000 + i;
}

void drain() {
    while (scheduler.run_one()) {}
}

// One row of interrupt latency: `reps` interrupts `irq`, each run by run_one right after the
// raise (the loop busy) or by run() from its idle sleep.
void latency_row(const char* name, std::uint32_t irq, std::uint32_t reps, bool from_idle, std::uint32_t budget) {
    series(name, reps, 1, budget);
    for (std::uint32_t r = 0; r < reps; ++r) {
        const std::uint32_t handled = notified + stored;
        if (from_idle) {
            raise_when_idle = irq;
            in_run_loop = true;
            scheduler.run();
            in_run_loop = false;
        } else {
            mark_and_raise(irq);
            scheduler.run_one();
        }
        require(notified + stored == handled + 1, "one interrupt, one handler run");
        require(scheduler.ready_set() == 0, "nothing left ready");
    }
}

} // namespace

extern "C" void HASH_RNG_IRQHandler() { post_capture(notify_task); }
extern "C" void DMA2_Stream0_IRQHandler() { post_capture(store_task); }

// The post row: the same post, between markers.
extern "C" void DMA2_Stream1_IRQHandler() {
    const std::uint32_t index = capture_next;
    capture_next = (index + 1) % capture_buffers;
    ss_bench_mark();
    const bool posted = mid_task.post(index);
    ss_bench_mark();
    if (!posted) refused_posts = refused_posts + 1;
}

// The entry row: where the ISR starts, counted from the marker before the STIR store (it shows
// the interrupt is taken right after the ISB, not later in the thread's code).
extern "C" void DMA2_Stream2_IRQHandler() { ss_bench_mark(); }

int main() {
    set_up_store();
    require(scheduler.add(low_task, 1) && scheduler.add(mid_task, 5) && scheduler.add(store_task, 9) &&
                scheduler.add(notify_task, 10) && scheduler.add(high_task, 20),
            "tasks added");
    scheduler.set_idle_hook(on_idle, nullptr);
    for (const std::uint32_t irq : {notify_irq, store_irq, post_irq, entry_irq}) enable_interrupt(irq);

    ss::stm32::bench::calibrate();

    series("isr_entry", 20, 1, 0);
    for (int r = 0; r < 20; ++r) mark_and_raise(entry_irq);

    // Task::post inside an ISR, into an empty queue (the loop drains it between samples).
    series("post_from_isr", 100, 1, 0);
    for (int r = 0; r < 100; ++r) {
        raise(post_irq);
        drain();
    }

    latency_row("isr_to_task", notify_irq, 100, false, 0);
    latency_row("isr_to_task_from_idle", notify_irq, 100, true, 0);
    // Enough samples to cross several sector ends: the 57th add of a sector seals it and, with
    // the pool full, recycles the sensor's oldest sector; the max is that add.
    latency_row("isr_to_stored", store_irq, 300, false, capture_to_stored_budget);
    latency_row("isr_to_stored_from_idle", store_irq, 300, true, capture_to_stored_budget);

    // run_one picking and running one event of a task whose handler does nothing: one task
    // ready, then three of different priorities (each run_one a sample: highest first).
    series("scheduler_overhead_per_event", 100, 1, 0);
    for (int r = 0; r < 100; ++r) {
        require(mid_task.post(static_cast<Event>(r)), "a post from thread mode");
        sample([] { scheduler.run_one(); });
    }
    series("scheduler_overhead_3_ready", 90, 1, 0);
    for (int r = 0; r < 30; ++r) {
        require(low_task.post(0) && mid_task.post(0) && high_task.post(0), "three posts");
        for (int k = 0; k < 3; ++k) sample([] { scheduler.run_one(); });
        require(scheduler.ready_set() == 0, "the three ran");
    }
    series("run_one_nothing_ready", 20, 1, 0);
    for (int r = 0; r < 20; ++r) sample([] { scheduler.run_one(); });

    require(refused_posts == 0, "no post refused");
    require(store_failures == 0, "every ss_ts_add returned 0");
    SsSensorStats st{};
    require(ss_get_sensor_stats(stored_sensor, &st) == 0 && st.written == 600, "600 records stored");
    require(mid_task.stats().handled == 100 + 100 + 30, "the mid task ran every event");
    ss_deinit_system();
    ss::stm32::bench::announce_total();
    return 0;
}
