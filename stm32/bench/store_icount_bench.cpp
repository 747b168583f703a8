// Instruction counts of the core's hot paths on the Cortex-M4, under QEMU with the icount
// plugin (icount_plugin.c; run_icount.sh runs it and prints the table, README.md explains).
//
// The C API as the store firmware test sets it up: the STM32 defaults (100 sensors, 102
// sectors of 256 B), the arena in the STORE region, the port's interrupt-mask locks. SysTick
// is NOT started: no interrupt can land inside a measurement, and the clock stays at 0.
//
// Every sample is ss_bench_mark(); <one call>; ss_bench_mark(); the plugin writes the
// instructions executed between consecutive markers, so the samples are every second line of
// its output (the lines in between are the set-up between samples). Before each series this
// image writes, through semihosting,
//     series <name> <samples> <divisor> <budget> <expected>
// (divisor: records per call, the table shows per record; budget 0 = none; expected: the exact
// count a calibration row must give, 0 = none) and at the end "bench samples <total>", so
// the script can pair the plugin's lines with the series. A failed set-up check or a call that
// does not return 0 ends the run with status 1.
#include <cstddef>
#include <cstdint>
#include "bench_marks.hpp"
#include "ss/crc32c.hpp"
#include "default_store.hpp"
#include "ss/sensor_storage.h"
#include "ss_stm32_port.h"
#include "semihosting.hpp"

namespace {

using ss::stm32::host_write;
using ss::stm32::host_write_u64;


constexpr std::uint32_t batch = 64;

volatile std::uint32_t crc_sink = 0; // keeps the measured CRC from being optimised away

using ss::stm32::bench::require;
using ss::stm32::bench::series;

SsSensorStats stats(SensorStore* s) {
    SsSensorStats st{};
    require(ss_get_sensor_stats(s, &st) == 0, "ss_get_sensor_stats");
    return st;
}

std::uint32_t free_sectors() {
    SsSystemStats st{};
    require(ss_get_system_stats(&st) == 0, "ss_get_system_stats");
    return st.sectors_free;
}

// Records written into the sensor's open sector: every add lands at written % capacity (a
// sector is only ever started empty, and nothing is dropped while this image runs).
std::uint32_t position(SensorStore* s, std::uint32_t per_sector) {
    return static_cast<std::uint32_t>(stats(s).written % per_sector);
}

std::uint32_t next_value = 0;

void add_unmeasured(SensorStore* s, bool evt) {
    const int rc = evt ? ss_evt_add(s, next_value, next_value) : ss_ts_add(s, next_value);
    require(rc == 0, "an add between samples");
    ++next_value;
}

// Adds until the open sector is full (not yet sealed: the next add seals it).
void fill_sector(SensorStore* s, bool evt, std::uint32_t per_sector) {
    for (;;) {
        const std::uint64_t written = stats(s).written;
        if (written != 0 && written % per_sector == 0) return;
        add_unmeasured(s, evt);
    }
}

// Hands everything unsent out and acknowledges it: every sector but the open one goes back
// to the pool.
void drain(SensorStore* s) {
    alignas(8) std::byte sink[batch * 12];
    std::uint32_t n = 0;
    while (ss_consume_batch(s, sink, batch, &n) == 0 && n != 0) {}
    require(ss_erase_all_pending(s) == 0, "ss_erase_all_pending");
}

// One sample: the call between two markers (the lambda is inlined: between the markers are the
// call's argument moves, its BL, the function, and keeping its result in a register).
template <class Call>
__attribute__((always_inline)) inline void sample(Call call) {
    ss_bench_mark();
    const int rc = call();
    ss_bench_mark();
    require(rc == 0, "a measured call returned an error");
}

// ss_ts_add / ss_evt_add landing mid-sector (positions 1 .. capacity-1 of the open sector).
void adds_mid(const char* name, SensorStore* s, bool evt, std::uint32_t per_sector, std::uint32_t reps) {
    // Both gated: the event add's 12-byte running CRC alone is about 40 of its instructions
    // (README.md, "Measured").
    series(name, reps, 1, 100);
    for (std::uint32_t r = 0; r < reps; ++r) {
        if (position(s, per_sector) == 0) add_unmeasured(s, evt);
        const std::uint32_t before = free_sectors();
        const std::uint32_t v = next_value++;
        if (evt)
            sample([&] { return ss_evt_add(s, v, v); });
        else
            sample([&] { return ss_ts_add(s, v); });
        require(free_sectors() == before, "a mid-sector add took no sector");
    }
}

// The add that finds the open sector full: it seals it (CRC32C) and opens the next, taken from
// the pool's free sectors (recycle = false: the sensor's old sectors are acknowledged and freed
// before each sample) or, with the pool full, by recycling the sensor's oldest unsent sector.
void adds_seal(const char* name, SensorStore* s, bool evt, std::uint32_t per_sector, std::uint32_t reps,
               bool recycle) {
    series(name, reps, 1, 800);
    for (std::uint32_t r = 0; r < reps; ++r) {
        if (!recycle) drain(s);
        fill_sector(s, evt, per_sector);
        const std::uint32_t free_before = free_sectors();
        const std::uint64_t recycled_before = stats(s).dropped_recycled;
        require(recycle ? free_before == 0 : free_before > 0, recycle ? "the pool is full" : "a free sector");
        const std::uint32_t v = next_value++;
        if (evt)
            sample([&] { return ss_evt_add(s, v, v); });
        else
            sample([&] { return ss_ts_add(s, v); });
        const SsSensorStats after = stats(s);
        require(after.written % per_sector == 1, "the add opened a new sector");
        if (recycle)
            require(after.dropped_recycled == recycled_before + per_sector, "the add recycled one sector");
        else
            require(free_sectors() == free_before - 1, "the add took one free sector");
    }
}

// Records per sector, found as the add that takes the sensor's second sector (the sector
// format decides: 256-B sectors with the 32-B v2 header hold 56 TS or 18 EVT records). The
// probe sensor is drained afterwards, which gives its first sector back to the pool.
std::uint32_t records_per_sector(SensorStore* probe, bool evt) {
    while (stats(probe).sectors == 1) add_unmeasured(probe, evt);
    const auto per_sector = static_cast<std::uint32_t>(stats(probe).written - 1);
    drain(probe);
    require(stats(probe).sectors == 1, "the probe gave its sector back");
    return per_sector;
}

void fill_pool(SensorStore* s, bool evt, std::uint32_t per_sector) {
    while (free_sectors() != 0) {
        fill_sector(s, evt, per_sector);
        add_unmeasured(s, evt);
    }
}

} // namespace

