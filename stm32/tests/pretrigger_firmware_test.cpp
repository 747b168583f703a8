// Pre-trigger capture windows on the MCU, under QEMU (netduinoplus2), with real interrupts
// (issue 13: "tested on Linux and in the firmware").
//
// Scenario. TIM2 ticks at 10 kHz; its interrupt plays an ADC: it writes sample k of a
// deterministic integer "vibration" signal into a capture ring and posts the index k (never the
// value: the task reads the ring, zero-copy) to a scheduler task. The task feeds a
// PretriggerWindow (32 samples before, 64 from the trigger on, hold-off 48, rising threshold at
// 3000 with a hysteresis of 200) that writes through a HandleSink to a time-series sensor of its
// own in the C API store (the STM32 defaults: 100 sensors, the arena in the STORE region). At
// one known sample the timer's interrupt raises a software interrupt of higher priority, which
// posts an external trigger before that sample. The signal: quiet noise, a stretch of noise just
// below the level (inside the hysteresis band), and bursts at known samples — one that chatters
// across the level while its window collects (ignored, counted), an echo during the hold-off
// (ignored, counted), one that dips into the band and comes back (no second crossing).
//
// Checks, read back through the C API by an uploader task as each window completes (the pool of
// the defaults leaves the window sensor about three sectors, less than four windows): one window
// per burst and one for the external trigger, no other; each window's records are exactly the
// signal from trigger − pre to trigger + post − 1 with sequence numbers contiguous across
// windows (ss_get_range) and record times trigger time − pre · period + i · period
// (ss_consume_batch_info); the window's reports and counters say the same, the ignored
// crossings included. Every line goes to the host's console; any failed check makes the exit
// status non-zero. Figures: windows, samples, records, and SysTick cycles (QEMU's -icount clock,
// not silicon's) of the trigger's flush and from a window's last interrupt to the window stored.
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "default_store.hpp"
#include "firmware_check.hpp"
#include "semihosting.hpp"
#include "ss/capture/pretrigger_window.hpp"
#include "ss/handle_sink.hpp"
#include "ss/sensor_storage.h"
#include "ss/stm32/interrupts.hpp"
#include "ss/stm32/periodic_timer.hpp"
#include "ss/stm32/scheduler.hpp"
#include "ss/text.hpp"
#include "ss_stm32_port.h"
#include "systick.hpp"

