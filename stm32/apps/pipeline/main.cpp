// The pipeline image: the Linux gateway's capture → processing → store → upload pipeline on the
// MCU under the cooperative scheduler, with the STM32 default store (100 sensors, 102 sectors of
// 256 B) in the 32 KiB `.store` region. It is also a firmware test: after 4096 scans of four
// channels it checks that every sample the interrupt produced was stored and read back exactly
// once, in order, with the value the processing chain must give, that no half-buffer was lost
// or used twice and nothing was dropped, prints the scheduler's, the store's and the latency
// figures over semihosting, and exits 0 — or non-zero with the failing checks on the console.
#include <cstddef>

#include "firmware_check.hpp"
#include "pipeline.hpp"
#include "semihosting.hpp"
#include "ss_stm32_port.h"
#include "systick.hpp"

namespace ss::stm32::pipeline {

ss::stm32::Scheduler scheduler;
SensorStore* channel_store[channels] = {};

} // namespace ss::stm32::pipeline

namespace {

namespace pl = ss::stm32::pipeline;
using ss::stm32::host_write;
using ss::stm32::test::expect_eq;
using ss::stm32::test::expect_true;
using ss::stm32::test::figure;

// The store's arena, in the linker script's STORE region: an arena that did not fit would fail
// the link, not the run.
alignas(8) __attribute__((section(".store"))) std::byte store_arena[SS_STM32_ARENA_BYTES(100, 102 * 256, 256)];

bool init_store() {
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    std::size_t need = 0;
    expect_eq("ss_arena_bytes for the STM32 defaults", 0, static_cast<std::uint32_t>(-ss_arena_bytes(&cfg, &need)));
    figure("arena bytes (ss_arena_bytes: 100 sensors, 102 sectors of 256 B, interrupt-mask locks)", need);
    figure("store region bytes free (of 32 768)", 32 * 1024 - sizeof store_arena);
    cfg.arena = store_arena;
    cfg.arena_bytes = sizeof store_arena;
    if (ss_init_system(&cfg) != 0) {
        host_write("ss_init_system: ");
        host_write(ss_last_error());
        host_write("\n");
        return false;
    }
    // Every default sensor registered, four of them fed: the store's map in real use.
    std::uint32_t registered = 0;
    for (std::uint32_t id = 0; id < pl::sensors_registered; ++id) {
        SensorStore* store = nullptr;
        if (ss_sensor_init(id, SENSOR_TS, &store) != 0) continue;
        ++registered;
        if (id < pl::channels) pl::channel_store[id] = store;
    }
    expect_eq("sensors registered (the STM32 defaults' maximum)", pl::sensors_registered, registered);
    return registered == pl::sensors_registered;
}

void task_figures(const char* name, const ss::stm32::TaskBase& task) {
    const ss::stm32::TaskStats s = task.stats();
    host_write(name);
    host_write(": events ");
    ss::stm32::host_write_u64(s.handled);
    host_write(", max queue depth ");
    ss::stm32::host_write_u64(s.max_depth);
    host_write(" of ");
    ss::stm32::host_write_u64(task.capacity());
    host_write(", overflows ");
    ss::stm32::host_write_u64(s.overflows);
    host_write(", max run ");
    ss::stm32::host_write_u64(s.max_run_cycles);
    host_write(" cycles (");
    ss::stm32::host_write_u64(s.max_run_cycles / (pl::cpu_hz / 1'000'000));
    host_write(" us)\n");
    expect_eq("  no event refused", 0, s.overflows);
}

void check_capture() {
    const pl::CaptureFigures& c = pl::capture_figures();
    const ss::capture::DoubleBufferStats d = pl::adc_buffer.stats();
    expect_true("the run ended by the uploader reading everything back, not by the watchdog", !c.stopped_by_watchdog);
    expect_eq("scans produced by the sample clock interrupt", pl::scans_total, c.scans_produced);
    expect_eq("halves posted to processing", pl::halves_total, c.halves_posted);
    expect_eq("posts refused", 0, c.posts_refused);
    expect_eq("halves the double buffer kept back", 0, c.halves_not_handed);
    expect_eq("double buffer: halves completed", pl::halves_total, d.halves_completed);
    expect_eq("double buffer: halves taken", pl::halves_total, d.halves_taken);
    expect_eq("double buffer: halves released", pl::halves_total, d.halves_released);
    expect_eq("double buffer: overruns", 0, d.overruns);
    expect_eq("double buffer: halves dropped or overwritten", 0, d.halves_dropped + d.halves_overwritten);
    expect_eq("double buffer: bad releases", 0, d.bad_releases);
    expect_eq("double buffer: completion events out of order", 0, d.missed_events);
}

void check_processing() {
    const pl::ProcessingFigures& p = pl::processing_figures();
    expect_eq("halves processed", pl::halves_total, p.halves_processed);
    expect_eq("half taken = half posted (indices alternate 0, 1)", 0, p.half_index_mismatches);
    expect_eq("posted halves the double buffer could not give", 0, p.take_failures);
    expect_eq("releases refused", 0, p.release_failures);
    expect_eq("decode failures", 0, p.decode_failures);
    const std::uint32_t cycles_per_us = pl::cpu_hz / 1'000'000;
    figure("latency, half completed -> all channels stored: max cycles", p.max_latency_cycles);
    figure("  max us", p.max_latency_cycles / cycles_per_us);
    figure("  mean us", p.halves_processed == 0 ? 0 : p.sum_latency_cycles / p.halves_processed / cycles_per_us);
    figure("  one half's period, us", 1000 * pl::scans_per_half / pl::scans_per_ms);
}

void check_channels() {
    const pl::ProcessingFigures& p = pl::processing_figures();
    const pl::UploaderFigures& u = pl::uploader_figures();
    for (std::uint32_t channel = 0; channel < pl::channels; ++channel) {
        static const char* const names[pl::channels] = {
            "channel 0 (raw)", "channel 1 (decimate 2, average)", "channel 2 (moving average 4)",
            "channel 3 (decimate 4, pick first)"};
        host_write(names[channel]);
        host_write("\n");
        const std::uint32_t expected = pl::records_expected(channel);
        expect_eq("  records offered to the store", expected, p.records_offered[channel]);
        expect_eq("  records refused by the store", 0, p.records_refused[channel]);
        expect_eq("  records read back", expected, u.read_back[channel]);
        expect_eq("  batches not starting where the last ended", 0, u.sequence_gaps[channel]);
        expect_eq("  records with a wrong value", 0, u.wrong_values[channel]);
        if (u.wrong_values[channel] != 0) {
            figure("  first wrong record's sequence number", u.first_wrong_seq[channel]);
            figure("  its value", u.first_wrong_value[channel]);
        }
        SsSensorStats s{};
        expect_eq("  ss_get_sensor_stats", 0, static_cast<std::uint32_t>(-ss_get_sensor_stats(pl::channel_store[channel], &s)));
        expect_eq("  next sequence number = records stored", expected, s.next_seq);
        expect_eq("  erased = records stored (all acknowledged)", expected, s.erased);
        expect_eq("  retained at the end", 0, s.retained);
        expect_eq("  dropped (new, recycled, corrupt)", 0, s.dropped_new + s.dropped_recycled + s.dropped_corrupt);
    }
    expect_eq("uploader: consume or erase errors", 0, u.api_errors);
    figure("uploader batches", u.batches);
}

void check_store() {
    SsSystemStats s{};
    expect_eq("ss_get_system_stats", 0, static_cast<std::uint32_t>(-ss_get_system_stats(&s)));
    figure("sensors registered", s.sensors);
    figure("sectors in the pool", s.sectors_total);
    figure("sector bytes", s.sector_bytes);
    figure("sectors free at the end", s.sectors_free);
    figure("fewest sectors ever free", s.sectors_free_min);
    expect_eq("records dropped over all sensors", 0, s.dropped_new + s.dropped_recycled + s.dropped_corrupt);
    expect_eq("health flags", 0, s.health_flags);
    SsScrubReport report{};
    expect_eq("ss_scrub", 0, static_cast<std::uint32_t>(-ss_scrub(&report)));
    expect_eq("sealed sectors failing their CRC32C", 0, report.corrupt_sectors);
    figure("manager ticks run (100 ms each)", pl::manager_ticks());
    expect_true("the manager ticked every 100 ms of the run (at least 9 times)", pl::manager_ticks() >= 9);
}

} // namespace