int main() {
    SensorStore* sensors[ss::stm32::test::default_sensors] = {};
    require(ss::stm32::test::start_default_store(sensors), "the default store");
    SensorStore* const ts = sensors[0];
    SensorStore* const evt = sensors[3];
    const std::uint32_t ts_per_sector = records_per_sector(sensors[1], false);
    const std::uint32_t evt_per_sector = records_per_sector(sensors[7], true);
    host_write("records per sector: ts ");
    host_write_u64(ts_per_sector);
    host_write(", evt ");
    host_write_u64(evt_per_sector);
    host_write("\n");

    ss::stm32::bench::calibrate();

    // For comparison with the seal: the CRC32C of one whole 256-B sector (the core's software
    // slicing-by-8; the Cortex-M4 has no CRC instruction), and a store of the result.
    {
        series("crc32c_256_bytes", 10, 1, 0);
        static std::byte sector_bytes[256];
        for (int r = 0; r < 10; ++r) {
            sector_bytes[r] = std::byte{0x5a};
            sample([&] {
                crc_sink = ss::crc32c(sector_bytes, sizeof sector_bytes);
                return 0;
            });
        }
    }

    // Single adds. Free sectors first (two are free after registration: 102 - 100).
    adds_seal("ts_add_seal_free_sector", ts, false, ts_per_sector, 30, false);
    adds_seal("evt_add_seal_free_sector", evt, true, evt_per_sector, 30, false);
    adds_mid("ts_add_mid_sector", ts, false, ts_per_sector, 240);
    adds_mid("evt_add_mid_sector", evt, true, evt_per_sector, 80);
    fill_pool(ts, false, ts_per_sector);
    adds_seal("ts_add_seal_recycle", ts, false, ts_per_sector, 30, true);
    adds_seal("evt_add_seal_recycle", evt, true, evt_per_sector, 30, true);

    // ss_ts_add_many of 64 records (spans one or two sector ends), the pool full.
    {
        series("ts_add_many_64_per_record", 60, batch, 0);
        std::uint32_t values[batch];
        for (int r = 0; r < 60; ++r) {
            for (auto& v : values) v = next_value++;
            std::uint32_t stored = 0;
            sample([&] { return ss_ts_add_many(ts, values, batch, &stored); });
            require(stored == batch, "ss_ts_add_many stored all");
        }
    }

    // Reads, from unsent data. The EVT sensor gives its sectors back first, so that the adds
    // between samples find free sectors and recycle nothing.
    drain(evt);
    {
        // One record from the middle of a sector.
        series("consume_next_mid_sector", 100, 1, 0);
        drain(ts);
        std::uint32_t out = 0;
        for (int r = 0; r < 100; ++r) {
            SsSensorStats st = stats(ts);
            if (st.unsent < 2) {
                drain(ts);
                for (std::uint32_t k = 0; k < 2 * ts_per_sector; ++k) add_unmeasured(ts, false);
                st = stats(ts);
            }
            if (st.pending_seq % ts_per_sector == 0) require(ss_consume_next(ts, &out) == 0, "a read between samples");
            sample([&] { return ss_consume_next(ts, &out); });
        }
        // The first record of a sealed sector: the read verifies the sector's CRC32C first
        // (SS_VERIFY_FIRST_READ, the STM32 default).
        series("consume_next_first_of_sector", 30, 1, 0);
        for (int r = 0; r < 30; ++r) {
            drain(ts);
            fill_sector(ts, false, ts_per_sector);
            for (std::uint32_t k = 0; k < ts_per_sector + 1; ++k) add_unmeasured(ts, false);
            while (stats(ts).pending_seq % ts_per_sector != 0)
                require(ss_consume_next(ts, &out) == 0, "a read between samples");
            sample([&] { return ss_consume_next(ts, &out); });
        }
        // A batch of 64 (it spans two sectors; their CRCs are verified on the way).
        series("consume_batch_64_per_record", 60, batch, 0);
        std::uint32_t buf[batch];
        for (int r = 0; r < 60; ++r) {
            drain(ts);
            for (std::uint32_t k = 0; k < batch; ++k) add_unmeasured(ts, false);
            std::uint32_t n = 0;
            sample([&] { return ss_consume_batch(ts, buf, batch, &n); });
            require(n == batch, "ss_consume_batch returned 64");
        }
    }

    // The manager tick: 100 sensors, nothing due (the clock stands at 0).
    series("manager_tick", 30, 1, 0);
    for (int r = 0; r < 30; ++r) sample([] { ss_manager_tick(); return 0; });

    ss_deinit_system();
    ss::stm32::bench::announce_total();
    return 0;
}