namespace {

using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::failures;
using ss::stm32::test::figure;
using ss::capture::PretriggerConfig;
using ss::capture::PretriggerCounters;
using ss::capture::PretriggerWindow;
using ss::capture::PretriggerWindowReport;
using ss::capture::TriggerCause;
using ss::capture::TriggerEdge;
using ss::stm32::Event;
using ss::stm32::host_write;
using ss::stm32::host_write_u64;

// --- The scenario's numbers -----------------------------------------------------------------

constexpr std::uint32_t sample_rate_hz = 10'000;
constexpr std::uint32_t period_us = 1'000'000 / sample_rate_hz;
constexpr std::uint32_t total_samples = 1'800;
constexpr std::uint32_t pre_samples = 32;
constexpr std::uint32_t post_samples = 64;
constexpr std::uint32_t window_records = pre_samples + post_samples;
// Not below pre_samples: no sample is stored in two windows.
constexpr std::uint32_t holdoff_samples = 48;
constexpr std::uint32_t level = 3'000;
constexpr std::uint32_t hysteresis = 200;
constexpr std::uint32_t external_trigger_sample = 1'200;
constexpr std::uint32_t window_sensor_id = 42; // a TS sensor (ids ≡ 3 mod 4 are EVT here)

// QEMU 7.2's timer model counts a 1 GHz clock (drivers/README.md); on silicon TIM2 runs at
// 84 MHz. TIM2 needs no prescaler for 10 kHz from either, so its alarms stay on time under QEMU.
constexpr std::uint32_t qemu_timer_clock_hz = 1'000'000'000;
constexpr std::uint8_t timer_priority = 4;
// More urgent than the timer: raised from the timer's interrupt, it runs before that interrupt
// posts its sample, so the external trigger is queued ahead of the sample it names.
constexpr std::uint8_t software_irq_priority = 2;
// Interrupt 80 (HASH_RNG): nothing on QEMU's netduinoplus2 raises it, so it serves as a software
// interrupt. The drivers' Irq names only the peripherals they serve.
constexpr auto software_irq = static_cast<ss::stm32::Irq>(80);

/// The time of sample k: the timer's tick count at that sample (k + 1) times the period. Never
/// 0, which is SS_TIME_UNKNOWN.
constexpr std::uint64_t time_of(std::uint32_t k) { return std::uint64_t{k + 1} * period_us; }

// --- The signal -----------------------------------------------------------------------------

// Burst A chatters: high for two samples, 2500 (below level − hysteresis) for two, from 500 to
// 539, so it crosses upwards at 500, 504, ..., 536 — ten rising edges, nine while its window
// (500..563) collects.
constexpr std::uint32_t burst_a = 500;
constexpr std::uint32_t burst_a_length = 40;
// An echo of burst A, 580..583, inside its hold-off (564..611).
constexpr std::uint32_t echo = 580;
// Burst B: 3200, then 2850 (inside the hysteresis band: still "high"), then 3200 again — one
// crossing only.
constexpr std::uint32_t burst_b = 800;
// Burst C: a square vibration of period 8 from 1500 to 1559, crossing upwards at 1500, 1508,
// ..., 1556 — eight rising edges, seven while its window (1500..1563) collects.
constexpr std::uint32_t burst_c = 1'500;
constexpr std::uint32_t burst_c_length = 60;
// Noise just below the level, in [level − hysteresis, level): it must not fire.
constexpr std::uint32_t near_noise_begin = 200;
constexpr std::uint32_t near_noise_end = 400;

constexpr std::uint32_t vibration(std::uint32_t k) {
    if (k >= burst_a && k < burst_a + burst_a_length) return (k - burst_a) % 4 < 2 ? 3'400 + k % 50 : 2'500;
    if (k >= echo && k < echo + 4) return 3'500;
    if (k >= burst_b && k < burst_b + 10) return 3'200;
    if (k >= burst_b + 10 && k < burst_b + 20) return 2'850 + k % 7;
    if (k >= burst_b + 20 && k < burst_b + 30) return 3'200;
    if (k >= burst_c && k < burst_c + burst_c_length) return (k - burst_c) % 8 < 4 ? 3'300 + k % 13 : 700;
    if (k >= near_noise_begin && k < near_noise_end) return level - hysteresis + (k * 53) % hysteresis;
    return 2'000 + (k * 37) % 41 - 20; // quiet: 1980..2020
}

// The windows the scenario must produce, in order.
struct ExpectedWindow {
    std::uint32_t trigger_sample;
    TriggerCause cause;
};
constexpr ExpectedWindow expected_windows[] = {
    {burst_a, TriggerCause::rising},
    {burst_b, TriggerCause::rising},
    {external_trigger_sample, TriggerCause::external},
    {burst_c, TriggerCause::rising},
};
constexpr std::uint32_t window_count = sizeof expected_windows / sizeof expected_windows[0];
constexpr std::uint32_t expected_ignored_busy = 9 + 7;
constexpr std::uint32_t expected_ignored_holdoff = 1;

// The signal's rising crossings with the window's hysteresis rule, counted at compile time: the
// bursts above have 10 + 1 + 1 + 8 of them and the noise none, as the comments claim.
constexpr std::uint32_t rising_crossings() {
    bool high = vibration(0) >= level;
    std::uint32_t n = 0;
    for (std::uint32_t k = 1; k < total_samples; ++k) {
        const std::uint32_t v = vibration(k);
        if (!high && v >= level) {
            high = true;
            ++n;
        } else if (high && v < level - hysteresis) {
            high = false;
        }
    }
    return n;
}
static_assert(rising_crossings() == 10 + 1 + 1 + 8);
static_assert(window_count + expected_ignored_busy + expected_ignored_holdoff == rising_crossings() + 1);

// --- Interrupts: the sample clock and the external event ------------------------------------

constexpr std::uint32_t capture_ring_length = 256; // the task may lag this many samples
constexpr std::uint32_t task_queue_capacity = 64;  // < the ring: a queued index's sample is still there
constexpr Event external_flag = 1u << 31;

// Written by the timer's interrupt only; the task reads a sample after its index was posted.
volatile std::uint32_t captured[capture_ring_length];
volatile std::uint32_t captured_at_cycles[capture_ring_length];
volatile std::uint32_t samples_produced = 0;
volatile std::uint32_t posts_refused = 0;
volatile std::uint32_t ticks_after_end = 0;
volatile bool timed_out = false;
volatile std::uint32_t software_irq_runs = 0;

ss::stm32::Scheduler scheduler;
ss::stm32::PeriodicTimer sample_timer{ss::stm32::GeneralTimer::tim2};

void on_event(void* context, Event event);
ss::stm32::Task<task_queue_capacity> window_task{on_event, nullptr};
void upload_window(void* context, Event window_number);
ss::stm32::Task<8> uploader_task{upload_window, nullptr};
SensorStore* window_store = nullptr; // the window sensor, set before the run

// Long enough after the last sample for the task to have stored everything: if the task never
// stops the scheduler (a sample lost), the run ends here and the checks say what is missing.
constexpr std::uint32_t ticks_before_giving_up = 2'000;

void on_sample_tick(void*) noexcept {
    const std::uint32_t k = samples_produced;
    if (k == total_samples) {
        if (ticks_after_end + 1 == ticks_before_giving_up) {
            timed_out = true;
            scheduler.stop();
        }
        ticks_after_end = ticks_after_end + 1;
        return;
    }
    if (k == external_trigger_sample) {
        ss::stm32::irq_set_pending(software_irq);
        asm volatile("dsb\n isb" ::: "memory"); // taken here, before the sample's post
    }
    captured[k % capture_ring_length] = vibration(k);
    captured_at_cycles[k % capture_ring_length] = ss::stm32::systick_cycles();
    if (!window_task.post(k)) posts_refused = posts_refused + 1; // that sample is lost: the checks see it
    samples_produced = k + 1;
}

} // namespace