int main() {
    host_write("pipeline firmware: capture -> processing -> store -> uploader under the cooperative scheduler\n");
    if (!init_store() || !pl::configure_processing()) return ss::stm32::test::finish("pipeline firmware");
    expect_true("add: uploader at priority 3", pl::scheduler.add(pl::uploader_task, 3));
    expect_true("add: processing at priority 2", pl::scheduler.add(pl::processing_task, 2));
    expect_true("add: manager at priority 1", pl::scheduler.add(pl::manager_task, 1));

    ss::stm32::set_systick_hook(pl::on_sample_clock_tick);
    ss::stm32::start_systick(pl::cpu_hz);
    const std::uint32_t run_start = ss::stm32::systick_cycles();
    pl::scheduler.run();
    const std::uint32_t run_cycles = ss::stm32::systick_cycles() - run_start;
    ss::stm32::set_systick_hook(nullptr);
    figure("run length, ms of SysTick time", run_cycles / (pl::cpu_hz / 1000));

    task_figures("processing task (priority 2)", pl::processing_task);
    task_figures("uploader task   (priority 3)", pl::uploader_task);
    task_figures("manager task    (priority 1)", pl::manager_task);
    check_capture();
    check_processing();
    check_channels();
    check_store();
    ss_deinit_system();
    return ss::stm32::test::finish("pipeline firmware");
}
