// The core on the MCU, under QEMU (netduinoplus2): the default STM32 configuration — 100
// sensors, 102 sectors of 256 B — in the 32 KiB store region with the port's interrupt-mask
// locks, the C API as firmware calls it. Checks, each a line on the host's console and a
// non-zero exit status when it fails: every sensor registers; records read back exactly; the
// pool, once full, recycles a sensor's oldest unsent sector (counted) and refuses new records
// when only pending data is left (counted, the sequence number skipped); acknowledged data
// frees its sectors; the manager tick seals and verifies.
#include <cstddef>
#include <cerrno>
#include <cstdint>

#include "ss/sensor_storage.h"
#include "ss_stm32_port.h"
#include "firmware_check.hpp"
#include "semihosting.hpp"
#include "systick.hpp"

namespace {

using ss::stm32::host_write;
using ss::stm32::host_write_u64;

// The store's arena in the STORE region, sized by the compiler for the STM32 defaults: an arena
// that does not fit the region is a link error.
alignas(8) __attribute__((section(".store"))) std::byte store_arena[SS_STM32_ARENA_BYTES(100, 102 * 256, 256)];

using ss::stm32::test::check;
using ss::stm32::test::failures;
using ss::stm32::test::figure;

} // namespace

int main() {
    ss::stm32::start_systick(168'000'000);
    SsInitCfg cfg;
    ss_config_defaults(&cfg, SS_TARGET_STM32);
    std::size_t need = 0;
    check(ss_arena_bytes(&cfg, &need) == 0, "ss_arena_bytes for the STM32 defaults");
    {
        // A store counts its records in 16 bits here: a pool one sensor could fill past 65 535
        // time-series records is refused, with the reason, before any memory is touched.
        SsInitCfg big = cfg;
        std::size_t big_need = 0;
        big.ram_pool_bytes = std::size_t{65535 / 56} * 256; // 56 TS records a 256-byte sector
        check(ss_arena_bytes(&big, &big_need) == 0, "a pool of 1 170 sectors (65 520 records) is accepted");
        big.ram_pool_bytes += 256;
        check(ss_arena_bytes(&big, &big_need) == -EINVAL, "a pool of 1 171 sectors (65 576 records) is refused");
        host_write(ss_last_error());
        host_write("\n");
    }
    figure("arena bytes (100 sensors, 102 sectors of 256 B, interrupt-mask locks)", need);
    check(need == sizeof store_arena, "SS_STM32_ARENA_BYTES sized the static arena exactly as ss_arena_bytes says");
    figure("store region bytes free", 32 * 1024 - sizeof store_arena);
    cfg.arena = store_arena;
    cfg.arena_bytes = sizeof store_arena;
    const int init = ss_init_system(&cfg);
    check(init == 0, "ss_init_system in the store region");
    if (init != 0) {
        host_write(ss_last_error());
        host_write("\n");
        return 1;
    }
    SensorStore* sensors[100] = {};
    int registered = 0;
    for (std::uint32_t i = 0; i < 100; ++i)
        registered += ss_sensor_init(i, i % 4 == 3 ? SENSOR_EVT : SENSOR_TS, &sensors[i]) == 0;
    check(registered == 100, "100 sensors registered");

    // A few records each, read back exactly.
    for (std::uint32_t i = 0; i < 100; ++i)
        for (std::uint32_t k = 0; k < 10; ++k) {
            if (i % 4 == 3) ss_evt_add(sensors[i], i * 1000 + k, 1'000 + k);
            else ss_ts_add(sensors[i], i * 1000 + k);
        }
    bool exact = true;
    for (std::uint32_t i = 0; i < 100 && exact; ++i) {
        // Time-series records are the 4-byte value; events the value, then the 8-byte time.
        const std::uint32_t record_bytes = i % 4 == 3 ? 12 : 4;
        alignas(8) std::byte records[10 * 12] = {};
        std::uint32_t n = 0;
        exact = ss_consume_batch(sensors[i], records, 10, &n) == 0 && n == 10;
        for (std::uint32_t k = 0; k < n && exact; ++k) {
            std::uint32_t value = 0;
            __builtin_memcpy(&value, records + k * record_bytes, sizeof value);
            exact = value == i * 1000 + k;
        }
        exact = exact && ss_erase_all_pending(sensors[i]) == 0;
    }
    check(exact, "every record read back exactly, then erased");

    // The single adds' inline path (mid-sector) and their general path (the first record of a
    // sector) refuse a store of the other type and altered handles, and store nothing.
    {
        SensorStore* const ts = sensors[1];
        SensorStore* const evt = sensors[3];
        SsSensorStats ts_before{}, evt_before{};
        bool refused = true;
        for (int round = 0; round < 2; ++round) {
            ss_get_sensor_stats(ts, &ts_before);
            ss_get_sensor_stats(evt, &evt_before);
            refused = refused && ss_evt_add(ts, 1, 2) == -EINVAL && ss_ts_add(evt, 1) == -EINVAL;
            for (std::uintptr_t bit : {std::uintptr_t{1}, std::uintptr_t{1} << 16, std::uintptr_t{1} << 31}) {
                auto* const altered_ts = reinterpret_cast<SensorStore*>(reinterpret_cast<std::uintptr_t>(ts) ^ bit);
                auto* const altered_evt = reinterpret_cast<SensorStore*>(reinterpret_cast<std::uintptr_t>(evt) ^ bit);
                refused = refused && ss_ts_add(altered_ts, 1) == -EINVAL && ss_evt_add(altered_evt, 1, 2) == -EINVAL;
            }
            SsSensorStats ts_after{}, evt_after{};
            ss_get_sensor_stats(ts, &ts_after);
            ss_get_sensor_stats(evt, &evt_after);
            refused = refused && ts_after.next_seq == ts_before.next_seq && evt_after.next_seq == evt_before.next_seq;
            // Round two: each open sector holds a record, so the adds above took the inline path.
            refused = refused && ss_ts_add(ts, 7) == 0 && ss_evt_add(evt, 7, 8) == 0;
        }
        check(refused, "a wrong-type or altered handle is refused by the single adds, inline or not, storing nothing");
        std::uint32_t n = 0;
        alignas(8) std::byte drain_buf[4 * 12];
        ss_consume_batch(ts, drain_buf, 4, &n);
        ss_consume_batch(evt, drain_buf, 4, &n);
        ss_erase_all_pending(ts);
        ss_erase_all_pending(evt);
    }

    // A writer-numbered (relayed) store: records after a seek take the sought numbers, through
    // the inline add too (the open sector's second record on); a batch stops at the gap; the
    // durable end (no tier below RAM) is the first record retained.
    {
        SensorStore* const relay = sensors[5];
        SsSensorStats rs{};
        ss_get_sensor_stats(relay, &rs);
        const std::uint64_t start = rs.next_seq;
        for (std::uint32_t k = 0; k < 3; ++k) ss_ts_add(relay, k);
        bool ok = ss_sensor_seek(relay, start + 1) == -EINVAL && ss_sensor_seek(relay, 1000) == 0;
        for (std::uint32_t k = 0; k < 3; ++k) ok = ok && ss_ts_add(relay, 1000 + k) == 0;
        std::uint64_t end = 0;
        ok = ok && ss_get_durable_end(relay, &end) == 0 && end == start;
        std::uint32_t vals[8] = {};
        std::uint32_t n = 0;
        std::uint64_t first = 0;
        ok = ok && ss_consume_batch_ex(relay, vals, 8, &n, &first) == 0 && first == start && n == 3 && vals[2] == 2;
        ok = ok && ss_consume_batch_ex(relay, vals, 8, &n, &first) == 0 && first == 1000 && n == 3 && vals[0] == 1000 &&
             vals[2] == 1002;
        ok = ok && ss_erase_all_pending(relay) == 0 && ss_get_durable_end(relay, &end) == 0 && end == 1003;
        ok = ok && ss_sensor_seek(relay, 1002) == -EINVAL && ss_sensor_flush(relay) == 0;
        check(ok, "a relayed store: a seek numbers the next records, inline adds included; a batch stops at the gap");
    }

    // One sensor fills the pool: its oldest unsent sectors are recycled, counted.
    SensorStore* big = sensors[0];
    std::uint32_t v = 0;
    for (std::uint32_t k = 0; k < 20'000; ++k) ss_ts_add(big, v++);
    SsSensorStats st{};
    ss_get_sensor_stats(big, &st);
    figure("records retained by one sensor with the pool full", st.retained);
    figure("records recycled", st.dropped_recycled);
    check(st.dropped_recycled > 0 && st.dropped_new == 0, "a full pool recycles the oldest unsent data, counted");

    // Everything pending: nothing may be recycled, new records are refused and counted.
    std::uint32_t consumed_buf[64];
    std::uint32_t got = 0;
    while (ss_consume_batch(big, consumed_buf, 64, &got) == 0 && got != 0) {}
    const std::uint64_t next_before = st.next_seq;
    int refused = 0;
    for (int k = 0; k < 100; ++k) refused += ss_ts_add(big, v++) == -ENOSPC;
    ss_get_sensor_stats(big, &st);
    figure("adds refused with only pending data left", static_cast<std::uint64_t>(refused));
    check(refused > 0 && st.dropped_new >= static_cast<std::uint64_t>(refused) && st.next_seq == next_before + 100,
          "with only pending data left, new records are refused, counted, their numbers skipped");
    check(ss_erase_all_pending(big) == 0 && (ss_get_sensor_stats(big, &st), st.retained) <= 1020,
          "acknowledged data frees its sectors");

    // The manager tick seals what is full; a scrub verifies every sealed sector's CRC.
    ss_manager_tick();
    SsScrubReport report{};
    check(ss_scrub(&report) == 0 && report.corrupt_sectors == 0, "sealed sectors verify (CRC32C)");
    figure("sectors verified", report.sectors_checked);
    ss_deinit_system();
    host_write(failures == 0 ? "store firmware test: all checks passed\n" : "store firmware test: FAILED\n");
    return failures == 0 ? 0 : 1;
}