// The external event: "something happened now", at the sample the timer is about to post.
extern "C" void HASH_RNG_IRQHandler() {
    software_irq_runs = software_irq_runs + 1;
    if (!window_task.post(external_flag | samples_produced)) posts_refused = posts_refused + 1;
}

namespace {

// --- The task: samples into the window ------------------------------------------------------

PretriggerWindow window;
std::uint32_t ring[64];

// What the task saw, for main's checks after the run.
struct TaskFigures {
    std::uint32_t samples_fed = 0;
    std::uint32_t next_sample = 0;
    std::uint32_t out_of_order = 0;
    std::uint32_t first_out_of_order = 0;
    std::uint32_t external_events = 0;
    std::uint32_t external_refused = 0;
    std::uint32_t windows_seen = 0;
    std::uint32_t started_at[window_count + 4] = {};
    std::uint32_t windows_done = 0;
    std::uint32_t uploads_refused = 0;
    PretriggerWindowReport reports[window_count + 4] = {};
    std::uint32_t max_trigger_cycles = 0;    // on_sample at a trigger: pre-window flushed to the store
    std::uint32_t max_complete_cycles = 0;   // timer interrupt of a window's last sample → window stored
    std::uint32_t max_plain_cycles = 0;      // on_sample anywhere else
};
TaskFigures seen;

void on_event(void*, Event event) {
    if ((event & external_flag) != 0) {
        ++seen.external_events;
        if (!window.trigger_external(time_of(event & ~external_flag))) ++seen.external_refused;
        return;
    }
    const std::uint32_t k = event;
    if (k != seen.next_sample && seen.out_of_order++ == 0) seen.first_out_of_order = k;
    seen.next_sample = k + 1;
    ++seen.samples_fed;
    const std::uint32_t value = captured[k % capture_ring_length];
    const std::uint32_t before = ss::stm32::systick_cycles();
    const ss::capture::PretriggerSampleResult result = window.on_sample(value, time_of(k));
    const std::uint32_t after = ss::stm32::systick_cycles();
    const std::uint32_t cycles = after - before;
    if (result.window_started) {
        if (seen.windows_seen < window_count + 4) seen.started_at[seen.windows_seen] = k;
        ++seen.windows_seen;
        if (cycles > seen.max_trigger_cycles) seen.max_trigger_cycles = cycles;
    } else if (!result.window_completed && cycles > seen.max_plain_cycles) {
        seen.max_plain_cycles = cycles;
    }
    if (result.window_completed) {
        if (seen.windows_done < window_count + 4) seen.reports[seen.windows_done] = window.last_window();
        if (!uploader_task.post(seen.windows_done)) ++seen.uploads_refused;
        ++seen.windows_done;
        const std::uint32_t latency = after - captured_at_cycles[k % capture_ring_length];
        if (latency > seen.max_complete_cycles) seen.max_complete_cycles = latency;
    }
    if (k + 1 == total_samples) scheduler.stop();
}

// --- Checks ---------------------------------------------------------------------------------


// The value and the time record `seq` of the window sensor must have.
std::uint32_t expected_value(std::uint64_t seq) {
    const ExpectedWindow& w = expected_windows[seq / window_records];
    return vibration(w.trigger_sample - pre_samples + static_cast<std::uint32_t>(seq % window_records));
}
std::uint64_t expected_time(std::uint64_t seq) {
    const ExpectedWindow& w = expected_windows[seq / window_records];
    return time_of(w.trigger_sample - pre_samples + static_cast<std::uint32_t>(seq % window_records));
}

void check_reports() {
    expect_eq("windows started at the expected samples (no other trigger fired)", window_count, seen.windows_seen);
    expect_eq("windows completed", window_count, seen.windows_done);
    for (std::uint32_t w = 0; w < window_count && w < seen.windows_done; ++w) {
        const ExpectedWindow& e = expected_windows[w];
        const PretriggerWindowReport& r = seen.reports[w];
        host_write("window ");
        host_write_u64(w);
        host_write(", trigger at sample ");
        host_write_u64(e.trigger_sample);
        host_write(e.cause == TriggerCause::external ? " (external)\n" : " (rising)\n");
        expect_eq("  started at its trigger sample", e.trigger_sample, seen.started_at[w]);
        expect_eq("  report: number", w, r.number);
        expect_eq("  report: cause", static_cast<std::uint64_t>(e.cause), static_cast<std::uint64_t>(r.cause));
        expect_true("  report: complete", r.complete);
        expect_eq("  report: trigger time = tick count x period", time_of(e.trigger_sample), r.trigger_time_us);
        expect_eq("  report: first record time = trigger time - pre x period",
                  time_of(e.trigger_sample) - std::uint64_t{pre_samples} * period_us, r.first_time_us);
        expect_eq("  report: first sequence number", std::uint64_t{w} * window_records, r.first_seq);
        expect_eq("  report: samples before the trigger", pre_samples, r.pre_samples);
        expect_eq("  report: samples from the trigger on", post_samples, r.post_samples);
        expect_eq("  report: records stored", window_records, r.stored);
        expect_eq("  report: records dropped", 0, r.dropped);
    }
}

void check_counters(const PretriggerCounters& c) {
    expect_eq("counters: samples", total_samples, c.samples);
    expect_eq("counters: windows started", window_count, c.windows_started);
    expect_eq("counters: windows completed", window_count, c.windows_completed);
    expect_eq("counters: short lead-ins", 0, c.short_pre_windows);
    expect_eq("counters: crossings ignored while a window collected (bursts A and C chatter)",
              expected_ignored_busy, c.triggers_ignored_busy);
    expect_eq("counters: crossings ignored in the hold-off (the echo of burst A)", expected_ignored_holdoff,
              c.triggers_ignored_holdoff);
    expect_eq("counters: records stored", std::uint64_t{window_count} * window_records, c.records_stored);
    expect_eq("counters: records dropped", 0, c.records_dropped);
    expect_eq("counters: refused sink calls", 0, c.refused_calls);
}

constexpr std::uint32_t all_records = window_count * window_records;

// What the uploader found in the store for each window.
struct WindowReadBack {
    std::uint32_t range_status = 1;     // ss_get_range's return
    std::uint64_t range_first_seq = 0;
    std::uint32_t range_records = 0;
    std::uint32_t wrong_values = 0;     // ss_get_range's and the consumed records'
    std::uint32_t consumed = 0;
    std::uint32_t batches = 0;
    std::uint32_t batches_off_sequence = 0;
    std::uint32_t batches_without_period = 0;
    std::uint32_t wrong_times = 0;
    std::uint32_t erase_status = 1;
};
WindowReadBack read_backs[window_count];
std::uint32_t windows_uploaded = 0;
std::uint32_t read_buffer[window_records + 16];

// The uploader task (lowest priority): when the window task says window w is complete, it reads
// the window back — values and numbers with ss_get_range, without moving a cursor, then times
// with ss_consume_batch_info — and acknowledges it (ss_erase_all_pending). It has to: with the
// STM32 defaults' 100 sensors the pool keeps one sector per sensor and two to spare, so the
// window sensor holds about three sectors and four windows of 96 records do not fit at once.
void upload_window(void*, Event w) {
    SensorStore* const store = window_store;
    if (w >= window_count) return; // an extra window: main's checks count it
    WindowReadBack& r = read_backs[w];
    const std::uint64_t first = std::uint64_t{w} * window_records;
    r.range_status = static_cast<std::uint32_t>(
        -ss_get_range(store, first, window_records + 16, read_buffer, &r.range_records, &r.range_first_seq));
    for (std::uint32_t i = 0; i < r.range_records && i < window_records; ++i)
        if (read_buffer[i] != expected_value(r.range_first_seq + i)) ++r.wrong_values;

    // Consumed batches carry their time base; each record's time follows from it.
    while (r.consumed < window_records) {
        SsBatchInfo info{};
        std::uint32_t got = 0;
        if (ss_consume_batch_info(store, read_buffer, window_records, &got, &info) != 0 || got == 0) break;
        ++r.batches;
        if (info.first_seq != first + r.consumed) ++r.batches_off_sequence;
        if (info.period_us != period_us) ++r.batches_without_period;
        for (std::uint32_t i = 0; i < got; ++i) {
            if (ss_batch_record_time(&info, i) != expected_time(info.first_seq + i)) ++r.wrong_times;
            if (read_buffer[i] != expected_value(info.first_seq + i)) ++r.wrong_values;
        }
        r.consumed += got;
    }
    r.erase_status = static_cast<std::uint32_t>(-ss_erase_all_pending(store));
    ++windows_uploaded;
}

void check_read_backs(SensorStore* store) {
    expect_eq("windows read back by the uploader", window_count, windows_uploaded);
    std::uint32_t batches = 0;
    for (std::uint32_t w = 0; w < window_count; ++w) {
        const WindowReadBack& r = read_backs[w];
        host_write("window ");
        host_write_u64(w);
        host_write(" read back:\n");
        expect_eq("  ss_get_range status", 0, r.range_status);
        expect_eq("  first sequence number (contiguous with the previous window)", std::uint64_t{w} * window_records,
                  r.range_first_seq);
        expect_eq("  records: pre + post, then nothing (no other trigger fired)", window_records, r.range_records);
        expect_eq("  records that are not the signal's sample at trigger - pre + i", 0, r.wrong_values);
        expect_eq("  records consumed (ss_consume_batch_info)", window_records, r.consumed);
        expect_eq("  batches that do not continue the sequence", 0, r.batches_off_sequence);
        expect_eq("  batches without the sensor's period", 0, r.batches_without_period);
        expect_eq("  records whose time is not trigger time - (pre - i) x period", 0, r.wrong_times);
        expect_eq("  acknowledged (ss_erase_all_pending)", 0, r.erase_status);
        batches += r.batches;
    }
    figure("batches consumed", batches);
    std::uint32_t more = 0;
    SsBatchInfo info{};
    expect_eq("nothing else in the window sensor", EAGAIN,
              static_cast<std::uint64_t>(-ss_consume_batch_info(store, read_buffer, window_records, &more, &info)));
    SsSensorStats st{};
    ss_get_sensor_stats(store, &st);
    expect_eq("sensor stats: next sequence number", all_records, st.next_seq);
    expect_eq("sensor stats: records dropped (new + recycled)", 0, st.dropped_new + st.dropped_recycled);
}

SensorStore* set_up_store() {
    SensorStore* sensors[ss::stm32::test::default_sensors] = {};
    if (!ss::stm32::test::start_default_store(sensors)) return nullptr;
    SensorStore* store = sensors[window_sensor_id];
    expect_eq("the window sensor's sample period set", 0,
              static_cast<std::uint64_t>(ss_sensor_set_sample_period(store, period_us)));
    return store;
}

} // namespace

int main() {
    ss::stm32::start_systick(168'000'000);
    SensorStore* store = set_up_store();
    if (store == nullptr) return 1;
    ss::Expected<ss::HandleSink> sink = ss::HandleSink::open(store);
    expect_true("a HandleSink over the window sensor", sink.has_value());
    if (!sink) return 1;

    PretriggerConfig cfg;
    cfg.pre_samples = pre_samples;
    cfg.post_samples = post_samples;
    cfg.sample_period_us = period_us;
    cfg.holdoff_samples = holdoff_samples;
    cfg.threshold = {true, TriggerEdge::rising, level, hysteresis};
    cfg.first_seq = 0; // a new sensor
    ss::Text why;
    const bool configured = window.configure(cfg, ring, *sink, why).has_value();
    expect_true("the window configured", configured);
    if (!configured) {
        host_write(why.c_str());
        host_write("\n");
        return 1;
    }

    window_store = store;
    expect_true("the window task added", scheduler.add(window_task, 2));
    expect_true("the uploader task added", scheduler.add(uploader_task, 1));
    ss::stm32::irq_enable(software_irq, software_irq_priority);
    expect_true("TIM2 configured for 10 kHz",
                sample_timer.configure(qemu_timer_clock_hz, sample_rate_hz, on_sample_tick, nullptr, timer_priority));
    sample_timer.start();
    scheduler.run(); // until the task has fed the last sample (or the interrupt gives up)
    sample_timer.stop();
    while (scheduler.run_one()) {} // an upload still queued behind the last sample

    host_write("the run:\n");
    expect_true("the task fed every sample before the interrupt gave up", !timed_out);
    expect_eq("samples produced by the timer interrupt", total_samples, samples_produced);
    expect_eq("samples fed to the window", total_samples, seen.samples_fed);
    expect_eq("samples out of order or lost", 0, seen.out_of_order);
    if (seen.out_of_order != 0) figure("first sample out of order", seen.first_out_of_order);
    expect_eq("posts refused (queue full)", 0, posts_refused);
    expect_eq("software interrupt runs (the external event)", 1, software_irq_runs);
    expect_eq("external triggers taken by the window", 1, seen.external_events - seen.external_refused);
    check_reports();
    check_counters(window.counters());
    expect_eq("uploads refused (queue full)", 0, seen.uploads_refused);
    check_read_backs(store);

    host_write("figures:\n");
    figure("windows", seen.windows_done);
    figure("samples", seen.samples_fed);
    figure("records stored", window.counters().records_stored);
    figure("task queue depth, most", window_task.stats().max_depth);
    figure("cycles (168 MHz SysTick), on_sample at a trigger (pre-window to the store), most",
           seen.max_trigger_cycles);
    figure("cycles, timer interrupt of a window's last sample -> window stored, most", seen.max_complete_cycles);
    figure("cycles, on_sample elsewhere, most", seen.max_plain_cycles);
    ss_deinit_system();
    host_write(failures == 0 ? "pretrigger firmware test: all checks passed\n" : "pretrigger firmware test: FAILED\n");
    return failures == 0 ? 0 : 1;
}
